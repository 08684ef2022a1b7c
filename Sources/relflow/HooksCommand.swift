import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install or remove relflow's git hook shims.",
        subcommands: [Install.self, Uninstall.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the client hooks (commit-msg, pre-push), or with --server the server's (pre-receive, post-receive).",
            discussion: """
            Respects core.hooksPath. A hook relflow did not write is kept and chained: it is \
            renamed to <name>.relflow-chained and runs before relflow's check. --force replaces it. \
            On a server: relflow hooks install --server --policy policy.toml -C /srv/git/shop.git \
            installs pre-receive, which judges every push as a whole against the server's own \
            policy (kept in <repository>/relflow/policy.toml; a pushed .relflow.toml is never \
            read). Without --policy an existing server policy is kept, else relflow's defaults \
            apply. See 'relflow policy show'.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Replace a foreign hook instead of chaining it.")
        var force = false
        @Flag(help: "Install the server-side hook into a (bare) repository.")
        var server = false
        @Option(help: "With --server: the policy the server enforces (the same TOML as .relflow.toml), copied into the repository.")
        var policy: String?
        @Option(name: .customLong("policy-root"), help: "With --server: the first commit of refs/relflow/policy to trust (instead of trusting the first one pushed).")
        var policyRoot: String?
        @Flag(name: .customLong("policy-tofu"), help: "With --server: trust the first signed policy pushed (instead of pinning it with --policy-root).")
        var policyTOFU = false

        func run() throws {
            global.configureOutput()
            if let policy {
                // First, so that a broken policy already there can be replaced.
                guard server else { throw RelflowError.usage("--policy goes with --server", hint: "relflow hooks install --server --policy FILE") }
                guard let text = readFile(policy) else {
                    throw RelflowError.usage("cannot read the policy file '\(policy)'", hint: "name a readable TOML file")
                }
                let store = try ServerPolicyStore.discover(path: global.repo)
                try store.install(policyText: text, source: policy)
                if !global.json { Output.info("policy: \(policy) installed as \(store.policyPath)") }
            }
            if let policyRoot {
                guard server else { throw RelflowError.usage("--policy-root goes with --server", hint: "relflow hooks install --server --policy-root COMMIT") }
                guard let root = ObjectIDText.parse(policyRoot) else {
                    throw RelflowError.usage("--policy-root '\(policyRoot)' is not a full commit id", hint: "give the 40 hexadecimal digits of the policy's first commit")
                }
                try ServerPolicyStore.discover(path: global.repo).pin(root: root)
            }
            if policyTOFU {
                guard server else { throw RelflowError.usage("--policy-tofu goes with --server", hint: "relflow hooks install --server --policy-tofu") }
                try ServerPolicyStore.discover(path: global.repo).trustFirstPolicy()
            }
            let context = try global.context()
            let installer = HookInstaller(repository: context.repository)
            let names = server ? HookShims.serverHooks : HookShims.clientHooks
            let outcomes = try installer.install(names, relflowPath: currentExecutablePath(), force: force)
            var checksObjects = false
            if server {
                // The server's own records start now: existing release tags count as received
                // now, and where publish is (or the ledger shows it was) counts as production.
                try ServerPolicyStore(repository: context.repository).seed(repository: context.repository, config: context.config, at: Clock.now())
                checksObjects = try installer.checkReceivedObjects()
            }
            report(outcomes, json: global.json)
            if checksObjects && !global.json {
                Output.info("receive.fsckObjects: set to true (git refuses malformed objects in a push)")
            }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove relflow's hooks; chained hooks go back in place.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = try global.context()
            let outcomes = try HookInstaller(repository: context.repository).uninstall(HookShims.clientHooks + HookShims.serverHooks + ["update"])
            report(outcomes, json: global.json)
        }
    }

    static func report(_ outcomes: [HookInstaller.Outcome], json: Bool) {
        if json {
            Output.printJSON(outcomes.map { ["hook": $0.hook, "path": $0.path, "action": $0.action.rawValue] })
            return
        }
        for o in outcomes {
            switch o.action {
            case .chained: Output.info("\(o.hook): installed; your existing hook is kept as \(o.path).relflow-chained and runs first")
            case .unchanged: Output.info("\(o.hook): already installed at \(o.path)")
            case .absent: Output.info("\(o.hook): not installed")
            default: Output.info("\(o.hook): \(o.action.rawValue) (\(o.path))")
            }
        }
    }
}

private func report(_ outcomes: [HookInstaller.Outcome], json: Bool) { HooksCommand.report(outcomes, json: json) }
