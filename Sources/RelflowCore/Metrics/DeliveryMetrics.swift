/// The four key delivery measures (DORA) of one environment, from its ledger entries and the
/// commit times of what each delivery shipped. Pure: the workflow layer reads git and the
/// ledger; this decides what counts.
///
/// The rules (also in the README):
/// - A *deployment* is the first delivery attempt after the release was put in the environment
///   by a promotion or a hotfix (a delivery after a rollback restores, it is not a deployment).
///   Deployment frequency counts the deployments that succeeded (at once or on a rerun).
/// - *Lead time* of a commit: from its commit time to the first deployment that contained it.
///   Commits not deployed yet are *pending*, never "infinitely slow".
/// - A deployment *failed* when its delivery failed, or when, before the next deployment, the
///   environment saw a failed delivery, an unhealthy health check, a rollback, or a hotfix
///   release. Change failure rate = failed deployments / deployments.
/// - *Time to restore*: from a failure (failed delivery, unhealthy check, rollback) to the next
///   healthy delivery (a successful delivery, followed by a healthy check where the environment
///   has one). A failure not restored yet stays open.
public enum DeliveryMetrics {
    /// A commit a deployment shipped.
    public struct Shipped: Sendable, Equatable {
        public var commitTime: Int64
        public var deployedAt: Int64
        public init(commitTime: Int64, deployedAt: Int64) {
            self.commitTime = commitTime
            self.deployedAt = deployedAt
        }
        public var leadTime: Int64 { max(0, deployedAt.clampedSubtracting(commitTime)) }
    }

    public enum Period: String, Sendable, Codable, CaseIterable {
        case week, month
    }

    public enum Band: String, Sendable, Codable, Comparable {
        case elite, high, medium, low
        var rank: Int { [.elite: 0, .high: 1, .medium: 2, .low: 3][self] ?? 3 }
        public static func < (a: Band, b: Band) -> Bool { a.rank < b.rank }
    }

    /// One deployment and what became of it.
    public struct Deployment: Sendable, Codable, Equatable {
        public var tag: String
        public var at: Int64
        /// Delivered successfully (at once, or by a rerun of the delivery).
        public var succeeded = true
        public var failed: Bool
        /// What made it a failure (the first signal), when it failed.
        public var failure: String?
    }

    public struct Incident: Sendable, Codable, Equatable {
        public var tag: String?
        /// What went wrong: `failed delivery`, `unhealthy`, `rollback`.
        public var kind: String
        public var startedAt: Int64
        public var restoredAt: Int64?
        public var restoredBy: String?
        public var seconds: Int64? { restoredAt.map { $0.clampedSubtracting(startedAt) } }
    }

    /// The entries of one environment (already chosen), oldest first, reduced to what counts.
    public static func deployments(_ entries: [LedgerEntry], hasHealthCheck: Bool) -> (deployments: [Deployment], incidents: [Incident]) {
        var deployments: [Deployment] = []
        var incidents: [Incident] = []
        var placement: (tag: String?, event: LedgerEntry.Event)?
        var deliveredSincePlacement = false
        var pendingRestore: (tag: String, at: Int64)?
        // The newest deployment failed (the first signal names why).
        func fail(_ why: String) {
            if let last = deployments.indices.last, !deployments[last].failed {
                deployments[last].failed = true
                deployments[last].failure = why
            }
        }
        func open(_ kind: String, at time: Int64, tag: String?) {
            if let last = incidents.last, last.restoredAt == nil { return }
            incidents.append(Incident(tag: tag, kind: kind, startedAt: time, restoredAt: nil, restoredBy: nil))
        }
        func restore(at time: Int64, by tag: String) {
            guard let last = incidents.indices.last, incidents[last].restoredAt == nil, time >= incidents[last].startedAt else { return }
            incidents[last].restoredAt = time
            incidents[last].restoredBy = tag
        }
        for (k, entry) in entries.enumerated() {
            switch entry.event {
            case .promote:
                // Only promote and rollback move a branch (a hotfix is promoted too; its
                // hotfix-finish entry records no move), as for the environment chain.
                placement = (entry.tag, entry.event)
                deliveredSincePlacement = false
            case .rollback:
                fail("rollback")
                open("rollback", at: entry.timestamp, tag: entry.details["from"]?.description)
                placement = (entry.tag, .rollback)
                deliveredSincePlacement = false
            case .release where entry.details["hotfix"]?.bool == true:
                fail("hotfix \(entry.tag ?? "")")
            case .deliver:
                guard let tag = entry.tag, tag == placement?.tag else { break }
                if entry.details["status"] == "success" {
                    if placement?.event != .rollback {
                        if !deliveredSincePlacement {
                            deployments.append(Deployment(tag: tag, at: entry.timestamp, failed: false, failure: nil))
                        } else if let last = deployments.indices.last, deployments[last].tag == tag {
                            deployments[last].succeeded = true  // a rerun delivered it after all
                        }
                    }
                    deliveredSincePlacement = true
                    // Healthy once its check says so, when one follows; else once delivered.
                    let next = entries[(k + 1)...].first { [.verify, .deliver, .promote, .rollback].contains($0.event) }
                    if hasHealthCheck, let next, next.event == .verify, next.tag == tag {
                        pendingRestore = (tag, entry.timestamp)
                    } else {
                        restore(at: entry.timestamp, by: tag)
                    }
                } else {
                    if !deliveredSincePlacement, placement?.event != .rollback {
                        // The attempt is the deployment, and it failed.
                        deployments.append(Deployment(tag: tag, at: entry.timestamp, succeeded: false, failed: true, failure: "failed delivery"))
                        deliveredSincePlacement = true
                    } else {
                        fail("failed delivery")
                    }
                    open("failed delivery", at: entry.timestamp, tag: tag)
                }
            case .verify:
                guard let tag = entry.tag else { break }
                if entry.details["status"] == "healthy" {
                    if pendingRestore?.tag == tag { restore(at: entry.timestamp, by: tag) }
                } else if tag == placement?.tag {
                    if let last = deployments.last, last.tag == tag { fail("unhealthy") }
                    open("unhealthy", at: entry.timestamp, tag: tag)
                }
                pendingRestore = nil
            default:
                break
            }
        }
        return (deployments, incidents)
    }

    /// Median and 90th percentile (nearest rank) of `values`, nil when empty.
    public static func percentiles(_ values: [Int64]) -> (median: Int64, p90: Int64, p10: Int64)? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Int64 {
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(index, 0), sorted.count - 1)]
        }
        // The median of an even count is the mean of the middle two.
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : sorted[mid - 1] + sorted[mid].clampedSubtracting(sorted[mid - 1]) / 2
        return (median, rank(0.9), rank(0.1))
    }

    /// The start of the period holding `time` (UTC; weeks start on Monday).
    public static func periodStart(_ time: Int64, _ period: Period) -> Int64 {
        let day = floorDiv(time, 86_400)
        switch period {
        case .week:
            // 1970-01-01 was a Thursday: Monday-based weekday = (day + 3) mod 7.
            return (day - (day + 3).modulo(7)) * 86_400
        case .month:
            let (y, m, _) = civil(fromDays: day)
            return days(fromCivil: y, m, 1) * 86_400
        }
    }

    /// The start of the period after the one starting at `start`.
    public static func nextPeriod(_ start: Int64, _ period: Period) -> Int64 {
        switch period {
        case .week: return start + 7 * 86_400
        case .month:
            let (y, m, _) = civil(fromDays: floorDiv(start, 86_400))
            return days(fromCivil: m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86_400
        }
    }

    // MARK: - Bands

    /// Deployment frequency, after the 2021 State of DevOps report: elite on demand (at least
    /// one a day), high at least one a week, medium at least one a month, low fewer.
    public static func frequencyBand(perDay: Double) -> Band {
        if perDay >= 1 { return .elite }
        if perDay >= 1.0 / 7 { return .high }
        if perDay >= 1.0 / 30 { return .medium }
        return .low
    }

    /// Lead time for changes: elite under an hour, high under a week, medium under six months.
    public static func leadTimeBand(seconds: Int64) -> Band {
        if seconds < 3_600 { return .elite }
        if seconds < 7 * 86_400 { return .high }
        if seconds < 182 * 86_400 { return .medium }
        return .low
    }

    /// Change failure rate: elite at most 15%, high, medium and low share 16–30% in the report;
    /// read here as high up to 30%, medium up to 45%, low above.
    public static func failureRateBand(_ rate: Double) -> Band {
        if rate <= 0.15 { return .elite }
        if rate <= 0.30 { return .high }
        if rate <= 0.45 { return .medium }
        return .low
    }

    /// Time to restore: elite under an hour, high under a day, medium under a week.
    public static func restoreBand(seconds: Int64) -> Band {
        if seconds < 3_600 { return .elite }
        if seconds < 86_400 { return .high }
        if seconds < 7 * 86_400 { return .medium }
        return .low
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

extension Int64 {
    func modulo(_ m: Int64) -> Int64 { let r = self % m; return r < 0 ? r + m : r }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = m > 2 ? m - 3 : m + 9
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// Seconds since the epoch at 00:00 UTC of a calendar day.
public func dayStart(year: Int, month: Int, day: Int) -> Int64 {
    days(fromCivil: Int64(year), Int64(month), Int64(day)) * 86_400
}
