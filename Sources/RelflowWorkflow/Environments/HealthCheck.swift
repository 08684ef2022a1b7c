import Foundation
import Git
import RelflowCore

/// The health check an environment runs after each successful delivery: argv with the
/// release in `RELFLOW_*` variables (`RELFLOW_EVENT=health`), a timeout, and retries. Its
/// result is a `verify` ledger entry; an unhealthy result reverts the environment to the
/// release it ran before when `on_unhealthy = "rollback"`.
public enum HealthCheck {
    public struct Result: Sendable {
        public let healthy: Bool
        public let attempts: Int
        public let seconds: Double
        public let statusText: String
        public let outputTail: [String]
    }

    static func run(_ health: RelflowConfig.Health, release: Publisher.Release, directory: String,
                    echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> Result {
        let start = Date()
        var attempt = 0
        while true {
            attempt += 1
            let run = try await Publisher.run(command: health.command, release: release, directory: directory,
                                              timeout: health.timeout, echo: echo, what: "health check")
            if run.succeeded || attempt > health.retries {
                return Result(healthy: run.succeeded, attempts: attempt, seconds: Date().timeIntervalSince(start),
                              statusText: run.statusText, outputTail: run.outputTail)
            }
            echo?("health check failed (\(run.statusText)); attempt \(attempt + 1) of \(health.retries + 1) in \(health.interval.text)")
            try? await Task.sleep(nanoseconds: UInt64(max(0, health.interval.seconds)) * 1_000_000_000)
        }
    }
}

extension PromoteService {
    /// Runs this environment's health check for `tag` (just delivered), records it, and
    /// reverts to `previous` when it failed and the environment says so. Holds the lock.
    func checkHealth(of tag: ReleaseTag, previous: ReleaseTag?, into outcome: inout Outcome, remote: String?,
                     identity: Identity, revert: Bool = true, echo: (@Sendable (String) -> Void)?) async throws(RelflowError) {
        let env = context.activeEnvironment
        guard let health = env.health else { return }
        let release = Publisher.Release(event: "health", version: tag.version.description, tag: tag.name, commit: tag.commit.hex,
                                        previousTag: previous?.name, gate: "", notesFile: "", repository: directory,
                                        environment: env.name)
        echo?("checking the health of \(tag.name) in \(env.name)")
        let result = try await HealthCheck.run(health, release: release, directory: directory, echo: echo)
        outcome.health = result
        let entry = LedgerEntry(event: .verify, version: tag.version.description, tag: tag.name, tagObject: tag.target.hex,
                                commit: tag.commit.hex, actor: identity.actor, timestamp: Clock.now(),
                                details: ["status": result.healthy ? "healthy" : "unhealthy", "result": .string(result.statusText),
                                          "attempts": .int(Int64(result.attempts)), "durationMs": .int(Int64(result.seconds * 1000)),
                                          "outputTail": .string(result.outputTail.suffix(20).joined(separator: "\n")),
                                          "environment": .string(env.name)])
        try Ledger(repository: repo).append(entry)
        CrashPoint.reached("health-recorded")
        guard !result.healthy, health.onUnhealthy == .rollback, revert else { return }
        guard let previous else {
            outcome.notes.append("\(tag.name) is unhealthy in \(env.name), and nothing ran there before it to go back to")
            return
        }
        echo?("\(tag.name) is unhealthy in \(env.name): going back to \(previous.name)")
        var back = try await rollbackHoldingLock(previous.name, push: remote, runPublisher: true, reason: "unhealthy: \(tag.name)", echo: echo)
        outcome.revertedTo = back.tag.name
        outcome.revertPublisher = back.publisher
        // The release gone back to is checked too (and recorded), but never reverted in turn.
        if let run = back.publisher, run.succeeded {
            try await checkHealth(of: back.tag, previous: nil, into: &back, remote: remote, identity: identity, revert: false, echo: echo)
        }
    }
}
