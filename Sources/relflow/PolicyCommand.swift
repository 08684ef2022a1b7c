import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the policy relflow enforces.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the policy in force: a server's own (in a bare repository, or with --server), else this clone's configuration.",
            discussion: """
            A server enforces only <repository>/relflow/policy.toml, installed by its administrator
            with 'relflow hooks install --server --policy FILE'; a .relflow.toml pushed to a branch
            never changes what the server enforces.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Show the server policy of this repository even when it has a work tree.")
        var server = false

        func run() throws {
            global.configureOutput()
            let view = try PolicyView.read(path: global.repo, configPath: global.config, server: server)
            if global.json {
                Output.printJSON(view)
                return
            }
            Output.print("policy in force: \(view.source)")
            Output.print("")
            Output.print(view.text.isEmpty ? "(relflow's defaults; see templates/relflow.toml)" : view.text)
        }
    }
}
