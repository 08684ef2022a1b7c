/// The exit codes of SPEC §2, the same for every command.
public enum ExitStatus: Int32, Sendable, Codable {
    /// Done.
    case success = 0
    /// Refused by policy (lint, gate, hook, verify).
    case refused = 1
    /// Usage or configuration error.
    case usage = 2
    /// Repository error: not a repository, missing ref, shallow history, corrupt object.
    case repository = 3
    /// The publisher failed.
    case publisher = 4
}

/// An error that reaches the user: what went wrong, how to fix it, and the exit code.
/// Printed as `relflow: error: <message>` and `hint: <hint>`.
public struct RelflowError: Error, Sendable, CustomStringConvertible, Equatable {
    public var status: ExitStatus
    public var message: String
    public var hint: String?

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    public static func usage(_ message: String, hint: String? = nil) -> RelflowError { .init(.usage, message, hint: hint) }
    public static func repository(_ message: String, hint: String? = nil) -> RelflowError { .init(.repository, message, hint: hint) }
    public static func refused(_ message: String, hint: String? = nil) -> RelflowError { .init(.refused, message, hint: hint) }
    public static func publisher(_ message: String, hint: String? = nil) -> RelflowError { .init(.publisher, message, hint: hint) }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }
}
