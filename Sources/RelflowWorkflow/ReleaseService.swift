import Foundation
import Git
import RelflowCore

/// `relflow release`: version, changelog section, release commit, annotated tag, ledger entry.
///
/// The writes come in an order that a kill between any two of them can resume: the release
/// commit is built in the object database and `main` moves to it with a compare-and-swap;
/// then the work tree's changelog is updated; then the tag; then the ledger. `release` run
/// again (and `status`) sees a release commit without its tag, or a tag without its ledger
/// entry, and finishes the job.
public struct ReleaseService {
    public struct Plan: Sendable {
        public let version: SemVer
        public let tag: String
        public let previousTag: String?
        public let notes: String
        public let changelogPath: String
        public let head: ObjectID
    }

    public struct Outcome: Sendable {
        public let plan: Plan
        public let commit: ObjectID
        public let tagObject: ObjectID
        /// Finished an interrupted release instead of making a new one.
        public let resumed: Bool
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }
    var repo: Repository { context.repository }

    static let releaseMessagePrefix = "chore(release): "

    /// One release at a time in this repository: held from reading HEAD to the ledger entry,
    /// so a second `release` started meanwhile waits and then finds the release made.
    public func lock(waiting: ((String) -> Void)?) throws(RelflowError) -> DeployLock {
        try DeployLock.release(repository: repo, command: "release", waiting: waiting)
    }

    /// What `release` would do: refuses a dirty tree, another branch, a version that does not
    /// increase, an existing tag.
    public func plan(version requested: String?, prerelease: String?) throws(RelflowError) -> Plan {
        if let prerelease { try VersionPolicy.validatePrereleaseIdentifier(prerelease) }
        try Ledger(repository: repo).requireWritable()
        guard repo.workingDirectory != nil else {
            throw .usage("release needs a work tree; this repository is bare", hint: "run it in a clone")
        }
        try context.requireFullHistory()
        let head = try git { () throws(GitError) in try repo.head() }
        guard case .branch(let branchRef, let commit) = head, let headCommit = commit else {
            throw .refused("HEAD is detached or has no commits; a release is cut from \(config.branches.main)",
                           hint: "git switch \(config.branches.main)")
        }
        let branch = branchRef.hasPrefix("refs/heads/") ? String(branchRef.dropFirst("refs/heads/".count)) : branchRef
        guard branch == config.branches.main else {
            throw .refused("releases are cut from '\(config.branches.main)', and this is '\(branch)'",
                           hint: "git switch \(config.branches.main) (hotfixes: relflow hotfix start)")
        }
        // A commit libgit2 cannot parse (a date git cannot read) cannot be written on top of.
        do {
            try repo.requireReadableByLibgit2(headCommit)
        } catch {
            throw .repository("HEAD (\(headCommit.short())) cannot be the parent of a release commit: libgit2 cannot read it (\(error.message))",
                              hint: "its author or committer line is malformed (git cat-file commit HEAD shows it); make a commit on top of it with git, e.g. git commit --allow-empty -m 'chore: before the release', then release")
        }
        // A tree that cannot be read would make every file look changed: say what is true.
        try git { () throws(GitError) in try repo.requireObject(try repo.commit(headCommit).tree, "the tree of HEAD") }
        let dirty = try git { () throws(GitError) in try repo.hasUncommittedChanges() }
        guard dirty.isEmpty else {
            throw .refused("the work tree has uncommitted changes: \(dirty.prefix(5).joined(separator: ", "))\(dirty.count > 5 ? ", …" : "")",
                           hint: "commit or stash them first (git stash), then release")
        }
        let index = try context.releaseTags()
        let latest = try index.highest(in: context.reach(from: headCommit))
        let version: SemVer
        if let requested {
            let text = requested.hasPrefix(config.tags.prefix) ? String(requested.dropFirst(config.tags.prefix.count)) : requested
            guard let parsed = SemVer(text) else {
                throw .usage("--version '\(requested)' is not a SemVer version", hint: "write e.g. --version 1.4.0")
            }
            version = parsed
        } else {
            let next = try VersionQuery(context: context).next(prerelease: prerelease)
            guard let computed = next.version else {
                throw .refused("nothing to release: no feat, fix or perf commit (nor a breaking change) since \(next.base?.name ?? "the first commit")",
                               hint: "use --version to release anyway")
            }
            version = computed
        }
        if let latest, !(latest.version < version) {
            throw .refused("\(version) does not increase on \(latest.name), the latest release on \(branch)",
                           hint: latest.version.bumpedIfPossible(.patch).map { "choose a higher version, e.g. --version \($0)" } ?? "choose a higher version")
        }
        let tag = config.tags.prefix + version.description
        if try git({ () throws(GitError) in try repo.reference("refs/tags/" + tag) }) != nil {
            throw .refused("the tag \(tag) exists already, and release tags are never moved",
                           hint: "choose another version with --version")
        }
        guard Repository.isValidReferenceName("refs/tags/" + tag) else {
            throw .usage("'\(tag)' is not a valid tag name", hint: "check [tags] prefix in .relflow.toml")
        }
        var service = ChangelogService(context: context)
        var releases = try service.sourceReleases(scope: .unreleased)
        let unreleased = releases.isEmpty ? SourceRelease(tag: nil, version: nil, date: nil, previousTag: latest?.name, commits: []) : releases.removeFirst()
        let section = SourceRelease(tag: tag, version: version, date: Clock.now(), previousTag: latest?.name ?? unreleased.previousTag,
                                    commits: unreleased.commits)
        let builder = ChangelogBuilder(config: config, links: service.remoteLinks())
        let document = ChangelogDocument(repository: builder.links?.base, releases: [builder.build([section]).releases[0]])
        var notes = ChangelogRenderer.defaultMarkdown(document, header: false)
        notes += try ReleaseService.dependencyNotes(context: context, from: latest?.commit, to: headCommit)
        let changelogPath = try ChangelogFile.resolvedPath(config.changelog.file, in: repo, commit: headCommit)
        // A file git does not track (ignored, say) would be overwritten and committed.
        if try git({ () throws(GitError) in try repo.entry(at: changelogPath, inCommit: headCommit) }) == nil,
           let workdir = repo.workingDirectory, fileExists(workdir + changelogPath) {
            throw .refused("the changelog goes to '\(changelogPath)', which git does not track but the work tree holds (untracked or ignored): a release would overwrite it",
                           hint: "commit it first (git add -f '\(changelogPath)'), or move it away")
        }
        return Plan(version: version, tag: tag, previousTag: latest?.name, notes: notes,
                    changelogPath: changelogPath, head: headCommit)
    }

    /// The dependency changes since the previous release, as a notes section ("" when none).
    static func dependencyNotes(context: RepositoryContext, from: ObjectID?, to: ObjectID) throws(RelflowError) -> String {
        guard let from else { return "" }
        let diff = try BomService(context: context).diff(from: from.hex, to: to.hex).diff
        return diff.isEmpty ? "" : "### Dependencies\n\n" + diff.markdown + "\n"
    }

    /// Makes the release planned by `plan`.
    public func perform(_ plan: Plan, identity: Identity) async throws(RelflowError) -> Outcome {
        let now = Clock.now()
        // 1. The release commit, in the object database only.
        let existing = try git { () throws(GitError) in try repo.blob(at: plan.changelogPath, inCommit: plan.head) }
        let old = existing.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let title = plan.version.description
        let updated = ChangelogFile.prepend([(title: title, text: plan.notes)], into: old, header: ChangelogRenderer.defaultMarkdownHeader)
        let commit = try git { () throws(GitError) in
            let blob = try repo.writeBlob(Array(updated.utf8))
            let tree = try repo.tree(of: plan.head, setting: plan.changelogPath, to: blob)
            return try repo.createCommit(tree: tree, parents: [plan.head], message: ReleaseService.releaseMessagePrefix + plan.tag + "\n",
                                         author: identity.signature(at: Clock.commitTime()), committer: identity.signature(at: Clock.commitTime()))
        }
        // 2. main moves, only if nobody moved it meanwhile.
        let mainRef = "refs/heads/" + config.branches.main
        do {
            try repo.updateReference(mainRef, to: commit, expecting: plan.head, message: "relflow: release \(plan.tag)")
        } catch where error.isLocked {
            throw lockedFailure(mainRef, error)
        } catch where error.isModified || error.isExists {
            throw .refused("\(config.branches.main) moved while the release was being prepared (\(error.message))",
                           hint: "nothing was changed; run relflow release again")
        } catch {
            throw gitFailure(error)
        }
        CrashPoint.reached("release-commit")
        return try await finish(plan: plan, commit: commit, identity: identity, time: now, resumed: false)
    }

    /// Steps 3 to 5, also what resumes an interrupted release.
    func finish(plan: Plan, commit: ObjectID, identity: Identity, time: Int64, resumed: Bool) async throws(RelflowError) -> Outcome {
        // 3. The work tree and index show the new changelog.
        do {
            try repo.checkoutHead(paths: [plan.changelogPath])
        } catch where error.isLocked {
            // main has moved already: say so, name the lock, and how to finish.
            let lock = repo.gitDirectory + "index.lock"
            throw .repository("the release commit of \(plan.tag) is made and \(config.branches.main) is at it, but \(plan.changelogPath) cannot be updated in the work tree: the index is locked (\(lock))",
                              hint: "another git command is running here, or one was killed and left the lock; if none is running, remove it (rm '\(lock)'), then run relflow release to finish \(plan.tag)")
        } catch {
            throw gitFailure(error)
        }
        CrashPoint.reached("release-checkout")
        // 4. The annotated tag, signed when configured; created only if absent.
        let tagObject = try await ReleaseTagWriter.create(plan.tag, at: commit, notes: plan.notes, identity: identity, time: time,
                                                          context: context)
        CrashPoint.reached("release-tag")
        // 5. The ledger entry.
        let entry = LedgerEntry(event: .release, version: plan.version.description, tag: plan.tag, tagObject: tagObject.hex,
                                commit: commit.hex, previous: plan.previousTag, actor: identity.actor, timestamp: time,
                                details: resumed ? ["resumed": true] : [:])
        // Recorded once, even when two processes finish the same release.
        try Ledger(repository: repo).append([entry], unlessRecent: { $0.event == .release && $0.tag == plan.tag })
        return Outcome(plan: plan, commit: commit, tagObject: tagObject, resumed: resumed)
    }

    /// An interrupted release, when there is one: HEAD is a release commit whose tag or ledger
    /// entry is missing.
    public func interrupted() throws(RelflowError) -> (tag: String, commit: ObjectID, missing: String)? {
        guard let head = try? repo.head(), let commitID = head.commit else { return nil }
        let commit = try git { () throws(GitError) in try repo.commit(commitID) }
        guard commit.summary.hasPrefix(ReleaseService.releaseMessagePrefix) else { return nil }
        let tag = String(commit.summary.dropFirst(ReleaseService.releaseMessagePrefix.count))
        guard config.tags.version(ofTag: tag) != nil else { return nil }
        let tagTarget = try git { () throws(GitError) in try repo.tag(named: tag) }
        if tagTarget == nil { return (tag, commitID, "tag") }
        let recorded = try Ledger(repository: repo).entries().contains { $0.event == .release && $0.tag == tag }
        return recorded ? nil : (tag, commitID, "ledger entry")
    }

    /// Finishes an interrupted release.
    public func resume(identity: Identity) async throws(RelflowError) -> Outcome? {
        guard let pending = try interrupted() else { return nil }
        let commit = try git { () throws(GitError) in try repo.commit(pending.commit) }
        guard let parent = commit.parents.first,
              let version = config.tags.version(ofTag: pending.tag) else { return nil }
        let index = try context.releaseTags()
        let previous = try index.highest(in: context.reach(from: parent))
        // The notes are the section the release commit added to the changelog.
        let path = try ChangelogFile.resolvedPath(config.changelog.file, in: repo, commit: parent)
        let after = try git { () throws(GitError) in try repo.blob(at: path, inCommit: pending.commit) }
        let before = try git { () throws(GitError) in try repo.blob(at: path, inCommit: parent) }
        let notes = ChangelogFile.addedSection(before: before.map { String(decoding: $0, as: UTF8.self) } ?? "",
                                               after: after.map { String(decoding: $0, as: UTF8.self) } ?? "")
        let plan = Plan(version: version, tag: pending.tag, previousTag: previous?.name, notes: notes,
                        changelogPath: path, head: parent)
        return try await finish(plan: plan, commit: pending.commit, identity: identity, time: commit.committer.time, resumed: true)
    }
}

/// Test-only: `RELFLOW_TEST_KILL_AT=<point>` makes relflow kill itself (SIGKILL, nothing
/// cleaned up) when it reaches that point, so tests can show a half-done command resumes.
public enum CrashPoint {
    static let target = ProcessEnvironment.value("RELFLOW_TEST_KILL_AT")
    public static func reached(_ point: String) {
        if target == point { kill(getpid(), SIGKILL) }
    }
}

/// Creates an annotated release tag (signed when `[tags] sign` says so), only if absent.
enum ReleaseTagWriter {
    /// The tag object's id; an existing tag of that name is returned as it is.
    static func create(_ name: String, at commit: ObjectID, notes: String, identity: Identity, time: Int64,
                       context: RepositoryContext) async throws(RelflowError) -> ObjectID {
        let repo = context.repository
        // Under a signed policy release tags are signed like ledger entries: with the SSH key.
        let sign: RelflowConfig.Tags.Signing
        if try TrustChain.read(repo) != nil {
            sign = repo.configString("gpg.format") == "ssh" ? .ssh : .gpg
        } else {
            sign = context.config.tags.sign
        }
        if let existing = try git({ () throws(GitError) in try repo.reference("refs/tags/" + name) }) { return existing }
        var buffer = repo.tagBuffer(name: name, target: commit, tagger: identity.signature(at: time), message: "\(name)\n\n\(notes)")
        if sign != .none {
            buffer += try await TagSigner.sign(buffer, with: sign, signingKey: repo.configString("user.signingkey"),
                                               program: repo.configString(sign == .ssh ? "gpg.ssh.program" : "gpg.program"))
        }
        let tagObject = try git { () throws(GitError) in try repo.writeTagObject(buffer) }
        do {
            try repo.updateReference("refs/tags/" + name, to: tagObject, expecting: nil, message: "relflow: release \(name)")
        } catch where error.isLocked {
            throw lockedFailure("refs/tags/" + name, error)
        } catch where error.isExists || error.isModified {
            throw .refused("the tag \(name) appeared while relflow was writing it (\(error.message))",
                           hint: "check 'git show \(name)'; release tags are never moved")
        } catch {
            throw gitFailure(error)
        }
        context.forgetReleaseTags()
        return tagObject
    }
}
