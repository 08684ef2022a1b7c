import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        _superCommandName: "relflow",
        abstract: "Set relflow up in this clone: .relflow.toml, publish at the latest release, client hooks.",
        discussion: "Running it again changes nothing that is already in place."
    )
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try global.context()
        let outcome = try await InitService(context: context).run(relflowPath: currentExecutablePath())
        if global.json {
            Output.printJSON(["steps": outcome.steps, "hint": outcome.hint.map { [$0] } ?? []])
            return
        }
        for step in outcome.steps { Output.info(step) }
        if let hint = outcome.hint { Output.info(Output.yellow("hint: ") + hint) }
    }
}
