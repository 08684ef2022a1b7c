import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Move publish back to a release it held before, record it, and run the publisher.",
        discussion: "TAG defaults to the release delivered before the current one; it must have been on publish before, per the ledger."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The release to go back to.", valueName: "tag"))
    var tag: String?
    @Option(help: ArgumentHelp("Push publish and the ledger to this remote.", valueName: "remote"))
    var push: String?
    @Flag(name: .customLong("no-publish"), help: "Do not run the publisher.")
    var noPublish = false

    func run() async throws {
        let context = try global.context()
        let echo = Output.publisherEcho(json: global.json, quiet: global.quiet)
        let outcome = try await PromoteService(context: context).rollback(tag, push: push, runPublisher: !noPublish, echo: echo)
        try PromoteCommand.report(outcome, verb: "rolled back to", global: global)
    }
}
