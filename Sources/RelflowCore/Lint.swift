/// Checks commit messages against Conventional Commits 1.0.0 and the `[commits]` rules.
public struct CommitLinter: Sendable {
    public enum Mode: Sendable {
        /// A message about to be committed (commit-msg hook, `--message-file`, stdin):
        /// `fixup!`/`squash!` are fine, `rebase --autosquash` will fold them.
        case message
        /// Commits about to land (a range): a `fixup!` left in them is a problem.
        case history
    }

    public var rules: RelflowConfig.Commits
    /// Extra allowed types, e.g. on a hotfix branch the hotfix rule narrows them.
    public var restrictTypes: (types: [String], reason: String)?

    public init(rules: RelflowConfig.Commits, restrictTypes: (types: [String], reason: String)? = nil) {
        self.rules = rules
        self.restrictTypes = restrictTypes
    }

    public func lint(_ message: MessageLines, mode: Mode) -> (parsed: ParsedMessage, problems: [LintProblem]) {
        let parsed = ConventionalCommitParser.parse(message)
        return (parsed, problems(for: parsed, firstLine: message.lines.first?.number ?? 1, mode: mode))
    }

    public func problems(for parsed: ParsedMessage, firstLine: Int, mode: Mode) -> [LintProblem] {
        switch parsed.kind {
        case .empty:
            return parsed.problems
        case .merge:
            return []
        case .autosquash:
            guard mode == .history else { return [] }
            return [LintProblem(line: firstLine, column: 1, rule: "no-autosquash",
                                message: "'\(parsed.header.prefix(while: { $0 != " " }))' commit: it was meant to be squashed before landing",
                                hint: "run 'git rebase -i --autosquash <base>' to fold it into the commit it fixes")]
        case .nonConventional:
            if rules.allowNonConventional { return [] }
            return parsed.problems
        case .gitRevert:
            if let restrict = restrictTypes, !restrict.types.contains("revert") {
                return [LintProblem(line: firstLine, column: 1, rule: "type-enum", message: "type 'revert' is not allowed \(restrict.reason)",
                                    hint: "allowed: " + restrict.types.joined(separator: ", "))]
            }
            return parsed.problems
        case .conventional:
            break
        }
        guard let commit = parsed.commit else { return parsed.problems }
        var out = parsed.problems
        let type = commit.normalizedType
        let allowed = rules.types.map(\.type)
        if !allowed.isEmpty, !allowed.contains(type) {
            let close = allowed.min(by: { editDistance($0, type) < editDistance($1, type) })
            var hint = "allowed types: " + allowed.joined(separator: ", ")
            if let close, editDistance(close, type) <= 2 { hint = "did you mean '\(close)'? " + hint }
            out.append(LintProblem(line: firstLine, column: 1, rule: "type-enum", message: "type '\(commit.type)' is not allowed", hint: hint))
        } else if rules.typeCase != .any, commit.type != type {
            let refused = rules.typeCase == .lower
            out.append(LintProblem(line: firstLine, column: 1, rule: "type-case", severity: refused ? .error : .warning,
                                   message: refused ? "type '\(commit.type)' must be lowercase" : "type '\(commit.type)' is read as '\(type)'; lowercase is the usual style",
                                   hint: "write '\(type)'\(refused ? "" : " (or set [commits] type_case = \"any\")")"))
        }
        if let restrict = restrictTypes {
            if !restrict.types.contains(type) {
                out.append(LintProblem(line: firstLine, column: 1, rule: "type-enum",
                                       message: "type '\(type)' is not allowed \(restrict.reason)",
                                       hint: "allowed: " + restrict.types.joined(separator: ", ")))
            }
            if commit.isBreaking {
                out.append(LintProblem(line: firstLine, column: 1, rule: "no-breaking",
                                       message: "a breaking change is not allowed \(restrict.reason)",
                                       hint: "ship breaking changes through a normal release from main"))
            }
        }
        let scopeColumn = commit.type.count + 2
        if let scope = commit.scope {
            if !rules.scopes.isEmpty {
                let scopes = scope.split(separator: ",").map { $0.trimmingSpaces }
                for s in scopes where !rules.scopes.contains(s) {
                    out.append(LintProblem(line: firstLine, column: scopeColumn, rule: "scope-enum", message: "scope '\(s)' is not allowed",
                                           hint: "allowed scopes: " + rules.scopes.joined(separator: ", ")))
                }
            }
        } else if rules.requireScope {
            out.append(LintProblem(line: firstLine, column: commit.type.count + 1, rule: "scope-required", message: "a scope is required",
                                   hint: rules.scopes.isEmpty ? "write '\(commit.type)(<scope>): …'"
                                       : "write '\(commit.type)(<scope>): …' with one of: " + rules.scopes.joined(separator: ", ")))
        }
        let length = parsed.header.count
        if length > rules.maxSubjectLength {
            out.append(LintProblem(line: firstLine, column: rules.maxSubjectLength + 1, rule: "header-max-length",
                                   message: "the header is \(length) characters long, more than \(rules.maxSubjectLength)",
                                   hint: "shorten the description; details belong in the body"))
        }
        if commit.description.hasSuffix(".") && !commit.description.hasSuffix("...") {
            out.append(LintProblem(line: firstLine, column: length, rule: "subject-full-stop", severity: .warning,
                                   message: "the description ends with a full stop", hint: "drop the '.'"))
        }
        if rules.requireBodyForBreaking, commit.isBreaking, commit.breakingNotes.isEmpty, commit.body.isEmpty {
            out.append(LintProblem(line: firstLine, column: 1, rule: "breaking-body",
                                   message: "a breaking change must say what breaks and how to migrate",
                                   hint: "add a footer 'BREAKING CHANGE: <what breaks and how to migrate>'"))
        }
        return out.sorted { ($0.line, $0.column ?? 0) < ($1.line, $1.column ?? 0) }
    }
}

/// How much a set of commits bumps the version (SPEC §2).
public enum VersionPolicy {
    /// The bump one commit asks for: breaking → major, `feat` → minor, other releasable → patch.
    public static func bump(for commit: ConventionalCommit, rules: RelflowConfig.Commits) -> SemVer.Bump {
        if commit.isBreaking { return .major }
        let type = commit.normalizedType
        guard rules.releasable.contains(type) else { return .none }
        return type == "feat" ? .minor : .patch
    }

    /// Applies `bump` to `base`, honouring the 0.x rule: while the major version is 0 a
    /// breaking change bumps the minor version (unless configured to go to 1.0.0).
    public static func next(after base: SemVer, bump: SemVer.Bump, rules: RelflowConfig.VersionRules) throws(RelflowError) -> SemVer {
        try base.bumped(effectiveBump(after: base, bump: bump, rules: rules))
    }

    /// `next(after:bump:rules:)`, nil where the version cannot grow.
    public static func nextIfPossible(after base: SemVer, bump: SemVer.Bump, rules: RelflowConfig.VersionRules) -> SemVer? {
        base.bumpedIfPossible(effectiveBump(after: base, bump: bump, rules: rules))
    }

    static func effectiveBump(after base: SemVer, bump: SemVer.Bump, rules: RelflowConfig.VersionRules) -> SemVer.Bump {
        bump == .major && base.major == 0 && rules.breakingInZero == .minor ? .minor : bump
    }

    /// The next pre-release of `target` for `identifier`: `-rc.1`, or one past the highest
    /// existing `target-identifier.N`.
    /// Refuses a pre-release identifier that would not make a SemVer version (`a/b`, ``,
    /// `01`), with the fix. One identifier of letters, digits and '-', not only digits.
    public static func validatePrereleaseIdentifier(_ identifier: String) throws(RelflowError) {
        let bytes = identifier.utf8
        let allowed = bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 }
        guard !bytes.isEmpty, allowed, !bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .usage("--pre '\(identifier)' is not a pre-release identifier: use letters, digits and '-' (not only digits)",
                         hint: "e.g. --pre rc, --pre beta, --pre alpha-2")
        }
    }

    public static func nextPrerelease(of target: SemVer, identifier: String, existing: [SemVer]) throws(RelflowError) -> SemVer {
        try validatePrereleaseIdentifier(identifier)
        let highest = existing.filter { $0.final == target.final }.compactMap { $0.prereleaseNumber(for: identifier) }.max()
        let (n, overflow) = (highest ?? 0).addingReportingOverflow(1)
        if overflow {
            throw .repository("\(target.final)-\(identifier).\(highest ?? 0) has no next pre-release: its number is the largest a version can hold",
                              hint: "use another identifier (--pre), or delete the tag if it was a mistake")
        }
        return SemVer(target.major, target.minor, target.patch, prerelease: [identifier, String(n)])
    }
}
