import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A commit, read into a value: ids, people, and the message exactly as stored.
public struct Commit: Sendable, Hashable {
    public let id: ObjectID
    public let parents: [ObjectID]
    public let author: Signature
    public let committer: Signature
    /// The `encoding` header, when the commit declares one (e.g. `ISO-8859-1`).
    public let encoding: String?
    /// The tree this commit records.
    public let tree: ObjectID
    /// The message as text: UTF-8, or Latin-1 when the commit declares it; bytes that do not
    /// decode become U+FFFD instead of failing.
    public let message: String
    /// The stored bytes when they are not plain UTF-8 (nil when `message` is them exactly).
    private let undecodedBytes: [UInt8]?

    /// The message bytes as stored in the object (any encoding, possibly not UTF-8).
    public var rawMessage: [UInt8] { undecodedBytes ?? Array(message.utf8) }

    public var isMerge: Bool { parents.count > 1 }

    /// The first line of the message.
    public var summary: String {
        String(message.prefix { $0 != "\n" && $0 != "\r\n" })
    }
}

/// Decodes message bytes without ever failing.
public func decodeMessage(_ bytes: [UInt8], encoding: String?) -> String {
    if let encoding {
        let lower = encoding.lowercased()
        if lower == "iso-8859-1" || lower == "latin1" || lower == "latin-1" || lower == "iso8859-1" {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return String(scalars)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Repository {
    /// Reads one commit.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        var oid = id.gitOID
        var handle: OpaquePointer?
        try check(git_commit_lookup(&handle, pointer, &oid), "read commit \(id.short())")
        defer { git_commit_free(handle) }
        guard let handle else { throw GitError(code: -1, message: "no commit", operation: "read commit \(id.short())") }
        return Commit(handle: handle, id: id)
    }
}

extension Commit {
    init(handle: OpaquePointer, id: ObjectID) {
        self.id = id
        let count = git_commit_parentcount(handle)
        var parents: [ObjectID] = []
        parents.reserveCapacity(Int(count))
        for i in 0..<count {
            if let p = git_commit_parent_id(handle, i) { parents.append(ObjectID(p)) }
        }
        self.parents = parents
        author = Signature(git_commit_author(handle))
        committer = Signature(git_commit_committer(handle))
        encoding = git_commit_message_encoding(handle).map { String(cString: $0) }
        tree = ObjectID(git_commit_tree_id(handle))
        let raw = git_commit_message_raw(handle)
        let isUTF8 = encoding.map { ["utf-8", "utf8"].contains($0.lowercased()) } ?? true
        if let raw, isUTF8, let text = String(validatingCString: raw) {
            // The usual case: one copy, straight from libgit2's buffer.
            message = text
            undecodedBytes = nil
        } else if let raw {
            let length = strlen(raw)
            let bytes = raw.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
            message = decodeMessage(bytes, encoding: encoding)
            undecodedBytes = bytes
        } else {
            message = ""
            undecodedBytes = nil
        }
    }
}

/// Git trailers (`Key: value` lines at the end of a message), parsed by libgit2 the way
/// `git interpret-trailers` does.
public func gitTrailers(of message: String) -> [(key: String, value: String)] {
    LibGit2.ensure()
    var array = git_message_trailer_array()
    guard git_message_trailers(&array, message) == 0 else { return [] }
    defer { git_message_trailer_array_free(&array) }
    var out: [(key: String, value: String)] = []
    for i in 0..<array.count {
        let trailer = array.trailers[i]
        out.append((decodeLossy(cString: trailer.key), decodeLossy(cString: trailer.value)))
    }
    return out
}
