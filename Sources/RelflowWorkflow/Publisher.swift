import Foundation
import RelflowCore
import Subprocess
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The process group of the command running now (0: none). Publishers, health checks and
/// notification commands run in a group of their own, so that one and everything it started
/// stop together: at its timeout, or when the next deployment finds it left running by a
/// killed relflow (`PublisherRecord`). A signal that stops relflow (Ctrl-C, TERM, HUP) is
/// passed on to that group first, as when they shared relflow's group.
private let runningGroup = Atomic<Int32>(0)
private let forwardingInstalled = Atomic<Bool>(false)

private func forwardThenStop(_ number: Int32) {
    let group = runningGroup.load(ordering: .relaxed)
    if group > 0 { kill(-group, number) }
    _ = signal(number, SIG_DFL)
    raise(number)
}

/// The terminal, handed to the command's group while it runs, as a shell does for a job: a
/// prompt (ssh asking for a passphrase) still reaches the user, and Ctrl-C stops the command
/// (relflow records how it ended). Only when relflow holds the terminal's foreground.
private struct TerminalHandover {
    let fd: Int32
    let previous: pid_t

    init?(to group: pid_t) {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let previous = tcgetpgrp(fd)
        guard previous == getpgrp(), tcsetpgrp(fd, group) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.previous = previous
    }

    func giveBack() {
        _ = tcsetpgrp(fd, previous)
        close(fd)
    }
}

/// Waits until `pid` has exited (a zombie for its parent to reap, or gone); at once where
/// /proc cannot tell, or when the task is cancelled.
private func waitForExit(_ pid: Int32) async {
    var delay: UInt64 = 1_000_000
    while let stat = PublisherRecord.stat(of: pid), stat.state != UInt8(ascii: "Z") {
        do { try await Task.sleep(nanoseconds: delay) } catch { return }
        delay = min(delay * 2, 50_000_000)
    }
}

private func installSignalForwarding() {
    guard forwardingInstalled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
    // The global is made here, not first in a handler (its lazy initialisation is not
    // async-signal-safe).
    runningGroup.store(0, ordering: .relaxed)
    for s in [SIGINT, SIGTERM, SIGHUP] { _ = signal(s, forwardThenStop) }
    // Taking the terminal back from the command's group happens from the background.
    _ = signal(SIGTTOU, SIG_IGN)
}

/// Runs the team's publisher: argv, never a shell; the release in environment variables;
/// its output streamed to the terminal as it comes and its last lines kept for the ledger.
public struct PublisherRun: Sendable {
    public let exitCode: Int32?
    public let signal: Int32?
    public let timedOut: Bool
    public let seconds: Double
    public let outputTail: [String]
    public var succeeded: Bool { exitCode == 0 && !timedOut }

    public var statusText: String {
        if timedOut { return "timed out" }
        if let signal { return "killed by signal \(signal)" }
        return exitCode == 0 ? "success" : "failure (exit \(exitCode ?? -1))"
    }
}

public enum Publisher {
    public struct Release: Sendable {
        public var event: String
        public var version: String
        public var tag: String
        public var commit: String
        public var previousTag: String?
        public var gate: String
        public var notesFile: String
        public var repository: String
        public var environment: String
    }

    /// The environment of SPEC §3.
    static func variables(_ r: Release) -> [String: String] {
        [
            "RELFLOW_EVENT": r.event, "RELFLOW_VERSION": r.version, "RELFLOW_TAG": r.tag, "RELFLOW_COMMIT": r.commit,
            "RELFLOW_PREVIOUS_TAG": r.previousTag ?? "", "RELFLOW_GATE": r.gate, "RELFLOW_NOTES_FILE": r.notesFile,
            "RELFLOW_REPO": r.repository, "RELFLOW_ENVIRONMENT": r.environment,
        ]
    }

    /// Runs `command` (argv) in `directory`, with `input` on stdin (empty by default). `echo`
    /// receives output as it arrives (nil: keep it quiet, as under --json). Publishers, health
    /// checks and `[[notify]]` commands all run through here.
    public static func run(command: [String], release: Release, directory: String, timeout: ConfigDuration,
                           echo: (@Sendable (String) -> Void)?, what: String = "publisher",
                           input: String = "", started: (@Sendable (Int32) -> Void)? = nil) async throws(RelflowError) -> PublisherRun {
        guard let program = command.first, !program.isEmpty else {
            throw .usage("the \(what) command is empty", hint: "set e.g. command = [\"./deploy.sh\", \"--prod\"] in .relflow.toml")
        }
        let executable: Executable = program.contains("/")
            ? .path(FilePath(program.hasPrefix("/") ? program : directory + "/" + program)) : .name(program)
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in variables(release) { overrides[Environment.Key(stringLiteral: key)] = value }
        let start = Date()
        let limit = timeout.seconds
        var options = PlatformOptions()
        options.processGroupID = 0  // a group of its own, led by the command
        installSignalForwarding()
        defer { runningGroup.store(0, ordering: .relaxed) }
        do {
            let result = try await Subprocess.run(
                executable, arguments: Arguments(Array(command.dropFirst())),
                environment: .inherit.updating(overrides), workingDirectory: FilePath(directory), platformOptions: options,
                input: .string(input), output: .sequence, error: .combinedWithOutput
            ) { execution -> (lines: [String], timedOut: Bool) in
                let leader = execution.processIdentifier.value
                runningGroup.store(leader, ordering: .relaxed)
                let terminal = TerminalHandover(to: leader)
                defer { terminal?.giveBack() }
                // Had it read the terminal before it was its own, it stopped (SIGTTIN): go on.
                if terminal != nil { kill(-leader, SIGCONT) }
                started?(leader)
                return try await withThrowingTaskGroup(of: (lines: [String], timedOut: Bool)?.self) { group in
                    group.addTask {
                        var tail: [String] = []
                        for try await line in execution.standardOutput.strings() {
                            echo?(line)
                            tail.append(line)
                            if tail.count > 40 { tail.removeFirst(tail.count - 40) }
                        }
                        // Its output may end before it does (`exec >log`, then a prompt): it
                        // keeps the terminal and its timeout until it exits.
                        await waitForExit(leader)
                        return (tail, false)
                    }
                    group.addTask {
                        // Cancelled when the output ends first: then there is nothing to stop.
                        guard (try? await Task.sleep(nanoseconds: UInt64(max(limit, 1)) * 1_000_000_000)) != nil else { return nil }
                        await execution.teardown(using: [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(5))])
                        kill(-leader, SIGKILL)  // what it started goes too
                        return ([], true)
                    }
                    var lines: [String] = []
                    var timedOut = false
                    while let next = try await group.next() {
                        if let next {
                            if next.timedOut { timedOut = true } else { lines = next.lines }
                            if !next.timedOut { group.cancelAll() }
                        }
                    }
                    return (lines, timedOut)
                }
            }
            let seconds = Date().timeIntervalSince(start)
            let outcome = result.closureResult
            switch result.terminationStatus {
            case .exited(let code):
                return PublisherRun(exitCode: code, signal: nil, timedOut: outcome.timedOut, seconds: seconds, outputTail: outcome.lines)
            case .signaled(let signal):
                return PublisherRun(exitCode: nil, signal: signal, timedOut: outcome.timedOut, seconds: seconds, outputTail: outcome.lines)
            }
        } catch {
            return PublisherRun(exitCode: 127, signal: nil, timedOut: false, seconds: Date().timeIntervalSince(start),
                                outputTail: ["relflow: cannot start the \(what) '\(program)': \(error)"])
        }
    }
}
