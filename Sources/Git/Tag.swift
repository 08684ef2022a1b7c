import CLibGit2
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A tag reference: lightweight (points at a commit) or annotated (points at a tag object).
public struct Tag: Sendable, Hashable {
    /// The short name, e.g. `v1.2.0`.
    public let name: String
    /// What `refs/tags/<name>` points at: the tag object for annotated tags, else the commit.
    public let target: ObjectID
    /// The commit the tag finally names, nil when it names a tree or a blob.
    public let commit: ObjectID?
    /// The annotation of an annotated tag; nil for a lightweight one, and for an annotated tag
    /// whose commit came from packed-refs without reading the tag object (`annotation(of:)`).
    public let annotation: Annotation?
    public let isAnnotated: Bool

    init(name: String, target: ObjectID, commit: ObjectID?, annotation: Annotation?, isAnnotated: Bool? = nil) {
        self.name = name
        self.target = target
        self.commit = commit
        self.annotation = annotation
        self.isAnnotated = isAnnotated ?? (annotation != nil)
    }

    public struct Annotation: Sendable, Hashable {
        public let tagger: Signature?
        public let message: String
    }
}

extension Repository {
    /// Every tag in `refs/tags/`, peeled to its commit.
    public func tags() throws(GitError) -> [Tag] {
        var out: [Tag] = []
        let odb = try ObjectDatabase(self)
        let (refs, fullyPeeled) = try tagReferences()
        out.reserveCapacity(refs.count)
        for ref in refs {
            let name = ref.name, target = ref.target
            // packed-refs names the commit an annotated tag peels to: no object to read. The
            // annotation is read when asked for (`annotation(of:)`).
            if ref.packed {
                if let peeled = ref.peeled {
                    out.append(Tag(name: name, target: target, commit: peeled, annotation: nil, isAnnotated: true))
                    continue
                }
                if fullyPeeled, (try? odb.type(of: target)) == GIT_OBJECT_COMMIT {
                    out.append(Tag(name: name, target: target, commit: target, annotation: nil))
                    continue
                }
            }
            // A lightweight tag: the pack entry's header says it is a commit, nothing is
            // decompressed (the history walk reads that commit anyway). Any failure here
            // leaves the answer to the full read below, which reports it.
            if (try? odb.packedType(of: target)) == GIT_OBJECT_COMMIT {
                out.append(Tag(name: name, target: target, commit: target, annotation: nil))
                continue
            }
            // The usual tags (on a commit, or annotated on a commit) from the raw object,
            // without building libgit2 objects; anything else the long way.
            let fast: Tag?
            do {
                fast = try odb.withObject(target) { (bytes, type) throws(GitError) -> Tag? in
                    if type == GIT_OBJECT_COMMIT { return Tag(name: name, target: target, commit: target, annotation: nil) }
                    guard type == GIT_OBJECT_TAG, let raw = RawTag(bytes), raw.targetIsCommit else { return nil }
                    return Tag(name: name, target: target, commit: raw.target,
                               annotation: Tag.Annotation(tagger: raw.tagger, message: raw.message))
                }
            } catch {
                fast = nil
            }
            if let fast { out.append(fast) } else { out.append(try tag(named: name, target: target)) }
        }
        // Tags point all over the history: let go of the pages their reads touched.
        packReader?.releaseWindows()
        return out
    }

    /// The annotation of the tag object `target` (nil when it is not a tag object).
    public func annotation(of target: ObjectID) throws(GitError) -> Tag.Annotation? {
        let odb = try ObjectDatabase(self)
        return try odb.withObject(target) { (bytes, type) throws(GitError) -> Tag.Annotation? in
            guard type == GIT_OBJECT_TAG, let raw = RawTag(bytes) else { return nil }
            return Tag.Annotation(tagger: raw.tagger, message: raw.message)
        }
    }

    /// One tag by short name, nil when it does not exist.
    public func tag(named name: String) throws(GitError) -> Tag? {
        guard let target = try reference("refs/tags/" + name) else { return nil }
        return try tag(named: name, target: target)
    }

    private func tag(named name: String, target: ObjectID) throws(GitError) -> Tag {
        var oid = target.gitOID
        var object: OpaquePointer?
        let rc = git_object_lookup(&object, pointer, &oid, GIT_OBJECT_ANY)
        if rc == GIT_ENOTFOUND.rawValue {
            // A tag whose object is missing (a damaged or partial clone): keep it, unpeeled.
            return Tag(name: name, target: target, commit: nil, annotation: nil)
        }
        if rc < 0 {
            let error = GitError.last(rc, "read tag '\(name)'")
            // A tag object libgit2 cannot parse (hand-made: a second `object` line before its
            // tagger): names no commit, so it is not a release; one pushed tag must not stop
            // every command. Damage is still an error.
            if !error.isDamage { return Tag(name: name, target: target, commit: nil, annotation: nil) }
            throw error
        }
        defer { git_object_free(object) }
        var annotation: Tag.Annotation?
        if git_object_type(object) == GIT_OBJECT_TAG {
            let tagger = git_tag_tagger(object).map { Signature($0) }
            let message = git_tag_message(object).map { decodeLossy(cString: $0) } ?? ""
            annotation = Tag.Annotation(tagger: tagger, message: message)
        }
        var commit: ObjectID?
        if git_object_type(object) == GIT_OBJECT_COMMIT {
            commit = target
        } else if git_object_type(object) == GIT_OBJECT_TAG, git_tag_target_type(object) == GIT_OBJECT_COMMIT {
            // The usual annotated tag: its target id is the commit; no need to read the commit.
            commit = ObjectID(git_tag_target_id(object))
        } else {
            var peeled: OpaquePointer?
            if git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0 {
                commit = ObjectID(git_object_id(peeled))
                git_object_free(peeled)
            }
        }
        return Tag(name: name, target: target, commit: commit, annotation: annotation)
    }
}

/// An annotated tag object parsed from its raw bytes.
struct RawTag {
    var target: ObjectID
    var targetIsCommit: Bool
    var tagger: Signature?
    var message: String

    /// The header as git reads it (`parse_tag_buffer`): `object`, `type` and `tag` in that
    /// order (else nil), the tagger only when it is the fourth line, and any later header line
    /// ignored — so a second `object` line names nothing, as for git.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        var target: ObjectID?
        var isCommit = false
        var tagger: Signature?
        var field = 0  // the header lines read so far
        while i < n {
            let end = bytes.index(of: 10, from: i) ?? n
            if end == i { i += 1; break }
            let line = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            switch field {
            case 0:
                guard line.hasPrefix("object "), line.count == 47 else { return nil }
                target = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[7..<47]))
            case 1:
                guard line.hasPrefix("type ") else { return nil }
                isCommit = line.count == 11 && line.hasPrefix("type commit")
            case 2:
                guard line.hasPrefix("tag ") else { return nil }
            case 3:
                if line.hasPrefix("tagger ") { tagger = Signature(rawLine: UnsafeRawBufferPointer(rebasing: line[7...])) }
            default:
                break
            }
            field += 1
            i = end + 1
            if i >= n { break }
        }
        guard let target else { return nil }
        self.target = target
        targetIsCommit = isCommit
        self.tagger = tagger
        message = i < n ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i...]), as: UTF8.self) : ""
    }
}

extension Signature {
    /// `Name <email> 1700000000 +0100` as git writes it in object headers.
    init?(rawLine line: UnsafeRawBufferPointer) {
        // The usual line, on bytes; anything odd the lenient way below.
        if let strict = Signature(strictLine: line) {
            self = strict
            return
        }
        guard let open = line.firstIndex(of: UInt8(ascii: "<")), let close = line.lastIndex(of: UInt8(ascii: ">")), open < close else { return nil }
        var nameEnd = open
        while nameEnd > 0 && line[nameEnd - 1] == 32 { nameEnd -= 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<nameEnd]), as: UTF8.self)
        let email = String(decoding: UnsafeRawBufferPointer(rebasing: line[(open + 1)..<close]), as: UTF8.self)
        let rest = String(decoding: UnsafeRawBufferPointer(rebasing: line[(close + 1)...]), as: UTF8.self).split(separator: " ")
        let time = rest.first.flatMap { Int64($0) } ?? 0
        var offset: Int32 = 0
        if rest.count > 1, let zone = Int32(rest[1].dropFirst()), rest[1].count == 5 {
            offset = (zone / 100 * 60 + zone % 100) * (rest[1].hasPrefix("-") ? -1 : 1)
        }
        self.init(name: name, email: email, time: time, offsetMinutes: offset)
    }
}

/// The refs under one prefix in `packed-refs`, in the file's order (git writes it sorted):
/// `<id> <ref>` lines, each annotated tag followed by `^<commit>` when git recorded what it
/// peels to.
struct PackedRefs {
    var names: [String] = []
    var targets: [ObjectID] = []
    var peeled: [ObjectID?] = []
    /// Every tag object in the file has its `^` line (git's `fully-peeled` trait).
    var fullyPeeled = false
    /// The file says it is sorted by name (git's `sorted` trait).
    var sorted = false

    init(path: String, prefix: String) {
        guard let bytes = LocalFile.bytes(path) else { return }
        let prefixBytes = Array(prefix.utf8)
        bytes.withUnsafeBytes { raw in
            var i = 0
            var lastKept = false
            while i < raw.count {
                let end = raw.index(of: 10, from: i) ?? raw.count
                let line = UnsafeRawBufferPointer(rebasing: raw[i..<end])
                if line.first == UInt8(ascii: "#") {
                    let header = String(decoding: line, as: UTF8.self)
                    fullyPeeled = header.contains(" fully-peeled")
                    sorted = header.contains(" sorted")
                } else if line.first == UInt8(ascii: "^") {
                    if lastKept, line.count >= 41, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[1..<41])) {
                        peeled[peeled.count - 1] = id
                    }
                } else if line.count > 41 + prefixBytes.count,
                          UnsafeRawBufferPointer(rebasing: line[41..<(41 + prefixBytes.count)]).elementsEqual(prefixBytes),
                          let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[0..<40])) {
                    names.append(String(decoding: UnsafeRawBufferPointer(rebasing: line[(41 + prefixBytes.count)...]), as: UTF8.self))
                    targets.append(id)
                    peeled.append(nil)
                    lastKept = true
                } else {
                    lastKept = false
                }
                i = end + 1
            }
        }
    }
}

extension Repository {
    struct TagReference {
        var name: String
        var target: ObjectID
        var peeled: ObjectID?
        var packed: Bool
    }

    /// Every ref under refs/tags/ (short names), as git sees them: a loose ref file overrides
    /// its packed-refs line. Read from the files themselves (libgit2's iterator spent 6 µs a
    /// tag building reference objects); anything unusual among the loose refs (a symbolic
    /// ref, a name git would refuse, an unreadable file) leaves the listing to libgit2.
    func tagReferences() throws(GitError) -> (refs: [TagReference], fullyPeeled: Bool) {
        let packed = PackedRefs(path: commonDirectory + "packed-refs", prefix: "refs/tags/")
        var loose: [TagReference] = []
        guard LooseRefs.collect(folder: commonDirectory + "refs/tags", into: &loose) else {
            return (try libgit2TagReferences(), false)
        }
        var refs: [TagReference] = []
        if loose.isEmpty {
            refs.reserveCapacity(packed.names.count)
            for i in packed.names.indices {
                refs.append(TagReference(name: packed.names[i], target: packed.targets[i], peeled: packed.peeled[i], packed: true))
            }
            if packed.sorted { return (refs, packed.fullyPeeled) }
        } else {
            // Names compared as bytes, as git does (Swift's == would take two Unicode
            // normalisations of a name for one).
            let overridden = Set(loose.map { Array($0.name.utf8) })
            refs = loose
            for i in packed.names.indices where !overridden.contains(Array(packed.names[i].utf8)) {
                refs.append(TagReference(name: packed.names[i], target: packed.targets[i], peeled: packed.peeled[i], packed: true))
            }
        }
        // git's order, by the bytes of the name; indices are sorted, not the references, which
        // are large to move.
        let names = refs.map { Array($0.name.utf8) }
        let order = names.indices.sorted { names[$0].lexicographicallyPrecedes(names[$1]) }
        refs = order.map { refs[$0] }
        return (refs, packed.fullyPeeled)
    }

    private func libgit2TagReferences() throws(GitError) -> [TagReference] {
        try references(matching: "refs/tags/*").map {
            TagReference(name: String($0.name.dropFirst("refs/tags/".count)), target: $0.target, peeled: nil, packed: false)
        }
    }
}

/// Loose ref files under a folder of refs/.
enum LooseRefs {
    /// From this many loose refs on, the files are read on two threads: each costs three
    /// system calls (open, read, close), 10–15 µs on a virtual machine.
    static let parallelFrom = 256

    /// Adds every loose ref under `folder` (names relative to it); false when one is not a
    /// plain `<40 hex>` file with a name git accepts (the caller then asks libgit2).
    static func collect(folder: String, into out: inout [Repository.TagReference]) -> Bool {
        var files: [(path: String, name: String)] = []
        guard list(folder: folder, prefix: "", into: &files) else { return false }
        guard !files.isEmpty else { return true }
        // Opened relative to the folder: the kernel walks one name per file, not the whole
        // path from the root again (0.6 µs of the ~4 µs a file costs here, measured).
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if folderDescriptor >= 0 { close(folderDescriptor) } }
        let paths = folderDescriptor >= 0 ? files.map(\.name) : files.map(\.path)
        let base = folderDescriptor >= 0 ? folderDescriptor : AT_FDCWD
        let slots = ThreadSlots<ObjectID>(count: files.count)
        let threads = files.count >= parallelFrom ? 2 : 1
        let size = (files.count + threads - 1) / threads
        let read: @Sendable (Int) -> Void = { worker in
            for i in (worker * size)..<min(paths.count, (worker + 1) * size) { slots.set(i, target(path: paths[i], in: base)) }
        }
        if threads == 1 { read(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: read) }
        let ids = slots.values()
        out.reserveCapacity(out.count + files.count)
        for i in files.indices {
            guard let id = ids[i] else { return false }
            out.append(Repository.TagReference(name: files[i].name, target: id, peeled: nil, packed: false))
        }
        return true
    }

    /// The ref files under `folder`, with names git accepts; false on anything unusual.
    private static func list(folder: String, prefix: String, into files: inout [(path: String, name: String)]) -> Bool {
        guard let dir = opendir(folder) else { return errno == ENOENT || errno == ENOTDIR }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = folder + "/" + name
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var info = stat()
                guard lstat(path, &info) == 0 else { return false }
                isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isDirectory {
                guard list(folder: path, prefix: prefix + name + "/", into: &files) else { return false }
                continue
            }
            // A lock file is a ref being written, not a ref (libgit2 and git skip them).
            if name.hasSuffix(".lock") { continue }
            let short = prefix + name
            guard Repository.isValidReferenceName("refs/tags/" + short) else { return false }
            files.append((path, short))
        }
        return true
    }

    /// The id a loose ref file holds: 40 hex digits, then its end or a newline; nil otherwise
    /// (a symbolic ref, a directory, an unreadable file). Reads only the first 41 bytes, in
    /// one call for a usual ref file.
    static func target(path: String, in folder: Int32 = AT_FDCWD) -> ObjectID? {
        let fd = openat(folder, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> ObjectID? in
            guard let base = buffer.baseAddress else { return nil }
            var filled = 0
            while filled < 41 {
                let n = read(fd, base + filled, 64 - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if n == 0 { break }
                filled += n
            }
            guard filled >= 40, filled == 40 || buffer[40] == UInt8(ascii: "\n") else { return nil }
            return ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<40]))
        }
    }
}

extension Repository {
    /// The tagger time of each tag object in `targets` (nil where there is none), read on
    /// every core with a handle per thread: a changelog needs the dates of thousands of tags.
    public static func taggerTimes(gitDirectory: String, of targets: [ObjectID]) throws(GitError) -> [Int64?] {
        guard !targets.isEmpty else { return [] }
        let threads = min(Repository.historyThreads, max(1, targets.count / 64))
        let slots = ThreadSlots<Int64>(count: targets.count)
        let size = (targets.count + threads - 1) / threads
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let start = worker * size, end = min(targets.count, start + size)
            guard start < end else { return }
            do throws(GitError) {
                let odb = try ObjectDatabase(try Repository.open(at: gitDirectory))
                for i in start..<end {
                    let time = try odb.withObject(targets[i]) { (bytes, type) throws(GitError) -> Int64? in
                        guard type == GIT_OBJECT_TAG else { return nil }
                        return RawTag(bytes)?.tagger?.time
                    }
                    slots.set(i, time)
                }
            } catch {
                slots.fail(error)
            }
        }
        if let error = slots.failure { throw error }
        return slots.values()
    }
}

/// Slots written at disjoint indices by several threads (a buffer at a fixed address, no
/// copy-on-write), then read once by one; the first error a thread met.
private final class ThreadSlots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>
    private let error = Mutex<GitError?>(nil)
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ i: Int, _ value: T?) { buffer[i] = value }
    func fail(_ error: GitError) { self.error.withLock { if $0 == nil { $0 = error } } }
    var failure: GitError? { error.withLock { $0 } }
    func values() -> [T?] { Array(buffer) }
}

extension Repository {
    /// What a tag finally names, for explaining why it is not a release.
    public enum TagTarget: Sendable, Equatable {
        case commit(ObjectID)
        /// A tree or blob (`git tag v1 HEAD^{tree}`): named by its type.
        case other(String)
        /// The object the tag (or its tag object) points at is not in this repository.
        case missing(ObjectID)
    }

    /// Peels `refs/tags/<name>` step by step; nil when there is no such tag.
    public func tagTarget(named name: String) throws(GitError) -> TagTarget? {
        guard var id = try reference("refs/tags/" + name) else { return nil }
        let odb = try ObjectDatabase(self)
        for _ in 0..<16 {
            var type = GIT_OBJECT_INVALID
            do { type = try odb.type(of: id) } catch { return .missing(id) }
            switch type {
            case GIT_OBJECT_COMMIT: return .commit(id)
            case GIT_OBJECT_TAG:
                let next = try odb.withObject(id) { (bytes, _) throws(GitError) -> ObjectID? in RawTag(bytes)?.target }
                guard let next else { return .other("damaged tag object") }
                id = next
            case GIT_OBJECT_TREE: return .other("tree")
            case GIT_OBJECT_BLOB: return .other("blob")
            default: return .other("object of unknown type")
            }
        }
        return .other("chain of tags")
    }
}
