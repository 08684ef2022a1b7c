import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct ChangelogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changelog",
        _superCommandName: "relflow",
        abstract: "Write the changelog of the whole history, of a range, or of what is not released yet.",
        discussion: """
        One section per release, newest first, Unreleased on top; groups in config order with \
        breaking changes first. RANGE is 'A..B'. Formats: md (Keep a Changelog headings), json \
        (the schema in the README), html (a self-contained page, commit text escaped).
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Only the commits of this range, e.g. v1.0.0..HEAD.", valueName: "range"))
    var range: String?

    @Flag(help: "Only the commits that no release has yet.")
    var unreleased = false

    @Flag(help: "Only the latest release.")
    var latest = false

    @Option(help: ArgumentHelp("md, json or html.", valueName: "format"))
    var format: ChangelogRenderer.Format = .md

    @Option(help: ArgumentHelp("A Mustache template to use instead of the default.", valueName: "file"))
    var template: String?

    @OptionGroup var file: OutputFileOption

    @Option(help: ArgumentHelp("Insert the new sections into this Markdown file, after its preamble.", valueName: "file"))
    var prepend: String?

    @Option(help: ArgumentHelp("The tip to start from instead of HEAD.", valueName: "rev"))
    var revision: String?

    @Flag(name: .customLong("allow-shallow"), help: "Work on a shallow clone, with the history it has.")
    var allowShallow = false

    func validate() throws {
        if [range != nil, unreleased, latest].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of RANGE, --unreleased and --latest")
        }
        if prepend != nil && format != .md { throw ValidationError("--prepend works with --format md") }
        if prepend != nil && file.output != nil { throw ValidationError("give --prepend or -o, not both") }
    }

    func run() throws {
        let context = try global.context()
        var service = ChangelogService(context: context)
        let scope: ChangelogService.Scope = range.map { .range($0) } ?? (unreleased ? .unreleased : latest ? .latest : .full)
        let format = global.json ? .json : self.format
        let templateSource = try loadTemplate(context: context)
        if (format == .md && templateSource == nil || format == .json), prepend == nil {
            // The common cases stream: release by release, on all cores.
            try Self.stream(format == .json ? .json : .defaultMarkdown, service: &service, scope: scope, tip: revision,
                            allowShallow: allowShallow, to: try file.open())
            global.flushNotes(context)
            return
        }
        let document = try Output.withProgress("reading history") { counter in
            service.progress = counter
            return try service.document(scope: scope, tip: revision, allowShallow: allowShallow)
        }
        global.flushNotes(context)
        let renderer = ChangelogRenderer()
        if let prepend {
            let existing = readFile(prepend) ?? ""
            let sections = try document.releases.map { release in
                (title: release.unreleased ? "Unreleased" : (release.version ?? release.tag ?? ""),
                 text: try renderer.render(ChangelogDocument(repository: document.repository, releases: [release]),
                                           format: .md, template: templateSource, header: false))
            }
            let header = try renderer.render(ChangelogDocument(repository: nil, releases: []), format: .md, template: templateSource, header: true)
            let text = ChangelogFile.prepend(sections, into: existing, header: header)
            guard writeFileAtomically(prepend, text) else {
                throw RelflowError.repository("cannot write '\(prepend)'", hint: "check the path and its permissions")
            }
            Output.info("\(prepend): \(text == existing ? "already up to date" : "updated")")
            return
        }
        let out = try file.open()
        switch format {
        case .json:
            out.write(try Output.jsonText(document))
        case .md, .html:
            try renderer.render(document, format: format, template: templateSource) { out.write($0) }
        }
        Trace.mark("rendered and wrote \(format.rawValue)")
        try out.finish()
    }

    /// `--template`, else `[changelog] template` (for Markdown), else the default.
    func loadTemplate(context: RepositoryContext) throws -> String? {
        let path = template ?? (format == .md ? context.config.changelog.template.map { $0.hasPrefix("/") ? $0 : (context.repository.workingDirectory ?? "") + $0 } : nil)
        guard let path else { return nil }
        guard let text = readFile(path) else {
            throw RelflowError.usage("cannot read the template '\(path)'", hint: "check the path given to --template or [changelog] template")
        }
        return text
    }
}

extension ChangelogCommand {
    /// Writes the changelog release by release, on all cores.
    static func stream(_ format: ChangelogService.StreamedFormat, service: inout ChangelogService, scope: ChangelogService.Scope,
                       tip revision: String?, allowShallow: Bool, to out: DocumentOutput) throws {
        // The process ends right after: the history read stays in memory until then instead
        // of being freed piece by piece (20–30 ms on 200k commits).
        service.keepsHistoryUntilExit = true
        try Output.withProgress("reading history") { counter in
            service.progress = counter
            try service.writeStreamed(format, scope: scope, tip: revision, allowShallow: allowShallow, to: out)
        }
        try out.finish()
    }

    /// `relflow [-C path] [--config file] changelog [--format md|json]`: the way CI, release
    /// scripts and the benchmarks ask for the whole changelog.
    struct Plain: Equatable {
        var repo: String?
        var config: String?
        var format: ChangelogService.StreamedFormat = .defaultMarkdown
    }

    /// `arguments` read here when they are exactly the plain shape (each option at most once,
    /// values that do not start with `-`), else nil and ArgumentParser reads them. Its parse
    /// reflects every option of the command and looks up protocol conformances across the
    /// binary: 15 M instructions, 3 ms, a tenth of a 7,000-commit changelog. The meaning is the
    /// same either way (ChangelogCommandTests runs both).
    static func plainArguments(_ arguments: [String]) -> Plain? {
        var plain = Plain()
        var sawCommand = false, sawFormat = false
        var index = 0
        func value() -> String? {
            guard index + 1 < arguments.count else { return nil }
            let next = arguments[index + 1]
            guard !next.isEmpty, !next.hasPrefix("-") else { return nil }
            index += 2
            return next
        }
        while index < arguments.count {
            switch arguments[index] {
            case "-C", "--repo":
                guard plain.repo == nil, let path = value() else { return nil }
                plain.repo = path
            case "--config":
                guard plain.config == nil, let path = value() else { return nil }
                plain.config = path
            case "changelog":
                guard !sawCommand else { return nil }
                sawCommand = true
                index += 1
            case "--format" where sawCommand && !sawFormat:
                guard let name = value(), let format = streamedFormat(name) else { return nil }
                plain.format = format
                sawFormat = true
            case let argument where sawCommand && !sawFormat && argument.hasPrefix("--format="):
                guard let format = streamedFormat(String(argument.dropFirst("--format=".count))) else { return nil }
                plain.format = format
                sawFormat = true
                index += 1
            default:
                return nil
            }
        }
        return sawCommand ? plain : nil
    }

    private static func streamedFormat(_ name: String) -> ChangelogService.StreamedFormat? {
        switch ChangelogRenderer.Format(rawValue: name) {
        case .md: .defaultMarkdown
        case .json: .json
        case .html, nil: nil
        }
    }

    /// The plain changelog, as `run()` writes it for the same options.
    static func run(_ plain: Plain) throws {
        Trace.mark("arguments read without ArgumentParser")
        Output.configure(noColor: false, quiet: false, verbose: false, json: false)
        let context = try RepositoryContext.open(path: plain.repo, configPath: plain.config, fromEnvironment: false)
        // A configured template changes the Markdown: ArgumentParser's path handles it.
        if plain.format == .defaultMarkdown, context.config.changelog.template != nil {
            var arguments = plain.repo.map { ["-C", $0] } ?? []
            arguments += plain.config.map { ["--config", $0] } ?? []
            var command = try parseAsRoot(arguments)
            try command.run()
            return
        }
        var service = ChangelogService(context: context)
        try stream(plain.format, service: &service, scope: .full, tip: nil, allowShallow: false, to: DocumentOutput())
    }
}

extension ChangelogRenderer.Format: ExpressibleByArgument {}
