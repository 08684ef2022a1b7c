import Foundation
import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a server enforces, kept inside the bare repository where no push can reach it:
/// `relflow/policy.toml` (the same TOML as `.relflow.toml`, written by the administrator
/// with `relflow hooks install --server --policy FILE`) and `relflow/receipts` (when the
/// server first received each release tag: the clock a delay counts from).
///
/// A pushed `.relflow.toml` is never read by the server. The next step of trust (a signed
/// policy ref) replaces where `load` reads from; the hook's shape stays.
public struct ServerPolicyStore {
    public let gitDirectory: String

    public init(gitDirectory: String) {
        self.gitDirectory = gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/"
    }

    public init(repository: Repository) { self.init(gitDirectory: repository.commonDirectory) }

    /// The store of the repository at or above `path`, found without reading any policy (so a
    /// broken one can be replaced).
    public static func discover(path: String?) throws(RelflowError) -> ServerPolicyStore {
        do {
            return ServerPolicyStore(repository: try Repository.discover(from: path ?? "."))
        } catch {
            throw RepositoryContext.explain(error, path: path ?? ".")
        }
    }

    public var folder: String { gitDirectory + "relflow" }
    public var policyPath: String { folder + "/policy.toml" }
    public var receiptsPath: String { folder + "/receipts" }
    /// Every commit the server has seen `publish` at, one per line: appended after each
    /// accepted move (post-receive), seeded at install. A rollback may only go back to one.
    public var publishLogPath: String { folder + "/publish-log" }

    /// The server's policy: its own file, or relflow's defaults when the administrator wrote
    /// none. A file that does not parse fails closed with a message for the administrator
    /// (a push can never cause that: nothing pushed is read).
    public func load() throws(RelflowError) -> (config: RelflowConfig, source: String) {
        guard fileExists(policyPath) else { return (RelflowConfig(), "relflow's defaults (no \(policyPath))") }
        guard let bytes = readFileBytes(policyPath), let text = String(validating: bytes, as: UTF8.self) else {
            throw .usage("the server policy '\(policyPath)' cannot be read as UTF-8 text",
                         hint: "the server's administrator fixes it: relflow hooks install --server --policy FILE")
        }
        return (try ConfigLoader.load(text: text, source: policyPath), policyPath)
    }

    /// Installs `text` as the server's policy after checking that it parses.
    public func install(policyText text: String, source: String) throws(RelflowError) {
        _ = try ConfigLoader.load(text: text, source: source)
        guard makeDirectories(folder) else { throw .repository("cannot create '\(folder)'", hint: "check the permissions of the repository") }
        guard writeFileAtomically(policyPath, text, mode: 0o644) else {
            throw .repository("cannot write the server policy '\(policyPath)'", hint: "check the permissions of the repository")
        }
    }

    /// When the server received each release tag object and ledger commit:
    /// `[object id: seconds]`, the latest line about an object counting (see `recordReceipts`):
    /// a later time only ever delays a delay or a soak.
    public func receipts() -> [String: Int64] {
        guard let text = readFile(receiptsPath) else { return [:] }
        var out: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let time = Int64(parts[0]) else { continue }
            let id = String(parts[1])
            out[id] = max(out[id] ?? time, time)
        }
        return out
    }

    /// Records that the server received these objects now. Only objects it has no receipt of
    /// yet, unless `again`: pre-receive times the ledger commits of a push it accepts, which
    /// are not on the server yet, so an earlier line about them comes from a push that was
    /// accepted and then never applied (the pusher hung up first); the arrival that counts is
    /// this one.
    public func recordReceipts(_ objects: [(name: String, object: ObjectID)], at time: Int64, again: Bool = false) throws(RelflowError) {
        let known = again ? [:] : receipts()
        let lines = objects.filter { known[$0.object.hex] == nil }.map { "\(time) \($0.object.hex) \($0.name)\n" }.joined()
        guard !lines.isEmpty else { return }
        guard makeDirectories(folder) else { throw .repository("cannot create '\(folder)'", hint: "check the permissions of the repository") }
        let lock = try ReceiptsLock(path: receiptsPath + ".lock")
        defer { withExtendedLifetime(lock) {} }
        try append(lines, to: receiptsPath)
    }

    /// Set by `hooks install --server --policy-tofu`: the first signed policy pushed is trusted.
    public var tofuPath: String { folder + "/policy-tofu" }
    public var trustsFirstPolicy: Bool { fileExists(tofuPath) }

    public func trustFirstPolicy() throws(RelflowError) {
        guard makeDirectories(folder), writeFileAtomically(tofuPath, "the first signed policy pushed is trusted\n") else {
            throw .repository("cannot write '\(tofuPath)'", hint: "check the permissions of the repository")
        }
    }

    /// The first commit of the signed policy, when the administrator pinned one.
    public var pinnedRootPath: String { folder + "/policy-root" }

    public func pinnedRoot() -> ObjectID? {
        readFile(pinnedRootPath).flatMap { ObjectID(hex: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    public func pin(root: ObjectID) throws(RelflowError) {
        guard makeDirectories(folder), writeFileAtomically(pinnedRootPath, root.hex + "\n") else {
            throw .repository("cannot write '\(pinnedRootPath)'", hint: "check the permissions of the repository")
        }
    }

    /// The commits `publish` has been at on this server.
    public func publishLog() -> Set<String> {
        Set((readFile(publishLogPath) ?? "").split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    public func recordPublish(_ commit: ObjectID, at time: Int64) throws(RelflowError) {
        try append("\(commit.hex) \(time)\n", to: publishLogPath)
    }

    /// Seeds the server's own records when the hook is installed: every release tag there is
    /// counts as received now (its delay starts now), and every commit publish is at or the
    /// ledger shows it was at counts as having been in production (the administrator vouches
    /// for the repository as it is when installing).
    public func seed(repository: Repository, config: RelflowConfig, at time: Int64) throws(RelflowError) {
        let index = try ReleaseTagIndex.read(repository, prefixes: config.tags.prefixes)
        try recordReceipts(index.tags.map { ($0.name, $0.target) }, at: time)
        // The entries there count as received now too (a soak judged on this server starts
        // from its own records, never from a date written in an entry).
        try recordReceipts(try Ledger(repository: repository).chain(limit: 100_000).map { ("ledger", $0.id) }, at: time)
        var known = publishLog()
        var lines = ""
        if let publish = try git({ () throws(GitError) in try repository.reference("refs/heads/" + config.branches.publish) }),
           known.insert(publish.hex).inserted {
            lines += "\(publish.hex) \(time)\n"
        }
        for entry in try Ledger(repository: repository).entries() where [.promote, .rollback].contains(entry.event) {
            if let commit = entry.commit, known.insert(commit).inserted { lines += "\(commit) \(time)\n" }
        }
        try append(lines, to: publishLogPath)
    }

    /// Keeps `receipts` small: pushes that pre-receive accepted and git never applied (sent
    /// again and again) add lines about objects the server does not hold. Past 1 MiB the file
    /// is rewritten with the line that counts for each release tag and ledger commit the
    /// server holds, and for `keeping` (the push being judged).
    public func compactReceipts(repository: Repository, keeping: [ObjectID]) throws(RelflowError) {
        var info = stat()
        // Past 1 MiB, and past twice what the last compaction left (a ledger long enough to
        // need more is not walked again on every push).
        let left = Int64(readFile(receiptsPath + ".compacted").flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0)
        guard stat(receiptsPath, &info) == 0, Int64(info.st_size) > max(1 << 20, 2 * left) else { return }
        let lock = try ReceiptsLock(path: receiptsPath + ".lock")
        defer { withExtendedLifetime(lock) {} }
        var held = Set(keeping.map(\.hex))
        for (_, target) in try git({ () throws(GitError) in try repository.references(matching: "refs/tags/*") }) { held.insert(target.hex) }
        for commit in try Ledger(repository: repository).chain() { held.insert(commit.id.hex) }
        guard let text = readFile(receiptsPath) else { return }
        var last: [String: Substring] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, held.contains(String(parts[1])) else { continue }
            if last.updateValue(line, forKey: String(parts[1])) == nil { order.append(String(parts[1])) }
        }
        let compacted = order.compactMap { last[$0].map { $0 + "\n" } }.joined()
        guard writeFileAtomically(receiptsPath, compacted, mode: 0o644),
              writeFileAtomically(receiptsPath + ".compacted", "\(compacted.utf8.count)\n", mode: 0o644) else {
            throw .repository("cannot rewrite '\(receiptsPath)'", hint: "check the disk and the permissions of the repository")
        }
    }

    /// Appends and the rewrite of the receipts take turns (flock), so that no line written
    /// meanwhile is lost by a rewrite.
    final class ReceiptsLock {
        private let fd: Int32
        init(path: String) throws(RelflowError) {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .repository("cannot open '\(path)'", hint: "check the permissions of the repository") }
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        deinit {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    private func append(_ lines: String, to path: String) throws(RelflowError) {
        guard !lines.isEmpty else { return }
        guard makeDirectories(folder) else { throw .repository("cannot create '\(folder)'", hint: "check the permissions of the repository") }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw .repository("cannot write '\(path)'", hint: "check the permissions of the repository") }
        defer { close(fd) }
        let written = lines.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        guard written == lines.utf8.count, fsync(fd) == 0 else {
            throw .repository("cannot write '\(path)'", hint: "check the disk and the permissions of the repository")
        }
    }
}

/// What `relflow policy show` prints: where the policy in force comes from, and its text.
public struct PolicyView: Sendable, Encodable {
    public let source: String
    public let server: Bool
    public let text: String

    public static func read(path: String?, configPath: String?, server: Bool) throws(RelflowError) -> PolicyView {
        let store = try ServerPolicyStore.discover(path: path)
        let repository: Repository
        do { repository = try Repository.discover(from: path ?? ".") } catch { throw RepositoryContext.explain(error, path: path ?? ".") }
        if server || repository.isBare {
            let (_, source) = try store.load()
            return PolicyView(source: source, server: true, text: readFile(store.policyPath) ?? "")
        }
        let context = try RepositoryContext.open(path: path, configPath: configPath)
        let file = configPath ?? (repository.workingDirectory.map { $0 + ConfigLoader.fileName } ?? "")
        return PolicyView(source: context.configSource, server: false, text: readFile(file) ?? "")
    }
}
