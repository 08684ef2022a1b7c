import CLibGit2
import CZlibGuard

/// Process-wide libgit2 set-up, done once before the first handle is opened.
enum LibGit2 {
    /// Swift initialises globals lazily and exactly once, from whichever thread comes first.
    static let initialized: Bool = {
        git_libgit2_init()
        // relflow verifies what it reads through the hash chain of commits it walks; the
        // per-object hash check costs about a fifth of a full walk and git itself does not do it.
        _ = relflow_git_set_strict_hash_verification(0)
        // relflow reads each commit once and keeps what it needs as Swift values: libgit2's
        // object cache would only hold a second copy of the whole history (256 MB by default).
        _ = relflow_git_enable_caching(0)
        // Pack files are read through memory maps; bound them so that a walk of a large
        // history does not keep the whole pack resident (libgit2 defaults: 1 GiB windows, 8 GiB).
        _ = relflow_git_set_mwindow_size(8 << 20)
        _ = relflow_git_set_mwindow_mapped_limit(16 << 20)
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

    /// True when libgit2's zlib calls go through relflow's guard, so that a truncated object
    /// is an error instead of an endless loop (libgit2 1.5; see Sources/CZlibGuard).
    public static var truncatedObjectGuard: Bool { relflow_zlib_guard_active() != 0 }

    /// True when libgit2 starts without parsing the system's CA bundle (relflow never lets it
    /// reach a network; see Sources/CZlibGuard/tls_roots.c).
    public static var skipsCABundle: Bool { relflow_tls_roots_skipped() != 0 }
}
