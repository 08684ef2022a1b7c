import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A person and a moment: a commit's author or committer, a tag's tagger.
public struct Signature: Hashable, Sendable {
    public let name: String
    public let email: String
    /// Seconds since the Unix epoch.
    public let time: Int64
    /// The author's UTC offset in minutes, as recorded.
    public let offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    init(_ sig: UnsafePointer<git_signature>) {
        name = sig.pointee.name.map { decodeLossy(cString: $0) } ?? ""
        email = sig.pointee.email.map { decodeLossy(cString: $0) } ?? ""
        time = Int64(sig.pointee.when.time)
        offsetMinutes = sig.pointee.when.offset
    }
}

/// Decodes a C string as UTF-8, replacing invalid sequences instead of failing.
func decodeLossy(cString: UnsafePointer<CChar>) -> String {
    let length = strlen(cString)
    return cString.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}
