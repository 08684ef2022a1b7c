import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        _superCommandName: "relflow",
        abstract: "Move publish back to a release it held before, record it, and run the publisher.",
        discussion: "TAG defaults to the release delivered before the current one; it must have been on publish before, per the ledger."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The release to go back to (default: the one in production before the current one).", valueName: "tag"))
    var tag: String?
    @OptionGroup var move: PublishMoveOptions
    @OptionGroup var environment: EnvironmentOption

    func run() async throws {
        let context = try environment.scope(try global.context())
        let echo = Output.publisherEcho(json: global.json, quiet: global.quiet)
        let outcome = try await PromoteService(context: context).rollback(tag, push: move.push, runPublisher: !move.noPublish, echo: echo)
        try PromoteCommand.report(outcome, verb: "rolled back to", global: global)
    }
}
