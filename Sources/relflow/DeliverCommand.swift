import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Record a delivery of the release at publish done elsewhere (a CI deploy job)."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The environment delivered to.", valueName: "name"))
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
        let context = try global.context()
        let entry = try PromoteService(context: context).deliver(environment: env, success: status == "success", url: url)
        if let push { _ = try await LedgerSync.push(remote: push, context: context) }
        if global.json { Output.printJSON(entry) } else { Output.info(Output.green("✓") + " \(entry.summary)") }
    }
}
