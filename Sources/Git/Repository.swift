import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open git repository. Owns its libgit2 handle and frees it in `deinit`.
///
/// A handle is not thread-safe: use one `Repository` per thread (open it again by `gitDirectory`).
public final class Repository {
    let pointer: OpaquePointer

    enum PackReaderState {
        case notMade
        case made(PackReader?)
    }
    /// See `packReader`.
    var packReaderState = PackReaderState.notMade

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        git_repository_free(pointer)
    }

    /// Finds the repository that contains `path`, searching upward the way `git -C path` does.
    /// Work trees and bare repositories both open.
    public static func discover(from path: String) throws(GitError) -> Repository {
        try open(path, flags: 0, operation: "find a git repository at or above '\(path)'")
    }

    /// Opens exactly the repository at `path` (a work tree or a `.git`/bare folder), no search.
    public static func open(at path: String) throws(GitError) -> Repository {
        try open(path, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, operation: "open repository '\(path)'")
    }

    /// Opens the repository the way git's own child processes must: honouring `GIT_DIR`,
    /// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES`. Inside a server-side hook
    /// this is the only way to see the objects of a push that git still holds in quarantine.
    public static func openFromEnvironment() throws(GitError) -> Repository {
        LibGit2.ensure()
        var handle: OpaquePointer?
        try check(git_repository_open_ext(&handle, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil),
                  "open the repository named by GIT_DIR")
        guard let handle else { throw GitError(code: -1, message: "no repository", operation: "open from environment") }
        return Repository(pointer: handle)
    }

    private static func open(_ path: String, flags: UInt32, operation: String) throws(GitError) -> Repository {
        LibGit2.ensure()
        var handle: OpaquePointer?
        try check(git_repository_open_ext(&handle, path, flags, nil), operation)
        guard let handle else { throw GitError(code: -1, message: "no repository", operation: operation) }
        return Repository(pointer: handle)
    }

    /// Creates a new repository (used by tests and `init` flows); `bare` for a server-side one.
    public static func create(at path: String, bare: Bool = false) throws(GitError) -> Repository {
        LibGit2.ensure()
        var handle: OpaquePointer?
        try check(git_repository_init(&handle, path, bare ? 1 : 0), "create repository '\(path)'")
        guard let handle else { throw GitError(code: -1, message: "no repository", operation: "create") }
        return Repository(pointer: handle)
    }

    // MARK: - Where and what

    /// The `.git` folder (or the bare repository's folder), with a trailing slash.
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    /// The common folder shared by all work trees of this repository (holds refs and objects).
    public var commonDirectory: String { String(cString: git_repository_commondir(pointer)) }

    /// The work tree, with a trailing slash; nil for a bare repository.
    public var workingDirectory: String? { git_repository_workdir(pointer).map { String(cString: $0) } }

    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    /// True for a shallow clone (`git clone --depth`), whose history stops at grafted commits.
    public var isShallow: Bool { git_repository_is_shallow(pointer) == 1 }

    /// The commits at which a shallow clone's history was cut (from `$GIT_DIR/shallow`).
    public func shallowBoundary() -> Set<ObjectID> {
        guard let text = readTextFile(commonDirectory + "shallow") else { return [] }
        var out = Set<ObjectID>()
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if let id = ObjectID(hex: String(line)) { out.insert(id) }
        }
        return out
    }

    /// What HEAD is: a branch (possibly without commits yet) or a detached commit.
    public func head() throws(GitError) -> Head {
        var ref: OpaquePointer?
        try check(git_reference_lookup(&ref, pointer, "HEAD"), "read HEAD")
        defer { git_reference_free(ref) }
        if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(ref) {
            let name = String(cString: target)
            return .branch(name: name, commit: try reference(name))
        }
        guard let oid = git_reference_target(ref) else {
            throw GitError(code: -1, message: "HEAD has no target", operation: "read HEAD")
        }
        return .detached(ObjectID(oid))
    }

    // MARK: - Revisions

    /// Resolves a revision (`HEAD`, `main`, `v1.2.0`, `abc123`, `HEAD~3`, `v1.0^{commit}`) to the
    /// commit it names, peeling tags.
    public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        let rc = git_revparse_single(&object, pointer, revision)
        if rc < 0 {
            // libgit2 parses every commit it steps through, and refuses one whose date it
            // cannot read; git does not. `<name>[~N|^N]…` is resolved here instead, reading
            // commits the way git log shows them.
            let error = GitError.last(rc, "resolve revision '\(revision)'")
            if !error.isNotFound, let id = try? lenientNavigation(revision) { return id }
            throw error
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        try check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "'\(revision)' does not name a commit")
        defer { git_object_free(peeled) }
        return ObjectID(git_object_id(peeled))
    }

    /// `<name>` followed by `~N`, `^N` or `^` steps, with `<name>` a reference or a full id.
    private func lenientNavigation(_ revision: String) throws(GitError) -> ObjectID? {
        let steps = revision.firstIndex { $0 == "~" || $0 == "^" } ?? revision.endIndex
        let base = String(revision[..<steps])
        var id: ObjectID
        if let hex = ObjectID(hex: base) {
            id = hex
        } else {
            var oid = git_oid()
            guard git_reference_name_to_id(&oid, pointer, base) == 0
                    || git_reference_name_to_id(&oid, pointer, "refs/heads/" + base) == 0
                    || git_reference_name_to_id(&oid, pointer, "refs/tags/" + base) == 0 else { return nil }
            id = ObjectID(oid)
        }
        var rest = revision[steps...]
        while let op = rest.first {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            guard let n = digits.isEmpty ? 1 : Int(digits) else { return nil }
            if op == "~" {
                for _ in 0..<n {
                    guard let parent = try commit(id).parents.first else { return nil }
                    id = parent
                }
            } else if op == "^" {
                if n == 0 { continue }
                let parents = try commit(id).parents
                guard n <= parents.count else { return nil }
                id = parents[n - 1]
            } else {
                return nil
            }
        }
        return try commit(id).id
    }

    /// Resolves a revision to whatever object it names, without peeling.
    public func resolveObject(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, pointer, revision), "resolve revision '\(revision)'")
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object))
    }

    /// True when `descendant` has `ancestor` in its history (a commit is not its own descendant).
    public func isDescendant(_ descendant: ObjectID, of ancestor: ObjectID) throws(GitError) -> Bool {
        var d = descendant.gitOID, a = ancestor.gitOID
        let rc = git_graph_descendant_of(pointer, &d, &a)
        try check(rc, "compare history of \(descendant.short()) and \(ancestor.short())")
        return rc == 1
    }

    /// True when `ancestor` is `commit` or in its history.
    public func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws(GitError) -> Bool {
        ancestor == commit ? true : try isDescendant(commit, of: ancestor)
    }

    /// The best common ancestor of two commits, nil when their histories are unrelated.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
        var out = git_oid()
        var x = a.gitOID, y = b.gitOID
        let rc = git_merge_base(&out, pointer, &x, &y)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "find the merge base of \(a.short()) and \(b.short())")
        return ObjectID(out)
    }

    // MARK: - Config

    /// A string from the repository's configuration (local, global and system), nil when unset.
    public func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
        return String(cString: value)
    }

    /// Every value of a multi-valued key (e.g. `remote.origin.fetch`).
    public func configValues(_ key: String) -> [String] {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return [] }
        defer { git_config_free(config) }
        var iterator: OpaquePointer?
        guard git_config_multivar_iterator_new(&iterator, config, key, nil) == 0 else { return [] }
        defer { git_config_iterator_free(iterator) }
        var values: [String] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let entry { values.append(String(cString: entry.pointee.value)) }
        return values
    }

    /// Adds `value` to the multi-valued `key` in the repository's own configuration, unless
    /// it is there already.
    public func addConfigValue(_ key: String, _ value: String) throws(GitError) {
        if configValues(key).contains(value) { return }
        try withLocalConfig { (local) throws(GitError) in
            // A pattern that matches no existing value: libgit2 then adds one.
            try check(git_config_set_multivar(local, key, "^$relflow-never-matches^", value), "set \(key)")
        }
    }

    /// Sets `key` to `value` in the repository's own configuration.
    public func setConfigValue(_ key: String, _ value: String) throws(GitError) {
        try withLocalConfig { (local) throws(GitError) in try check(git_config_set_string(local, key, value), "set \(key)") }
    }

    private func withLocalConfig(_ body: (OpaquePointer?) throws(GitError) -> Void) throws(GitError) {
        var config: OpaquePointer?
        try check(git_repository_config(&config, pointer), "open the configuration")
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check(git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL), "open the repository's configuration")
        defer { git_config_free(local) }
        try body(local)
    }

    /// The identity git would record for a new commit (`user.name`, `user.email`, or the
    /// `GIT_AUTHOR_*`/`GIT_COMMITTER_*` variables when git's environment sets them).
    public func defaultSignature() throws(GitError) -> Signature {
        var sig: UnsafeMutablePointer<git_signature>?
        try check(git_signature_default(&sig, pointer), "read the git identity (user.name and user.email)")
        defer { git_signature_free(sig) }
        guard let sig else { throw GitError(code: -1, message: "no identity", operation: "read the git identity") }
        return Signature(UnsafePointer(sig))
    }
}

/// What HEAD points at.
public enum Head: Equatable, Sendable {
    /// On a branch (`refs/heads/…`); `commit` is nil for a branch without commits yet.
    case branch(name: String, commit: ObjectID?)
    /// Detached at a commit (what CI usually checks out).
    case detached(ObjectID)

    public var commit: ObjectID? {
        switch self {
        case .branch(_, let commit): return commit
        case .detached(let id): return id
        }
    }

    /// The short branch name (`main`), nil when detached.
    public var branchName: String? {
        if case .branch(let name, _) = self {
            return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
        }
        return nil
    }
}

/// Reading plain files (git's own bookkeeping files, hook messages, configs): the one reader
/// the project uses.
public enum LocalFile {
    /// The whole file, nil when it cannot be read.
    /// Sized by the file (a loose ref is 41 bytes: a 64 KiB zeroed buffer per read cost more
    /// than everything else `relflow version` did with 4,000 loose tags), read until its end
    /// (a FIFO or a /proc file says 0 and holds more).
    public static func bytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { return nil }
        var capacity = max(Int(info.st_size) + 1, 256)
        var bytes: [UInt8] = []
        while true {
            var failed = false
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: capacity - start))
            var filled = start
            bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                while filled < capacity {
                    let n = read(fd, base + filled, capacity - filled)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failed = true
                        return
                    }
                    if n == 0 { break }
                    filled += n
                }
            }
            if failed { return nil }
            if filled < capacity {
                bytes.removeLast(capacity - filled)
                return bytes
            }
            capacity *= 2
        }
    }
}

func readTextFile(_ path: String) -> String? {
    LocalFile.bytes(path).map { String(decoding: $0, as: UTF8.self) }
}
