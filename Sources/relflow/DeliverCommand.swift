import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        _superCommandName: "relflow",
        abstract: "Record a delivery of the release at publish done elsewhere (a CI deploy job)."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The environment delivered to (see [[environments]]; default: production).", valueName: "env"))
    var env: String?
    @Option(help: ArgumentHelp("success or failure.", valueName: "status"))
    var status: String
    @Option(help: ArgumentHelp("Where to see it (a deploy log, the running service).", valueName: "url"))
    var url: String?
    @Option(help: ArgumentHelp("Push the ledger to this remote afterwards.", valueName: "remote"))
    var push: String?

    func validate() throws {
        guard status == "success" || status == "failure" else { throw ValidationError("--status must be success or failure") }
    }

    func run() async throws {
        let unscoped = try global.context()
        // Without [[environments]], --env is only the name recorded (as before environments).
        let context = unscoped.config.environments.isEmpty ? unscoped : unscoped.scoped(to: try unscoped.environment(named: env))
        let echo = Output.publisherEcho(json: global.json, quiet: global.quiet)
        let outcome = try await PromoteService(context: context).deliver(environment: env, success: status == "success", url: url, echo: echo)
        if let push { _ = try await LedgerSync.push(remote: push, context: context) }
        if global.json { Output.printJSON(outcome.entry) } else { Output.info(Output.green("✓") + " \(outcome.entry.summary)") }
        if let health = outcome.health {
            if !global.json {
                Output.info((health.healthy ? Output.green("✓") : Output.red("✗")) + " health check: \(health.healthy ? "healthy" : "unhealthy") (\(health.statusText))")
                if let back = outcome.revertedTo { Output.info(Output.red("↩") + " reverted to \(back)") }
            }
            if !health.healthy {
                throw RelflowError(.publisher, "\(outcome.entry.tag ?? "the release") is unhealthy in \(context.activeEnvironmentName): \(health.statusText)"
                                       + (outcome.revertedTo.map { "; reverted to \($0)" } ?? ""),
                                   hint: "relflow history shows the check's output")
            }
        }
    }
}
