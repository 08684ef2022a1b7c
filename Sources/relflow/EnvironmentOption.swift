import ArgumentParser
import RelflowWorkflow

/// `--env ENV`: which environment of the chain a command is about (default: production).
struct EnvironmentOption: ParsableArguments {
    @Option(name: .customLong("env"), help: ArgumentHelp("The environment (see [[environments]]; default: production).", valueName: "env"))
    var env: String?

    func scope(_ context: RepositoryContext) throws -> RepositoryContext {
        context.scoped(to: try context.environment(named: env))
    }
}
