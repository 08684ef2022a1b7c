import FuzzSupport
import RelflowCore

/// Any bytes as a commit message: parsed, linted in both modes and as an edited file, with
/// the default rules and the strictest ones. Must not crash, hang or grow quadratically.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommitMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var strict = RelflowConfig().commits
    strict.requireScope = true
    strict.requireBodyForBreaking = true
    strict.typeCase = .lower
    for rules in [RelflowConfig().commits, strict] {
        let linter = CommitLinter(rules: rules)
        _ = linter.lint(MessageLines(committed: text), mode: .message)
        _ = linter.lint(MessageLines(editedFile: text), mode: .history)
    }
    let parsed = ConventionalCommitParser.parse(text, keepBody: false)
    if let commit = parsed.commit { _ = VersionPolicy.bump(for: commit, rules: RelflowConfig().commits) }
    return 0
}

@_cdecl("FuzzCommitMessage_main")
public func fuzzCommitMessageMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzCommitMessage)
}
