import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `relflow hook commit-msg FILE`: what the commit-msg shim runs, on every commit.
public enum CommitMsgHook {
    /// Lints the message git is about to record. git runs the hook at the top of the work
    /// tree; when the repository's layout is the usual one, this reads `.relflow.toml` and HEAD
    /// directly (a few milliseconds in all); otherwise it opens the repository with libgit2.
    public static func run(messageFile: String, environment: (String) -> String?) throws(RelflowError) -> LintResult {
        guard let bytes = readFileBytes(messageFile) else {
            throw .usage("cannot read the commit message file '\(messageFile)'", hint: "git passes it as the hook's first argument")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let quick = try quickSettings(environment: environment) {
            return LintRunner(config: quick.config).lintMessage(text, commentChar: "#", branch: quick.branch)
        }
        let context = try RepositoryContext.open(path: nil, configPath: nil, fromEnvironment: environment("GIT_DIR") != nil)
        let repo = context.repository
        var commentChar: Character = "#"
        if let configured = repo.configString("core.commentChar"), configured.count == 1, let c = configured.first {
            commentChar = c
        }
        let branch = (try? repo.head())?.branchName
        return LintRunner(config: context.config).lintMessage(text, commentChar: commentChar, branch: branch)
    }

    static func quickSettings(environment: (String) -> String?) throws(RelflowError) -> (config: RelflowConfig, branch: String?)? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        let workTree = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let gitDir: String
        if let fromEnv = environment("GIT_DIR") {
            gitDir = fromEnv.hasPrefix("/") ? fromEnv : workTree + "/" + fromEnv
        } else if let found = HookEnvironment.gitDirectory(workTree: workTree) {
            gitDir = found
        } else {
            return nil
        }
        // A custom comment character changes what git strips: let libgit2 read the config then.
        if HookEnvironment.configMayMention("commentchar", gitDirectory: gitDir, home: environment("HOME")) { return nil }
        var config = RelflowConfig()
        if let bytes = readFileBytes(workTree + "/" + ConfigLoader.fileName) {
            config = try ConfigLoader.load(bytes: bytes)
        }
        return (config, HookEnvironment.currentBranch(gitDirectory: gitDir))
    }
}
