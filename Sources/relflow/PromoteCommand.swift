import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
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

    func run() async throws {
        let context = try global.context()
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
            if let run = outcome.publisher {
                Output.info((run.succeeded ? Output.green("✓") : Output.red("✗")) + " publisher: \(run.statusText) in \(String(format: "%.1f", run.seconds)) s")
            } else {
                Output.info("no publisher ran; record a delivery done elsewhere with: relflow deliver --status success")
            }
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
    }
}
