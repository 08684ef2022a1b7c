import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the policy relflow enforces.",
        discussion: """
        A server's own policy file (hooks install --server --policy) says what it enforces. The \
        signed policy at refs/relflow/policy says who may do what, by SSH key: once a repository \
        has one, every ledger entry is signed and its actor is the person whose key signed it. \
        Day one: relflow policy init; git push origin refs/relflow/policy. A change (add-person, \
        remove-person) is a proposal signed by you; it takes effect once the threshold of \
        administrators of the policy in force signed it (the others run relflow policy sign).
        """,
        subcommands: [Show.self, Init.self, AddPerson.self, RemovePerson.self, SetGate.self, Sign.self, Verify.self]
    )

    static func report(_ outcome: PolicyService.Outcome, json: Bool) {
        if json {
            Output.printJSON(outcome)
            return
        }
        if outcome.inForce {
            Output.info("policy version \(outcome.version) is in force (commit \(outcome.commit.prefix(7))); push it: git push origin refs/relflow/policy")
        } else {
            Output.info("policy version \(outcome.version) proposed (commit \(outcome.commit.prefix(7))): \(outcome.signatures) of \(outcome.needed) administrator signatures")
            Output.info("next: push it (git push origin refs/relflow/policy); other administrators fetch it and run relflow policy sign")
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the signed policy with you as its administrator (your git SSH signing key).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Your name in the policy (default: user.name).") var name: String?
        @Option(help: "Your email in the policy (default: user.email).") var email: String?

        func run() throws {
            let context = try global.context()
            report(try PolicyService(context: context).initialize(name: name, email: email, threshold: 1), json: global.json)
        }
    }

    struct AddPerson: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-person", abstract: "Propose adding (or updating) a person with keys and roles.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The person's name.") var name: String
        @Option(help: "The person's email (the identity ledger entries show).") var email: String
        @Option(help: "An SSH public key file (.pub) or line; repeat for several.") var key: [String] = []
        @Option(name: .customLong("pgp-key"), help: "An armored OpenPGP public key file (gpg --armor --export KEY); repeat for several.") var pgpKey: [String] = []
        @Option(help: "A role: admin, release, approve, promote, rollback, deliver; repeat for several.") var role: [TrustPolicy.Role] = []
        @Option(help: "The administrator signatures later changes need.") var threshold: Int?

        func run() throws {
            let context = try global.context()
            var keys: [SSHPublicKey] = []
            for k in key {
                let text = (readFile(k) ?? k).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let parsed = SSHPublicKey(text) else {
                    throw RelflowError.usage("'\(k)' is not an SSH public key (file or line)", hint: "give the .pub file, e.g. --key ~/.ssh/id_ed25519.pub")
                }
                keys.append(parsed)
            }
            var pgpKeys: [PGPKey] = []
            for file in pgpKey {
                guard let loaded = PGPKeyFile.load(file) else {
                    throw RelflowError.usage("'\(file)' is not an armored OpenPGP public key that gpg can read", hint: "export it with: gpg --armor --export KEY > key.asc")
                }
                pgpKeys.append(loaded)
            }
            let outcome = try PolicyService(context: context).propose("add \(name) <\(email)>") { policy in
                let person = TrustPolicy.Person(name: name, email: email, keys: keys, pgpKeys: pgpKeys, roles: Set(role))
                if let i = policy.people.firstIndex(where: { $0.email.lowercased() == email.lowercased() }) {
                    policy.people[i] = person
                } else {
                    policy.people.append(person)
                }
                if let threshold { policy.threshold = threshold }
            }
            report(outcome, json: global.json)
        }
    }

    struct RemovePerson: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-person", abstract: "Propose removing a person (and so revoking their keys).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The person's email.") var email: String
        @Option(help: "The administrator signatures later changes need.") var threshold: Int?

        func run() throws {
            let context = try global.context()
            let outcome = try PolicyService(context: context).propose("remove \(email)") { (policy: inout TrustPolicy) throws(RelflowError) in
                guard policy.people.contains(where: { $0.email.lowercased() == email.lowercased() }) else {
                    throw .usage("\(email) is not in the policy", hint: "relflow policy verify lists the people")
                }
                policy.people.removeAll { $0.email.lowercased() == email.lowercased() }
                if let threshold { policy.threshold = threshold }
            }
            report(outcome, json: global.json)
        }
    }

    struct SetGate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-gate",
            abstract: "Propose the signed gate rules a deploy job checks releases against (relflow verify --release).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Approvals a release outside the auto paths needs.") var approvals: Int
        @Option(name: .customLong("auto-path"), help: "A glob whose changes go out at once; repeat for several.") var autoPath: [String] = []

        func run() throws {
            let context = try global.context()
            let outcome = try PolicyService(context: context).propose("gate: \(approvals) approval(s), \(autoPath.count) auto path(s)") { policy in
                policy.gate = TrustPolicy.Gate(approvals: max(0, approvals), autoPaths: autoPath)
            }
            report(outcome, json: global.json)
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add your signature to the policy change waiting at refs/relflow/policy.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = try global.context()
            report(try PolicyService(context: context).sign(), json: global.json)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the signed policy chain from its first commit; exit 1 on any problem.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = try global.context()
            let view = try PolicyChainView.read(context: context)
            if global.json {
                Output.printJSON(view)
            } else {
                for version in view.versions {
                    Output.print("version \(version.version) in force since \(version.since) (commit \(version.commit.prefix(7))): "
                                 + version.people.joined(separator: "; "))
                }
                for problem in view.problems { Output.print(Output.red("✗ ") + problem) }
                if view.problems.isEmpty { Output.info("the signed policy chain validates") }
            }
            if !view.problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the policy in force: a server's own (in a bare repository, or with --server), else this clone's configuration.",
            discussion: """
            A server enforces only <repository>/relflow/policy.toml, installed by its administrator \
            with 'relflow hooks install --server --policy FILE'; a .relflow.toml pushed to a branch \
            never changes what the server enforces.
            """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Show the server policy of this repository even when it has a work tree.")
        var server = false

        func run() throws {
            global.configureOutput()
            let view = try PolicyView.read(path: global.repo, configPath: global.config, server: server)
            if global.json {
                Output.printJSON(view)
                return
            }
            Output.print("policy in force: \(view.source)")
            Output.print("")
            Output.print(view.text.isEmpty ? "(relflow's defaults; see templates/relflow.toml)" : view.text)
        }
    }
}

extension TrustPolicy.Role: ExpressibleByArgument {}
