import CLibGit2

/// Raw object reads straight from the object database, for hot loops that need only a few
/// header fields: no libgit2 object is built, no message is copied.
final class ObjectDatabase {
    /// relflow's own reader of the packs, tried first; what it does not read, libgit2 does.
    private let packs: PackReader?
    /// libgit2's side: the repository and its object database, opened when first needed.
    private var opened: (repository: Repository, odb: OpaquePointer)?
    /// Where to open them from, for a database made without a repository.
    private let gitDirectory: String?

    init(_ repository: Repository, packs: PackReader? = nil) throws(GitError) {
        self.packs = packs ?? repository.packReader
        gitDirectory = nil
        opened = (repository, try Self.database(of: repository))
    }

    /// A database that reads through `packs` (when relflow can read them) and opens the
    /// repository at `gitDirectory` only when an object is not there (a loose one, say): the
    /// history's reader threads each make one, and a handle costs a read of every git config
    /// file and a scan of the packs.
    init(gitDirectory: String, packs: PackReader?) {
        self.packs = packs
        self.gitDirectory = gitDirectory
    }

    deinit { if let opened { git_odb_free(opened.odb) } }

    private static func database(of repository: Repository) throws(GitError) -> OpaquePointer {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository.pointer), "open the object database")
        guard let odb else { throw GitError(code: -1, message: "no object database", operation: "open the object database") }
        return odb
    }

    /// The repository libgit2 reads through, opened now if it was not.
    func repository() throws(GitError) -> Repository {
        try libgit2().repository
    }

    /// libgit2's object database, opened now if it was not.
    var pointer: OpaquePointer {
        get throws(GitError) { try libgit2().odb }
    }

    private func libgit2() throws(GitError) -> (repository: Repository, odb: OpaquePointer) {
        if let opened { return opened }
        guard let gitDirectory else { throw GitError(code: -1, message: "no repository", operation: "open the object database") }
        let repository = try Repository.open(at: gitDirectory)
        let handle = (repository, try Self.database(of: repository))
        opened = handle
        return handle
    }

    /// One commit for the history reader: parsed from the raw object when it has the usual
    /// shape, else read by libgit2.
    func commit(_ id: ObjectID, committerIdentity: Bool = true, identities: IdentityCache? = nil) throws(GitError) -> Commit {
        let parsed = try withObject(id) { (bytes, type) throws(GitError) -> Commit? in
            guard type == GIT_OBJECT_COMMIT else { return nil }
            return Commit(raw: bytes, id: id, committerIdentity: committerIdentity, identities: identities)
        }
        if let parsed { return parsed }
        return try repository().libgit2Commit(id)
    }

    private static func gitType(_ number: Int) -> git_object_t {
        switch number {
        case 1: return GIT_OBJECT_COMMIT
        case 2: return GIT_OBJECT_TREE
        case 3: return GIT_OBJECT_BLOB
        case 4: return GIT_OBJECT_TAG
        default: return GIT_OBJECT_INVALID
        }
    }

    /// The object's type from the headers of its delta chain in the packs relflow reads, with
    /// nothing decompressed; nil when the object is not read from there.
    func packedType(of id: ObjectID) throws(GitError) -> git_object_t? {
        guard let packs, let number = try packs.type(of: id) else { return nil }
        return Self.gitType(number)
    }

    /// The object's type, from its header (no full read where the pack allows it).
    func type(of id: ObjectID) throws(GitError) -> git_object_t {
        if let type = try packedType(of: id) { return type }
        var oid = id.gitOID
        var size = 0
        var type = GIT_OBJECT_INVALID
        try check(git_odb_read_header(&size, &type, try pointer, &oid), "read object \(id.short())")
        return type
    }

    /// Calls `body` with the object's bytes and type; the bytes live only during the call.
    func withObject<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer, git_object_t) throws(GitError) -> T) throws(GitError) -> T {
        if let packs, let result = try packs.withObject(id, { (number, bytes) throws(GitError) in try body(bytes, Self.gitType(number)) }) {
            return result
        }
        var oid = id.gitOID
        var object: OpaquePointer?
        try check(git_odb_read(&object, try pointer, &oid), "read object \(id.short())")
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        let data = UnsafeRawBufferPointer(start: git_odb_object_data(object), count: size)
        return try body(data, git_odb_object_type(object))
    }
}

/// The header fields of a raw commit that walks need: parents and committer time.
struct CommitHeader {
    var parents: [ObjectID] = []
    var committerTime: Int64 = 0

    init(parents: [ObjectID], committerTime: Int64) {
        self.parents = parents
        self.committerTime = committerTime
    }

    /// Parses the parents and the committer line; nil when the bytes are not a well-formed
    /// commit header. The parents are git's: the `parent` lines right after `tree`, and no
    /// other (a `parent` line further down is ignored by git and libgit2, so here too: a
    /// history must be the one git walks).
    init?(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        var sawCommitter = false
        var line0 = true
        var parentsOver = false
        while i < n {
            var end = i
            while end < n && bytes[end] != 10 { end += 1 }
            if end == i { break }  // the blank line before the message
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            if line0 {
                guard line.starts(with: "tree ".utf8), line.count == 45 else { return nil }
                line0 = false
            } else if !parentsOver, line.starts(with: "parent ".utf8) {
                guard line.count == 47, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[7..<47])) else { return nil }
                parents.append(id)
            } else if line.starts(with: "committer ".utf8) {
                // `committer Name <email> 1700000000 +0000`: the time follows the last '>'.
                guard let close = line.lastIndex(of: UInt8(ascii: ">")) else { return nil }
                var j = close + 1
                while j < line.count && line[j] == 32 { j += 1 }
                var value: Int64 = 0
                var digits = 0
                var negative = false
                if j < line.count && line[j] == UInt8(ascii: "-") { negative = true; j += 1 }
                while j < line.count, line[j] >= 48, line[j] <= 57, digits < 18 {
                    value = value * 10 + Int64(line[j] - 48)
                    j += 1
                    digits += 1
                }
                committerTime = negative ? -value : value
                sawCommitter = true
                break
            } else {
                parentsOver = true
            }
            i = end + 1
        }
        if !sawCommitter { return nil }
    }
}

extension ObjectID {
    /// Parses 40 hexadecimal digits from raw bytes.
    init?(hexBytes: UnsafeRawBufferPointer) {
        guard hexBytes.count == 40 else { return nil }
        // 0xFF marks a byte that is not a hex digit; any such byte makes the OR below 0xFF.
        func nibbles(_ from: Int, _ count: Int) -> UInt64? {
            var value: UInt64 = 0
            var bad: UInt8 = 0
            for k in from..<(from + count) {
                let v = hexValue[Int(hexBytes[k])]
                bad |= v
                value = value << 4 | UInt64(v & 0x0F)
            }
            return bad & 0xF0 == 0 ? value : nil
        }
        guard let a = nibbles(0, 16), let b = nibbles(16, 16), let c = nibbles(32, 8) else { return nil }
        self.init(a: a, b: b, c: UInt32(truncatingIfNeeded: c))
    }
}

/// Hex digit values by byte, 0xFF for any other byte.
private let hexValue: [UInt8] = (0..<256).map { (b: Int) -> UInt8 in
    switch b {
    case 48...57: return UInt8(b - 48)
    case 97...102: return UInt8(b - 87)
    case 65...70: return UInt8(b - 55)
    default: return 0xFF
    }
}

extension Repository {
    /// Throws libgit2's error (naming the object) when `id` cannot be read: for checks that
    /// would otherwise read a missing tree as "everything changed".
    public func requireObject(_ id: ObjectID, _ what: String) throws(GitError) {
        let odb = try ObjectDatabase(self)
        var oid = id.gitOID
        var object: OpaquePointer?
        try check(git_odb_read(&object, try odb.pointer, &oid), "read \(what) \(id.short())")
        git_odb_object_free(object)
    }
}
