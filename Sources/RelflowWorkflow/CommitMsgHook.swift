import Git
import RelflowCore

/// `relflow hook commit-msg FILE`: what the commit-msg shim runs.
public struct CommitMsgHook {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func run(messageFile: String) throws(RelflowError) -> LintResult {
        guard let bytes = readFileBytes(messageFile) else {
            throw .usage("cannot read the commit message file '\(messageFile)'", hint: "git passes it as the hook's first argument")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let repo = context.repository
        var commentChar: Character = "#"
        if let configured = repo.configString("core.commentChar"), configured.count == 1, let c = configured.first {
            commentChar = c
        }
        let branch = (try? repo.head())?.branchName
        return LintRunner(config: context.config).lintMessage(text, commentChar: commentChar, branch: branch)
    }
}
