import Git
import RelflowCore

/// `relflow hotfix start|finish|abort`: a fix that starts from the production tag, ships
/// ahead of anything pending on main, and comes back to main afterwards.
public struct HotfixService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }
    var repo: Repository { context.repository }
    var prefix: String { config.hotfix.branchPrefix }

    public struct Started: Sendable {
        public let branch: String
        public let base: ReleaseTag
        public let version: SemVer
    }

    public struct Finished: Sendable {
        public let tag: String
        public let base: String
        public let promotion: PromoteService.Outcome?
        /// `merged`, `cherry-picked`, `pending` (conflict, left on a backport branch) or `present`.
        public let backport: String
        public let backportBranch: String?
        public let conflicts: [String]
    }

    public enum FinishOutcome: Sendable {
        case finished(Finished)
        /// Tagged, but the gate wants approvals first: run finish again once they are recorded.
        case waiting(tag: String, decision: GateDecision)
    }

    func requireCleanWorkTree(_ action: String) throws(RelflowError) {
        guard repo.workingDirectory != nil else { throw .usage("\(action) needs a work tree; this repository is bare") }
        let dirty = try git { () throws(GitError) in try repo.hasUncommittedChanges() }
        guard dirty.isEmpty else {
            throw .refused("the work tree has uncommitted changes: \(dirty.prefix(5).joined(separator: ", "))",
                           hint: "commit or stash them first (git stash)")
        }
    }

    func hotfixBranches() throws(RelflowError) -> [(name: String, tip: ObjectID)] {
        try git { () throws(GitError) in try repo.references(matching: "refs/heads/\(prefix)*") }
            .map { (String($0.name.dropFirst("refs/heads/".count)), $0.target) }
    }

    // MARK: - start

    public func start(_ tagName: String?) throws(RelflowError) -> Started {
        try requireCleanWorkTree("hotfix start")
        try context.requireFullHistory()
        let index = try context.releaseTags()
        let base: ReleaseTag
        if let tagName {
            base = try context.release(named: tagName, in: index)
        } else {
            guard let current = try GateService(context: context).currentRelease(index: index) else {
                throw .refused("\(config.branches.publish) does not point at a release, so there is no production tag to start from",
                               hint: "name the release: relflow hotfix start TAG")
            }
            base = current
        }
        if let existing = try hotfixBranches().first {
            throw .refused("a hotfix is in progress already: \(existing.name)",
                           hint: "finish it (relflow hotfix finish) or drop it (relflow hotfix abort) first")
        }
        let version = try base.version.final.bumped(.patch)
        let tag = config.tags.prefix + version.description
        if index.tag(named: tag) != nil {
            throw .refused("the release \(tag) exists already, so \(base.name) has had its hotfix",
                           hint: "start from the latest release of that line instead: relflow hotfix start \(tag)")
        }
        let branch = prefix + version.description
        try git { () throws(GitError) in
            try repo.updateReference("refs/heads/" + branch, to: base.commit, expecting: nil, message: "relflow: hotfix start from \(base.name)")
            try repo.switchTo(branch: "refs/heads/" + branch)
        }
        let identity = try Identity.current(repo)
        try Ledger(repository: repo).append(LedgerEntry(
            event: .hotfixStart, version: version.description, tag: base.name, tagObject: base.target.hex, commit: base.commit.hex,
            actor: identity.actor, timestamp: Clock.now(), details: ["branch": .string(branch), "base": .string(base.name)]))
        return Started(branch: branch, base: base, version: version)
    }

    // MARK: - finish

    /// The hotfix branch to work on: HEAD's, or the only one there is.
    func currentHotfix() throws(RelflowError) -> (branch: String, tip: ObjectID, version: SemVer) {
        let branches = try hotfixBranches()
        let head = try git { () throws(GitError) in try repo.head() }
        let chosen: (name: String, tip: ObjectID)
        if let name = head.branchName, let match = branches.first(where: { $0.name == name }) {
            chosen = match
        } else if branches.count == 1, let only = branches.first {
            chosen = only
        } else if branches.isEmpty {
            throw .refused("there is no hotfix in progress", hint: "start one from production: relflow hotfix start")
        } else {
            throw .refused("several hotfix branches exist (\(branches.map(\.name).joined(separator: ", "))) and HEAD is on none of them",
                           hint: "switch to the one to finish: git switch \(branches[0].name)")
        }
        guard let version = SemVer(String(chosen.name.dropFirst(prefix.count))) else {
            throw .refused("'\(chosen.name)' is not named \(prefix)<version>", hint: "rename it: git branch -m \(chosen.name) \(prefix)<version>")
        }
        return (chosen.name, chosen.tip, version)
    }

    /// The release the hotfix started at: the ledger's hotfix-start, else the highest release
    /// of the same line that the branch contains.
    func base(for version: SemVer, tip: ObjectID, index: ReleaseTagIndex, ledger: [LedgerEntry]) throws(RelflowError) -> ReleaseTag {
        if let start = ledger.last(where: { $0.event == .hotfixStart && $0.version == version.description }),
           let name = start.tag, let tag = index.tag(named: name) {
            return tag
        }
        for tag in index.tags where tag.version < version && tag.version.major == version.major && tag.version.minor == version.minor {
            if tag.commit == tip { continue }
            if try git({ () throws(GitError) in try repo.isAncestor(tag.commit, of: tip) }) { return tag }
        }
        throw .refused("the hotfix \(version) does not start at a release tag of \(version.major).\(version.minor)",
                       hint: "hotfixes start at the production tag: relflow hotfix abort, then relflow hotfix start")
    }

    /// The checks of SPEC §2, in order; returns the hotfix's own commits, newest first.
    func check(branch: String, tip: ObjectID, base: ReleaseTag, version: SemVer, tagged: Bool) throws(RelflowError) -> [Commit] {
        guard try git({ () throws(GitError) in try repo.isAncestor(base.commit, of: tip) }) else {
            throw .refused("\(branch) does not start at \(base.name)", hint: "a hotfix starts exactly at its tag: relflow hotfix abort, then relflow hotfix start \(base.name)")
        }
        var commits: [Commit] = []
        try git { () throws(GitError) in
            let walk = try RevisionWalk(repo)
            try walk.sort(.topological)
            try walk.push(tip)
            try walk.hide(base.commit)
            while let id = try walk.next(), commits.count < 10_000 { commits.append(try repo.commit(id)) }
        }
        guard !commits.isEmpty else {
            throw .refused("\(branch) holds no commit since \(base.name): there is nothing to ship", hint: "commit the fix (fix: …) on \(branch), or relflow hotfix abort")
        }
        let allowed = config.hotfix.allowedTypes
        for commit in commits.reversed() {
            let parsed = ConventionalCommitParser.parse(commit.message, keepBody: false)
            if commit.isMerge && parsed.kind == .merge { continue }
            guard let cc = parsed.commit, allowed.contains(cc.normalizedType) else {
                throw .refused("\(commit.id.short()) '\(commit.summary)' is not an allowed hotfix type (\(allowed.joined(separator: ", ")))",
                               hint: "features go through a normal release from \(config.branches.main); rewrite or drop that commit (git rebase -i \(base.name))")
            }
            if cc.isBreaking {
                throw .refused("\(commit.id.short()) '\(commit.summary)' is a breaking change, which a hotfix may not ship",
                               hint: "breaking changes go through a normal release from \(config.branches.main)")
            }
        }
        if !tagged, try HotfixRules.containsMainCommits(repo, tip: tip, base: base.commit, main: "refs/heads/" + config.branches.main) {
            throw .refused("\(branch) contains commits of \(config.branches.main) made after \(base.name) (was \(config.branches.main) merged in?)",
                           hint: "keep only the fixes: git rebase --onto \(base.name) \(config.branches.main) \(branch)")
        }
        let publish = try GateService(context: context).publishCommit()
        if !tagged, publish != base.commit {
            let index = try context.releaseTags()
            let now = publish.flatMap { p in index.tags.first { $0.commit == p } }
            let newName = now.flatMap { $0.version.final.bumpedIfPossible(.patch).map { config.tags.prefix + $0.description } }
            throw .refused("\(config.branches.publish) moved from \(base.name) to \(now?.name ?? publish?.short() ?? "nothing") (another release went out first)",
                           hint: now.map { "rebase onto it: git rebase --onto \($0.name) \(base.name) \(branch) && git branch -m \(branch) \(prefix)\(newName.map { String($0.dropFirst(config.tags.prefix.count)) } ?? "")" }
                               ?? "run relflow status")
        }
        return commits
    }

    public func finish(echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> FinishOutcome {
        try requireCleanWorkTree("hotfix finish")
        try context.requireFullHistory()
        let lock = try DeployLock.release(repository: repo, command: "hotfix finish", waiting: echo)
        defer { withExtendedLifetime(lock) {} }
        let (branch, tip, version) = try currentHotfix()
        let identity = try Identity.current(repo)
        var index = try context.releaseTags()
        let ledger = Ledger(repository: repo)
        let entries = try ledger.entries()
        let base = try base(for: version, tip: tip, index: index, ledger: entries)
        let tagName = config.tags.prefix + version.description
        let existing = index.tag(named: tagName)
        if let existing, existing.commit != tip {
            throw .refused("\(tagName) exists and names \(existing.commit.short()), but \(branch) is at \(tip.short()) (the branch moved after it was tagged)",
                           hint: "release tags never move; put the new commits on a new hotfix after this one ships")
        }
        let commits = try check(branch: branch, tip: tip, base: base, version: version, tagged: existing != nil)

        // Tag the patch, with its notes.
        let notes = hotfixNotes(commits: commits, tag: tagName, version: version, previous: base.name)
            + (try ReleaseService.dependencyNotes(context: context, from: base.commit, to: tip))
        let now = Clock.now()
        let tagObject = try await ReleaseTagWriter.create(tagName, at: tip, notes: notes, identity: identity, time: now, context: context)
        index = try context.releaseTags(refresh: true)
        guard let tag = index.tag(named: tagName) else { throw .repository("the tag \(tagName) vanished while relflow wrote it") }
        // Recorded as a release like any other, so that the tag can be pushed (the server
        // accepts only release tags the ledger records) and approved while it waits.
        try ledger.append([LedgerEntry(event: .release, version: version.description, tag: tagName, tagObject: tagObject.hex,
                                       commit: tip.hex, previous: base.name, actor: identity.actor, timestamp: now,
                                       details: ["hotfix": true, "base": .string(base.name)])],
                          unlessRecent: { $0.event == .release && $0.tag == tagName })

        // Through the environments before production first, ahead of anything pending there:
        // each one's gate as for a hotfix, its soak time only when the environment keeps it
        // for hotfixes, its health check always. A rerun goes on from where it stopped.
        for env in config.chain.dropLast() {
            let scoped = context.scoped(to: env)
            if try GateService(context: scoped).publishCommit() != tip {
                let evaluation = try GateService(context: scoped).evaluate(tag, index: index, hotfix: true)
                guard evaluation.decision.allowed else { return .waiting(tag: tagName, decision: evaluation.decision) }
            }
            let step = try await PromoteService(context: scoped).promote(tagName, push: nil, runPublisher: true, hotfix: true, echo: echo)
            if let run = step.publisher, !run.succeeded {
                throw .publisher("the hotfix \(tagName) failed to deploy to \(env.name): \(run.statusText)",
                                 hint: "fix the deployment, then run relflow hotfix finish again (it goes on from \(env.name))")
            }
            if let health = step.health, !health.healthy {
                throw .publisher("the hotfix \(tagName) is unhealthy in \(env.name): \(health.statusText)" + (step.revertedTo.map { "; reverted to \($0)" } ?? ""),
                                 hint: "it does not go further; fix it on \(branch), then run relflow hotfix finish again")
            }
        }

        // Promote ahead of anything pending: no delay; approvals as [gate] hotfix says.
        let publish = try GateService(context: context).publishCommit()
        if publish != tip {
            let evaluation = try GateService(context: context).evaluate(tag, index: index, hotfix: true)
            guard evaluation.decision.allowed else { return .waiting(tag: tagName, decision: evaluation.decision) }
        }
        // Also when publish is there already (a rerun after a kill): promote then completes a
        // delivery that never reported.
        let promotion: PromoteService.Outcome? = try await PromoteService(context: context).promote(tagName, push: nil, runPublisher: true, hotfix: true, echo: echo)
        CrashPoint.reached("hotfix-promoted")

        // Carry the fix to main.
        let (backport, backportBranch, conflicts) = try carryToMain(tip: tip, commits: commits, version: version, tag: tagName, identity: identity)
        CrashPoint.reached("hotfix-carried")

        // The record first, then the branch goes: a rerun finds the branch until all is recorded.
        var finishEntries: [LedgerEntry] = []
        if !entries.contains(where: { $0.event == .hotfixFinish && $0.tag == tagName }) {
            finishEntries.append(LedgerEntry(event: .hotfixFinish, version: version.description, tag: tagName, tagObject: tagObject.hex,
                                             commit: tip.hex, previous: base.name, actor: identity.actor, timestamp: Clock.now(),
                                             details: ["base": .string(base.name), "branch": .string(branch), "promoted": true]))
        }
        var backportDetails: [String: LedgerValue] = ["status": .string(backport), "mode": .string(config.hotfix.backport.rawValue)]
        if let backportBranch { backportDetails["branch"] = .string(backportBranch) }
        if !conflicts.isEmpty { backportDetails["conflicts"] = .string(conflicts.joined(separator: ", ")) }
        if !entries.contains(where: { $0.event == .backport && $0.tag == tagName }) {
            finishEntries.append(LedgerEntry(event: .backport, version: version.description, tag: tagName, commit: tip.hex,
                                             actor: identity.actor, timestamp: Clock.now(), details: backportDetails))
        }
        if !finishEntries.isEmpty {
            try ledger.append(finishEntries)
        }
        CrashPoint.reached("hotfix-recorded")
        // HEAD goes to main if it was on the branch; then the branch goes.
        if (try? repo.head())?.branchName == branch {
            try git { () throws(GitError) in try repo.switchTo(branch: "refs/heads/" + config.branches.main) }
        }
        try git { () throws(GitError) in try repo.deleteReference("refs/heads/" + branch, expecting: tip) }
        return .finished(Finished(tag: tagName, base: base.name, promotion: promotion, backport: backport,
                                  backportBranch: backportBranch, conflicts: conflicts))
    }

    func hotfixNotes(commits: [Commit], tag: String, version: SemVer, previous: String) -> String {
        let sources = commits.map { c in
            SourceCommit(id: c.id.hex, time: c.committer.time, author: Person(name: c.author.name, email: c.author.email),
                         isMerge: c.isMerge, parsed: ConventionalCommitParser.parse(c.message))
        }
        let service = ChangelogService(context: context)
        let builder = ChangelogBuilder(config: config, links: service.remoteLinks())
        let release = SourceRelease(tag: tag, version: version, date: Clock.now(), previousTag: previous, commits: sources)
        return ChangelogRenderer.defaultMarkdown(ChangelogDocument(repository: builder.links?.base, releases: builder.build([release]).releases),
                                                 header: false)
    }

    /// Merges the hotfix tag into main (or cherry-picks its commits, per config). A conflict
    /// leaves `backport/<version>` at the hotfix for a person to merge.
    func carryToMain(tip: ObjectID, commits: [Commit], version: SemVer, tag: String,
                     identity: Identity) throws(RelflowError) -> (status: String, branch: String?, conflicts: [String]) {
        let mainRef = "refs/heads/" + config.branches.main
        guard let main = try git({ () throws(GitError) in try repo.reference(mainRef) }) else {
            throw .repository("there is no local \(config.branches.main) branch to carry the fix to",
                              hint: "create it from the remote (git branch \(config.branches.main) origin/\(config.branches.main)), then run relflow hotfix finish again")
        }
        if try git({ () throws(GitError) in try repo.isAncestor(tip, of: main) }) { return ("present", nil, []) }
        var head = main
        switch config.hotfix.backport {
        case .merge:
            switch try git({ () throws(GitError) in try repo.merge(main, with: tip) }) {
            case .clean(let tree):
                head = try git { () throws(GitError) in
                    try repo.createCommit(tree: tree, parents: [main, tip], message: "Merge tag '\(tag)' into \(config.branches.main)\n",
                                          author: identity.signature(at: Clock.commitTime()), committer: identity.signature(at: Clock.commitTime()))
                }
            case .conflicts(let paths):
                return try leaveBackport(tip: tip, version: version, conflicts: paths)
            }
        case .cherryPick:
            for commit in commits.reversed() where !commit.isMerge {
                switch try git({ () throws(GitError) in try repo.cherryPick(commit.id, onto: head) }) {
                case .clean(let tree):
                    var message = commit.message
                    while message.hasSuffix("\n") { message.removeLast() }
                    message += "\n\n(cherry picked from commit \(commit.id.hex))\n"
                    let parent = head
                    head = try git { () throws(GitError) in
                        try repo.createCommit(tree: tree, parents: [parent], message: message, author: commit.author,
                                              committer: identity.signature(at: Clock.commitTime()))
                    }
                case .conflicts(let paths):
                    return try leaveBackport(tip: tip, version: version, conflicts: paths)
                }
            }
        }
        do {
            try repo.updateReference(mainRef, to: head, expecting: main, message: "relflow: carry \(tag) to \(config.branches.main)")
        } catch where error.isRetryableRefConflict {
            // main moved meanwhile: the fix waits on a backport branch, named in the ledger.
            return try leaveBackport(tip: tip, version: version, conflicts: [])
        } catch {
            throw gitFailure(error)
        }
        // When main is checked out somewhere, git would see the merge as local changes there;
        // relflow never has main checked out here (HEAD is on the hotfix branch).
        return (config.hotfix.backport == .merge ? "merged" : "cherry-picked", nil, [])
    }

    func leaveBackport(tip: ObjectID, version: SemVer, conflicts: [String]) throws(RelflowError) -> (status: String, branch: String?, conflicts: [String]) {
        let branch = "backport/" + version.description
        if try git({ () throws(GitError) in try repo.reference("refs/heads/" + branch) }) == nil {
            try git { () throws(GitError) in try repo.updateReference("refs/heads/" + branch, to: tip, expecting: nil, message: "relflow: backport pending") }
        }
        return ("pending", branch, conflicts)
    }

    // MARK: - abort

    public func abort() throws(RelflowError) -> String {
        let (branch, tip, version) = try currentHotfix()
        try requireCleanWorkTree("hotfix abort")
        if (try? repo.head())?.branchName == branch {
            try git { () throws(GitError) in try repo.switchTo(branch: "refs/heads/" + config.branches.main) }
        }
        try git { () throws(GitError) in try repo.deleteReference("refs/heads/" + branch, expecting: tip) }
        let identity = try Identity.current(repo)
        try Ledger(repository: repo).append(LedgerEntry(event: .hotfixAbort, version: version.description, commit: tip.hex,
                                                        actor: identity.actor, timestamp: Clock.now(), details: ["branch": .string(branch)]))
        return branch
    }
}

/// The rules a hotfix branch follows, shared by `hotfix finish` and the push hooks.
enum HotfixRules {
    /// True when the branch holds commits that `main` has too (someone merged main in). Both
    /// walks are bounded by the hotfix's own commits and main's since the tag.
    static func containsMainCommits(_ repo: Repository, tip: ObjectID, base: ObjectID, main: String) throws(RelflowError) -> Bool {
        guard let mainTip = try git({ () throws(GitError) in try repo.reference(main) }) else { return false }
        return try containsMainCommits(repo, tip: tip, base: base, mainTip: mainTip)
    }

    /// The same against a given tip of main (the one a push brings).
    static func containsMainCommits(_ repo: Repository, tip: ObjectID, base: ObjectID, mainTip: ObjectID) throws(RelflowError) -> Bool {
        try git { () throws(GitError) in
            let all = try RevisionWalk(repo)
            try all.push(tip)
            try all.hide(base)
            let own = try RevisionWalk(repo)
            try own.push(tip)
            try own.hide(base)
            try own.hide(mainTip)
            var a = 0, b = 0
            while try all.next() != nil, a < 10_000 { a += 1 }
            while try own.next() != nil, b < 10_000 { b += 1 }
            return a != b
        }
    }
}
