import Foundation
import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The publisher a relflow is running, written beside the deployment lock while it runs
/// (`<git-dir>/relflow/deploy-<branch>.publisher`) and removed when it ends.
///
/// The kernel drops the deployment lock when relflow dies (even by kill -9), but the publisher
/// it started lives on: without this record the next promote or rollback would run its own
/// publisher beside the orphan, and whichever ended last would decide what production runs.
/// So whoever takes the lock next first waits for a recorded publisher that still runs, and
/// stops it when the publisher's own `timeout` is up (TERM, then KILL five seconds later), as
/// the interrupted relflow would have. The publisher leads a process group of its own
/// (`Publisher.run`): what it started is waited for and stopped with it. Its pid and start time
/// (Linux's /proc/<pid>/stat) tell a recycled pid from it; the group's number cannot be reused
/// while a process of the group lives.
public struct PublisherRecord: Sendable, Codable, Equatable {
    public let pid: Int32
    /// Clock ticks after boot when the process started (0 where /proc is not there).
    public let startTicks: UInt64
    public let tag: String
    /// When it started (Unix seconds, the real clock) and how long it may run.
    public let startedAt: Int64
    public let timeoutSeconds: Int64

    /// The record's file for an environment's branch.
    public static func path(repository: Repository, branch: String) -> String {
        repository.commonDirectory + "relflow/deploy-\(safeFileName(branch)).publisher"
    }

    /// The record at `path`, nil when there is none (or it cannot be read: it is only advice).
    public static func read(_ path: String) -> PublisherRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(PublisherRecord.self, from: data)
    }

    /// Writes the record for a publisher just started.
    static func write(_ path: String, pid: Int32, tag: String, timeoutSeconds: Int64) {
        let record = PublisherRecord(pid: pid, startTicks: Self.startTicks(of: pid) ?? 0, tag: tag,
                                     startedAt: Int64(Date().timeIntervalSince1970), timeoutSeconds: timeoutSeconds)
        guard let data = try? JSONEncoder().encode(record) else { return }
        _ = writeFileAtomically(path, String(decoding: data, as: UTF8.self) + "\n", mode: 0o644)
    }

    /// True while the recorded publisher or anything it started (its process group) runs.
    public var isRunning: Bool {
        guard pid > 1 else { return false }
        #if os(Linux)
        if startTicks != 0, let stat = Self.stat(of: pid) {
            // The pid is in use: by the publisher (the same start time), or by a process that
            // got the number once the publisher's group was gone.
            if stat.startTicks != startTicks { return false }
            if stat.state != UInt8(ascii: "Z") { return true }
        }
        #endif
        // The leader is gone (or a zombie): what it started may still run in its group (a
        // group of another user's is not the publisher's).
        return kill(-pid, 0) == 0
    }

    /// Whether the group may be signalled: the leader is the recorded process, or gone (then
    /// the group's number cannot have been reused while a member lives). Without its start
    /// time (no /proc) a live pid might be anyone's: it is only waited for.
    var mayBeSignalled: Bool {
        guard startTicks != 0 else { return Self.stat(of: pid) == nil }
        guard let stat = Self.stat(of: pid) else { return true }
        return stat.startTicks == startTicks
    }

    /// Waits for the publisher recorded for `branch`, if it still runs, then removes the record.
    /// Called by whoever has just taken that branch's deployment lock.
    static func awaitOrphan(repository: Repository, branch: String, waiting: ((String) -> Void)?) {
        let path = Self.path(repository: repository, branch: branch)
        guard let record = read(path) else {
            if fileExists(path) { unlink(path) }
            return
        }
        // A publisher that runs relflow itself (`relflow deliver` at its end) must not wait for
        // its own group.
        if record.pid == getpgrp() { return }
        if record.isRunning {
            waiting?("waiting for the publisher of \(record.tag) (pid \(record.pid)), still running after the relflow that started it was interrupted")
            // Whole seconds: a second more, so that it never stops one before its time.
            let deadline = record.startedAt.clampedAdding(max(record.timeoutSeconds, 1)).clampedAdding(1)
            var terminatedAt: Int64?
            while record.isRunning {
                let now = Int64(Date().timeIntervalSince1970)
                if let sent = terminatedAt {
                    if now >= sent + 5, record.mayBeSignalled { kill(-record.pid, SIGKILL) }
                    // Killed and still listed: a zombie nobody reaps. It deploys nothing more.
                    if now >= sent + 10 { break }
                } else if now >= deadline {
                    waiting?("its timeout (\(ConfigDuration.format(record.timeoutSeconds))) is up: stopping it")
                    if record.mayBeSignalled { kill(-record.pid, SIGTERM) }
                    terminatedAt = now
                }
                usleep(50_000)
            }
        }
        unlink(path)
    }

    /// `pid 4242 (v0.3.0), started 2026-11-30T10:00:00Z`.
    public var description: String {
        "pid \(pid) deploying \(tag), started \(isoDateTime(startedAt))"
    }

    static func startTicks(of pid: Int32) -> UInt64? { stat(of: pid)?.startTicks }

    /// The state (field 3) and start time (field 22) of /proc/<pid>/stat; the command name
    /// (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
    static func stat(of pid: Int32) -> (state: UInt8, startTicks: UInt64)? {
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
              let close = data.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = data[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is the state (field 3); the start time is field 22, fields[19].
        guard fields.count > 19, let state = fields[0].first,
              let ticks = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return (state, ticks)
        #else
        return nil
        #endif
    }
}
