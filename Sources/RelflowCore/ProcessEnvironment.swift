#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's environment variables, read one at a time with `getenv`.
///
/// `ProcessInfo.processInfo.environment` copies every variable into a dictionary and, the first
/// time, starts Foundation's CoreFoundation layer: about 1 ms of a 10 ms `relflow` start, paid
/// by every hook. relflow only ever asks for a few names.
public enum ProcessEnvironment {
    /// The value of `name`, nil when unset (an empty value is returned as "").
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// A lookup for code that takes its environment as a function (tests pass a dictionary's).
    public static let lookup: @Sendable (String) -> String? = { value($0) }
}
