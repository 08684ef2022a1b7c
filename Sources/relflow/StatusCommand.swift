import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        _superCommandName: "relflow",
        abstract: "One screen: production, what main holds beyond it, hotfixes, backports, deliveries, invariants."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try global.context()
        let report = try StatusService(context: context).report()
        if global.json {
            Output.printJSON(report)
            return
        }
        let config = context.config
        let p = report.production
        Output.print(Output.bold("production") + " (\(config.branches.publish)): " + (p.tag ?? p.commit.map { "\($0.prefix(7)), a commit no release tag names — promote a release (relflow promote <tag>) to put a release there" }
                                                                                        ?? "not set — relflow init"))
        if p.tag != nil {
            switch (p.deliveredAt, p.deliveryStatus) {
            case (let at?, "failure"?): Output.print("  delivered: \(at); the last delivery since failed")
            case (let at?, _): Output.print("  delivered: \(at)")
            case (nil, "failure"?): Output.print("  delivered: not yet — the last attempt failed")
            case (nil, _): Output.print("  delivered: no delivery recorded")
            }
        }
        if report.environments.count > 1 {
            // The chain, in order: where each environment stands and what waits at its gate.
            Output.print(Output.bold("environments") + ":")
            for row in report.environments {
                var line = "  \(row.name.padding(12)) \((row.tag ?? "—").padding(14)) "
                line += row.since.map { "since \($0)" } ?? "never promoted"
                if row.tag != nil {
                    line += row.deliveredAt != nil ? ", delivered" : ", not delivered"
                    if row.health != "none" { line += ", " + (row.health == "healthy" ? Output.green("healthy") : row.health == "unhealthy" ? Output.red("unhealthy") : "health unknown") }
                }
                Output.print(line)
                if let waiting = row.waiting {
                    let verdict = row.mayGoNow == true ? Output.green("may go now") : Output.yellow("waits")
                    Output.print("    ← \(waiting)\(row.hotfix ? Output.bold(" (hotfix: goes first)") : ""): \(verdict)"
                                 + (row.waitingReason.map { " — \($0)" } ?? ""))
                }
            }
        }
        let q = report.pending
        Output.print(Output.bold("\(config.branches.main)") + " beyond it: \(q.commits) commit\(q.commits == 1 ? "" : "s")"
                     + (q.groups.isEmpty ? "" : " — " + q.groups.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        if let next = q.nextVersion { Output.print("  next version: \(next)") }
        if let tag = q.gateTag, let gate = q.gate {
            Output.print("  \(tag) at the gate: \(gate.kind.rawValue), \(gate.allowed ? "may go now" : "must wait") — \(gate.reason)")
        }
        if let hotfix = report.hotfix {
            Output.print(Output.bold("hotfix in progress: ") + hotfix
                         + (report.hotfixTagged.map { " — \($0) is tagged: its finish was interrupted; rerun relflow hotfix finish on \(hotfix) to complete it" } ?? ""))
        }
        for backport in report.pendingBackports { Output.print(Output.yellow("pending backport: ") + backport + " — merge it into \(config.branches.main)") }
        for tag in report.undelivered {
            Output.print(Output.yellow("undelivered: ") + tag + " is on \(config.branches.publish) without a successful delivery"
                         + " — rerun relflow promote \(tag) to run the publisher, or record one done elsewhere: relflow deliver --status success")
        }
        if let setup = report.setup { Output.print(Output.yellow("setup: ") + setup) }
        let gitFolder = context.repository.commonDirectory
        for lock in report.leftLocks {
            Output.print(Output.yellow("lock file: ") + lock.description + " — git or relflow is writing it, or a killed process left it;"
                         + " if no git or relflow command is running here, remove it: rm '\(gitFolder)\(lock.path)'")
        }
        for publisher in report.runningPublishers {
            Output.print(Output.yellow("publisher still running: ") + publisher.description + " — its relflow was interrupted;"
                         + " the next promote or rollback waits for it (and stops it when its timeout is up)")
        }
        if let interrupted = report.interruptedRelease { Output.print(Output.yellow("interrupted release: ") + interrupted) }
        if report.violations.isEmpty {
            Output.print(Output.green("invariants: all hold"))
            Output.print(Output.dim("identity: " + (try VerifyService(context: context).trustStatement())))
        } else {
            for v in report.violations { Output.print(Output.red("broken invariant \(v.invariant): ") + v.message) }
        }
    }
}
