import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        _superCommandName: "relflow",
        abstract: "The entry point the installed hook shims call.",
        discussion: """
        commit-msg FILE: lint the message (on a hotfix branch, also the hotfix type rule). \
        pre-push REMOTE URL, pre-receive (ref updates on stdin), update REF OLD NEW: refuse any \
        update of publish to a commit without a release tag, a move of publish backwards that no \
        rollback entry names, deleting publish, moving or deleting a release tag, a non-fast-forward \
        or unparsable ledger, and a hotfix branch not based on a release tag.
        """
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
        case "pre-push", "pre-receive":
            let input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            let updates = try PushPolicy.Update.parseHookInput(input, prePush: name == "pre-push")
            if name == "pre-push" {
                try check(updates, clientSide: true)
            } else {
                try judgeOnServer(updates)
            }
        case "post-receive":
            global.configureOutput()
            let updates = try PushPolicy.Update.parseHookInput([UInt8](FileHandle.standardInput.readDataToEndOfFile()), prePush: false)
            let inGitHook = ProcessEnvironment.value("GIT_DIR") != nil && global.repo == nil
            try ServerGuard.recordAccepted(updates, path: global.repo, fromEnvironment: inGitHook)
        case "update":
            // One ref at a time cannot be judged: a promotion is a tag, a ledger entry and publish
            // together. Refuse rather than let the parts in one by one.
            global.configureOutput()
            Output.info("relflow: refused \(arguments.first ?? "this ref"): relflow's update hook cannot judge a push as a whole, so it accepts nothing [update-hook]")
            Output.info("relflow:   fix: the server's administrator installs the pre-receive hook instead: relflow hooks install --server --repo PATH")
            Output.info("relflow: this ref was not updated; other refs of the push may have been")
            throw ExitCode(1)
        default:
            throw RelflowError.usage("unknown hook '\(name)'", hint: "relflow handles: commit-msg, pre-push, pre-receive, update")
        }
    }

    /// The server's judgement of a whole push, from the server's own policy. Nothing of the
    /// push is read as policy; the binary is the one the administrator installed.
    func judgeOnServer(_ updates: [PushPolicy.Update]) throws {
        global.configureOutput()
        let inGitHook = ProcessEnvironment.value("GIT_DIR") != nil && global.repo == nil
        let (judgement, source) = try ServerGuard.judgePush(updates, path: global.repo, fromEnvironment: inGitHook)
        guard !judgement.refusals.isEmpty else {
            for note in judgement.notes { Output.info("relflow: note: \(note)") }
            return
        }
        for r in judgement.refusals {
            Output.info("relflow: refused \(r.ref): \(r.message) [\(r.rule)]")
            Output.info("relflow:   fix: \(r.fix)")
        }
        Output.info("relflow: push refused; no ref was updated on the server (policy: \(source))")
        throw ExitCode(1)
    }

    /// Judges a push; each refusal names the ref, the rule and the fix (git shows them to the
    /// pusher, as `remote:` lines for a server's hooks).
    func check(_ updates: [PushPolicy.Update], clientSide: Bool) throws {
        global.configureOutput()
        let inGitHook = ProcessEnvironment.value("GIT_DIR") != nil && global.repo == nil
        let context = try global.context(fromEnvironment: inGitHook)
        let refusals = PushPolicy(repository: context.repository, config: context.config, clientSide: clientSide).check(updates)
        guard !refusals.isEmpty else { return }
        for r in refusals {
            Output.info("relflow: refused \(r.ref): \(r.message) [\(r.rule)]")
            Output.info("relflow:   fix: \(r.fix)")
        }
        Output.info("relflow: push refused; nothing was updated\(clientSide ? "" : " on the server")")
        throw ExitCode(1)
    }

    /// The commit-msg check. `Relflow.main` calls it straight for the shim's exact argv, so
    /// the hook does not pay for the argument parser on every commit.
    static func commitMsg(file: String) throws {
        let result = try CommitMsgHook.run(messageFile: file, environment: ProcessEnvironment.lookup)
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
