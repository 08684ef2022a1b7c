import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        _superCommandName: "relflow",
        abstract: "Check commit messages against Conventional Commits 1.0.0 and the config.",
        discussion: """
        RANGE is 'A..B' (the commits of B not in A, e.g. origin/main..HEAD) or one revision \
        (that commit alone). Without RANGE: the commits of HEAD that its upstream, or else the \
        main branch, does not have. '-' reads one message from stdin. Exit 1 on any error.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("A range 'A..B', a revision, or '-' for stdin.", valueName: "range"))
    var range: String?

    @Option(name: .customLong("message-file"), help: ArgumentHelp("Lint the message in this file (as the commit-msg hook does).", valueName: "file"))
    var messageFile: String?

    func validate() throws {
        if range != nil && messageFile != nil {
            throw ValidationError("give a RANGE or --message-file, not both")
        }
    }

    func run() throws {
        global.configureOutput()
        let results: [LintResult]
        var source = ""
        if let messageFile {
            let context = try global.optionalContext()
            let config = context?.config ?? RelflowConfig()
            guard let bytes = readFileBytes(messageFile) else {
                throw RelflowError.usage("cannot read the message file '\(messageFile)'", hint: "check the path")
            }
            let branch = (try? context?.repository.head())??.branchName
            results = [LintRunner(config: config).lintMessage(String(decoding: bytes, as: UTF8.self), branch: branch)]
            source = messageFile
        } else if range == "-" {
            let context = try global.optionalContext()
            // At most 16 MiB are read: past 1 MiB the message is refused anyway (message-size),
            // and a pipe that never ends must not fill the memory.
            var data = Data()
            let limit = 16 << 20
            do {
                while data.count <= limit, let chunk = try FileHandle.standardInput.read(upToCount: 1 << 16), !chunk.isEmpty {
                    data.append(chunk)
                }
            } catch {
                throw RelflowError.usage("cannot read the message from standard input: \(error.localizedDescription)", hint: "pipe the message in, e.g. git log -1 --format=%B | relflow lint -")
            }
            results = [LintRunner(config: context?.config ?? RelflowConfig()).lintMessage(String(decoding: data.prefix(limit + 1), as: UTF8.self))]
            source = "<stdin>"
        } else {
            let context = try global.context()
            let range = self.range ?? LintRunner.defaultRange(in: context)
            results = try LintRunner(config: context.config).lintRange(range, in: context)
            global.flushNotes(context)
        }
        report(results, source: source)
        if results.contains(where: \.hasErrors) { throw ExitCode(1) }
    }

    func report(_ results: [LintResult], source: String) {
        if global.json {
            Output.printJSON(LintReport(results: results))
            return
        }
        var failed = 0
        for result in results where !result.problems.isEmpty {
            if result.hasErrors { failed += 1 }
            let location = result.commit.map { $0.short() } ?? source
            if result.commit != nil {
                Output.info(Output.bold(location) + " " + result.header)
            }
            for p in result.problems {
                let place = (result.commit == nil ? "\(source):" : "  line ") + "\(p.line)" + (p.column.map { ":\($0)" } ?? "")
                let severity = p.severity == .error ? Output.red("error") : Output.yellow("warning")
                Output.info("\(place): \(severity): \(p.message) [\(p.rule)]")
                if let hint = p.hint { Output.info("    " + Output.dim("hint: ") + hint) }
            }
        }
        let noun = results.count == 1 ? "message" : "messages"
        if failed > 0 {
            Output.info(Output.red("✗") + " \(failed) of \(results.count) \(noun) refused")
        } else {
            Output.info(Output.green("✓") + " \(results.count) \(noun) OK")
        }
    }
}

struct LintReport: Encodable {
    struct Item: Encodable {
        let commit: String?
        let header: String
        let kind: String
        let ok: Bool
        let problems: [LintProblem]
    }
    let ok: Bool
    let checked: Int
    let results: [Item]

    init(results: [LintResult]) {
        ok = !results.contains(where: \.hasErrors)
        checked = results.count
        self.results = results.map {
            Item(commit: $0.commit?.hex, header: $0.header, kind: $0.kind.rawValue, ok: !$0.hasErrors, problems: $0.problems)
        }
    }
}
