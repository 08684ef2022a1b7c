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
    /// In a history read (`startReadingHistory`): the author's number in the reading thread's
    /// `IdentityCache`, the same for every commit with the same `Name <email>` bytes read on
    /// that thread; nil elsewhere. Not part of the commit's equality.
    public private(set) var authorNumber: Int?

    /// The message bytes as stored in the object (any encoding, possibly not UTF-8).
    public var rawMessage: [UInt8] { undecodedBytes ?? Array(message.utf8) }

    public var isMerge: Bool { parents.count > 1 }

    public static func == (a: Commit, b: Commit) -> Bool {
        a.id == b.id && a.parents == b.parents && a.author == b.author && a.committer == b.committer && a.encoding == b.encoding
            && a.tree == b.tree && a.message == b.message && a.undecodedBytes == b.undecodedBytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// The first line of the message.
    public var summary: String {
        String(message.prefix { $0 != "\n" && $0 != "\r\n" })
    }
}

/// Whether every byte is below 0x80, eight at a time.
func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var seen: UInt64 = 0
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
        seen |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < n {
        seen |= UInt64(bytes[i])
        i += 1
    }
    return seen & 0x8080_8080_8080_8080 == 0
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
    /// Reads one commit: from its raw bytes when it has the usual shape (through relflow's
    /// pack reader when it is packed), else by libgit2.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        if let packs = packReader, let parsed = try packs.withObject(id, { (type, bytes) throws(GitError) -> Commit? in
            type == 1 ? Commit(raw: bytes, id: id) : nil
        }), let parsed { return parsed }
        return try libgit2Commit(id)
    }

    /// Throws libgit2's own error when its parser cannot read the commit. relflow reads such a
    /// commit its own way, but libgit2 must read a commit to write on top of it (status, a new
    /// commit): a release checks its parent first.
    public func requireReadableByLibgit2(_ id: ObjectID) throws(GitError) {
        var oid = id.gitOID
        var handle: OpaquePointer?
        let rc = git_commit_lookup(&handle, pointer, &oid)
        if rc < 0 { throw GitError.last(rc, "read commit \(id.short())") }
        git_commit_free(handle)
    }

    /// Reads one commit with libgit2's parser (lenient about dates git cannot read either).
    func libgit2Commit(_ id: ObjectID) throws(GitError) -> Commit {
        var oid = id.gitOID
        var handle: OpaquePointer?
        let rc = git_commit_lookup(&handle, pointer, &oid)
        if rc < 0 {
            let error = GitError.last(rc, "read commit \(id.short())")
            if let lenient = lenientCommit(id) { return lenient }
            throw error
        }
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

extension Commit {
    /// Parses a commit from its raw object bytes, as libgit2 would, without building a
    /// libgit2 object: for the history reader, where libgit2's parse and object cache cost
    /// more than the inflate. Nil for anything unusual (the caller then asks libgit2).
    /// `lenient`: a signature whose date git cannot read either gets time 0 (as `git log`
    /// shows it) instead of failing, so one odd commit does not hide a whole history.
    /// `committerIdentity: false` leaves the committer's name and email empty (readers of a
    /// whole history need its time only).
    /// `identities`: the reading thread's authors, whose names and emails are then made into
    /// strings once each (see `IdentityCache`).
    init?(raw bytes: UnsafeRawBufferPointer, id: ObjectID, lenient: Bool = false, committerIdentity: Bool = true,
          identities: IdentityCache? = nil) {
        let n = bytes.count
        var i = 0
        var tree: ObjectID?
        var parents: [ObjectID] = []
        var author: Signature?
        var committer: Signature?
        var encoding: String?
        var sawBlank = false
        var lastWasTreeOrParent = false
        while i < n {
            let end = bytes.index(of: 10, from: i) ?? n
            if end == i { i += 1; sawBlank = true; break }
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            // git's shape: `tree` first, then the `parent` lines; anything else goes to libgit2
            // (which, like git, ignores a `parent` line further down).
            if tree == nil {
                guard line.hasPrefix("tree "), line.count == 45, let t = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[5..<45])) else { return nil }
                tree = t
                lastWasTreeOrParent = true
            } else if line.hasPrefix("parent ") {
                guard lastWasTreeOrParent, line.count == 47, let p = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[7..<47])) else { return nil }
                parents.append(p)
            } else if line.hasPrefix("tree ") {
                return nil
            } else if line.hasPrefix("author ") {
                guard author == nil else { return nil }
                let text = UnsafeRawBufferPointer(rebasing: line[7...])
                if let identities, !lenient {
                    guard let parts = Signature.strictParts(text) else { return nil }
                    let known = identities.identity(UnsafeRawBufferPointer(rebasing: text[..<(parts.close + 1)])) {
                        (Signature.trimmed(text, 0, parts.open - 1), Signature.trimmed(text, parts.open + 1, parts.close))
                    }
                    author = Signature(name: known.name, email: known.email, time: parts.time, offsetMinutes: parts.offset)
                    authorNumber = known.number
                } else {
                    guard let a = Signature(strictLine: text, lenient: lenient) else { return nil }
                    author = a
                }
            } else if line.hasPrefix("committer ") {
                guard committer == nil, let c = Signature(strictLine: UnsafeRawBufferPointer(rebasing: line[10...]), lenient: lenient,
                                                          identity: committerIdentity) else { return nil }
                committer = c
            } else if line.hasPrefix("encoding ") {
                encoding = String(decoding: UnsafeRawBufferPointer(rebasing: line[9...]), as: UTF8.self)
            }
            // Other headers (gpgsig, mergetag and their continuation lines) are not needed.
            if !line.hasPrefix("tree ") && !line.hasPrefix("parent ") { lastWasTreeOrParent = false }
            if end >= n { i = n; break }
            i = end + 1
        }
        guard let tree, let author, let committer, sawBlank || i >= n else { return nil }
        self.id = id
        self.parents = parents
        self.author = author
        self.committer = committer
        self.encoding = encoding
        self.tree = tree
        // The message as libgit2 gives it: up to the first NUL byte.
        let messageEnd = i < n ? (bytes.index(of: 0, from: i) ?? n) : n
        let body = UnsafeRawBufferPointer(rebasing: bytes[min(i, n)..<messageEnd])
        let isUTF8 = encoding.map { ["utf-8", "utf8"].contains($0.lowercased()) } ?? true
        // An ASCII message (the usual one) needs no validation: String(validating:) looks up
        // generic metadata on every call, half of what it costs on a short message.
        if isUTF8, let text = isASCII(body) ? String(decoding: body, as: UTF8.self) : String(validating: body, as: UTF8.self) {
            message = text
            undecodedBytes = nil
        } else {
            let raw = Array(body)
            message = decodeMessage(raw, encoding: encoding)
            undecodedBytes = raw
        }
    }
}

extension Signature {
    /// `Name <email> 1700000000 +0100` exactly as git writes it; nil for anything else, so
    /// that libgit2's lenient parser decides the odd cases.
    /// `identity: false` reads the time and leaves the name and email empty.
    init?(strictLine line: UnsafeRawBufferPointer, lenient: Bool = false, identity: Bool = true) {
        func text(_ from: Int, _ to: Int) -> String { identity ? Signature.trimmed(line, from, to) : "" }
        guard let parts = Signature.strictParts(line) else {
            // A date git cannot read either: time 0, as `git log` shows it.
            guard lenient, let open = line.lastIndex(of: UInt8(ascii: "<")), let close = line.lastIndex(of: UInt8(ascii: ">")),
                  open >= 1, open < close, line[open - 1] == 32 else { return nil }
            self.init(name: text(0, open - 1), email: text(open + 1, close), time: 0, offsetMinutes: 0)
            return
        }
        self.init(name: text(0, parts.open - 1), email: text(parts.open + 1, parts.close), time: parts.time, offsetMinutes: parts.offset)
    }

    /// The bytes from `from` to `to` without white space around them, as text.
    static func trimmed(_ line: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> String {
        func isSpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }
        var a = from, b = to
        while a < b && isSpace(line[a]) { a += 1 }
        while b > a && isSpace(line[b - 1]) { b -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[a..<b]), as: UTF8.self)
    }

    /// Where the email of `Name <email> 1700000000 +0100` opens and closes, the time and the
    /// offset; nil for a line of any other shape.
    static func strictParts(_ line: UnsafeRawBufferPointer) -> (open: Int, close: Int, time: Int64, offset: Int32)? {
        // From the end, where the shape is fixed: ` +0100`, the digits of the time, ` `, `>`
        // (the last one: only digits, spaces and a sign follow it). Walking the whole line
        // back for `>` and `<` cost 600 instructions a signature, two for every commit read.
        let n = line.count
        guard n >= 10, line[n - 6] == 32, line[n - 5] == UInt8(ascii: "+") || line[n - 5] == UInt8(ascii: "-") else { return nil }
        var zone: Int32 = 0
        for k in (n - 4)..<n {
            guard line[k] >= 48, line[k] <= 57 else { return nil }
            zone = zone * 10 + Int32(line[k] - 48)
        }
        var start = n - 6
        while start > 0, line[start - 1] >= 48, line[start - 1] <= 57 { start -= 1 }
        let digits = n - 6 - start
        guard digits > 0, digits <= 18, start >= 2, line[start - 1] == 32, line[start - 2] == UInt8(ascii: ">") else { return nil }
        let close = start - 2
        var time: Int64 = 0
        for k in start..<(n - 6) { time = time * 10 + Int64(line[k] - 48) }
        // The last `<` before it.
        var open = close - 1
        while open >= 0, line[open] != UInt8(ascii: "<") { open -= 1 }
        guard open >= 1, line[open - 1] == 32 else { return nil }
        let hours = zone / 100, minutes = zone % 100
        guard minutes < 60 else { return nil }
        return (open, close, time, (hours * 60 + minutes) * (line[n - 5] == UInt8(ascii: "-") ? -1 : 1))
    }
}

/// The authors one history-reading thread has met, by the bytes of their `Name <email>`: a
/// known author's name and email are reused, not made into strings again for each commit
/// (two strings a commit were a tenth of reading one), and each gets a number for readers
/// that keep one value per person. Not shared between threads.
public final class IdentityCache {
    private struct Entry {
        let key: [UInt8]
        let name: String
        let email: String
        let number: Int
    }
    /// Open addressing on the bytes' hash; the bytes are compared in full on a match.
    // One thread's: no exclusivity checks at run time (they were an eighth of a lookup).
    @exclusivity(unchecked) private var slots: [Int32]
    @exclusivity(unchecked) private var hashes: [UInt64]
    @exclusivity(unchecked) private var entries: [Entry] = []

    public init() {
        slots = [Int32](repeating: -1, count: 256)
        hashes = [UInt64](repeating: 0, count: 256)
    }

    /// The name, email and number of the identity `key`; `make` gives the name and email of
    /// one not met yet.
    func identity(_ key: UnsafeRawBufferPointer, make: () -> (String, String)) -> (name: String, email: String, number: Int) {
        // Swift's seeded hash: a pushed history cannot be made of identities that collide.
        var hasher = Hasher()
        hasher.combine(bytes: key)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        var i = Int(truncatingIfNeeded: hash ^ (hash >> 32)) & (slots.count - 1)
        while slots[i] >= 0 {
            if hashes[i] == hash {
                let entry = entries[Int(slots[i])]
                if entry.key.count == key.count,
                   entry.key.withUnsafeBytes({ stored in
                       guard let a = stored.baseAddress, let b = key.baseAddress else { return key.isEmpty }
                       return memcmp(a, b, key.count) == 0
                   }) {
                    return (entry.name, entry.email, entry.number)
                }
            }
            i = (i + 1) & (slots.count - 1)
        }
        let (name, email) = make()
        let number = entries.count
        entries.append(Entry(key: Array(key), name: name, email: email, number: number))
        slots[i] = Int32(number)
        hashes[i] = hash
        if 2 * entries.count > slots.count { grow() }
        return (name, email, number)
    }

    private func grow() {
        let old = (slots, hashes)
        slots = [Int32](repeating: -1, count: old.0.count * 2)
        hashes = [UInt64](repeating: 0, count: old.0.count * 2)
        for k in old.0.indices where old.0[k] >= 0 {
            var i = Int(truncatingIfNeeded: old.1[k] ^ (old.1[k] >> 32)) & (slots.count - 1)
            while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = old.0[k]
            hashes[i] = old.1[k]
        }
    }
}

extension Repository {

    /// A commit libgit2 refuses to parse (a date it cannot read), parsed the way git shows it;
    /// nil when the object is not such a commit.
    func lenientCommit(_ id: ObjectID) -> Commit? {
        guard let odb = try? ObjectDatabase(self) else { return nil }
        return try? odb.withObject(id) { (bytes, type) throws(GitError) -> Commit? in
            type == GIT_OBJECT_COMMIT ? Commit(raw: bytes, id: id, lenient: true) : nil
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether the bytes start with `prefix`: one `memcmp`, where the generic `starts(with:)`
    /// walked a `String.UTF8View` byte by byte (a fifth of the header parse).
    @inline(__always)
    func hasPrefix(_ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard count >= n, let base = baseAddress else { return false }
        return memcmp(base, prefix.utf8Start, n) == 0
    }

    /// The first index of `byte` at or after `from` (`memchr`).
    @inline(__always)
    func index(of byte: UInt8, from: Int) -> Int? {
        guard from < count, let base = baseAddress, let found = memchr(base + from, Int32(byte), count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The last index of `byte` (a backward scan on the raw bytes).
    @inline(__always)
    func lastIndex(of byte: UInt8) -> Int? {
        var i = count - 1
        while i >= 0 {
            if self[i] == byte { return i }
            i -= 1
        }
        return nil
    }
}
