import ArgumentParser
import RelflowCore
import RelflowWorkflow

/// The options every command takes (SPEC §2).
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("repo")], help: ArgumentHelp("Run in the repository at PATH, as 'git -C PATH' does.", valueName: "path"))
    var repo: String?

    @Flag(help: "Machine output on stdout, with stable field names.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print what relflow looked at and ignored.")
    var verbose = false

    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: ArgumentHelp("Read the configuration from this file instead of .relflow.toml.", valueName: "path"))
    var config: String?

    func configureOutput() {
        Output.configure(noColor: noColor, quiet: quiet, verbose: verbose, json: json)
    }

    /// Opens the repository and its configuration.
    func context(fromEnvironment: Bool = false) throws(RelflowError) -> RepositoryContext {
        configureOutput()
        return try RepositoryContext.open(path: repo, configPath: config, fromEnvironment: fromEnvironment)
    }

    /// The repository and its configuration when there is one; nil outside a repository. A
    /// broken configuration is still an error.
    func optionalContext() throws(RelflowError) -> RepositoryContext? {
        do {
            return try context()
        } catch where error.status == .repository && repo == nil {
            return nil
        }
    }

    /// Prints the notes relflow gathered, under --verbose.
    func flushNotes(_ context: RepositoryContext) {
        for note in context.notes { Output.verbose(note) }
    }
}
