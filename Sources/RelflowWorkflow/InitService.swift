import Git
import RelflowCore

/// `relflow init`: config skeleton, publish at the latest release, client hooks. Idempotent.
public struct InitService {
    public struct Outcome: Sendable {
        public var steps: [String] = []
        public var hint: String?
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func run(relflowPath: String?) async throws(RelflowError) -> Outcome {
        let repo = context.repository
        let config = context.config
        var outcome = Outcome()
        guard let workdir = repo.workingDirectory else {
            throw .usage("relflow init sets up a clone; this repository is bare",
                         hint: "on a server, install the hooks with: relflow hooks install --server --repo PATH")
        }
        // The identity first: nothing is written for a run that could not record what it did.
        let identity = try Identity.current(repo)
        // A clone follows the remote's truth: git fetch brings relflow's refs from now on, and
        // the remote's publish and ledger are adopted instead of invented here.
        if let remote = context.followedRemote {
            for refspec in RepositoryContext.relflowFetchRefspecs {
                try git { () throws(GitError) in try repo.addConfigValue("remote.\(remote).fetch", refspec) }
            }
            outcome.steps.append("git fetch \(remote): brings relflow's ledger and signed policy from now on")
            let fetched = try await GitCommand.run(["fetch", "--quiet", remote], in: workdir)
            if fetched.ok {
                try context.adoptRemoteState()
            } else {
                outcome.steps.append("git fetch \(remote) failed (\(fetched.output.trimmingSpaces)); the remote's state was not read")
            }
        }
        let configPath = workdir + ConfigLoader.fileName
        if fileExists(configPath) {
            outcome.steps.append("\(ConfigLoader.fileName): kept as it is")
        } else {
            guard writeFileAtomically(configPath, DefaultTemplates.relflowToml) else {
                throw .repository("cannot write \(configPath)", hint: "check the folder's permissions")
            }
            outcome.steps.append("\(ConfigLoader.fileName): written with every key and its default (commit it)")
        }
        let publishRef = "refs/heads/" + config.branches.publish
        if let publish = try git({ () throws(GitError) in try repo.reference(publishRef) }) {
            outcome.steps.append("\(config.branches.publish): already at \(publish.short())")
            // An init killed after its ledger entry and before publish existed is completed by
            // the adoption above or here; one killed the other way round never happens
            // (the entry is written first).
        } else {
            let index = try context.releaseTags()
            let mainRef = "refs/heads/" + config.branches.main
            let tip = try git({ () throws(GitError) in try repo.reference(mainRef) })
            let latest = try tip.flatMap { (t: ObjectID) throws(RelflowError) in try index.highest(in: context.reach(from: t)) }
            let entries = try Ledger(repository: repo).entries()
            if let recorded = PromoteService.interruptedMove(entries: entries, publish: nil), let commit = recorded.commit.flatMap(ObjectID.init(hex:)) {
                // A previous init recorded publish and was stopped before creating it.
                try git { () throws(GitError) in
                    try repo.updateReference(publishRef, to: commit, expecting: nil, message: "relflow init: publish at \(recorded.tag ?? commit.short())")
                }
                outcome.steps.append("\(config.branches.publish): created at \(recorded.tag ?? commit.short()), as the ledger recorded")
            } else if let latest {
                // Every position of publish is in the ledger, this first one too: the entry
                // first (write-ahead), then the branch.
                try Ledger(repository: repo).append(LedgerEntry(
                    event: .promote, version: latest.version.description, tag: latest.name, tagObject: latest.target.hex,
                    commit: latest.commit.hex, actor: identity.actor, timestamp: Clock.now(),
                    details: ["gate": "init", "reason": .string("relflow init set \(config.branches.publish) at the latest release")]))
                CrashPoint.reached("init-recorded")
                try git { () throws(GitError) in
                    try repo.updateReference(publishRef, to: latest.commit, expecting: nil, message: "relflow init: publish at \(latest.name)")
                }
                outcome.steps.append("\(config.branches.publish): created at \(latest.name)")
            } else {
                outcome.steps.append("\(config.branches.publish): not created — there is no release on \(config.branches.main) yet")
                outcome.hint = "make the first release with 'relflow release', then run 'relflow init' again (or 'git branch \(config.branches.publish) <release tag>')"
            }
        }
        let hooks = try HookInstaller(repository: repo).install(HookShims.clientHooks, relflowPath: relflowPath, force: false)
        for hook in hooks { outcome.steps.append("hook \(hook.hook): \(hook.action.rawValue)") }
        return outcome
    }
}
