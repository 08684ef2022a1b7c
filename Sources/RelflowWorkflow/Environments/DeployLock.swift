import Foundation
import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One deployment at a time per environment, on this machine: promote, rollback and deliver
/// hold an advisory `flock(2)` on `<git-dir>/relflow/deploy-<branch>.lock` from reading the
/// state to recording the delivery. So the ledger's order is the order of the ref moves and of
/// the publisher runs, and a publisher never runs for a release that another promotion has
/// replaced meanwhile. Likewise one release at a time (`release`, `hotfix finish`) on
/// `<git-dir>/relflow/release.lock`, taken before any deployment lock, never after. The kernel
/// drops the lock when its process dies (even by kill -9), so it can never be left stale; the
/// file's text only says who holds it, for the waiting side. The publisher a killed relflow
/// started may outlive it: the next holder waits for it first (`PublisherRecord`).
public final class DeployLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock for the branch `publish`, waiting for whoever holds it (`waiting` is
    /// told once who that is).
    public convenience init(repository: Repository, branch: String, command: String, waiting: ((String) -> Void)? = nil) throws(RelflowError) {
        try self.init(repository: repository, file: DeployLock.fileName(branch: branch), what: "the deployment in progress on \(branch)",
                      command: command, waiting: waiting)
        // The lock went with a killed relflow; its publisher may not have (PublisherRecord).
        PublisherRecord.awaitOrphan(repository: repository, branch: branch, waiting: waiting)
    }

    /// Whether a process holds the deployment lock of `branch` now (asked without waiting).
    public static func isHeld(repository: Repository, branch: String) -> Bool {
        let fd = open(repository.commonDirectory + "relflow/" + fileName(branch: branch), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    static func fileName(branch: String) -> String {
        "deploy-\(safeFileName(branch)).lock"
    }

    /// Takes the release lock: one `release` or `hotfix finish` at a time in this repository.
    public static func release(repository: Repository, command: String, waiting: ((String) -> Void)? = nil) throws(RelflowError) -> DeployLock {
        try DeployLock(repository: repository, file: "release.lock", what: "the release in progress", command: command, waiting: waiting)
    }

    private init(repository: Repository, file: String, what: String, command: String, waiting: ((String) -> Void)?) throws(RelflowError) {
        let folder = repository.commonDirectory + "relflow"
        path = folder + "/" + file
        guard makeDirectories(folder) else {
            throw .repository("cannot create '\(folder)'", hint: "check the permissions of the repository")
        }
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw .repository("cannot open the lock '\(path)': \(String(cString: strerror(errno)))",
                              hint: "check the permissions of the repository")
        }
        fd = opened
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = readFile(path)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            waiting?("waiting for \(what)" + (holder.isEmpty ? "" : " (\(holder))"))
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw .repository("cannot lock '\(path)': \(String(cString: strerror(errno)))", hint: "retry")
                }
            }
        }
        let note = "pid \(getpid()), relflow \(command), since \(isoDateTime(Int64(Date().timeIntervalSince1970)))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
