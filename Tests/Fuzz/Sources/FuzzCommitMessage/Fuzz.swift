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

/// SwiftPM links an executable's entry point as `FuzzCommitMessage_main`: hand control to libFuzzer's driver.
@_cdecl("FuzzCommitMessage_main")
public func fuzzCommitMessageMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzCommitMessage)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32
