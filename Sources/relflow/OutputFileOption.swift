import ArgumentParser
import RelflowCore
import RelflowWorkflow

/// `-o FILE`: where a document goes (stdout by default), for every command that writes one.
struct OutputFileOption: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    /// The document's destination: the file (written through a symlink, plainly into a device,
    /// atomically otherwise), or stdout.
    func open() throws(RelflowError) -> DocumentOutput {
        try output.map { (path: String) throws(RelflowError) in try DocumentOutput(path: path) } ?? DocumentOutput()
    }
}
