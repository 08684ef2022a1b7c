/// The environments a release goes through, in order (`[[environments]]`), e.g. staging then
/// production. Each has the branch that records what it runs, its own gate, publisher and
/// health check, and what it needs from the one before it. A configuration without
/// `[[environments]]` has one: production, on `[branches] publish`, with `[gate]` and
/// `[publisher]` — exactly relflow without environments.
extension RelflowConfig {
    public struct Environment: Sendable, Equatable {
        public var name: String
        /// The branch that points at what this environment runs.
        public var branch: String
        public var gate: Gate
        public var publisher: Publisher
        public var health: Health?
        /// The environment a release must have passed first (delivered, healthy, soaked);
        /// nil for the first.
        public var after: String?
        /// How long a release must have been delivered and healthy in `after`.
        public var soak: ConfigDuration?
        /// Whether a hotfix may skip `soak` (never the health check).
        public var hotfixSkipsSoak = true

        public init(name: String, branch: String, gate: Gate, publisher: Publisher) {
            self.name = name
            self.branch = branch
            self.gate = gate
            self.publisher = publisher
        }
    }

    public struct Health: Sendable, Equatable {
        public enum OnUnhealthy: String, Sendable, Equatable, CaseIterable {
            /// Move the environment back to the release it ran before, run its publisher, record it.
            case rollback
            /// Record only; the next environment refuses the release.
            case hold
        }
        public var command: [String]
        public var timeout = ConfigDuration(seconds: 300)
        /// Further attempts after a failed check.
        public var retries = 0
        /// The wait between attempts.
        public var interval = ConfigDuration(seconds: 10)
        public var onUnhealthy = OnUnhealthy.hold

        public init(command: [String]) { self.command = command }
    }

    /// The chain, in order; never empty. Production (the last) records on `[branches] publish`
    /// unless configured otherwise.
    public var chain: [Environment] {
        if !environments.isEmpty { return environments }
        return [Environment(name: publisher.environment, branch: branches.publish, gate: gate, publisher: publisher)]
    }

    /// The last environment of the chain: production.
    public var production: Environment { chain[chain.count - 1] }

    /// The environment called `name` (case-sensitive), nil when there is none.
    public func environment(named name: String) -> Environment? { chain.first { $0.name == name } }

    /// The environment whose branch is `branch`, nil when none.
    public func environment(onBranch branch: String) -> Environment? { chain.first { $0.branch == branch } }

    /// The environment before `env` in the chain (what it must have passed), nil for the first.
    public func predecessor(of env: Environment) -> Environment? {
        env.after.flatMap { environment(named: $0) }
    }

    /// This configuration as seen from one environment: `branches.publish`, `gate` and
    /// `publisher` are that environment's, so every command written for one environment
    /// works on any.
    public func scoped(to env: Environment) -> RelflowConfig {
        var copy = self
        copy.branches.publish = env.branch
        copy.gate = env.gate
        copy.publisher = env.publisher
        copy.activeEnvironment = env.name
        return copy
    }

    /// True when a ledger entry is about `env`: its `details.environment`, or production for
    /// entries that name none (every entry from before environments).
    public func entry(_ entry: LedgerEntry, isFor env: String) -> Bool {
        (entry.details["environment"]?.description ?? production.name) == env
    }
}

/// `[[notify]]`: who hears about what.
extension RelflowConfig {
    public struct Notification: Sendable, Equatable {
        public enum Event: String, Sendable, Equatable, CaseIterable {
            case release, promote, deliver, health, rollback, hotfix, approve
        }
        public enum Target: Sendable, Equatable {
            /// argv; the event as JSON on stdin, the notes as a file (`RELFLOW_NOTES_FILE`).
            case command([String])
            /// An HTTP POST of the event as JSON (with a Slack-compatible `text`).
            case webhook(String)
        }
        public var events: [Event]
        public var target: Target
        public var timeout = ConfigDuration(seconds: 10)

        public init(events: [Event], target: Target) {
            self.events = events
            self.target = target
        }
    }
}
