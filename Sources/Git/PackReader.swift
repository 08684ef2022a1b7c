import CLibDeflate
import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The repository's pack files, opened once and shared by the history reader's threads.
///
/// The history reader spends most of its time getting commits out of packs. Through libgit2
/// every read takes one process-wide lock (its pack windows) and inflates with zlib; read
/// here, each thread maps its own windows of the pack and decompresses with libdeflate,
/// about twice as fast as zlib. Only what the format makes plain is read here (index v2,
/// pack v2/v3, whole objects and delta chains inside one pack); anything else — a loose
/// object, an alternate, a base in another pack, a damaged object — is "not found", and the
/// caller asks libgit2, which reads it or names what is wrong.
///
/// Like `git log`, and like libgit2 as relflow sets it up, reads do not re-hash objects
/// (git checks every object when a push or fetch brings it in); zlib's own checksum of
/// each object is checked.
final class PackSet: @unchecked Sendable {
    /// One pack: its index mapped whole (ids and offsets are looked up at random), the pack
    /// file kept open and mapped in windows by each reader.
    struct Pack {
        let indexBase: UnsafeRawPointer
        let indexLength: Int
        let objectCount: Int
        let descriptor: Int32
        /// The pack's size less its trailing checksum: no object reaches past it.
        let dataEnd: Int

        private var fanout: UnsafeRawPointer { indexBase + 8 }
        private var ids: UnsafeRawPointer { indexBase + 8 + 1024 }
        private var offsets: UnsafeRawPointer { indexBase + 8 + 1024 + 24 * objectCount }
        private var largeOffsets: UnsafeRawPointer { indexBase + 8 + 1024 + 28 * objectCount }
        private var largeOffsetCount: Int { (indexLength - 40 - (8 + 1024 + 28 * objectCount)) / 8 }

        private func word(_ base: UnsafeRawPointer, _ index: Int) -> UInt32 {
            UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
        }

        private func key(_ index: Int) -> (UInt64, UInt64, UInt32) {
            let entry = ids + 20 * index
            return (UInt64(bigEndian: entry.loadUnaligned(as: UInt64.self)),
                    UInt64(bigEndian: entry.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    UInt32(bigEndian: entry.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        }

        /// The offset of `id` in the pack, or nil when this pack does not hold it.
        ///
        /// Ids are uniformly spread, so a guess from the id's value lands near its place:
        /// two or three probes instead of a binary search's twenty cache misses on a large
        /// index. The guesses only narrow the range; a binary search finishes it.
        func offset(of id: ObjectID) -> Int? {
            let first = Int(id.a >> 56)
            var low = first == 0 ? 0 : Int(word(fanout, first - 1))
            var high = Int(word(fanout, first))
            guard low <= high, high <= objectCount else { return nil }
            let wanted = (id.a, id.b, id.c)
            // What the ids at the range's ends are known (or bound) to be: no extra reads.
            var lowest = UInt64(first) << 56, highest = lowest | 0x00FF_FFFF_FFFF_FFFF
            var guesses = 0
            while low < high {
                var mid = (low + high) >> 1
                if guesses < 4 && high - low > 16 && lowest <= id.a && id.a <= highest && lowest < highest {
                    guesses += 1
                    let fraction = Double(id.a - lowest) / Double(highest - lowest)
                    mid = max(low, min(high - 1, low + Int(fraction * Double(high - low))))
                }
                let found = key(mid)
                if found == wanted { return offset(at: mid) }
                if found < wanted {
                    low = mid + 1
                    lowest = found.0
                } else {
                    high = mid
                    highest = found.0
                }
            }
            return nil
        }

        private func offset(at index: Int) -> Int? {
            let small = word(offsets, index)
            if small & 0x8000_0000 == 0 { return Int(small) }
            let slot = Int(small & 0x7FFF_FFFF)
            guard slot < largeOffsetCount else { return nil }
            let large = UInt64(bigEndian: largeOffsets.loadUnaligned(fromByteOffset: 8 * slot, as: UInt64.self))
            return large < UInt64(Int.max) ? Int(large) : nil
        }
    }

    let packs: [Pack]

    /// How many objects the packs hold (an object in two packs counts twice).
    var objectCount: Int { packs.reduce(0) { $0 + $1.objectCount } }

    /// Opens every `*.idx` with its `*.pack` in `objectsDirectory/pack`; a pack that cannot be
    /// read here is left to libgit2.
    init(objectsDirectory: String) {
        var packs: [Pack] = []
        let folder = objectsDirectory + "/pack"
        if let dir = opendir(folder) {
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasSuffix(".idx") { names.append(String(name.dropLast(4))) }
            }
            for name in names.sorted() {
                if let pack = Self.open(index: folder + "/" + name + ".idx", pack: folder + "/" + name + ".pack") {
                    packs.append(pack)
                }
            }
        }
        self.packs = packs
    }

    deinit {
        for pack in packs {
            munmap(UnsafeMutableRawPointer(mutating: pack.indexBase), pack.indexLength)
            close(pack.descriptor)
        }
    }

    /// Drops the index pages this process holds (the kernel keeps them cached): a long read
    /// touches nearly every page of a large index, and the kernel maps the pages around
    /// each one it faults in, so a few hundred lookups can make a whole index resident.
    func releaseResidentPages() {
        for pack in packs {
            madvise(UnsafeMutableRawPointer(mutating: pack.indexBase), pack.indexLength, MADV_DONTNEED)
        }
    }

    private static func open(index indexPath: String, pack packPath: String) -> Pack? {
        let indexFD = Glibc.open(indexPath, O_RDONLY | O_CLOEXEC)
        guard indexFD >= 0 else { return nil }
        defer { close(indexFD) }
        var status = stat()
        guard fstat(indexFD, &status) == 0 else { return nil }
        let indexLength = Int(status.st_size)
        // Header, fan-out, and the two checksums at least.
        guard indexLength >= 8 + 1024 + 40,
              let mapped = mmap(nil, indexLength, PROT_READ, MAP_PRIVATE, indexFD, 0), mapped != MAP_FAILED else { return nil }
        let base = UnsafeRawPointer(mapped)
        func release() -> Pack? { munmap(mapped, indexLength); return nil }
        // Version 2: "\377tOc", 2.
        guard base.loadUnaligned(as: UInt32.self) == UInt32(bigEndian: 0xFF74_4F63),
              UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == 2 else { return release() }
        let count = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 8 + 4 * 255, as: UInt32.self)))
        // The checks git makes before it trusts an index: the size leaves room for at most
        // one large offset per object but one, and the fan-out never decreases.
        let largeOffsets = (indexLength - 8 - 1024 - 28 * count - 40) / 8
        guard indexLength >= 8 + 1024 + 28 * count + 40, (indexLength - 8 - 1024 - 28 * count - 40) % 8 == 0,
              largeOffsets <= max(0, count - 1) else { return release() }
        var previous: UInt32 = 0
        for k in 0..<256 {
            let entry = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 8 + 4 * k, as: UInt32.self))
            guard entry >= previous else { return release() }
            previous = entry
        }

        let packFD = Glibc.open(packPath, O_RDONLY | O_CLOEXEC)
        guard packFD >= 0 else { return release() }
        var packStatus = stat()
        var header = [UInt8](repeating: 0, count: 12)
        var trailer = [UInt8](repeating: 0, count: 20)
        let packLength = fstat(packFD, &packStatus) == 0 ? Int(packStatus.st_size) : 0
        // "PACK", version 2 or 3, the object count; and the pack's checksum must be the one
        // its index was made for (a pack rewritten under the same name is not trusted).
        guard packLength >= 32,
              pread(packFD, &header, 12, 0) == 12,
              pread(packFD, &trailer, 20, off_t(packLength - 20)) == 20,
              header[0..<4].elementsEqual("PACK".utf8), header[4...6].allSatisfy({ $0 == 0 }), header[7] == 2 || header[7] == 3,
              header[8...11].reduce(0, { $0 << 8 | Int($1) }) == count,
              (0..<20).allSatisfy({ trailer[$0] == base.load(fromByteOffset: indexLength - 40 + $0, as: UInt8.self) })
        else {
            close(packFD)
            return release()
        }
        return Pack(indexBase: base, indexLength: indexLength, objectCount: count, descriptor: packFD, dataEnd: packLength - 20)
    }
}

/// One thread's reader of a `PackSet`: its own windows on the packs, its own decompressor,
/// its own cache of delta bases. Not thread-safe; one per thread.
final class PackReader {
    let set: PackSet
    private let decompressor: OpaquePointer
    // One thread's: no exclusivity checks at run time on the state every read touches (they
    // were 2% of reading a commit, as in `IdentityCache`).
    @exclusivity(unchecked) private var windows: [Window] = []
    @exclusivity(unchecked) private var clock = 0
    @exclusivity(unchecked) private var lastPack = 0
    /// Recently rebuilt delta bases by pack and offset (delta chains share their bases).
    private var bases: [Int: (type: Int, bytes: [UInt8])] = [:]
    private var baseBytes = 0
    /// The output buffer, reused from object to object.
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int

    /// Window size: small enough that four threads' windows stay far below the memory budget,
    /// large enough that a history read maps each part of a pack only a few times.
    static let windowSize = 2 << 20
    static let windowsPerReader = 2
    /// A handle's own reader answers questions all over the history (tags, ancestry walks):
    /// more and larger windows, so that it does not map and unmap one for every object.
    static let randomAccessWindowSize = 4 << 20
    static let randomAccessWindows = 8
    static let maximumDeltaDepth = 4096
    static let baseCacheBytes = 8 << 20

    private struct Window {
        let pack: Int
        let start: Int
        let length: Int
        let base: UnsafeRawPointer
        var used: Int
    }

    private let windowSize: Int
    private let windowCount: Int

    /// `windowSize`: a multiple of twice the page size (tests use small ones to cross windows).
    init?(_ set: PackSet, windowSize: Int = PackReader.windowSize, windows: Int = PackReader.windowsPerReader) {
        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        self.set = set
        self.windowSize = windowSize
        windowCount = max(1, windows)
        self.decompressor = decompressor
        capacity = 64 << 10
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        libdeflate_free_decompressor(decompressor)
        for window in windows { munmap(UnsafeMutableRawPointer(mutating: window.base), window.length) }
        buffer.deallocate()
    }

    /// Unmaps every window (the next read maps what it needs): after a burst of reads all
    /// over a pack, so that the pages they touched do not stay resident.
    func releaseWindows() {
        for window in windows { munmap(UnsafeMutableRawPointer(mutating: window.base), window.length) }
        windows.removeAll()
    }

    /// Calls `body` with the object's type (git's numbers: 1 commit, 2 tree, 3 blob, 4 tag) and
    /// bytes, which live only during the call; nil when the object is not read here.
    func withObject<T>(_ id: ObjectID, _ body: (Int, UnsafeRawBufferPointer) throws(GitError) -> T) throws(GitError) -> T? {
        let packs = set.packs
        // The pack that held the last object first: a history is mostly in one pack.
        for k in 0..<packs.count {
            let index = k == 0 ? lastPack : (k <= lastPack ? k - 1 : k)
            guard let offset = packs[index].offset(of: id) else { continue }
            lastPack = index
            guard let (type, size) = read(pack: index, at: offset, depth: 0) else {
                try refuseDeltaCycle(pack: index, at: offset, id: id)
                return nil
            }
            return try body(type, UnsafeRawBufferPointer(start: buffer, count: size))
        }
        return nil
    }

    /// The object's type (1–4) from the headers of its delta chain, without decompressing it;
    /// nil when it is not read here.
    func type(of id: ObjectID) throws(GitError) -> Int? {
        let packs = set.packs
        for k in 0..<packs.count {
            let index = k == 0 ? lastPack : (k <= lastPack ? k - 1 : k)
            guard var offset = packs[index].offset(of: id) else { continue }
            lastPack = index
            let start = offset
            for _ in 0..<Self.maximumDeltaDepth {
                guard let header = objectHeader(pack: index, at: offset) else { return nil }
                switch header.type {
                case 1, 2, 3, 4: return header.type
                case 6, 7:
                    guard let base = header.baseOffset else { return nil }
                    offset = base
                default: return nil
                }
            }
            try refuseDeltaCycle(pack: index, at: start, id: id)
            return nil
        }
        return nil
    }

    /// A delta chain that comes back to an object it passed is damage that libgit2 (1.5) and
    /// git would follow forever: reported here instead (exit 3, `git fsck`), never handed on.
    private func refuseDeltaCycle(pack: Int, at start: Int, id: ObjectID) throws(GitError) {
        var seen = Set<Int>()
        var offset = start
        while let header = objectHeader(pack: pack, at: offset), let base = header.baseOffset, seen.count <= Self.maximumDeltaDepth {
            guard seen.insert(offset).inserted else {
                throw GitError(code: -1, message: "the delta chain of object \(id.hex) comes back to itself (a damaged pack)",
                               operation: "read object \(id.short())")
            }
            offset = base
        }
    }

    /// Decompresses the object at `offset` into `buffer`; its type and size.
    private func read(pack: Int, at offset: Int, depth: Int) -> (Int, Int)? {
        guard depth < Self.maximumDeltaDepth, let header = objectHeader(pack: pack, at: offset) else { return nil }
        switch header.type {
        case 1, 2, 3, 4:
            guard inflate(pack: pack, at: header.dataStart, size: header.size) else { return nil }
            return (header.type, header.size)
        case 6, 7:
            guard let baseOffset = header.baseOffset, let base = deltaBase(pack: pack, at: baseOffset, depth: depth) else { return nil }
            guard inflate(pack: pack, at: header.dataStart, size: header.size) else { return nil }
            let delta = [UInt8](UnsafeRawBufferPointer(start: buffer, count: header.size))
            guard let size = apply(delta, to: base.bytes) else { return nil }
            return (base.type, size)
        default:
            return nil
        }
    }

    /// A delta's base, rebuilt (or taken from the cache) and copied out of `buffer`.
    private func deltaBase(pack: Int, at offset: Int, depth: Int) -> (type: Int, bytes: [UInt8])? {
        let key = pack << 48 | offset
        if let cached = bases[key] { return cached }
        guard let (type, size) = read(pack: pack, at: offset, depth: depth + 1) else { return nil }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: size))
        if baseBytes + size > Self.baseCacheBytes {
            bases.removeAll(keepingCapacity: true)
            baseBytes = 0
        }
        if size <= Self.baseCacheBytes / 4 {
            bases[key] = (type, bytes)
            baseBytes += size
        }
        return (type, bytes)
    }

    private struct ObjectHeader {
        var type: Int
        var size: Int
        var dataStart: Int
        var baseOffset: Int?
    }

    /// The type-and-size header, and for a delta where its base is.
    private func objectHeader(pack: Int, at offset: Int) -> ObjectHeader? {
        let end = set.packs[pack].dataEnd
        guard offset >= 12, offset < end, let bytes = window(pack: pack, at: offset, minimum: min(64, end - offset)) else { return nil }
        var i = 0
        var byte = Int(bytes[i]); i += 1
        let type = (byte >> 4) & 7
        var size = byte & 15
        var shift = 4
        while byte & 0x80 != 0 {
            guard i < bytes.count, shift <= 56 else { return nil }
            byte = Int(bytes[i]); i += 1
            size |= (byte & 0x7F) << shift
            shift += 7
        }
        var header = ObjectHeader(type: type, size: size, dataStart: offset + i, baseOffset: nil)
        if type == 6 {
            guard i < bytes.count else { return nil }
            byte = Int(bytes[i]); i += 1
            var distance = byte & 0x7F
            while byte & 0x80 != 0 {
                guard i < bytes.count, distance < (1 << 48) else { return nil }
                byte = Int(bytes[i]); i += 1
                distance = ((distance + 1) << 7) | (byte & 0x7F)
            }
            guard distance > 0, distance < offset else { return nil }
            header.baseOffset = offset - distance
            header.dataStart = offset + i
        } else if type == 7 {
            guard i + 20 <= bytes.count,
                  let base = ObjectID(rawBytes: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 20)])),
                  let baseOffset = set.packs[pack].offset(of: base) else { return nil }
            header.baseOffset = baseOffset
            header.dataStart = offset + i + 20
        }
        return header
    }

    /// Decompresses `size` bytes of zlib data that start at `start` into `buffer`.
    private func inflate(pack: Int, at start: Int, size: Int) -> Bool {
        let end = set.packs[pack].dataEnd
        guard start < end, size < Int(Int32.max) else { return false }
        reserve(size)
        // The window holds what follows `start` up to its end; a larger object than that (rare)
        // gets a mapping of its own up to the pack's end.
        guard let input = window(pack: pack, at: start, minimum: 1) else { return false }
        if decompress(input, size) { return true }
        guard start + input.count < end else { return false }
        guard let whole = map(pack: pack, start: start, length: end - start) else { return false }
        defer { munmap(UnsafeMutableRawPointer(mutating: whole.base), whole.length) }
        let rest = UnsafeRawBufferPointer(start: whole.base + (start - whole.start), count: end - start)
        return decompress(rest, size)
    }

    private func decompress(_ input: UnsafeRawBufferPointer, _ size: Int) -> Bool {
        guard let source = input.baseAddress else { return false }
        var produced = 0
        var consumed = 0
        let result = libdeflate_zlib_decompress_ex(decompressor, source, input.count, buffer, size, &consumed, &produced)
        return result == LIBDEFLATE_SUCCESS && produced == size
    }

    private func reserve(_ size: Int) {
        guard size > capacity else { return }
        buffer.deallocate()
        capacity = max(size, capacity * 2)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// The bytes from `offset` to the end of a window that holds at least `minimum` of them.
    private func window(pack: Int, at offset: Int, minimum: Int) -> UnsafeRawBufferPointer? {
        clock += 1
        for k in windows.indices {
            let w = windows[k]
            if w.pack == pack, w.start <= offset, offset + minimum <= w.start + w.length {
                windows[k].used = clock
                return UnsafeRawBufferPointer(start: w.base + (offset - w.start), count: w.start + w.length - offset)
            }
        }
        let size = windowSize
        // Windows start on half-window boundaries, so an object that starts in a window has
        // at least half a window after it.
        let start = offset / (size / 2) * (size / 2)
        let length = min(size, set.packs[pack].dataEnd + 20 - start)
        guard offset + minimum <= start + length, var mapped = map(pack: pack, start: start, length: length) else { return nil }
        mapped.used = clock
        if windows.count >= windowCount, let oldest = windows.indices.min(by: { windows[$0].used < windows[$1].used }) {
            munmap(UnsafeMutableRawPointer(mutating: windows[oldest].base), windows[oldest].length)
            windows[oldest] = mapped
        } else {
            windows.append(mapped)
        }
        return UnsafeRawBufferPointer(start: mapped.base + (offset - mapped.start), count: mapped.start + mapped.length - offset)
    }

    private func map(pack: Int, start: Int, length: Int) -> Window? {
        // mmap wants a page-aligned file offset.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = start / page * page
        let total = length + (start - aligned)
        guard let mapped = mmap(nil, total, PROT_READ, MAP_PRIVATE, set.packs[pack].descriptor, off_t(aligned)),
              mapped != MAP_FAILED else { return nil }
        return Window(pack: pack, start: aligned, length: total, base: UnsafeRawPointer(mapped), used: 0)
    }

    /// Applies a git delta to `base`, writing the result to `buffer`; its size.
    private func apply(_ delta: [UInt8], to base: [UInt8]) -> Int? {
        var i = 0
        func varint() -> Int? {
            var value = 0, shift = 0
            while i < delta.count {
                let byte = Int(delta[i]); i += 1
                value |= (byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                if shift > 56 { return nil }
            }
            return nil
        }
        guard let sourceSize = varint(), sourceSize == base.count, let resultSize = varint(), resultSize < Int(Int32.max) else { return nil }
        reserve(resultSize)
        let out = buffer.assumingMemoryBound(to: UInt8.self)
        var written = 0
        while i < delta.count {
            let op = Int(delta[i]); i += 1
            if op & 0x80 != 0 {
                var copyOffset = 0, copySize = 0
                for bit in 0..<4 where op & (1 << bit) != 0 {
                    guard i < delta.count else { return nil }
                    copyOffset |= Int(delta[i]) << (8 * bit); i += 1
                }
                for bit in 0..<3 where op & (0x10 << bit) != 0 {
                    guard i < delta.count else { return nil }
                    copySize |= Int(delta[i]) << (8 * bit); i += 1
                }
                if copySize == 0 { copySize = 0x10000 }
                guard copyOffset + copySize <= base.count, written + copySize <= resultSize else { return nil }
                base.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(start: out + written, count: copySize)
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[copyOffset..<(copyOffset + copySize)]))
                }
                written += copySize
            } else if op != 0 {
                guard i + op <= delta.count, written + op <= resultSize else { return nil }
                delta.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(start: out + written, count: op)
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[i..<(i + op)]))
                }
                i += op
                written += op
            } else {
                return nil
            }
        }
        return written == resultSize ? resultSize : nil
    }
}

extension ObjectID {
    /// Reads 20 raw bytes.
    init?(rawBytes: UnsafeRawBufferPointer) {
        guard rawBytes.count == 20 else { return nil }
        self.init(a: UInt64(bigEndian: rawBytes.loadUnaligned(as: UInt64.self)),
                  b: UInt64(bigEndian: rawBytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  c: UInt32(bigEndian: rawBytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
    }
}

extension Repository {
    /// This handle's own pack reader, made on first use (a handle is used by one thread).
    var packReader: PackReader? {
        if case .made(let reader) = packReaderState { return reader }
        let reader = objectsDirectory.flatMap {
            PackReader(PackSet(objectsDirectory: $0), windowSize: PackReader.randomAccessWindowSize, windows: PackReader.randomAccessWindows)
        }
        packReaderState = .made(reader)
        return reader
    }

    /// The packs of `packReader`, for readers on other threads.
    var packSet: PackSet? { packReader?.set }

    /// The folder of the repository's objects (the common one for a linked work tree).
    var objectsDirectory: String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_repository_item_path(&buffer, pointer, GIT_REPOSITORY_ITEM_OBJECTS) == 0, let path = buffer.ptr else { return nil }
        var text = String(cString: path)
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
