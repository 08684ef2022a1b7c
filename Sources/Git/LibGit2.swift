import CLibGit2

/// Process-wide libgit2 set-up, done once before the first handle is opened.
enum LibGit2 {
    /// Swift initialises globals lazily and exactly once, from whichever thread comes first.
    static let initialized: Bool = {
        git_libgit2_init()
        // relflow verifies what it reads through the hash chain of commits it walks; the
        // per-object hash check costs about a fifth of a full walk and git itself does not do it.
        _ = relflow_git_set_strict_hash_verification(0)
        return true
    }()

    static func ensure() { _ = initialized }

    /// The libgit2 version this process runs with, e.g. `1.5.1`.
    static var version: String {
        ensure()
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        git_libgit2_version(&major, &minor, &rev)
        return "\(major).\(minor).\(rev)"
    }
}

public enum GitLibrary {
    /// The version of libgit2 relflow is running with.
    public static var version: String { LibGit2.version }
}
