import Foundation
import Git
import RelflowCore
import Subprocess
import Synchronization
import SystemPackage

/// `[[notify]]`: every ledger entry this process records is an event (release, promote,
/// deliver, health, rollback, hotfix, approve) that the configured targets hear about once the
/// command is done: a command (argv; the event as JSON on stdin, the release notes in
/// `RELFLOW_NOTES_FILE`) or a webhook (an HTTP POST of the event as JSON, with a
/// Slack-compatible `text`). A notification that fails is reported and written to
/// `<git-dir>/relflow/notifications.log`; it never fails, blocks or undoes what was recorded.
///
/// Webhooks use Foundation's URLSession (FoundationNetworking, on libcurl): it is part of the
/// toolchain, so it adds no package to build (async-http-client would add SwiftNIO and minutes
/// of build time), and libcurl brings the system's CA store and the usual proxy variables. It
/// runs in `relflow-webhook`, a program of its own installed beside relflow, so that relflow
/// itself (a git hook on every commit) never loads libcurl.
public enum Notifications {
    /// The event a target receives.
    public struct Event: Codable, Sendable, Equatable {
        public var event: String
        public var summary: String
        /// One line for chat tools (Slack's and Mattermost's `text`).
        public var text: String
        public var environment: String?
        public var tag: String?
        public var version: String?
        public var commit: String?
        public var actor: LedgerEntry.Actor
        public var time: String
        public var details: [String: LedgerValue]
        public var repository: String
    }

    /// What became of one notification.
    public struct Outcome: Sendable, Equatable {
        public var target: String
        public var event: String
        public var ok: Bool
        public var message: String
    }

    private struct Pending: Sendable {
        var gitDirectory: String
        var entries: [LedgerEntry]
    }

    private static let pending = Mutex<[Pending]>([])
    private static let configured = Mutex<(gitDirectory: String, config: RelflowConfig, directory: String)?>(nil)

    /// Called by `Ledger.append` once entries are in.
    static func recorded(_ entries: [LedgerEntry], in repository: Repository) {
        let gitDirectory = repository.gitDirectory
        pending.withLock { $0.append(Pending(gitDirectory: gitDirectory, entries: entries)) }
    }

    /// Whether this process recorded anything a target may be told of: checked before an
    /// `await` of `flush`, whose hop to another thread is most of a short command's ending.
    public static var hasPending: Bool { pending.withLock { !$0.isEmpty } }

    /// The configuration whose `[[notify]]` applies to entries recorded in this repository.
    public static func configure(_ context: RepositoryContext) {
        let repo = context.repository
        configured.withLock { $0 = (repo.gitDirectory, context.config, repo.workingDirectory ?? repo.gitDirectory) }
    }

    /// The notification event of a ledger entry, nil for entries nobody is notified of.
    static func kind(of entry: LedgerEntry) -> RelflowConfig.Notification.Event? {
        switch entry.event {
        case .release: return .release
        case .promote: return .promote
        case .deliver: return .deliver
        case .verify: return .health
        case .rollback: return .rollback
        case .hotfixFinish: return .hotfix
        case .approve: return .approve
        case .hotfixStart, .hotfixAbort, .backport: return nil
        }
    }

    /// Sends what this process recorded to every target that asked for it; returns what
    /// happened to each. Failures are also written to the log.
    @discardableResult
    public static func flush(echo: (@Sendable (String) -> Void)? = nil) async -> [Outcome] {
        let batches = pending.withLock { value -> [Pending] in
            defer { value.removeAll() }
            return value
        }
        guard let setup = configured.withLock({ $0 }), !setup.config.notifications.isEmpty else { return [] }
        var outcomes: [Outcome] = []
        for batch in batches where batch.gitDirectory == setup.gitDirectory {
            for entry in batch.entries {
                guard let kind = kind(of: entry) else { continue }
                let event = makeEvent(entry, kind: kind, config: setup.config, repository: setup.directory)
                for target in setup.config.notifications where target.events.contains(kind) {
                    let outcome = await send(event, to: target, directory: setup.directory, gitDirectory: setup.gitDirectory)
                    if !outcome.ok {
                        echo?("notification to \(outcome.target) failed: \(outcome.message)")
                        log(outcome, gitDirectory: setup.gitDirectory)
                    }
                    outcomes.append(outcome)
                }
            }
        }
        return outcomes
    }

    static func makeEvent(_ entry: LedgerEntry, kind: RelflowConfig.Notification.Event, config: RelflowConfig, repository: String) -> Event {
        let environment: String? = switch entry.event {
        case .promote, .rollback, .deliver, .verify, .hotfixFinish: entry.details["environment"]?.description ?? config.production.name
        default: entry.details["environment"]?.description
        }
        let text = "relflow: \(entry.summary)" + (environment.map { entry.summary.contains($0) ? "" : " (\($0))" } ?? "")
            + " — \(entry.actor.name)"
        return Event(event: kind.rawValue, summary: entry.summary, text: text, environment: environment, tag: entry.tag,
                     version: entry.version, commit: entry.commit, actor: entry.actor, time: entry.time, details: entry.details,
                     repository: repository)
    }

    static func json(_ event: Event) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)) ?? Data("{}".utf8)
    }

    static func send(_ event: Event, to target: RelflowConfig.Notification, directory: String, gitDirectory: String) async -> Outcome {
        switch target.target {
        case .webhook(let url):
            return await post(event, to: url, timeout: target.timeout)
        case .command(let argv):
            return await run(event, command: argv, timeout: target.timeout, directory: directory, gitDirectory: gitDirectory)
        }
    }

    /// The URL as people may see it: no credentials, no query (webhook URLs carry secrets).
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "a webhook" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        let path = parts.path
        if path.count > 12 { parts.path = String(path.prefix(12)) + "…" }
        return parts.string ?? "a webhook"
    }

    /// `relflow-webhook`: beside this executable (as installed and as built), else on PATH;
    /// `RELFLOW_WEBHOOK_BIN` names another.
    static var webhookProgram: Executable {
        if let named = ProcessEnvironment.value("RELFLOW_WEBHOOK_BIN"), !named.isEmpty { return .path(FilePath(named)) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let me = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = me.lastIndex(of: "/") {
                let beside = String(me[..<slash]) + "/relflow-webhook"
                if access(beside, X_OK) == 0 { return .path(FilePath(beside)) }
            }
        }
        return .name("relflow-webhook")
    }

    static func post(_ event: Event, to url: String, timeout: ConfigDuration) async -> Outcome {
        let shown = redacted(url)
        let limit = max(1, timeout.seconds)
        do {
            let result = try await Subprocess.run(
                webhookProgram, arguments: [url, String(limit)], environment: .inherit,
                input: .string(String(decoding: json(event), as: UTF8.self)),
                output: .string(limit: 4096), error: .string(limit: 4096))
            let said = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let why = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            switch result.terminationStatus {
            case .exited(0): return Outcome(target: shown, event: event.event, ok: true, message: said)
            case .exited(1): return Outcome(target: shown, event: event.event, ok: false, message: said)
            default: return Outcome(target: shown, event: event.event, ok: false, message: why.isEmpty ? "no answer" : why.replacingOccurrences(of: url, with: shown))
            }
        } catch {
            return Outcome(target: shown, event: event.event, ok: false,
                           message: "cannot run relflow-webhook (\(error)); it is installed beside relflow by make install")
        }
    }

    static func run(_ event: Event, command: [String], timeout: ConfigDuration, directory: String, gitDirectory: String) async -> Outcome {
        let shown = command.first ?? "a command"
        var notesFile = ""
        if let tag = event.tag, let repository = try? Repository.open(at: gitDirectory),
           let target = try? repository.reference("refs/tags/" + tag),
           let message = (try? repository.annotation(of: target))??.message {
            let path = NSTemporaryDirectory() + "relflow-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).md"
            if FileManager.default.createFile(atPath: path, contents: Data(message.utf8)) { notesFile = path }
        }
        defer { if !notesFile.isEmpty { try? FileManager.default.removeItem(atPath: notesFile) } }
        let release = Publisher.Release(event: event.event, version: event.version ?? "", tag: event.tag ?? "", commit: event.commit ?? "",
                                        previousTag: nil, gate: event.details["gate"]?.description ?? "", notesFile: notesFile,
                                        repository: directory, environment: event.environment ?? "")
        let run: PublisherRun
        do {
            run = try await Publisher.run(command: command, release: release, directory: directory, timeout: timeout, echo: nil,
                                          what: "notification", input: String(decoding: json(event), as: UTF8.self))
        } catch {
            return Outcome(target: shown, event: event.event, ok: false, message: error.message)
        }
        return Outcome(target: shown, event: event.event, ok: run.succeeded, message: run.statusText)
    }

    /// One JSON line per failed notification, for `status` and for whoever looks later.
    static func log(_ outcome: Outcome, gitDirectory: String) {
        let folder = gitDirectory + "relflow"
        guard makeDirectories(folder) else { return }
        let line = "{\"time\":\"\(isoDateTime(Clock.now()))\",\"event\":\"\(outcome.event)\",\"target\":\(jsonString(outcome.target)),\"error\":\(jsonString(outcome.message))}\n"
        // O_APPEND: lines from processes notifying at once never interleave.
        let fd = open(folder + "/notifications.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }

    static func jsonString(_ s: String) -> String {
        (try? String(decoding: JSONEncoder().encode(s), as: UTF8.self)) ?? "\"\""
    }
}

let relflowUserAgentVersion = "0.1.0"
