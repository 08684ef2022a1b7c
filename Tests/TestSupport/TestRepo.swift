import Foundation

/// A real git repository in a temporary folder, driven by the real git CLI as a user would.
/// Each instance has its own HOME, so no user or system configuration leaks in, and commit
/// dates advance one minute per commit so history order is deterministic.
public final class TestRepo: @unchecked Sendable {
    public let root: String
    public let path: String
    public let home: String
    private var clock: Int = 1_700_000_000
    public var identity = (name: "Ada Lovelace", email: "ada@example.com")

    /// A new repository with `main` as its first branch.
    public init(bare: Bool = false, branch: String = "main", label: String = "repo") throws {
        root = makeTemporaryDirectory("relflow-\(label)")
        home = root + "/home"
        path = root + "/" + label + (bare ? ".git" : "")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "-q", "-b", branch, bare ? "--bare" : "--quiet")
    }

    /// An existing folder (a clone) that shares `other`'s HOME and clock.
    public init(existing path: String, sharing other: TestRepo) {
        root = other.root
        home = other.home
        self.path = path
        clock = other.clock + 10_000
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") { env.removeValue(forKey: key) }
        env["HOME"] = home
        env["XDG_CONFIG_HOME"] = home + "/.config"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_AUTHOR_NAME"] = identity.name
        env["GIT_AUTHOR_EMAIL"] = identity.email
        env["GIT_COMMITTER_NAME"] = identity.name
        env["GIT_COMMITTER_EMAIL"] = identity.email
        env["GIT_AUTHOR_DATE"] = "@\(clock) +0000"
        env["GIT_COMMITTER_DATE"] = "@\(clock) +0000"
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "RELFLOW_BIN")
        return env
    }

    /// Runs git in the repository; throws with git's output when it fails.
    @discardableResult
    public func git(_ arguments: String..., stdin: Data? = nil) throws -> String {
        try git(arguments, stdin: stdin)
    }

    @discardableResult
    public func git(_ arguments: [String], stdin: Data? = nil, cwd: String? = nil) throws -> String {
        let result = gitResult(arguments, stdin: stdin, cwd: cwd)
        guard result.status == 0 else { throw ShellError(command: "git " + arguments.joined(separator: " "), result: result) }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    public func gitResult(_ arguments: [String], stdin: Data? = nil, cwd: String? = nil) -> ProcessResult {
        clock += 60
        return runProcess(which("git") ?? "/usr/bin/git", arguments, cwd: cwd ?? path, environment: environment, stdin: stdin)
    }

    /// Writes files (path → contents) and commits them (or an empty commit); returns the id.
    @discardableResult
    public func commit(_ message: String, files: [String: String] = [:]) throws -> String {
        for (file, contents) in files {
            let url = URL(fileURLWithPath: path).appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
            try git("add", "--", file)
        }
        let messageFile = root + "/message-\(UUID().uuidString.prefix(6))"
        try Data(message.utf8).write(to: URL(fileURLWithPath: messageFile))
        defer { try? FileManager.default.removeItem(atPath: messageFile) }
        try git("commit", "-q", "--allow-empty", "--allow-empty-message", "--no-verify", "--cleanup=verbatim", "-F", messageFile)
        return try git("rev-parse", "HEAD")
    }

    /// Commits raw message bytes exactly as given (non-UTF-8 too: `git commit` would re-encode
    /// them), by writing the commit object with `git hash-object`.
    @discardableResult
    public func commitRaw(_ message: Data, encoding: String? = nil) throws -> String {
        var header = "tree \(try git("rev-parse", "HEAD^{tree}"))\n"
        if let parent = try? git("rev-parse", "-q", "--verify", "HEAD") { header += "parent \(parent)\n" }
        clock += 60
        header += "author \(identity.name) <\(identity.email)> \(clock) +0000\n"
        header += "committer \(identity.name) <\(identity.email)> \(clock) +0000\n"
        if let encoding { header += "encoding \(encoding)\n" }
        let object = Data((header + "\n").utf8) + message
        let id = try git(["hash-object", "-t", "commit", "-w", "--stdin"], stdin: object)
        try git("update-ref", "HEAD", id)
        return id
    }

    public func tag(_ name: String, annotated: Bool = true, at revision: String = "HEAD", message: String? = nil) throws {
        if annotated {
            try git("tag", "-a", name, "-m", message ?? "release \(name)", revision)
        } else {
            try git("tag", name, revision)
        }
    }

    public func write(_ file: String, _ contents: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Runs the relflow binary in this repository.
    public func relflow(_ arguments: String..., stdin: Data? = nil, env: [String: String] = [:], cwd: String? = nil) -> ProcessResult {
        relflow(arguments, stdin: stdin, env: env, cwd: cwd)
    }

    public func relflow(_ arguments: [String], stdin: Data? = nil, env: [String: String] = [:], cwd: String? = nil) -> ProcessResult {
        clock += 60
        var environment = self.environment
        for (k, v) in env { environment[k] = v }
        return runProcess(RelflowBinary.path, arguments, cwd: cwd ?? path, environment: environment, stdin: stdin)
    }
}

/// The relflow executable under test: `RELFLOW_BIN`, else the package's debug build.
public enum RelflowBinary {
    public static var path: String {
        if let env = ProcessInfo.processInfo.environment["RELFLOW_BIN"], !env.isEmpty { return env }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/relflow").path
    }

    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
