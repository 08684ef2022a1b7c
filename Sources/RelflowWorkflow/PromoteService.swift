import Foundation
import Git
import RelflowCore

/// `relflow promote`, `deliver` and `rollback`: every move of `publish`, recorded.
public struct PromoteService {
    public struct Outcome: Sendable {
        public var tag: ReleaseTag
        public var previous: ObjectID?
        public var decision: GateDecision?
        public var publisher: PublisherRun?
        public var pushed: Bool
        public var alreadyThere: Bool
        public var notes: [String]
        /// The health check after the delivery, when the environment has one.
        public var health: HealthCheck.Result? = nil
        /// The release an unhealthy delivery was reverted to (`on_unhealthy = "rollback"`),
        /// and its publisher run.
        public var revertedTo: String? = nil
        public var revertPublisher: PublisherRun? = nil
        /// What the server's hook said of the push it accepted.
        public var serverNotes: [String] = []
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }
    var repo: Repository { context.repository }
    var publishRef: String { "refs/heads/" + config.branches.publish }
    var directory: String { repo.workingDirectory ?? repo.gitDirectory }

    /// Moves `publish` forward to `name` (default: the latest release on main) if the gate allows.
    public func promote(_ name: String?, push remote: String?, runPublisher: Bool, hotfix: Bool = false,
                        echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> Outcome {
        let identity = try Identity.current(repo)
        let lock = try DeployLock(repository: repo, branch: config.branches.publish, command: "promote \(name ?? "")", waiting: echo)
        defer { withExtendedLifetime(lock) {} }
        if let remote { try await Sync.pull(remote: remote, context: context, publishRef: publishRef) }
        var notes = try completeInterruptedMove()
        var attempt = 0
        while true {
            attempt += 1
            let gate = GateService(context: context)
            let evaluation = try gate.evaluate(name, hotfix: hotfix)
            let tag = evaluation.candidate
            let publish = evaluation.publishCommit
            if publish == tag.commit {
                // There already (someone promoted it first, or this is a rerun): finish what an
                // interrupted run left, the delivery, then share what was recorded meanwhile.
                var outcome = Outcome(tag: tag, previous: publish, decision: evaluation.decision, publisher: nil, pushed: false,
                                      alreadyThere: true, notes: notes + ["\(config.branches.publish) is at \(tag.name) already"])
                if runPublisher, try !isDelivered(tag) {
                    // The publisher hears what the move that put it there recorded.
                    let placed = context.scopedEntries(try Ledger(repository: repo).entries()).last { $0.event == .promote && $0.commit == tag.commit.hex }
                    let index = try context.releaseTags()
                    let previous = placed?.previous.flatMap { p in index.tags.first { $0.commit.hex == p }?.name }
                    outcome.publisher = try await deliverThroughPublisher(tag: tag, previous: previous, event: hotfix ? "hotfix" : "promote",
                                                                          gate: placed?.details["gate"]?.description ?? (hotfix ? "hotfix" : evaluation.decision.kind.rawValue),
                                                                          identity: identity, echo: echo)
                    if outcome.publisher != nil { outcome.notes.append("no successful delivery of it was recorded, so the publisher ran now") }
                }
                if let remote { _ = try await Sync.pushLedger(remote: remote, context: context) }
                return outcome
            }
            // A hotfix comes from production's release, so an environment before production that
            // runs a newer release takes it as a step sideways (then the next release replaces it).
            let sideways = hotfix && context.activeEnvironmentName != config.production.name
            if !sideways, let publish, !(try git({ () throws(GitError) in try repo.isDescendant(tag.commit, of: publish) })) {
                let current = evaluation.current?.name ?? publish.short()
                throw .refused("\(tag.name) does not descend from \(current), where \(config.branches.publish) is: a promotion only moves forward",
                               hint: "to go back, use: relflow rollback \(tag.name)")
            }
            if let waiting = evaluation.decision.waitingFor {
                throw .refused("\(tag.name) cannot go to \(context.activeEnvironmentName) yet: \(waiting)",
                               hint: evaluation.decision.readyAt.map { "rerun after \(isoDateTime($0)) (relflow gate --env \(context.activeEnvironmentName) \(tag.name) shows where it stands)" }
                                   ?? "relflow status shows each environment; relflow gate --env \(context.activeEnvironmentName) \(tag.name) what this one waits for")
            }
            guard evaluation.decision.allowed else {
                throw .refused("the gate holds \(tag.name): \(evaluation.decision.reason)",
                               hint: evaluation.decision.kind == .auto ? "" : "approve it with: relflow approve \(tag.name)  (by someone other than the tagger)")
            }
            // Write-ahead: the entry first, then the move. A kill between the two leaves the
            // ledger one step ahead of publish, which status names and a rerun completes.
            let entry = LedgerEntry(event: .promote, version: tag.version.description, tag: tag.name, tagObject: tag.target.hex,
                                    commit: tag.commit.hex, previous: publish?.hex, actor: identity.actor, timestamp: Clock.now(),
                                    details: ["gate": .string(hotfix ? "hotfix" : evaluation.decision.kind.rawValue), "reason": .string(evaluation.decision.reason)]
                                        .adding(context.environmentDetail))
            let recorded = try Ledger(repository: repo).append(entry)
            CrashPoint.reached("promote-recorded")
            do {
                try repo.updateReference(publishRef, to: tag.commit, expecting: publish, message: "relflow: promote \(tag.name)")
            } catch where error.isRetryableRefConflict || error.isExists {
                try retract(recorded)
                if error.isLocked { throw lockedFailure(publishRef, error) }
                if attempt < 5 { continue }
                throw .refused("\(config.branches.publish) keeps moving under relflow (\(error.message))", hint: "run relflow status, then retry")
            } catch {
                try retract(recorded)
                throw gitFailure(error)
            }
            CrashPoint.reached("promote-moved")
            var outcome = Outcome(tag: tag, previous: publish, decision: evaluation.decision, publisher: nil, pushed: false,
                                  alreadyThere: false, notes: notes)
            notes = []
            if let remote {
                switch try await Sync.push(remote: remote, tag: tag.name, context: context, publishRef: publishRef) {
                case .pushed(let serverNotes):
                    outcome.pushed = true
                    outcome.serverNotes = serverNotes
                case .retry:
                    // Someone else promoted or recorded first: our entries now sit on theirs;
                    // publish was set back to theirs. Judge again from there.
                    if attempt < 5 { continue }
                    throw .refused("\(remote) keeps changing while relflow pushes", hint: "run relflow status, then retry")
                }
            }
            if runPublisher {
                outcome.publisher = try await deliverThroughPublisher(tag: tag, previous: evaluation.current?.name, event: hotfix ? "hotfix" : "promote",
                                                      gate: hotfix ? "hotfix" : evaluation.decision.kind.rawValue, identity: identity,
                                                      echo: echo)
                if let run = outcome.publisher, run.succeeded {
                    try await checkHealth(of: tag, previous: evaluation.current, into: &outcome, remote: remote, identity: identity, echo: echo)
                }
                if let remote, outcome.publisher != nil { _ = try await Sync.pushLedger(remote: remote, context: context) }
            }
            return outcome
        }
    }

    /// Runs the publisher for `tag` and records `deliver`; nil when no publisher is configured.
    func deliverThroughPublisher(tag: ReleaseTag, previous: String?, event: String, gate: String, identity: Identity,
                 echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> PublisherRun? {
        guard !config.publisher.command.isEmpty else { return nil }
        let now = try git { () throws(GitError) in try repo.reference(publishRef) }
        guard now == tag.commit else {
            throw .refused("\(config.branches.publish) no longer points at \(tag.name) (it is at \(now?.short() ?? "nothing")), so its publisher does not run",
                           hint: "run relflow status to see what is in production")
        }
        // A tag may hold '/' (prefix "release/"): the file name keeps only safe characters.
        let safeName = safeFileName(tag.name)
        let notesFile = NSTemporaryDirectory() + "relflow-notes-\(getpid())-\(safeName).md"
        defer { unlink(notesFile) }
        guard writeFileAtomically(notesFile, (try tag.annotated(in: repo)).message ?? "\(tag.name)\n", mode: 0o600) else {
            throw .repository("cannot write the release notes for the publisher to '\(notesFile)': \(String(cString: strerror(errno)))",
                              hint: "check that the temporary folder (TMPDIR) exists and is writable, then rerun")
        }
        let release = Publisher.Release(event: event, version: tag.version.description, tag: tag.name, commit: tag.commit.hex,
                                        previousTag: previous, gate: gate, notesFile: notesFile, repository: directory,
                                        environment: config.publisher.environment)
        // Recorded while it runs, so that a relflow killed meanwhile leaves word of it.
        let record = PublisherRecord.path(repository: repo, branch: config.branches.publish)
        let timeout = config.publisher.timeout.seconds
        let run = try await Publisher.run(command: config.publisher.command, release: release, directory: directory,
                                          timeout: config.publisher.timeout, echo: echo,
                                          started: { pid in PublisherRecord.write(record, pid: pid, tag: tag.name, timeoutSeconds: timeout) })
        unlink(record)
        var details: [String: LedgerValue] = [
            "status": run.succeeded ? "success" : "failure", "result": .string(run.statusText),
            "durationMs": .int(Int64(run.seconds * 1000)), "environment": .string(config.publisher.environment),
            "source": "publisher", "outputTail": .string(run.outputTail.suffix(20).joined(separator: "\n"))]
        if let code = run.exitCode { details["exitCode"] = .int(Int64(code)) }
        let entry = LedgerEntry(event: .deliver, version: tag.version.description, tag: tag.name, tagObject: tag.target.hex,
                                commit: tag.commit.hex, actor: identity.actor, timestamp: Clock.now(), details: details)
        try Ledger(repository: repo).append(entry)
        return run
    }

    /// `relflow deliver`: a delivery done elsewhere (a CI deploy job), as proof of delivery;
    /// a successful one is followed by the environment's health check, when it has one.
    public func deliver(environment: String?, success: Bool, url: String?,
                        echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> (entry: LedgerEntry, health: HealthCheck.Result?, revertedTo: String?) {
        let identity = try Identity.current(repo)
        let lock = try DeployLock(repository: repo, branch: config.branches.publish, command: "deliver", waiting: nil)
        defer { withExtendedLifetime(lock) {} }
        let index = try context.releaseTags()
        guard let current = try GateService(context: context).currentRelease(index: index) else {
            throw .repository("\(config.branches.publish) does not point at a release, so there is nothing to record a delivery of",
                              hint: "promote a release first: relflow promote")
        }
        let named = config.environments.isEmpty ? (environment ?? config.publisher.environment) : context.activeEnvironmentName
        var details: [String: LedgerValue] = ["status": success ? "success" : "failure",
                                              "environment": .string(named), "source": "external"]
        if let url { details["url"] = .string(url) }
        let entry = LedgerEntry(event: .deliver, version: current.version.description, tag: current.name, tagObject: current.target.hex,
                                commit: current.commit.hex, actor: identity.actor, timestamp: Clock.now(), details: details)
        try Ledger(repository: repo).append(entry)
        guard success, context.activeEnvironment.health != nil else { return (entry, nil, nil) }
        // What ran here before it: the release the last move came from.
        let entries = context.scopedEntries(try Ledger(repository: repo).entries())
        let placed = entries.last { Self.isPlacement($0) && $0.commit == current.commit.hex }
        let previous = placed?.previous.flatMap { p in index.tags.first { $0.commit.hex == p } }
        var outcome = Outcome(tag: current, previous: nil, decision: nil, publisher: nil, pushed: false, alreadyThere: true, notes: [])
        try await checkHealth(of: current, previous: previous, into: &outcome, remote: nil, identity: identity, echo: echo)
        return (entry, outcome.health, outcome.revertedTo)
    }

    /// `relflow rollback`: `publish` back to a release it held before (per the ledger).
    public func rollback(_ name: String?, push remote: String?, runPublisher: Bool,
                         echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> Outcome {
        let lock = try DeployLock(repository: repo, branch: config.branches.publish, command: "rollback \(name ?? "")", waiting: echo)
        defer { withExtendedLifetime(lock) {} }
        return try await rollbackHoldingLock(name, push: remote, runPublisher: runPublisher, reason: nil, echo: echo)
    }

    /// The rollback itself, for a caller that holds this environment's deployment lock (the
    /// automatic revert after a failed health check).
    func rollbackHoldingLock(_ name: String?, push remote: String?, runPublisher: Bool, reason: String?,
                             echo: (@Sendable (String) -> Void)?) async throws(RelflowError) -> Outcome {
        let identity = try Identity.current(repo)
        if let remote { try await Sync.pull(remote: remote, context: context, publishRef: publishRef) }
        let notes = try completeInterruptedMove()
        let index = try context.releaseTags()
        let entries = context.scopedEntries(try Ledger(repository: repo).entries())
        guard let publish = try GateService(context: context).publishCommit() else {
            throw .repository("\(config.branches.publish) does not exist, so there is nothing to roll back", hint: "relflow init")
        }
        // The releases publish held, in order, from the ledger.
        var held: [String] = []
        for entry in entries where [.promote, .rollback, .hotfixFinish].contains(entry.event) {
            if let tag = entry.tag, entry.event != .hotfixFinish || entry.details["promoted"]?.bool == true { held.append(tag) }
        }
        let current = index.tags.first { $0.commit == publish }
        let target: ReleaseTag
        if let name {
            let tag = try context.release(named: name, in: index)
            guard held.contains(tag.name) else {
                throw .refused("\(tag.name) was never on \(config.branches.publish) (per the ledger), so it cannot be rolled back to",
                               hint: "relflow history lists what was; promote a new release instead")
            }
            target = tag
        } else if let last = entries.last(where: Self.isPlacement), last.event == .rollback, last.commit == publish.hex,
                  let tagName = last.tag, let tag = index.tag(named: tagName) {
            // The last move was a rollback to here: a rerun finishes it, it never goes forward
            // again to the release rolled back from.
            target = tag
        } else {
            // The release delivered before the current one.
            let before = held.reversed().drop { $0 == current?.name }.first { $0 != current?.name }
            guard let before, let tag = index.tag(named: before) else {
                throw .refused("the ledger names no release on \(config.branches.publish) before \(current?.name ?? "the current one")",
                               hint: "name one: relflow rollback TAG")
            }
            target = tag
        }
        if target.commit == publish {
            var outcome = Outcome(tag: target, previous: publish, decision: nil, publisher: nil, pushed: false, alreadyThere: true,
                                  notes: notes + ["\(config.branches.publish) is at \(target.name) already"])
            if runPublisher, try !isDelivered(target) {
                outcome.publisher = try await deliverThroughPublisher(tag: target, previous: nil, event: "rollback", gate: "rollback",
                                                                      identity: identity, echo: echo)
                if outcome.publisher != nil { outcome.notes.append("no successful delivery of it was recorded, so the publisher ran now") }
            }
            if let remote, outcome.publisher != nil { _ = try await Sync.pushLedger(remote: remote, context: context) }
            return outcome
        }
        // Write-ahead, as for promote.
        let entry = LedgerEntry(event: .rollback, version: target.version.description, tag: target.name, tagObject: target.target.hex,
                                commit: target.commit.hex, previous: publish.hex, actor: identity.actor, timestamp: Clock.now(),
                                details: ["from": .string(current?.name ?? publish.hex)].adding(context.environmentDetail)
                                    .adding(reason.map { ["reason": .string($0)] } ?? [:]))
        let recorded = try Ledger(repository: repo).append(entry)
        CrashPoint.reached("rollback-recorded")
        do {
            try repo.updateReference(publishRef, to: target.commit, expecting: publish, message: "relflow: rollback to \(target.name)")
        } catch {
            try retract(recorded)
            if error.isLocked { throw lockedFailure(publishRef, error) }
            throw .refused("\(config.branches.publish) moved meanwhile (\(error.message))", hint: "run relflow status, then retry")
        }
        CrashPoint.reached("rollback-moved")
        var outcome = Outcome(tag: target, previous: publish, decision: nil, publisher: nil, pushed: false, alreadyThere: false, notes: notes)
        if let remote {
            outcome.pushed = try await Sync.pushRollback(remote: remote, tag: target.name, context: context, publishRef: publishRef)
        }
        if runPublisher {
            outcome.publisher = try await deliverThroughPublisher(tag: target, previous: current?.name, event: "rollback", gate: "rollback",
                                                  identity: identity, echo: echo)
            // A rollback a person asked for is checked too; the automatic one checks itself.
            if reason == nil, let run = outcome.publisher, run.succeeded {
                try await checkHealth(of: target, previous: nil, into: &outcome, remote: remote, identity: identity, revert: false, echo: echo)
            }
            if let remote, outcome.publisher != nil { _ = try await Sync.pushLedger(remote: remote, context: context) }
        }
        return outcome
    }
}
