import Git
import RelflowCore

/// `relflow gate`: may `publish` move to this release now?
public struct GateService {
    public struct Evaluation: Sendable {
        public let candidate: ReleaseTag
        /// The release `publish` points at, nil before the first promotion.
        public let current: ReleaseTag?
        public let publishCommit: ObjectID?
        public let decision: GateDecision
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }
    var repo: Repository { context.repository }
    var publishRef: String { "refs/heads/" + config.branches.publish }

    public func publishCommit() throws(RelflowError) -> ObjectID? {
        try git { () throws(GitError) in try repo.reference(publishRef) }
    }

    /// The release `publish` points at (the highest version when several tags share its commit).
    public func currentRelease(index: ReleaseTagIndex) throws(RelflowError) -> ReleaseTag? {
        guard let commit = try publishCommit() else { return nil }
        return index.tags.first { $0.commit == commit }
    }

    /// The named release tag, or the latest release on `main`.
    public func candidate(_ name: String?, index: ReleaseTagIndex) throws(RelflowError) -> ReleaseTag {
        if let name {
            return try context.release(named: name, in: index)
        }
        let tip = try context.requireBranchTip(config.branches.main, key: "main")
        guard let latest = try index.highest(in: context.reach(from: tip)) else {
            throw .repository("there is no release on \(config.branches.main) yet", hint: "make one with: relflow release")
        }
        return latest
    }

    /// The paths that differ between two releases, without the files relflow's own release
    /// commits write (they describe the change; they are not the change).
    public func changedPaths(from: ObjectID?, to: ObjectID) throws(RelflowError) -> [String] {
        try changedPathKinds(from: from, to: to).paths
    }

    /// The changed paths and the special ones among them (symlinks, submodules, mode changes).
    public func changedPathKinds(from: ObjectID?, to: ObjectID) throws(RelflowError) -> (paths: [String], special: Set<String>) {
        try GateService.changedPathKinds(repo, config: config, from: from, to: to)
    }

    /// The same, for any repository and policy (the server judges with its own policy).
    static func changedPathKinds(_ repo: Repository, config: RelflowConfig, from: ObjectID?, to: ObjectID) throws(RelflowError) -> (paths: [String], special: Set<String>) {
        // A first promotion compares with nothing: links and submodules are special there too.
        let result = try git { () throws(GitError) in try repo.changedPathKinds(from: from, to: to) }
        // The changelog relflow writes is left out of the gate, as text: made a link, a
        // submodule or an executable, it counts like any other path.
        let own = Set([config.changelog.file])
        return (result.paths.filter { !own.contains($0) || result.special.contains($0) }, result.special)
    }

    public func evaluate(_ name: String?, hotfix: Bool = false, ledger: [LedgerEntry]? = nil) throws(RelflowError) -> Evaluation {
        let index = try context.releaseTags()
        let candidate = try candidate(name, index: index)
        return try evaluate(candidate, index: index, hotfix: hotfix, ledger: ledger)
    }

    public func evaluate(_ candidate: ReleaseTag, index: ReleaseTagIndex, hotfix: Bool = false,
                         ledger: [LedgerEntry]? = nil) throws(RelflowError) -> Evaluation {
        let publish = try publishCommit()
        let current = try currentRelease(index: index)
        let (paths, special) = try changedPathKinds(from: publish, to: candidate.commit)
        if let bad = GatePolicy.unsafePath(in: paths) {
            throw .refused("\(candidate.name) holds the path '\(bad)', which git cannot check out and no gate can judge by its name",
                           hint: "rebuild the tree with git's own commands (git fsck names the object)")
        }
        var entries: [LedgerEntry]
        if let ledger { entries = ledger } else { entries = try Ledger(repository: repo).entries() }
        let passage = EnvironmentChain.passage(of: candidate.name, into: context.activeEnvironment, config: config,
                                               entries: entries, now: Clock.now(), hotfix: hotfix)
        // The approvals the server counts (`ServerGuard.judgeGate`): bound to this tag object
        // and recorded after the tag's release entry. One of an earlier object under the same
        // name, or one recorded before the release, counts for neither.
        entries = context.scopedEntries(entries)
        let releaseEntry = entries.lastIndex { $0.event == .release && $0.tag == candidate.name }
        let released = releaseEntry.map { $0 + 1 } ?? 0
        let approvers = entries[released...]
            .filter { $0.event == .approve && $0.tag == candidate.name && $0.tagObject == candidate.target.hex }.map(\.actor.email)
        let candidate = try candidate.annotated(in: repo)
        let commitInfo = try git { () throws(GitError) in try repo.commit(candidate.commit) }
        let tagger = candidate.tagger?.email ?? commitInfo.committer.email
        let tagTime = candidate.tagger?.time ?? commitInfo.committer.time
        // Whoever released it approves nothing of it: the tagger, and the actor of the release
        // entry (a tag that is no tag object has no tagger of its own).
        let releasers = [tagger] + (releaseEntry.map { [entries[$0].actor.email] } ?? [])
        var decision = GatePolicy.decide(changedPaths: paths, specialPaths: special, rules: config.gate, approvers: approvers,
                                         releasers: releasers, tagTime: tagTime, now: Clock.now(), hotfix: hotfix)
        if !passage.passed {
            // The environment before this one comes first, whatever this gate would say.
            decision.allowed = false
            decision.waitingFor = passage.reason
            decision.readyAt = passage.readyAt
            decision.reason = passage.reason + "; then: " + decision.reason
        }
        return Evaluation(candidate: candidate, current: current, publishCommit: publish, decision: decision)
    }
}
