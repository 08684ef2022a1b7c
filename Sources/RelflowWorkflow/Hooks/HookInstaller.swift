import Git
import RelflowCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hook shims relflow installs: the files in `hooks/`, compiled in (`DefaultTemplates`)
/// so that an installed relflow needs no source tree.
public enum HookShims {
    public static let marker = "# relflow-hook-shim"

    public static let clientHooks = ["commit-msg", "pre-push"]
    public static let serverHooks = ["pre-receive", "post-receive"]

    public static func text(for name: String) -> String? {
        switch name {
        case "commit-msg": return DefaultTemplates.hookCommitMsg
        case "pre-push": return DefaultTemplates.hookPrePush
        case "pre-receive": return DefaultTemplates.hookPreReceive
        case "post-receive": return DefaultTemplates.hookPostReceive
        default: return nil
        }
    }
}

/// `relflow hooks install|uninstall`.
public struct HookInstaller {
    public struct Outcome: Sendable, Equatable {
        public enum Action: String, Sendable { case installed, updated, unchanged, chained, replaced, removed, restored, absent }
        public let hook: String
        public let path: String
        public let action: Action
    }

    let repository: Repository
    public init(repository: Repository) { self.repository = repository }

    /// The folder git runs hooks from: `core.hooksPath` when set (relative to the work tree),
    /// else `hooks/` in the common git folder.
    public func hooksDirectory() -> String {
        if let configured = repository.configString("core.hooksPath"), !configured.isEmpty {
            var path = configured
            if path.hasPrefix("~/"), let home = getenv("HOME") { path = String(cString: home) + path.dropFirst(1) }
            if path.hasPrefix("/") { return path }
            let base = repository.workingDirectory ?? repository.gitDirectory
            return base + path
        }
        return repository.commonDirectory + "hooks"
    }

    /// Installs the named shims. A foreign hook is kept and chained (renamed to
    /// `<name>.relflow-chained`, run first); with `force` it is replaced instead.
    public func install(_ names: [String], relflowPath: String?, force: Bool) throws(RelflowError) -> [Outcome] {
        let directory = hooksDirectory()
        guard makeDirectories(directory) else {
            throw .repository("cannot create the hooks folder '\(directory)'", hint: "check its permissions")
        }
        var outcomes: [Outcome] = []
        for name in names {
            guard var text = HookShims.text(for: name) else {
                throw .usage("relflow has no '\(name)' hook", hint: "client hooks: " + HookShims.clientHooks.joined(separator: ", "))
            }
            if HookShims.serverHooks.contains(name) {
                // The server runs exactly the binary the administrator installed it with.
                guard let relflowPath, relflowPath.hasPrefix("/") else {
                    throw .repository("cannot tell where this relflow binary is, so the server hook cannot name it",
                                      hint: "run relflow by its absolute path, e.g. /usr/local/bin/relflow hooks install --server")
                }
                text = text.replacingFirst("relflow_bin=relflow\n", with: "relflow_bin=\(shellQuoted(relflowPath))\n")
            } else if let relflowPath {
                text = text.replacingFirst("${RELFLOW_BIN:-relflow}", with: "${RELFLOW_BIN:-\(shellQuoted(relflowPath))}")
            }
            let path = directory + "/" + name
            let chained = path + ".relflow-chained"
            var action = Outcome.Action.installed
            if let existing = readFile(path) {
                if existing == text {
                    outcomes.append(Outcome(hook: name, path: path, action: .unchanged))
                    continue
                } else if existing.contains(HookShims.marker) {
                    action = .updated
                } else if force {
                    action = .replaced
                } else if !fileExists(chained) {
                    guard rename(path, chained) == 0 else {
                        throw .repository("cannot keep the existing hook '\(path)' as '\(chained)'", hint: "check the folder's permissions")
                    }
                    action = .chained
                } else {
                    throw .refused("'\(path)' is a hook relflow did not write, and '\(chained)' already holds another",
                                   hint: "merge them by hand, or run 'relflow hooks install --force' to replace '\(path)'")
                }
            }
            guard writeFileAtomically(path, text, mode: 0o755, followLinks: false) else {
                throw .repository("cannot write the hook '\(path)'", hint: "check the folder's permissions")
            }
            outcomes.append(Outcome(hook: name, path: path, action: action))
        }
        return outcomes
    }

    /// On a server: git itself checks every object a push brings (`receive.fsckObjects`), so
    /// that a hand-made tree (an entry named `..`, a path with `.git` in it) or a commit with
    /// a malformed author line is refused before any hook reads it, unless the administrator
    /// chose already (`receive.fsckObjects` or `transfer.fsckObjects` set at any level).
    /// True when it was set here.
    public func checkReceivedObjects() throws(RelflowError) -> Bool {
        guard repository.configString("receive.fsckObjects") == nil, repository.configString("transfer.fsckObjects") == nil else {
            return false
        }
        try git { () throws(GitError) in try repository.setConfigValue("receive.fsckObjects", "true") }
        return true
    }

    /// Removes relflow's shims and puts chained hooks back in their place. Foreign hooks stay.
    public func uninstall(_ names: [String]) throws(RelflowError) -> [Outcome] {
        let directory = hooksDirectory()
        var outcomes: [Outcome] = []
        for name in names {
            let path = directory + "/" + name
            let chained = path + ".relflow-chained"
            guard let existing = readFile(path), existing.contains(HookShims.marker) else {
                outcomes.append(Outcome(hook: name, path: path, action: .absent))
                continue
            }
            unlink(path)
            if fileExists(chained) {
                guard rename(chained, path) == 0 else { throw .repository("cannot restore '\(chained)' to '\(path)'") }
                outcomes.append(Outcome(hook: name, path: path, action: .restored))
            } else {
                outcomes.append(Outcome(hook: name, path: path, action: .removed))
            }
        }
        return outcomes
    }
}

/// Quotes for a POSIX shell: `'…'` with embedded quotes escaped.
func shellQuoted(_ s: String) -> String {
    "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }
}
