import Foundation
import Git
import RelflowCore

/// One linted message: a commit of a range, or a message file.
public struct LintResult: Sendable {
    /// The commit, for a range; nil for a file or stdin.
    public let commit: ObjectID?
    public let header: String
    public let kind: ParsedMessage.Kind
    public let problems: [LintProblem]

    public var hasErrors: Bool { problems.contains { $0.severity == .error } }
}

/// `relflow lint`: ranges of commits, message files, stdin.
public struct LintRunner {
    let config: RelflowConfig
    public init(config: RelflowConfig) { self.config = config }

    func linter(restrictedBy branch: String?) -> CommitLinter {
        var linter = CommitLinter(rules: config.commits)
        if let branch, branch.hasPrefix(config.hotfix.branchPrefix) {
            linter.restrictTypes = (config.hotfix.allowedTypes, "on hotfix branch '\(branch)'")
        }
        return linter
    }

    /// The most of one message relflow lints: 1 MiB. A longer one (a log pasted by mistake,
    /// or a hook fed on purpose) is one error; only its first line is read, for its kind.
    public static let maximumMessageBytes = 1 << 20

    func tooLarge(size: Int, firstLine: @autoclosure () -> String, commit: ObjectID?, branch: String? = nil) -> LintResult? {
        guard size > Self.maximumMessageBytes else { return nil }
        let first = String(decoding: firstLine().utf8.prefix(4096), as: UTF8.self)
        let (parsed, problems) = linter(restrictedBy: branch).lint(MessageLines(committed: first + "\n"), mode: .history)
        return LintResult(commit: commit, header: parsed.header, kind: parsed.kind, problems: problems + [
            LintProblem(line: 1, rule: "message-size", message: "the message is \(size) bytes; relflow lints at most \(Self.maximumMessageBytes) bytes (1 MiB) of one message",
                        hint: "keep logs and long output out of the message (a file in the commit, or the pull request)"),
        ])
    }

    /// Lints a message as `git commit` will record it from an edited file.
    public func lintMessage(_ text: String, commentChar: Character = "#", branch: String? = nil) -> LintResult {
        // Measured as git will record it: without the comments and what follows the scissors
        // line (`git commit -v` puts the whole diff there).
        let lines = MessageLines(editedFile: text, commentChar: commentChar)
        let size = lines.lines.reduce(0) { $0 + $1.text.utf8.count + 1 }
        if let tooLarge = tooLarge(size: size, firstLine: lines.lines.first?.text ?? "", commit: nil, branch: branch) { return tooLarge }
        let (parsed, problems) = linter(restrictedBy: branch).lint(lines, mode: .message)
        return LintResult(commit: nil, header: parsed.header, kind: parsed.kind, problems: problems)
    }

    /// Lints the commits of `range` (`A..B`, or a single revision for that commit alone),
    /// oldest first.
    public func lintRange(_ range: String, in context: RepositoryContext) throws(RelflowError) -> [LintResult] {
        let repo = context.repository
        try context.requireFullHistory()
        guard range.contains("..") else {
            let id = try context.resolve(range)
            let commit = try git { () throws(GitError) in try repo.commit(id) }
            return [lint(commit)]
        }
        if range.contains("...") {
            throw RelflowError.usage("symmetric ranges ('\(range)') are not supported",
                                     hint: "write 'A..B' for the commits of B that are not in A")
        }
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2 else {
            throw RelflowError.usage("'\(range)' is not a range: write A..B (one '..')", hint: "e.g. relflow lint origin/main..HEAD")
        }
        let from = try context.resolve(parts[0].isEmpty ? "HEAD" : parts[0])
        let to = try context.resolve(parts[1].isEmpty ? "HEAD" : parts[1])
        // Oldest first. The walk reads only parents and dates from the raw commits, so a
        // commit whose author line libgit2 refuses is linted like any other.
        return try git { () throws(GitError) in
            try Ancestry(repo).commits(from: [to], excluding: [from]).reversed().map { (id: ObjectID) throws(GitError) in lint(try repo.commit(id)) }
        }
    }

    func lint(_ commit: Commit) -> LintResult {
        if let tooLarge = tooLarge(size: commit.message.utf8.count, firstLine: String(commit.message.utf8.prefix { $0 != UInt8(ascii: "\n") }) ?? "",
                                   commit: commit.id) { return tooLarge }
        let (parsed, problems) = CommitLinter(rules: config.commits).lint(MessageLines(committed: commit.message), mode: .history)
        return LintResult(commit: commit.id, header: parsed.header, kind: parsed.kind, problems: problems)
    }

    /// The range `lint` checks when given none: the commits of HEAD that its upstream, or else
    /// the main branch, does not have yet; HEAD alone when there is neither.
    public static func defaultRange(in context: RepositoryContext) -> String {
        let repo = context.repository
        let main = context.config.branches.main
        let head = try? repo.head()
        let branch = head?.branchName
        var candidates: [String] = []
        if let branch { candidates.append("refs/heads/\(branch)@{upstream}") }
        if branch != main { candidates += ["refs/remotes/origin/\(main)", "refs/heads/\(main)"] }
        for candidate in candidates {
            if let base = try? repo.resolveCommit(candidate), let tip = head?.commit, base != tip {
                return "\(base.hex)..HEAD"
            }
        }
        return "HEAD"
    }
}
