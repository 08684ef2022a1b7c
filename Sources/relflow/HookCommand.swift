import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "The entry point the installed hook shims call.",
        discussion: "commit-msg FILE: lint the message (on a hotfix branch, also the hotfix type rule)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The hook's name, e.g. commit-msg.")
    var name: String

    @Argument(parsing: .captureForPassthrough, help: "The arguments git gave the hook.")
    var arguments: [String] = []

    func run() throws {
        switch name {
        case "commit-msg":
            guard let file = arguments.first else {
                throw RelflowError.usage("commit-msg needs the message file", hint: "git runs it as: relflow hook commit-msg .git/COMMIT_EDITMSG")
            }
            global.configureOutput()
            try HookCommand.commitMsg(file: file)
        default:
            throw RelflowError.usage("unknown hook '\(name)'", hint: "relflow handles: commit-msg")
        }
    }

    /// The commit-msg check. `Relflow.main` calls it straight for the shim's exact argv, so
    /// the hook does not pay for the argument parser on every commit.
    static func commitMsg(file: String) throws {
        let result = try CommitMsgHook.run(messageFile: file, environment: ProcessInfo.processInfo.environment)
        guard !result.problems.isEmpty else { return }
        for p in result.problems {
            let severity = p.severity == .error ? Output.red("error") : Output.yellow("warning")
            Output.info("relflow: commit message line \(p.line)\(p.column.map { ":\($0)" } ?? ""): \(severity): \(p.message) [\(p.rule)]")
            if let hint = p.hint { Output.info("    hint: " + hint) }
        }
        if result.hasErrors {
            Output.info("relflow: commit refused. Your message is saved in \(file); edit it with: git commit -e -F \(file)")
            throw ExitCode(1)
        }
    }
}
