import Git
import RelflowCore

/// One row of `status` per environment: what runs there, since when, delivered and healthy
/// or not, and what waits at its gate and why. A hotfix release waiting anywhere is marked:
/// it goes ahead of any normal release.
public struct EnvironmentRow: Sendable, Codable, Equatable {
    public var name: String
    public var branch: String
    public var tag: String?
    public var version: String?
    /// When the release was put there (ISO 8601).
    public var since: String?
    public var deliveredAt: String?
    /// healthy, unhealthy, unknown (no result yet), or none (no health check configured).
    public var health: String
    /// The release waiting to come in, and why it waits (nil reason: it may go now).
    public var waiting: String?
    public var waitingReason: String?
    public var mayGoNow: Bool?
    public var readyAt: String?
    /// The waiting release is a hotfix: it goes first.
    public var hotfix: Bool
}

extension StatusService {
    /// The rows, in the chain's order.
    func environmentRows(index: ReleaseTagIndex, entries: [LedgerEntry]) throws(RelflowError) -> [EnvironmentRow] {
        let config = context.config
        let hotfixTags = Set(entries.filter { $0.event == .release && $0.details["hotfix"]?.bool == true }.compactMap(\.tag))
        var rows: [EnvironmentRow] = []
        var previousRelease: ReleaseTag?
        for (position, env) in config.chain.enumerated() {
            let scoped = context.scoped(to: env)
            let gate = GateService(context: scoped)
            let current = try gate.currentRelease(index: index)
            var row = EnvironmentRow(name: env.name, branch: env.branch, tag: current?.name, version: current?.version.description,
                                     health: env.health == nil ? "none" : "unknown", hotfix: false)
            if let current {
                let record = EnvironmentChain.record(of: current.name, in: env.name, config: config, entries: entries)
                row.since = record.placedAt.map(isoDateTime)
                row.deliveredAt = record.deliveredAt.map(isoDateTime)
                if env.health != nil { row.health = record.health.rawValue }
            }
            // What comes in next: the release of the environment before, or main's latest.
            let candidate: ReleaseTag?
            if position == 0 {
                candidate = try? gate.candidate(nil, index: index)
            } else {
                candidate = previousRelease
            }
            if let candidate, candidate.commit != current?.commit,
               current.map({ candidate.version > $0.version }) ?? true {
                row.waiting = candidate.name
                row.hotfix = hotfixTags.contains(candidate.name)
                if let evaluation = try? gate.evaluate(candidate, index: index, hotfix: row.hotfix, ledger: entries) {
                    row.mayGoNow = evaluation.decision.allowed
                    row.waitingReason = evaluation.decision.waitingFor ?? evaluation.decision.reason
                    row.readyAt = evaluation.decision.readyAt.map(isoDateTime)
                }
                // It was here before and failed its health check: say so before anyone tries again.
                let before = EnvironmentChain.record(of: candidate.name, in: env.name, config: config, entries: entries)
                if before.health == .unhealthy, let at = before.healthAt {
                    row.mayGoNow = false
                    row.waitingReason = "it was unhealthy in \(env.name) at \(isoDateTime(at))" + (env.health?.onUnhealthy == .rollback ? " and was reverted" : "")
                        + "; ship the fix in a new release"
                }
            }
            rows.append(row)
            previousRelease = current
        }
        return rows
    }
}
