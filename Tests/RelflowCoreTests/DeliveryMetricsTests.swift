import Testing
@testable import RelflowCore

@Suite("Delivery metrics")
struct DeliveryMetricsTests {
    let actor = LedgerEntry.Actor(name: "Ada", email: "ada@example.com")
    let day: Int64 = 86_400
    let t0: Int64 = 1_800_000_000

    func entry(_ event: LedgerEntry.Event, _ tag: String, _ t: Int64, _ details: [String: LedgerValue] = [:]) -> LedgerEntry {
        LedgerEntry(event: event, tag: tag, actor: actor, timestamp: t0 + t, details: details)
    }

    @Test func deploymentsFailuresAndRestores() {
        let entries = [
            entry(.promote, "v1.0.0", 0), entry(.deliver, "v1.0.0", 10, ["status": "success"]),
            entry(.verify, "v1.0.0", 20, ["status": "healthy"]),
            entry(.promote, "v1.1.0", day), entry(.deliver, "v1.1.0", day + 10, ["status": "success"]),
            entry(.verify, "v1.1.0", day + 20, ["status": "unhealthy"]),
            entry(.rollback, "v1.0.0", day + 30, ["from": "v1.1.0"]), entry(.deliver, "v1.0.0", day + 40, ["status": "success"]),
            entry(.verify, "v1.0.0", day + 100, ["status": "healthy"]),
            // A hotfix: its release entry marks v1.0.0's successor... v1.2.0 fails by hotfix.
            entry(.promote, "v1.2.0", 2 * day), entry(.deliver, "v1.2.0", 2 * day + 10, ["status": "success"]),
            entry(.release, "v1.2.1", 2 * day + 500, ["hotfix": true]),
            entry(.promote, "v1.2.1", 2 * day + 600, ["gate": "hotfix"]), entry(.deliver, "v1.2.1", 2 * day + 610, ["status": "success"]),
            entry(.hotfixFinish, "v1.2.1", 2 * day + 620, ["promoted": true]),
            // A failed delivery never restored.
            entry(.promote, "v1.3.0", 3 * day), entry(.deliver, "v1.3.0", 3 * day + 10, ["status": "failure"]),
        ]
        let (deployments, incidents) = DeliveryMetrics.deployments(entries, hasHealthCheck: true)
        #expect(deployments.map(\.tag) == ["v1.0.0", "v1.1.0", "v1.2.0", "v1.2.1", "v1.3.0"], "the rollback's delivery restores, it is no deployment")
        #expect(deployments.map(\.failed) == [false, true, true, false, true])
        #expect(deployments.map(\.succeeded) == [true, true, true, true, false])
        #expect(deployments[1].failure == "unhealthy" && deployments[2].failure == "hotfix v1.2.1")
        #expect(incidents.count == 2)
        #expect(incidents[0].kind == "unhealthy" && incidents[0].startedAt == t0 + day + 20 && incidents[0].restoredAt == t0 + day + 100)
        #expect(incidents[0].restoredBy == "v1.0.0" && incidents[0].seconds == 80)
        #expect(incidents[1].kind == "failed delivery" && incidents[1].restoredAt == nil)

        let shipped = [DeliveryMetrics.Shipped(commitTime: t0 - 3_600, deployedAt: t0 + 10),
                       DeliveryMetrics.Shipped(commitTime: t0 - 7_200, deployedAt: t0 + 10),
                       DeliveryMetrics.Shipped(commitTime: t0 + day - 100, deployedAt: t0 + day + 10),
                       // A fix shipped by the hotfix before the normal release: counted once, by the hotfix.
                       DeliveryMetrics.Shipped(commitTime: t0 + 2 * day + 300, deployedAt: t0 + 2 * day + 610)]
        let report = MetricsReport.make(environment: "production", deployments: deployments, incidents: incidents, shipped: shipped,
                                        pending: (3, t0 + 3 * day - 50), from: t0 - day, to: t0 + 6 * day, period: .week, now: t0 + 4 * day)
        #expect(report.deploymentFrequency.count == 4 && report.deploymentFrequency.value == 4.0 / 7)
        #expect(report.deploymentFrequency.band == .high)
        #expect(report.changeFailureRate.value == 0.6 && report.changeFailureRate.band == .low && report.changeFailureRate.count == 5)
        // Lead times 110, 310, 3610, 7210 s: median (310 + 3610) / 2, 90th percentile 7210.
        #expect(report.leadTime.value == 1_960 && report.leadTimeP90 == 7_210 && report.leadTime.band == .elite && report.leadTime.count == 4)
        #expect(report.timeToRestore.value == 80 && report.timeToRestore.count == 2 && report.openIncidents == 1)
        #expect(report.worstRestoreSeconds == 4 * day - 3 * day - 10, "the open incident is the worst, still counting")
        #expect(report.pendingCommits == 3 && report.oldestPendingSeconds == day + 50)
        #expect(report.periods.map(\.deployments).reduce(0, +) == 5 && report.periods.map(\.failures).reduce(0, +) == 3)
    }

    @Test func nothingDeliveredYetIsNoData() {
        let report = MetricsReport.make(environment: "production", deployments: [], incidents: [], shipped: [], pending: (5, t0),
                                        from: t0, to: t0 + 7 * day, period: .week, now: t0 + 7 * day)
        #expect(report.deploymentFrequency.count == 0 && report.deploymentFrequency.text == "no deployment")
        #expect(report.leadTime.value == nil && report.leadTime.band == nil && report.changeFailureRate.value == nil)
        #expect(report.timeToRestore.text == "no incident" && report.pendingCommits == 5)
        #expect(report.markdown().contains("| Lead time for changes | no commit deployed | — | 0 commits |"))
    }

    @Test func oneDeliveryAndBands() {
        let (d, i) = DeliveryMetrics.deployments([entry(.promote, "v1", 0), entry(.deliver, "v1", 5, ["status": "success"])], hasHealthCheck: false)
        #expect(d.count == 1 && !d[0].failed && i.isEmpty)
        #expect(DeliveryMetrics.frequencyBand(perDay: 1) == .elite && DeliveryMetrics.frequencyBand(perDay: 0.2) == .high)
        #expect(DeliveryMetrics.leadTimeBand(seconds: 3_599) == .elite && DeliveryMetrics.leadTimeBand(seconds: 200 * 86_400) == .low)
        #expect(DeliveryMetrics.failureRateBand(0.15) == .elite && DeliveryMetrics.failureRateBand(0.3) == .high)
        #expect(DeliveryMetrics.restoreBand(seconds: 86_399) == .high && DeliveryMetrics.restoreBand(seconds: 8 * 86_400) == .low)
    }

    @Test func periodsStartOnMondaysAndFirstDays() {
        // 2026-11-30 is a Monday.
        let monday = dayStart(year: 2026, month: 11, day: 30)
        #expect(DeliveryMetrics.periodStart(monday + 3 * day + 5, .week) == monday)
        #expect(DeliveryMetrics.periodStart(monday, .month) == dayStart(year: 2026, month: 11, day: 1))
        #expect(DeliveryMetrics.nextPeriod(dayStart(year: 2026, month: 12, day: 1), .month) == dayStart(year: 2027, month: 1, day: 1))
        #expect(isoDate(dayStart(year: 2024, month: 2, day: 29)) == "2024-02-29")
    }
}

@Suite("clamped date arithmetic")
struct ClampedArithmeticTests {
    @Test func sumsAndDifferencesStopAtTheEnds() {
        #expect(Int64.max.clampedAdding(1) == .max)
        #expect(Int64.min.clampedAdding(-1) == .min)
        #expect(Int64(5).clampedAdding(-7) == -2)
        #expect(Int64(1).clampedSubtracting(.min) == .max)
        #expect(Int64(-2).clampedSubtracting(.max) == .min)
        #expect(Int64(1_700_000_000).clampedSubtracting(1_600_000_000) == 100_000_000)
    }

    @Test func theMedianOfTheLargestLeadTimesIsNoOverflow() {
        let p = DeliveryMetrics.percentiles([.max, .max - 1])
        #expect(p?.median == Int64.max - 1)
        #expect(DeliveryMetrics.percentiles([2, 5])?.median == 3)
    }
}
