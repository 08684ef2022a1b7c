import ArgumentParser
import RelflowCore
import RelflowWorkflow

@main
struct Relflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relflow",
        abstract: "Release orchestration that lives inside git.",
        discussion: """
        Versions from Conventional Commits, changelogs, gated promotion of the publish branch, \
        hotfixes from the production tag, and an append-only ledger in refs/relflow/ledger. \
        Exit codes: 0 done, 1 refused by policy, 2 usage or configuration error, \
        3 repository error, 4 the publisher failed.
        """,
        subcommands: [
            InitCommand.self, LintCommand.self, VersionCommand.self, ChangelogCommand.self, NoticeCommand.self, BomCommand.self,
            ReleaseCommand.self,
            GateCommand.self, ApproveCommand.self, PromoteCommand.self, DeliverCommand.self, RollbackCommand.self,
            HotfixCommand.self, StatusCommand.self, HistoryCommand.self, MetricsCommand.self, VerifyCommand.self, HooksCommand.self, HookCommand.self, PolicyCommand.self,
        ]
    )

    /// A leaf subcommand is parsed by itself: building and reflecting the whole command tree
    /// cost 5 ms of every run. Help, the command groups and anything the subcommand refuses
    /// go through the root, so usage, help and error texts are exactly the root's. Each leaf
    /// names relflow as its super command (`_superCommandName`): parsed as a root, a command
    /// without one is first parsed twice more as ArgumentParser's completion-script requests
    /// (8.5 M instructions, ~2 ms, a third of `relflow version`), which the arguments here
    /// cannot be, since they hold no --generate-completion-script.
    static func parseCommand(_ arguments: [String]) throws -> any ParsableCommand {
        let groups: Set<String> = ["hooks", "hotfix", "policy"]
        if let first = arguments.first, !groups.contains(first),
           !arguments.contains(where: { ["--help", "-h", "help", "--version", "--experimental-dump-help", "--generate-completion-script"].contains($0) }),
           let subcommand = configuration.subcommands.first(where: { $0.configuration.commandName == first }),
           let command = try? subcommand.parseAsRoot(Array(arguments.dropFirst())) {
            return command
        }
        return try parseAsRoot(arguments)
    }

    /// Runs the command and maps every failure to SPEC §2's exit codes and message format.
    static func main() async {
        MemoryTuning.forShortCommand()
        Trace.mark("started")
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.count == 3, arguments[0] == "hook", arguments[1] == "commit-msg" {
                Output.configure(noColor: false, quiet: false, verbose: false, json: false)
                try HookCommand.commitMsg(file: arguments[2])
                return
            }
            if arguments == ["--version"] {
                print(relflowVersion)
                return
            }
            if let plain = ChangelogCommand.plainArguments(arguments) {
                try ChangelogCommand.run(plain)
                await notify()
                return
            }
            let hoisted = hoistingGlobalOptions(arguments)
            if let first = hoisted.first, !first.hasPrefix("-"), first != "help" {
                let names = Relflow.configuration.subcommands.compactMap { $0.configuration.commandName }
                if !names.contains(first) {
                    let close = names.min { editDistance($0, first) < editDistance($1, first) }
                    throw RelflowError(.usage, "'\(first)' is not a relflow command",
                                       hint: close.map { editDistance($0, first) <= 3 ? "did you mean '\($0)'? " : "" }.map { $0 + "the commands: " + names.joined(separator: ", ") })
                }
            }
            var command = try parseCommand(hoisted)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await notify()
        } catch let error as RelflowError {
            // What was recorded before the failure (a failed delivery, an unhealthy check)
            // is news too.
            await notify()
            Output.fail(error)
        } catch let error as ExitCode {
            await notify()
            exitProcess(error.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let text = fullMessage(for: error)
            Output.fail(RelflowError(.usage, text.hasPrefix("Error: ") ? String(text.dropFirst(7)) : text,
                                     hint: "see 'relflow help' or 'relflow <command> --help'"))
        }
    }
}

let relflowVersion = "0.1.0"

/// Sends `[[notify]]` notifications for what this run recorded; a failure is a warning.
/// Runs on its caller's executor (`nonisolated(nonsending)`): a command that recorded nothing
/// (a changelog, a lint) returns at once, where the hop of an ordinary async call to the
/// concurrent executor made a new thread at the very end of the command (a millisecond).
nonisolated(nonsending) func notify() async {
    guard Notifications.hasPending else { return }
    await Notifications.flush { Output.warning($0) }
}

/// `relflow -C path --json version` is how git users write it; the parser wants options after
/// the subcommand they belong to, so the leading global options move behind the subcommand.
func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
    let withValue: Set<String> = ["-C", "--repo", "--config"]
    let flags: Set<String> = ["--json", "--quiet", "-q", "--verbose", "-v", "--no-color"]
    let groups: Set<String> = ["hooks", "hotfix"]
    var leading: [String] = []
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        if withValue.contains(argument), index + 1 < arguments.count {
            leading += [argument, arguments[index + 1]]
            index += 2
        } else if withValue.contains(where: { argument.hasPrefix($0 + "=") }) || flags.contains(argument) {
            leading.append(argument)
            index += 1
        } else {
            break
        }
    }
    guard !leading.isEmpty, index < arguments.count else { return arguments }
    var command = [arguments[index]]
    index += 1
    if groups.contains(command[0]), index < arguments.count, !arguments[index].hasPrefix("-") {
        command.append(arguments[index])
        index += 1
    }
    return command + leading + arguments[index...]
}
