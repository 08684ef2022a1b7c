import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        _superCommandName: "relflow",
        abstract: "Record your approval of a release in the ledger.",
        discussion: "The approver is your git identity; by default it must differ from the tagger (four-eyes)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The release tag.", valueName: "tag"))
    var tag: String
    @Option(help: ArgumentHelp("Why, for the record.", valueName: "text"))
    var comment: String?
    @Option(help: ArgumentHelp("Push the ledger to this remote afterwards.", valueName: "remote"))
    var push: String?
    @Option(name: .customLong("env"), help: ArgumentHelp("Approve it for this environment only (default: for every environment).", valueName: "env"))
    var env: String?

    func run() async throws {
        let unscoped = try global.context()
        let context = try env.map { unscoped.scoped(to: try unscoped.environment(named: $0)) } ?? unscoped
        let outcome = try ApproveService(context: context).approve(tag, comment: comment, onlyFor: env == nil ? nil : context.activeEnvironmentName)
        if let push { _ = try await LedgerSync.push(remote: push, context: context) }
        switch outcome {
        case .recorded(let entry):
            if global.json { Output.printJSON(entry) } else { Output.info(Output.green("✓") + " \(entry.summary)") }
        case .already(let entry):
            if global.json { Output.printJSON(entry) } else { Output.info("\(entry.actor.email) approved \(entry.tag ?? tag) already (\(entry.time))") }
        }
    }
}
