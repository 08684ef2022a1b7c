import Git
import RelflowCore

/// The environment chain as the workflow sees it: a context per environment (its branch,
/// gate and publisher), and the ledger entries about it.
extension RepositoryContext {
    /// The environment a command names (`--env`, `--to`), production when none.
    public func environment(named name: String?) throws(RelflowError) -> RelflowConfig.Environment {
        guard let name else { return config.production }
        if let env = config.environment(named: name) { return env }
        let names = config.chain.map(\.name)
        let close = names.min { editDistance($0, name) < editDistance($1, name) }
        throw .usage("'\(name)' is not an environment (the environments are \(names.joined(separator: ", ")))",
                     hint: (close.map { editDistance($0, name) <= 3 ? "did you mean '\($0)'? " : "" } ?? "")
                        + (config.environments.isEmpty ? "add [[environments]] to \(configSource) to have more than production" : "see [[environments]] in \(configSource)"))
    }

    /// This repository seen from `env`: `config.branches.publish`, `gate` and `publisher` are
    /// that environment's. The same context when `env` is the one it is scoped to already.
    public func scoped(to env: RelflowConfig.Environment) -> RepositoryContext {
        if activeEnvironmentName == env.name && config.branches.publish == env.branch { return self }
        let scoped = RepositoryContext(repository: repository, config: config.scoped(to: env), configSource: configSource)
        scoped.shared = shared ?? self
        return scoped
    }

    /// The environment this context is scoped to.
    public var activeEnvironmentName: String { config.activeEnvironment ?? config.production.name }

    public var activeEnvironment: RelflowConfig.Environment {
        config.environment(named: activeEnvironmentName) ?? config.production
    }

    /// The ledger entries that concern this context's environment: its moves, deliveries and
    /// health results, every approval meant for it (or for all environments), and every entry
    /// that concerns no environment (releases, hotfix branches, backports).
    public func scopedEntries(_ entries: [LedgerEntry]) -> [LedgerEntry] {
        let name = activeEnvironmentName
        return entries.filter { entry in
            switch entry.event {
            case .promote, .rollback, .deliver, .verify, .hotfixFinish:
                return config.entry(entry, isFor: name)
            case .approve:
                return entry.details["environment"].map { $0.description == name } ?? true
            case .release, .hotfixStart, .hotfixAbort, .backport:
                return true
            }
        }
    }

    /// The `environment` detail of a new entry about this context's environment; none
    /// without `[[environments]]`, so entries stay exactly as they were.
    public var environmentDetail: [String: LedgerValue] {
        config.environments.isEmpty ? [:] : ["environment": .string(activeEnvironmentName)]
    }
}

extension [String: LedgerValue] {
    /// These details with `other`'s added (other's win).
    func adding(_ other: [String: LedgerValue]) -> [String: LedgerValue] { merging(other) { _, new in new } }
}
