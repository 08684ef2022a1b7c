import Git
import RelflowCore

/// `relflow status`: one screen of where things stand.
public struct StatusService {
    public struct Report: Sendable, Codable {
        public struct Production: Sendable, Codable {
            public var tag: String?
            public var version: String?
            public var commit: String?
            /// When the release at publish was last delivered successfully (ISO 8601), if ever.
            public var deliveredAt: String?
            public var deliveryStatus: String?
        }
        public struct Pending: Sendable, Codable {
            public var commits: Int
            public var groups: [String: Int]
            public var nextVersion: String?
            public var latestRelease: String?
            public var gate: GateDecision?
            public var gateTag: String?
        }
        public var production: Production
        /// One row per environment, in the chain's order (one, production, without [[environments]]).
        public var environments: [EnvironmentRow]
        public var pending: Pending
        public var hotfix: String?
        /// The hotfix's tag, when it exists while its branch does: `hotfix finish` was
        /// interrupted after tagging, and rerunning it completes the rest.
        public var hotfixTagged: String?
        public var pendingBackports: [String]
        public var undelivered: [String]
        public var interruptedRelease: String?
        /// Lock files left in the git folder (by a running or a killed process).
        public var leftLocks: [LeftLock]
        /// Publishers still running after the relflow that started them was killed.
        public var runningPublishers: [PublisherRecord]
        /// What this clone lacks to see the team's state (nil when nothing).
        public var setup: String?
        public var violations: [VerifyService.Violation]
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func report() throws(RelflowError) -> Report {
        let repo = context.repository
        let config = context.config
        let index = try context.releaseTags()
        let gate = GateService(context: context)
        let allEntries = try Ledger(repository: repo).entries()
        // Production's view: its moves, deliveries and health results (every environment's
        // rows come from all entries).
        let entries = context.scoped(to: config.production).scopedEntries(allEntries)
        let publish = try gate.publishCommit()
        let current = try gate.currentRelease(index: index)
        var production = Report.Production(tag: current?.name, version: current?.version.description, commit: publish?.hex)
        if let current {
            let deliveries = entries.filter { $0.event == .deliver && $0.tag == current.name }
            production.deliveredAt = deliveries.last { $0.details["status"] == "success" }?.time
            production.deliveryStatus = deliveries.last?.details["status"]?.description
        }
        // What main holds beyond publish.
        var pending = Report.Pending(commits: 0, groups: [:])
        do {
            let main = try context.requireBranchTip(config.branches.main, key: "main")
            let commits = config.commits
            @Sendable func group(_ parsed: ParsedMessage) -> String {
                parsed.commit.flatMap { commits.group(for: $0.normalizedType)?.title } ?? (parsed.kind == .merge ? "Merges" : commits.otherTitle)
            }
            if publish == nil && !repo.isShallow {
                // Nothing in production yet: all of main's history, read and parsed on every core.
                let graph = try HistoryGraph.read(repo, tips: [main], hidden: [], boundary: [], seeds: index.tags.map(\.commit),
                                                  keepBodies: false)
                for title in parallelMap(graph.nodes, { group(graph.parsed($0)) }) {
                    pending.commits += 1
                    pending.groups[title, default: 0] += 1
                }
            } else {
                try git { () throws(GitError) in
                    for id in try context.ancestry.commits(from: [main], excluding: publish.map { [$0] } ?? []) {
                        let commit = try repo.commit(id)
                        pending.commits += 1
                        pending.groups[group(ConventionalCommitParser.parse(commit.message, keepBody: false)), default: 0] += 1
                    }
                }
            }
            if !repo.isShallow {
                pending.nextVersion = try? VersionQuery(context: context).next(revision: main.hex).version?.description
            }
            if let latest = try? gate.candidate(nil, index: index), latest.commit != publish {
                pending.latestRelease = latest.name
                if let evaluation = try? gate.evaluate(latest, index: index, ledger: allEntries) {
                    pending.gate = evaluation.decision
                    pending.gateTag = latest.name
                }
            }
        }
        // Releases promoted but not (successfully) delivered.
        var undelivered: [String] = []
        if let current, !config.publisher.command.isEmpty || entries.contains(where: { $0.event == .deliver }) {
            let lastMove = entries.last { [.promote, .rollback].contains($0.event) && $0.tag == current.name }
            let delivered = entries.contains { e in
                e.event == .deliver && e.tag == current.name && e.details["status"] == "success" && e.timestamp >= (lastMove?.timestamp ?? 0)
            }
            if lastMove != nil && !delivered { undelivered.append(current.name) }
        }
        let hotfixBranches = try git { () throws(GitError) in try repo.references(matching: "refs/heads/\(config.hotfix.branchPrefix)*") }
        let backports = try git { () throws(GitError) in try repo.references(matching: "refs/heads/backport/*") }
        let interrupted = try ReleaseService(context: context).interrupted()
        let hotfixName = hotfixBranches.first.map { String($0.name.dropFirst("refs/heads/".count)) }
        let hotfixTagged = hotfixName.flatMap { branch -> String? in
            guard let version = SemVer(String(branch.dropFirst(config.hotfix.branchPrefix.count))) else { return nil }
            return config.tags.prefixes.lazy.map { $0 + version.description }.first { index.tag(named: $0) != nil }
        }
        return Report(production: production, environments: try environmentRows(index: index, entries: allEntries), pending: pending,
                      hotfix: hotfixName, hotfixTagged: hotfixTagged,
                      pendingBackports: backports.map { String($0.name.dropFirst("refs/heads/".count)) },
                      undelivered: undelivered,
                      interruptedRelease: interrupted.map { "\($0.tag): the release commit is made; its \($0.missing) is missing — run relflow release to finish it" },
                      leftLocks: LeftLock.find(in: repo),
                      runningPublishers: config.chain.compactMap { env in
                          // Left running: its relflow is gone (nobody holds the deployment lock).
                          guard !DeployLock.isHeld(repository: repo, branch: env.branch) else { return nil }
                          return PublisherRecord.read(PublisherRecord.path(repository: repo, branch: env.branch)).flatMap { $0.isRunning ? $0 : nil }
                      },
                      setup: context.fetchesRelflowRefs ? nil
                          : "git fetch does not bring relflow's ledger into this clone: run relflow init once (it adds the refspec and fetches)",
                      violations: try VerifyService(context: context).verify())
    }
}
