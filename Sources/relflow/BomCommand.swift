import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct BomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bom",
        _superCommandName: "relflow",
        abstract: "The bill of materials read from the lock files in the tree at REV, or what changed between two.",
        discussion: """
        Reads Package.resolved (v1–v3), package-lock.json (v2/v3), Cargo.lock, go.mod, pinned \
        requirements*.txt, poetry.lock, Gemfile.lock and the paths of [bom] at any depth of the \
        tree, without a checkout. A lock file that does not parse is named in a warning and the \
        rest still comes out. --format cyclonedx writes CycloneDX 1.5 JSON.
        """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The revision (default HEAD).", valueName: "rev"))
    var revision: String?
    @Option(help: ArgumentHelp("Compare two revisions: A..B.", valueName: "range"))
    var diff: String?
    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, cyclonedx }
    @Option(help: ArgumentHelp("md, json or cyclonedx.", valueName: "format"))
    var format: Format = .md
    @OptionGroup var file: OutputFileOption

    func validate() throws {
        if diff != nil && revision != nil { throw ValidationError("give REV or --diff A..B, not both") }
        if diff != nil && format == .cyclonedx { throw ValidationError("--diff prints md or json; CycloneDX describes one tree") }
    }

    func run() throws {
        let context = try global.context()
        let service = BomService(context: context)
        let format: Format = global.json ? .json : self.format
        var text = ""
        if let diff {
            let parts = diff.components(separatedBy: "..")
            guard parts.count == 2, !parts[0].isEmpty else { throw RelflowError.usage("--diff takes A..B", hint: "e.g. --diff v1.0.0..HEAD") }
            let result = try service.diff(from: parts[0], to: parts[1].isEmpty ? "HEAD" : parts[1])
            result.warnings.forEach { Output.warning("\($0.file): \($0.problem)") }
            if format == .json {
                text = encode(result.diff)
            } else {
                text = "# Dependency changes \(result.diff.from)..\(result.diff.to)\n\n" + (result.diff.isEmpty ? "No dependency changed.\n" : result.diff.markdown)
            }
        } else {
            let bom = try service.read(revision ?? "HEAD")
            bom.warnings.forEach { Output.warning("\($0.file): \($0.problem)") }
            switch format {
            case .json: text = encode(bom)
            case .cyclonedx: text = CycloneDX.json(bom, project: service.projectName(), toolVersion: relflowVersion, timestamp: Clock.now())
            case .md:
                text = "# Bill of materials at \(bom.revision)\n\n"
                if bom.components.isEmpty { text += "No lock file with dependencies found.\n" }
                for ecosystem in Component.Ecosystem.allCases {
                    let list = bom.components.filter { $0.ecosystem == ecosystem }
                    guard !list.isEmpty else { continue }
                    text += "## \(ecosystem.rawValue)\n\n| name | version | manifest |\n|---|---|---|\n"
                    for c in list { text += "| \(c.name) | \(c.version) | \(c.source) |\n" }
                    text += "\n"
                }
            }
        }
        let out = try file.open()
        out.write(text)
        try out.finish()
    }

    func encode<T: Encodable>(_ value: T) -> String {
        (try? Output.jsonText(value)) ?? "{}\n"
    }
}
