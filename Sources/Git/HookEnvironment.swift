#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a latency-critical hook needs to know about the repository it runs in, read from the
/// git folder's files without starting libgit2. `git_libgit2_init` loads the system's CA
/// certificates (about 4 ms with Debian's libgit2 1.5); the commit-msg hook runs on every
/// commit and needs only the current branch, so it reads HEAD itself. Anything unusual makes
/// these return nil and the caller opens the repository properly.
public enum HookEnvironment {
    /// The git folder of the work tree at `workTree` (a `.git` folder, or the folder a `.git`
    /// file points to, as linked work trees and submodules have).
    public static func gitDirectory(workTree: String) -> String? {
        let dotGit = workTree + "/.git"
        var st = stat()
        guard stat(dotGit, &st) == 0 else { return nil }
        if (st.st_mode & S_IFMT) == S_IFDIR { return dotGit }
        guard let text = readTextFile(dotGit), text.hasPrefix("gitdir: ") else { return nil }
        let path = String(text.dropFirst("gitdir: ".count).prefix { $0 != "\n" && $0 != "\r" })
        return path.hasPrefix("/") ? path : workTree + "/" + path
    }

    /// The branch HEAD names (`main`, `hotfix/1.0.1`), nil when detached or unreadable.
    public static func currentBranch(gitDirectory: String) -> String? {
        guard let text = readTextFile(gitDirectory + "/HEAD"), text.hasPrefix("ref: refs/heads/") else { return nil }
        return String(text.dropFirst("ref: refs/heads/".count).prefix { $0 != "\n" && $0 != "\r" })
    }

    /// True when any of git's configuration files that apply mentions `key` (case-insensitive
    /// substring): a cheap, conservative test for "this setting may be set".
    public static func configMayMention(_ key: String, gitDirectory: String, home: String?) -> Bool {
        var files = [gitDirectory + "/config", "/etc/gitconfig"]
        if let home {
            files.append(home + "/.gitconfig")
            files.append(home + "/.config/git/config")
        }
        if let commonFile = readTextFile(gitDirectory + "/commondir") {
            let common = String(commonFile.prefix { $0 != "\n" })
            files.append((common.hasPrefix("/") ? common : gitDirectory + "/" + common) + "/config")
        }
        let needle = key.lowercased()
        return files.contains { readTextFile($0)?.lowercased().contains(needle) ?? false }
    }
}
