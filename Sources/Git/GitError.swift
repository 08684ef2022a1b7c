import CLibGit2

/// A libgit2 failure, carrying libgit2's own message and the operation that failed.
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// The libgit2 return code (`GIT_ENOTFOUND`, `GIT_ELOCKED`, …).
    public let code: Int32
    /// libgit2's error class (`GIT_ERROR_REFERENCE`, …), 0 when none was set.
    public let errorClass: Int32
    /// libgit2's message, as it wrote it.
    public let message: String
    /// What relflow was doing, e.g. `open repository '/tmp/x'`.
    public let operation: String

    public init(code: Int32, errorClass: Int32 = 0, message: String, operation: String) {
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.operation = operation
    }

    public var description: String { "\(operation): \(message)" }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// The object database could not read something that is there: a damaged repository.
    public var isDamage: Bool {
        errorClass == Int32(GIT_ERROR_ZLIB.rawValue) || (errorClass == Int32(GIT_ERROR_ODB.rawValue) && !isNotFound)
    }
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
    /// The reference moved since it was read (compare-and-swap lost).
    public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
    public var isExists: Bool { code == GIT_EEXISTS.rawValue }
    /// The repository belongs to another user. libgit2 1.5 reports this as "config value
    /// 'safe.directory' was not found" with GIT_ENOTFOUND, later versions as GIT_EOWNER.
    public var isOwnerMismatch: Bool { code == GIT_EOWNER.rawValue || message.contains("'safe.directory'") }
    /// "Read again and retry": another process holds the lock, or the value moved.
    public var isRetryableRefConflict: Bool { isLocked || isModified }

    /// Builds the error from libgit2's thread-local last error.
    static func last(_ code: Int32, _ operation: @autoclosure () -> String) -> GitError {
        var message = "libgit2 returned \(code)"
        var klass: Int32 = 0
        if let err = git_error_last() {
            klass = err.pointee.klass
            if let msg = err.pointee.message {
                message = String(cString: msg)
            }
        }
        return GitError(code: code, errorClass: klass, message: message, operation: operation())
    }
}

/// Throws a `GitError` when a libgit2 call returned a negative code.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError.last(code, operation()) }
}
