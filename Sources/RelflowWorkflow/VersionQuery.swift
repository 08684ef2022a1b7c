import Git
import RelflowCore

/// `relflow version`: the released version, and the next one from the commits since.
public struct VersionQuery {
    public struct Current: Sendable {
        /// Nil when no release tag is reachable.
        public let release: ReleaseTag?
        /// `publish` when the branch exists, else `HEAD`.
        public let source: String
    }

    public struct Next: Sendable {
        /// Why the version is what it is, naming the release that decided it.
        public var explanation: String {
            let commits = "\(commitsWalked) commit\(commitsWalked == 1 ? "" : "s") not in a final release"
            guard let version else {
                return "nothing to release: no releasable commit among \(commits) (latest release: \(base?.name ?? "none"))"
            }
            let kind = bump == .major && version.major == 0 ? "breaking change (minor bump while 0.x)" : "\(bump) bump"
            if let base, base.version.isPrerelease, version.final == base.version.final {
                return "\(kind) over \(commits); continues the pre-release line of \(base.name)"
            }
            guard let baseFinal else { return "\(kind) over \(commits); no final release before it" }
            return "\(kind) from \(baseFinal.name) over \(commits)"
        }

        /// The latest release reachable from HEAD (nil before the first release).
        public let base: ReleaseTag?
        /// The latest final (non pre-release) release reachable from HEAD; after a pre-release,
        /// only one whose next version could pass the pre-release's final (nil otherwise).
        public let baseFinal: ReleaseTag?
        /// Nil when nothing releasable happened since the last release.
        public let version: SemVer?
        public let bump: SemVer.Bump
        /// Commits that no final release contains (what the walk read).
        public let commitsWalked: Int
        /// The commits that decided the bump, with the bump each asks for.
        public let deciding: [(id: ObjectID, header: String, bump: SemVer.Bump)]
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func current() throws(RelflowError) -> Current {
        try context.requireFullHistory()
        let repo = context.repository
        let index = try context.releaseTags()
        index.ignored.forEach(context.note)
        context.note("release tags: \(index.tags.count) under \(context.config.tags.pattern), \(index.ignored.count) ignored")
        let publishRef = "refs/heads/" + context.config.branches.publish
        if try git({ () throws(GitError) in try repo.reference(publishRef) }) != nil {
            let tip = try git { () throws(GitError) in try repo.resolveCommit(publishRef) }
            return Current(release: try index.highest(in: context.reach(from: tip)), source: context.config.branches.publish)
        }
        let head = try context.headCommit()
        return Current(release: try index.highest(in: context.reach(from: head)), source: "HEAD")
    }

    /// The next version for the commits on `revision` (default HEAD) since the last release.
    public func next(prerelease identifier: String? = nil, revision: String? = nil) throws(RelflowError) -> Next {
        if let identifier { try VersionPolicy.validatePrereleaseIdentifier(identifier) }
        try context.requireFullHistory()
        let repo = context.repository
        let tip: ObjectID
        if let revision { tip = try context.resolve(revision) } else { tip = try context.headCommit() }
        let index = try context.releaseTags()
        index.ignored.forEach(context.note)
        let ancestry = context.ancestry
        let reach = try context.reach(from: tip)
        let base = try index.highest(in: reach)
        // Walk only what is new: the tip's history without that of any final release. The walk
        // stops as soon as only released history is left, however many tags there are.
        var bump = SemVer.Bump.none
        var deciding: [(id: ObjectID, header: String, bump: SemVer.Bump)] = []
        var count = 0
        try git { () throws(GitError) in
            let finals = index.tags.filter { !$0.version.isPrerelease }.map(\.commit)
            for id in try ancestry.commits(from: [tip], excluding: finals) {
                count += 1
                let commit = try repo.commit(id)
                let parsed = ConventionalCommitParser.parse(commit.message)
                guard parsed.kind == .conventional || parsed.kind == .gitRevert, let cc = parsed.commit else { continue }
                let b = VersionPolicy.bump(for: cc, rules: context.config.commits)
                if b > .none { deciding.append((id, parsed.header, b)) }
                bump = max(bump, b)
            }
        }
        let baseFinal: ReleaseTag?
        if let base, !base.version.isPrerelease {
            baseFinal = base
        } else if let base {
            // After a pre-release only the finals whose next version, with the bump the commits
            // ask for, could pass the pre-release's own final matter: an old final far below it
            // (on a line of release branches, years back) decides nothing, and proving it
            // reachable would walk the whole history.
            let rules = context.config.version
            let ceiling = base.version.final
            let effective = bump == .none ? SemVer.Bump.patch : bump
            baseFinal = try index.highest(in: reach, where: { tag in
                !tag.version.isPrerelease && tag.version < base.version
                    && (VersionPolicy.nextIfPossible(after: tag.version, bump: effective, rules: rules).map { $0 > ceiling } ?? true)
            })
        } else {
            baseFinal = try index.highest(in: reach, where: { !$0.version.isPrerelease })
        }
        Trace.mark("found the base \(base?.name ?? "-") / \(baseFinal?.name ?? "-") after reading \(ancestry.commitsRead) commits")
        context.note("walked \(count) commits that no final release contains (latest reachable: \(base?.name ?? "none"), latest final: \(baseFinal?.name ?? "none"))")
        guard bump > .none else {
            return Next(base: base, baseFinal: baseFinal, version: nil, bump: .none, commitsWalked: count, deciding: deciding)
        }
        var target: SemVer
        if let baseFinal {
            target = try VersionPolicy.next(after: baseFinal.version, bump: bump, rules: context.config.version)
        } else {
            target = context.config.version.initial
        }
        // Never go below a pre-release already cut for a higher version (1.5.0-rc.1 after a
        // breaking change was reverted): its final version is what comes next.
        if let base, base.version.isPrerelease, base.version.final > target { target = base.version.final }
        if let identifier {
            target = try VersionPolicy.nextPrerelease(of: target, identifier: identifier, existing: index.tags.map(\.version))
        }
        return Next(base: base, baseFinal: baseFinal, version: target, bump: bump, commitsWalked: count, deciding: deciding)
    }
}
