import Git
import RelflowCore

/// `relflow metrics`: the four delivery measures of one environment, from the ledger and the
/// commit times of what each deployment shipped. Walks only the commits the deployments of the
/// window shipped (each one's history down to what was deployed before it) and those still
/// pending on main.
public struct MetricsService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func report(environment name: String?, from: Int64, to: Int64, period: DeliveryMetrics.Period) throws(RelflowError) -> MetricsReport {
        guard from < to else {
            throw .usage("the window ends (\(isoDateTime(to))) before it starts (\(isoDateTime(from)))", hint: "give --from before --to")
        }
        let env = try context.environment(named: name)
        let scoped = context.scoped(to: env)
        let entries = scoped.scopedEntries(try Ledger(repository: context.repository).entries())
        let (deployments, incidents) = DeliveryMetrics.deployments(entries, hasHealthCheck: env.health != nil)
        let index = try context.releaseTags()
        let ancestry = context.ancestry

        // What each deployment shipped: its history less everything deployed before it.
        var shipped: [DeliveryMetrics.Shipped] = []
        var deployed: [ObjectID] = []
        var seen = Set<ObjectID>()
        try git { () throws(GitError) in
            for deployment in deployments where deployment.at < to && deployment.succeeded {
                guard let commit = index.tag(named: deployment.tag)?.commit else { continue }
                if deployment.at >= from {
                    for id in try ancestry.commits(from: [commit], excluding: deployed) {
                        shipped.append(.init(commitTime: try ancestry.commitTime(id), deployedAt: deployment.at))
                    }
                }
                if seen.insert(commit).inserted { deployed.append(commit) }
            }
        }
        // Pending: on main, never deployed here.
        var pending = (count: 0, oldest: Int64?.none)
        if let main = try context.branchTip(context.config.branches.main) {
            try git { () throws(GitError) in
                for id in try ancestry.commits(from: [main], excluding: deployed) {
                    pending.count += 1
                    let time = try ancestry.commitTime(id)
                    pending.oldest = min(pending.oldest ?? time, time)
                }
            }
        }
        return MetricsReport.make(environment: env.name, deployments: deployments, incidents: incidents, shipped: shipped,
                                  pending: pending, from: from, to: to, period: period, now: Clock.now())
    }
}
