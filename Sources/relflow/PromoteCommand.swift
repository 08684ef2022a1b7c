import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        _superCommandName: "relflow",
        abstract: "Move publish forward to TAG if the gate allows, record it, and run the publisher.",
        discussion: """
        The move is a compare-and-swap of the ref; the publisher runs after it with the release \
        in RELFLOW_* variables, and its result is recorded as a delivery. Exit 4 when the \
        publisher fails (publish stays where it moved). --push pushes publish, the tag and the \
        ledger in one atomic git push, and retries when another machine promoted first.
        """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The release to put in production (default: the latest release on main).", valueName: "tag"))
    var tag: String?
    @OptionGroup var move: PublishMoveOptions
    @Option(name: [.customLong("to"), .customLong("env")],
            help: ArgumentHelp("The environment to promote into (see [[environments]]; default: production).", valueName: "env"))
    var to: String?

    func run() async throws {
        let unscoped = try global.context()
        let context = unscoped.scoped(to: try unscoped.environment(named: to))
        let echo = Output.publisherEcho(json: global.json, quiet: global.quiet)
        let outcome = try await PromoteService(context: context).promote(tag, push: move.push, runPublisher: !move.noPublish, echo: echo)
        try PromoteCommand.report(outcome, verb: "promoted", global: global)
    }

    static func report(_ outcome: PromoteService.Outcome, verb: String, global: GlobalOptions) throws {
        if global.json {
            Output.printJSON(PromoteJSON(outcome))
        } else if outcome.alreadyThere {
            Output.info("\(outcome.tag.name): \(outcome.notes.joined(separator: "; "))")
        } else {
            Output.info(Output.green("✓") + " \(verb) \(outcome.tag.name)" + (outcome.decision.map { " (\($0.kind.rawValue): \($0.reason))" } ?? "")
                        + (outcome.pushed ? ", pushed" : ""))
            for note in outcome.serverNotes { Output.info(Output.yellow("server: ") + note) }
            if let run = outcome.publisher {
                Output.info((run.succeeded ? Output.green("✓") : Output.red("✗")) + " publisher: \(run.statusText) in \(String(format: "%.1f", run.seconds)) s")
            } else {
                Output.info("no publisher ran; record a delivery done elsewhere with: relflow deliver --status success")
            }
            if let health = outcome.health {
                Output.info((health.healthy ? Output.green("✓") : Output.red("✗")) + " health check: \(health.healthy ? "healthy" : "unhealthy") (\(health.statusText), \(health.attempts) attempt\(health.attempts == 1 ? "" : "s"))")
            }
            if let back = outcome.revertedTo {
                Output.info(Output.red("↩") + " reverted to \(back)" + (outcome.revertPublisher.map { " (publisher: \($0.statusText))" } ?? ""))
            }
        }
        outcome.notes.filter { _ in !outcome.alreadyThere }.forEach { Output.info("note: \($0)") }
        if let health = outcome.health, !health.healthy {
            throw RelflowError(.publisher, "\(outcome.tag.name) is unhealthy after its delivery: \(health.statusText)"
                                   + (outcome.revertedTo.map { "; reverted to \($0)" } ?? ""),
                               hint: outcome.revertedTo != nil ? "fix it in a new release; relflow history shows the check's output"
                                   : "it stays where it is and the next environment refuses it; fix it, or go back with relflow rollback")
        }
        if let run = outcome.publisher, !run.succeeded {
            throw RelflowError(.publisher, "the publisher failed for \(outcome.tag.name): \(run.statusText)",
                               hint: "publish stays at \(outcome.tag.name) and relflow status shows it undelivered; fix and rerun the deploy, then record it with relflow deliver --status success")
        }
    }
}

struct PromoteJSON: Encodable {
    let tag: String
    let version: String
    let previous: String?
    let gate: GateDecision?
    let pushed: Bool
    let alreadyThere: Bool
    let publisher: Publisher?
    let health: Health?
    let revertedTo: String?
    struct Health: Encodable {
        let healthy: Bool
        let status: String
        let attempts: Int
        let seconds: Double
        let outputTail: [String]
    }
    struct Publisher: Encodable {
        let status: String
        let exitCode: Int32?
        let seconds: Double
        let outputTail: [String]
    }
    init(_ o: PromoteService.Outcome) {
        tag = o.tag.name
        version = o.tag.version.description
        previous = o.previous?.hex
        gate = o.decision
        pushed = o.pushed
        alreadyThere = o.alreadyThere
        publisher = o.publisher.map { Publisher(status: $0.statusText, exitCode: $0.exitCode, seconds: $0.seconds, outputTail: $0.outputTail) }
        health = o.health.map { Health(healthy: $0.healthy, status: $0.statusText, attempts: $0.attempts, seconds: $0.seconds, outputTail: $0.outputTail) }
        revertedTo = o.revertedTo
    }
}
