import CLibGit2

/// Raw object reads straight from the object database, for hot loops that need only a few
/// header fields: no libgit2 object is built, no message is copied.
final class ObjectDatabase {
    let pointer: OpaquePointer

    init(_ repository: Repository) throws(GitError) {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository.pointer), "open the object database")
        guard let odb else { throw GitError(code: -1, message: "no object database", operation: "open the object database") }
        pointer = odb
    }

    deinit { git_odb_free(pointer) }

    /// The object's type, from its header (no full read where the pack allows it).
    func type(of id: ObjectID) throws(GitError) -> git_object_t {
        var oid = id.gitOID
        var size = 0
        var type = GIT_OBJECT_INVALID
        try check(git_odb_read_header(&size, &type, pointer, &oid), "read object \(id.short())")
        return type
    }

    /// Calls `body` with the object's bytes and type; the bytes live only during the call.
    func withObject<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer, git_object_t) throws(GitError) -> T) throws(GitError) -> T {
        var oid = id.gitOID
        var object: OpaquePointer?
        try check(git_odb_read(&object, pointer, &oid), "read object \(id.short())")
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

    /// Parses `tree …`, `parent …` lines and the committer line; nil when the bytes are not a
    /// well-formed commit header.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        var sawCommitter = false
        while i < n {
            var end = i
            while end < n && bytes[end] != 10 { end += 1 }
            if end == i { break }  // the blank line before the message
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            if line.starts(with: "parent ".utf8) {
                guard line.count >= 47, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[7..<47])) else { return nil }
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
        var words: (UInt64, UInt64, UInt32) = (0, 0, 0)
        for k in 0..<40 {
            let ch = hexBytes[k]
            let v: UInt8
            switch ch {
            case 48...57: v = ch - 48
            case 97...102: v = ch - 87
            case 65...70: v = ch - 55
            default: return nil
            }
            if k < 16 { words.0 = words.0 << 4 | UInt64(v) } else if k < 32 { words.1 = words.1 << 4 | UInt64(v) } else { words.2 = words.2 << 4 | UInt32(v) }
        }
        self.init(a: words.0, b: words.1, c: words.2)
    }
}
