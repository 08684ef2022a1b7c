import Git
import RelflowCore

/// What the pre-push and pre-receive hooks enforce: nothing reaches `publish` but a release
/// relflow gated and recorded; release tags never move; the ledger only grows. Every check
/// looks at the refs being pushed and a bounded stretch of history around them, so a push
/// costs the same on a 200k-commit repository as on a small one.
public struct PushPolicy {
    public struct Update: Sendable, Equatable {
        public let ref: String
        /// Nil when the ref is being created.
        public let old: ObjectID?
        /// Nil when the ref is being deleted.
        public let new: ObjectID?

        public init(ref: String, old: ObjectID?, new: ObjectID?) {
            self.ref = ref
            self.old = old
            self.new = new
        }

        /// The lines git gives a hook on stdin, read exactly: split on the newline byte only (a
        /// ref name may hold U+2028 or U+0085, which Swift counts as line breaks: split there,
        /// the hook would judge a ref git never writes), each line valid UTF-8 and of the
        /// exact shape; any other line refuses the push.
        public static func parseHookInput(_ bytes: [UInt8], prePush: Bool) throws(RelflowError) -> [Update] {
            var updates: [Update] = []
            for line in bytes.split(separator: 10, omittingEmptySubsequences: true) {
                guard let text = String(validating: line, as: UTF8.self),
                      let update = prePush ? parse(prePushLine: text) : parse(preReceiveLine: text) else {
                    throw .refused("git gave the hook a line relflow cannot read exactly: \(String(decoding: line.prefix(200), as: UTF8.self).debugDescription)",
                                   hint: "push refs whose names are UTF-8 text; report this if git wrote the line")
                }
                updates.append(update)
            }
            return updates
        }

        /// `<old> <new> <ref>` (pre-receive) with git's all-zero id for "none"; nil for any
        /// other shape (ids of 40 hex digits, one space between the fields, no space in the ref).
        public static func parse(preReceiveLine line: String) -> Update? {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[2].isEmpty, let old = id(parts[0]), let new = id(parts[1]) else { return nil }
            return Update(ref: String(parts[2]), old: old, new: new)
        }

        /// A 40-hex id (`.some(nil)` for git's all-zero "none"); nil when it is not one.
        static func id(_ text: Substring) -> ObjectID??  {
            guard text.utf8.count == 40 else { return nil }
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") }) { return .some(nil) }
            guard let id = ObjectID(hex: String(text)) else { return nil }
            return .some(id)
        }

        /// `<local ref> <local id> <remote ref> <remote id>` (pre-push).
        public static func parse(prePushLine line: String) -> Update? {
            // The local side is what was typed (`main@{1 hour ago}` holds spaces): the last
            // three fields are git's own.
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count >= 4 else { return nil }
            let n = parts.count
            guard !parts[n - 2].isEmpty, let old = id(parts[n - 1]), let new = id(parts[n - 3]) else { return nil }
            return Update(ref: String(parts[n - 2]), old: old, new: new)
        }

    }

    public struct Refusal: Sendable, Equatable {
        public let ref: String
        public let rule: String
        public let message: String
        public let fix: String
    }

    let repository: Repository
    let config: RelflowConfig
    /// Client side: the remote's old values may be objects this clone lacks; those checks are
    /// left to the server.
    let clientSide: Bool

    public init(repository: Repository, config: RelflowConfig, clientSide: Bool) {
        self.repository = repository
        self.config = config
        self.clientSide = clientSide
    }

    var publishRef: String { "refs/heads/" + config.branches.publish }
    /// The version a ref names when it is a release tag under any configured prefix.
    func releaseVersion(ofRef ref: String) -> SemVer? {
        ref.hasPrefix("refs/tags/") ? config.tags.version(ofTag: String(ref.dropFirst("refs/tags/".count))) : nil
    }

    /// The release tags here, under every configured prefix.
    func releaseTagRefs() throws -> [(name: String, target: ObjectID, version: SemVer)] {
        try repository.references(matching: "refs/tags/*").compactMap { ref in releaseVersion(ofRef: ref.name).map { (ref.name, ref.target, $0) } }
    }
    var hotfixPrefix: String { "refs/heads/" + config.hotfix.branchPrefix }

    public func check(_ updates: [Update]) -> [Refusal] {
        var refusals: [Refusal] = []
        for update in updates {
            do {
                if update.ref.hasPrefix("refs/heads/"), let env = config.environment(onBranch: String(update.ref.dropFirst("refs/heads/".count))) {
                    // Each environment's branch, judged with that environment's configuration.
                    refusals += try PushPolicy(repository: repository, config: config.scoped(to: env), clientSide: clientSide)
                        .checkPublish(update, all: updates)
                } else if releaseVersion(ofRef: update.ref) != nil {
                    refusals += checkReleaseTag(update)
                } else if update.ref == Ledger.reference {
                    refusals += try checkLedger(update)
                } else if update.ref.hasPrefix(hotfixPrefix), update.new != nil {
                    refusals += try checkHotfix(update)
                }
            } catch let error as GitError {
                if clientSide && error.isNotFound { continue }
                refusals.append(Refusal(ref: update.ref, rule: "unreadable", message: "relflow could not read what is pushed: \(error.message)",
                                        fix: "push the objects this ref needs (git push with the tags and the branch)"))
            } catch {
                refusals.append(Refusal(ref: update.ref, rule: "unreadable", message: "\(error)", fix: "run git fsck"))
            }
        }
        return refusals
    }

    // MARK: - publish

    func checkPublish(_ update: Update, all updates: [Update]) throws -> [Refusal] {
        let name = config.branches.publish
        guard let new = update.new else {
            return [Refusal(ref: update.ref, rule: "publish-delete", message: "\(name) may not be deleted: it is what runs in production",
                            fix: "to go back to an earlier release use relflow rollback")]
        }
        var refusals: [Refusal] = []
        let newCommit = try repository.resolveCommit(new.hex)
        if try !carriesReleaseTag(newCommit, pushed: updates) {
            refusals.append(Refusal(ref: update.ref, rule: "publish-untagged",
                                    message: "\(name) may only point at a release, and \(newCommit.short()) carries no release tag (\(config.tags.pattern))",
                                    fix: "release it first (relflow release), then relflow promote --push"))
        }
        if let old = update.old, old != new {
            let oldCommit = try repository.resolveCommit(old.hex)
            let forward = try repository.isAncestor(oldCommit, of: newCommit)
            if !forward, try !ledgerNamesRollback(to: newCommit, from: oldCommit, pushed: updates) {
                refusals.append(Refusal(ref: update.ref, rule: "publish-non-fast-forward",
                                        message: "\(name) moves from \(oldCommit.short()) to \(newCommit.short()), which is not forward, and no rollback entry in the pushed ledger names it",
                                        fix: "go back with relflow rollback TAG --push (it records the move in the ledger and pushes both)"))
            }
        }
        return refusals
    }

    func carriesReleaseTag(_ commit: ObjectID, pushed updates: [Update]) throws -> Bool {
        // The tags of this push first (in a server's quarantine their refs do not exist yet).
        for update in updates where releaseVersion(ofRef: update.ref) != nil {
            guard let new = update.new else { continue }
            if (try? repository.resolveCommit(new.hex)) == commit { return true }
        }
        for (_, target, _) in try releaseTagRefs() {
            if target == commit { return true }
            if (try? repository.resolveCommit(target.hex)) == commit { return true }
        }
        return false
    }

    /// A rollback entry (commit = new, previous = old) among the newest ledger entries: the
    /// pushed ledger's when the push carries one, else the repository's.
    func ledgerNamesRollback(to new: ObjectID, from old: ObjectID, pushed updates: [Update]) throws -> Bool {
        var cursor = updates.first { $0.ref == Ledger.reference }?.new
        if cursor == nil { cursor = try repository.reference(Ledger.reference) }
        var looked = 0
        while let id = cursor, looked < 500 {
            let commit = try repository.commit(id)
            if let entry = Ledger.decode(commit).entry, entry.event == .rollback,
               entry.commit == new.hex, entry.previous == nil || entry.previous == old.hex {
                return true
            }
            cursor = commit.parents.first
            looked += 1
        }
        return false
    }

    // MARK: - tags

    func checkReleaseTag(_ update: Update) -> [Refusal] { Self.immutableTag(update) }

    /// A release tag that exists may neither move nor go (the client's and the server's rule).
    static func immutableTag(_ update: Update) -> [Refusal] {
        let name = String(update.ref.dropFirst("refs/tags/".count))
        guard let old = update.old else { return [] }
        if update.new == nil {
            return [Refusal(ref: update.ref, rule: "tag-delete", message: "the release tag \(name) may not be deleted: releases are immutable",
                            fix: "keep it; to withdraw a release, roll back (relflow rollback) and release a fix")]
        }
        if update.new != old {
            return [Refusal(ref: update.ref, rule: "tag-move", message: "the release tag \(name) may not be moved (it was \(old.short()))",
                            fix: "release a new version instead; restore your local tag with git fetch --force origin tag \(name)")]
        }
        return []
    }

    // MARK: - ledger

    func checkLedger(_ update: Update) throws -> [Refusal] {
        guard let new = update.new else {
            return [Refusal(ref: update.ref, rule: "ledger-delete", message: "the ledger may not be deleted: it is the audit log",
                            fix: "keep it; it only ever grows")]
        }
        if let old = update.old, old != new, try !repository.isDescendant(new, of: old) {
            return [Refusal(ref: update.ref, rule: "ledger-non-fast-forward",
                            message: "the pushed ledger does not contain the remote's (\(old.short())): entries would be lost",
                            fix: "let relflow fold them in: relflow promote/approve/deliver --push retries by itself; by hand: git fetch, then any relflow command with --push")]
        }
        // The new entries must parse and form a chain.
        var cursor: ObjectID? = new
        var checked = 0
        while let id = cursor, id != update.old, checked < 10_000 {
            let commit = try repository.commit(id)
            let record = Ledger.decode(commit)
            if let problem = record.problem {
                return [Refusal(ref: update.ref, rule: "ledger-entry", message: "ledger commit \(id.short()) does not parse: \(problem)",
                                fix: "only relflow writes the ledger; reset it to the remote's: git fetch origin +refs/relflow/ledger:refs/relflow/ledger")]
            }
            if commit.parents.count > 1 {
                return [Refusal(ref: update.ref, rule: "ledger-linear", message: "ledger commit \(id.short()) is a merge; the ledger is one chain",
                                fix: "reset it to the remote's and let relflow re-append: git fetch origin +refs/relflow/ledger:refs/relflow/ledger")]
            }
            cursor = commit.parents.first
            checked += 1
        }
        return []
    }

    // MARK: - hotfix branches

    func checkHotfix(_ update: Update) throws -> [Refusal] {
        guard let new = update.new else { return [] }
        let branch = String(update.ref.dropFirst("refs/heads/".count))
        guard let version = SemVer(String(update.ref.dropFirst(hotfixPrefix.count))) else {
            return [Refusal(ref: update.ref, rule: "hotfix-name", message: "\(branch) is not named \(config.hotfix.branchPrefix)<version>",
                            fix: "start hotfixes with relflow hotfix start")]
        }
        let tip = try repository.resolveCommit(new.hex)
        // The release it starts at: the highest of the same line that it contains.
        var candidates: [(version: SemVer, commit: ObjectID)] = []
        for (_, target, v) in try releaseTagRefs() {
            guard v < version, v.major == version.major, v.minor == version.minor,
                  let commit = try? repository.resolveCommit(target.hex) else { continue }
            candidates.append((v, commit))
        }
        candidates.sort { SemVer.compare($0.version, $1.version) > 0 }
        for candidate in candidates where try repository.isAncestor(candidate.commit, of: tip) {
            // Once its release is tagged at the tip, the fix is meant to reach main.
            let released = try releaseTagRefs().contains { (try? repository.resolveCommit($0.target.hex)) == tip }
            if !released, try HotfixRules.containsMainCommits(repository, tip: tip, base: candidate.commit, main: "refs/heads/" + config.branches.main) {
                return [Refusal(ref: update.ref, rule: "hotfix-main-commits",
                                message: "\(branch) contains commits of \(config.branches.main) made after its release tag",
                                fix: "keep only the fixes: git rebase --onto <tag> \(config.branches.main) \(branch)")]
            }
            return []
        }
        return [Refusal(ref: update.ref, rule: "hotfix-base", message: "\(branch) does not start at a release tag of \(version.major).\(version.minor)",
                        fix: "start it from the production tag: relflow hotfix start")]
    }
}
