import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open repository with its configuration: what every command starts from.
public final class RepositoryContext {
    public let repository: Repository
    public let config: RelflowConfig
    /// Where the configuration came from, for messages (`.relflow.toml`, a path, or `defaults`).
    public let configSource: String
    /// Notes worth showing under `--verbose`.
    public private(set) var notes: [String] = []

    public init(repository: Repository, config: RelflowConfig, configSource: String) {
        self.repository = repository
        self.config = config
        self.configSource = configSource
    }

    /// Opens the repository at or above `path` (like `git -C path`), or the one git's
    /// environment names when running inside a hook (`fromEnvironment`), and reads its config.
    public static func open(path: String?, configPath: String?, fromEnvironment: Bool = false) throws(RelflowError) -> RepositoryContext {
        let repository: Repository
        do {
            if fromEnvironment {
                repository = try Repository.openFromEnvironment()
            } else {
                repository = try Repository.discover(from: path ?? ".")
            }
        } catch {
            throw RepositoryContext.explain(error, path: path ?? ".")
        }
        let (config, source) = try loadConfig(repository: repository, explicitPath: configPath)
        let context = RepositoryContext(repository: repository, config: config, configSource: source)
        try context.adoptRemoteState()
        Notifications.configure(context)
        return context
    }

    /// Turns a libgit2 failure to open into a message a person can act on.
    static func explain(_ error: GitError, path: String) -> RelflowError {
        if error.isOwnerMismatch {
            let dir = enclosingWorkTree(of: path) ?? path
            return .repository("the repository at '\(dir)' belongs to another user, so git and relflow refuse to use it",
                               hint: "if you trust it, run: git config --global --add safe.directory '\(dir)'")
        }
        if error.isNotFound {
            return .repository("not a git repository (or any parent up to the root): '\(path)'",
                               hint: "run relflow inside a git work tree, or name one with -C PATH")
        }
        return .repository("\(error.operation): \(error.message)", hint: "check that '\(path)' is a readable git repository")
    }

    /// The folder at or above `path` that holds `.git` (or is a bare repository), absolute.
    static func enclosingWorkTree(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard realpath(path, &buffer) != nil else { return nil }
        var dir = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while true {
            if fileExists(dir + "/.git") || (fileExists(dir + "/HEAD") && fileExists(dir + "/objects")) { return dir }
            guard let slash = dir.lastIndex(of: "/"), dir != "/" else { return nil }
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
        }
    }

    static func loadConfig(repository: Repository, explicitPath: String?) throws(RelflowError) -> (RelflowConfig, String) {
        if let explicitPath {
            guard let bytes = readFileBytes(explicitPath) else {
                throw .usage("cannot read the configuration file '\(explicitPath)'", hint: "check the path given to --config")
            }
            return (try ConfigLoader.load(bytes: bytes, source: explicitPath), explicitPath)
        }
        if let workdir = repository.workingDirectory {
            let path = workdir + ConfigLoader.fileName
            // Only a file (or a link to one): a FIFO would hang the read, a device never ends.
            var target = stat()
            if stat(path, &target) == 0, (target.st_mode & S_IFMT) != S_IFREG, (target.st_mode & S_IFMT) != S_IFDIR {
                throw .usage("'\(path)' is not a regular file", hint: "make \(ConfigLoader.fileName) a file, or remove it to use the defaults")
            }
            if let bytes = readFileBytes(path) {
                return (try ConfigLoader.load(bytes: bytes, source: ConfigLoader.fileName), ConfigLoader.fileName)
            }
            // Defaults only when there is nothing there: a folder, a link to nothing or a file
            // that cannot be read is a configuration relflow would silently ignore.
            var info = stat()
            guard lstat(path, &info) != 0 && errno == ENOENT else {
                let what = (info.st_mode & S_IFMT) == S_IFDIR ? "is a folder"
                    : (info.st_mode & S_IFMT) == S_IFLNK && !fileExists(path) ? "is a link to a file that does not exist"
                    : "cannot be read (\(String(cString: strerror(errno))))"
                throw .usage("'\(path)' \(what)", hint: "make \(ConfigLoader.fileName) a readable file, or remove it to use the defaults")
            }
            return (RelflowConfig(), "defaults")
        }
        // A bare repository is a server: it reads only the policy its administrator installed
        // (never a .relflow.toml that a push could change).
        return try ServerPolicyStore(repository: repository).load()
    }

    func note(_ text: String) { notes.append(text) }

    /// The release tags under the configured prefixes, highest version first. Read once and
    /// kept until `refresh` (or `forgetReleaseTags()` after relflow writes a tag): the commands
    /// that compose several services (status, notice) then pay for thousands of tags once.
    public func releaseTags(refresh: Bool = false) throws(RelflowError) -> ReleaseTagIndex {
        if let shared { return try shared.releaseTags(refresh: refresh) }
        if !refresh, let cached = cachedTags, cached.tagsRef == tagsFingerprint() { return cached.index }
        let index = try ReleaseTagIndex.read(repository, prefixes: config.tags.prefixes)
        cachedTags = (tagsFingerprint(), index)
        return index
    }

    /// Parents and commit times read once for the whole command, shared by every service it
    /// composes (status asks several questions of the same history).
    public var ancestry: Ancestry {
        if let shared { return shared.ancestry }
        if let ownAncestry { return ownAncestry }
        let made = Ancestry(repository)
        ownAncestry = made
        return made
    }
    private var ownAncestry: Ancestry?
    private var reaches: [ObjectID: Reach] = [:]

    /// The context this one was scoped from (an environment's view of the same repository):
    /// tags, history and reach are read once for both.
    var shared: RepositoryContext?

    /// What `tip` reaches, walked lazily and kept for the whole command.
    public func reach(from tip: ObjectID) throws(RelflowError) -> Reach {
        if let shared { return try shared.reach(from: tip) }
        if let known = reaches[tip] { return known }
        let reach = try git { () throws(GitError) in try ancestry.reach(from: tip) }
        reaches[tip] = reach
        return reach
    }

    /// Drops the kept release tags (after relflow wrote one).
    public func forgetReleaseTags() {
        cachedTags = nil
        shared?.forgetReleaseTags()
    }

    private var cachedTags: (tagsRef: String, index: ReleaseTagIndex)?

    /// Changes when tags are added, moved or packed: the packed-refs file's size and time and
    /// the loose tags folder's time. Cheap, and conservative (any change reads again).
    private func tagsFingerprint() -> String {
        // Appended, not joined: `joined` is generic and unspecialised here, and looking up its
        // types cost each run of relflow a scan of every protocol conformance in the binary.
        var text = ""
        for path in [repository.commonDirectory + "packed-refs", repository.commonDirectory + "refs/tags"] {
            if !text.isEmpty { text += "/" }
            var info = stat()
            if stat(path, &info) == 0 {
                text += "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
            } else {
                text += "-"
            }
        }
        return text
    }

    /// Refuses a shallow clone, whose history stops early and would give a wrong answer.
    public func requireFullHistory(allowShallow: Bool = false) throws(RelflowError) {
        guard repository.isShallow, !allowShallow else { return }
        throw .repository("this is a shallow clone: its history is cut off, so relflow cannot see the commits and tags it needs",
                          hint: "fetch the whole history with 'git fetch --unshallow --tags' (in GitHub Actions: actions/checkout with fetch-depth: 0; in GitLab CI: GIT_DEPTH: 0)")
    }

    /// Resolves a revision, with an error that names it.
    public func resolve(_ revision: String) throws(RelflowError) -> ObjectID {
        do {
            return try repository.resolveCommit(revision)
        } catch {
            if error.isDamage {
                throw .repository("cannot read revision '\(revision)': \(error.message)", hint: "run 'git fsck' to find the damaged objects")
            }
            throw .repository("unknown revision '\(revision)': \(error.message)",
                              hint: "name a branch, tag or commit that exists here (git rev-parse '\(revision)' must work)")
        }
    }

    /// The commit HEAD points at; a clear error on a branch without commits.
    public func headCommit() throws(RelflowError) -> ObjectID {
        let head: Head
        do { head = try repository.head() } catch { throw .repository("cannot read HEAD: \(error.message)") }
        guard let commit = head.commit else {
            throw .repository("HEAD (\(head.branchName ?? "?")) has no commits yet", hint: "make a first commit")
        }
        return commit
    }
}

/// Maps any libgit2 error met while working to a repository error (exit 3).
func gitFailure(_ error: GitError) -> RelflowError {
    .repository("\(error.operation): \(error.message)", hint: "run 'git fsck' if the repository may be damaged")
}

/// Runs `body`, turning libgit2 errors into repository errors.
func git<T>(_ body: () throws(GitError) -> T) throws(RelflowError) -> T {
    do { return try body() } catch { throw gitFailure(error) }
}
