import Foundation

/// `relflow metrics`: the four measures of one environment over a window, by period, each
/// with its band and the number of events it rests on.
public struct MetricsReport: Sendable, Codable, Equatable {
    public struct Figure: Sendable, Codable, Equatable {
        /// The value in its unit (per day, seconds, a share between 0 and 1); nil without events.
        public var value: Double?
        public var band: DeliveryMetrics.Band?
        /// The events it rests on (deployments, commits, incidents).
        public var count: Int
        public var text: String
    }

    public struct PeriodRow: Sendable, Codable, Equatable {
        public var start: String
        /// Deployments (attempts included: a failed delivery is a failed deployment).
        public var deployments: Int
        public var failures: Int
        public var commits: Int
        public var leadTimeMedian: Int64?
        public var leadTimeP10: Int64?
        public var leadTimeP90: Int64?
    }

    public struct IncidentRow: Sendable, Codable, Equatable {
        public var tag: String?
        public var kind: String
        public var startedAt: String
        public var restoredAt: String?
        public var restoredBy: String?
        public var seconds: Int64?
    }

    public var schemaVersion = 1
    public var environment: String
    public var from: String
    public var to: String
    public var period: DeliveryMetrics.Period
    public var deploymentFrequency: Figure
    public var deploymentsPerWeek: Double
    public var leadTime: Figure
    public var leadTimeP90: Int64?
    public var pendingCommits: Int
    public var oldestPendingSeconds: Int64?
    public var changeFailureRate: Figure
    public var timeToRestore: Figure
    public var worstRestoreSeconds: Int64?
    public var openIncidents: Int
    public var periods: [PeriodRow]
    public var incidents: [IncidentRow]
    public var deployments: [DeliveryMetrics.Deployment]

    /// Builds the report of the window [from, to).
    public static func make(environment: String, deployments all: [DeliveryMetrics.Deployment], incidents allIncidents: [DeliveryMetrics.Incident],
                            shipped: [DeliveryMetrics.Shipped], pending: (count: Int, oldest: Int64?), from: Int64, to: Int64,
                            period: DeliveryMetrics.Period, now: Int64) -> MetricsReport {
        let deployments = all.filter { $0.at >= from && $0.at < to }
        let incidents = allIncidents.filter { $0.startedAt >= from && $0.startedAt < to }
        let shippedHere = shipped.filter { $0.deployedAt >= from && $0.deployedAt < to }
        let days = max(1.0, Double(to - from) / 86_400)

        let succeeded = deployments.filter(\.succeeded)
        let perDay = Double(succeeded.count) / days
        let frequency = Figure(value: perDay, band: succeeded.isEmpty ? .low : DeliveryMetrics.frequencyBand(perDay: perDay), count: succeeded.count,
                               text: succeeded.isEmpty ? "no deployment" : String(format: "%.2f a day (%.1f a week)", perDay, perDay * 7))

        let leads = shippedHere.map(\.leadTime)
        let lead = DeliveryMetrics.percentiles(leads)
        let leadFigure = Figure(value: lead.map { Double($0.median) }, band: lead.map { DeliveryMetrics.leadTimeBand(seconds: $0.median) }, count: leads.count,
                                text: lead.map { "median \(human($0.median)), 90th percentile \(human($0.p90))" } ?? "no commit deployed")

        let failures = deployments.filter(\.failed).count
        let rate = deployments.isEmpty ? nil : Double(failures) / Double(deployments.count)
        let failureFigure = Figure(value: rate, band: rate.map(DeliveryMetrics.failureRateBand), count: deployments.count,
                                   text: rate.map { String(format: "%.0f%% (%d of %d deployments)", $0 * 100, failures, deployments.count) } ?? "no deployment")

        let restored = incidents.compactMap(\.seconds)
        let restore = DeliveryMetrics.percentiles(restored)
        let open = incidents.filter { $0.restoredAt == nil }
        let worst = (restored + open.map { now.clampedSubtracting($0.startedAt) }).max()
        let restoreFigure = Figure(value: restore.map { Double($0.median) }, band: restore.map { DeliveryMetrics.restoreBand(seconds: $0.median) },
                                   count: incidents.count,
                                   text: restore.map { "median \(human($0.median)), worst \(human(worst ?? $0.median))" + (open.isEmpty ? "" : "; \(open.count) not restored") }
                                       ?? (open.isEmpty ? "no incident" : "\(open.count) not restored yet"))

        var periods: [PeriodRow] = []
        var start = DeliveryMetrics.periodStart(from, period)
        while start < to {
            let end = DeliveryMetrics.nextPeriod(start, period)
            let d = deployments.filter { $0.at >= start && $0.at < end }
            let l = DeliveryMetrics.percentiles(shippedHere.filter { $0.deployedAt >= start && $0.deployedAt < end }.map(\.leadTime))
            periods.append(PeriodRow(start: isoDate(start), deployments: d.count, failures: d.filter(\.failed).count,
                                     commits: shippedHere.filter { $0.deployedAt >= start && $0.deployedAt < end }.count,
                                     leadTimeMedian: l?.median, leadTimeP10: l?.p10, leadTimeP90: l?.p90))
            start = end
        }
        return MetricsReport(environment: environment, from: isoDateTime(from), to: isoDateTime(to), period: period,
                             deploymentFrequency: frequency, deploymentsPerWeek: perDay * 7, leadTime: leadFigure, leadTimeP90: lead?.p90,
                             pendingCommits: pending.count, oldestPendingSeconds: pending.oldest.map { now.clampedSubtracting($0) },
                             changeFailureRate: failureFigure, timeToRestore: restoreFigure, worstRestoreSeconds: worst,
                             openIncidents: open.count, periods: periods,
                             incidents: incidents.map { IncidentRow(tag: $0.tag, kind: $0.kind, startedAt: isoDateTime($0.startedAt),
                                                                    restoredAt: $0.restoredAt.map(isoDateTime), restoredBy: $0.restoredBy, seconds: $0.seconds) },
                             deployments: deployments)
    }

    /// `3d 4h`, `2h 5m`, `40m`, `12s`.
    public static func human(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s >= 86_400 { return "\(s / 86_400)d" + (s % 86_400 >= 3_600 ? " \(s % 86_400 / 3_600)h" : "") }
        if s >= 3_600 { return "\(s / 3_600)h" + (s % 3_600 >= 60 ? " \(s % 3_600 / 60)m" : "") }
        if s >= 60 { return "\(s / 60)m" }
        return "\(s)s"
    }
}
