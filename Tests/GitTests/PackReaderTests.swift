import Foundation
import Testing
import TestSupport
@testable import Git

/// relflow's own pack reads (the history reader's fast path) against `git cat-file`, on
/// packs that git itself wrote: whole objects, both kinds of delta, several packs, objects
/// that cross a window, and damaged bytes.
@Suite("Pack reader")
struct PackReaderTests {
    /// `count` commits with long, nearly equal messages (so that `git repack` stores most of
    /// them as deltas of each other), a file each, and one large incompressible blob.
    func packedRepository(count: Int, refDeltas: Bool = false) throws -> TestRepo {
        let repo = try TestRepo()
        var script = ""
        let body = (0..<40).map { "Line \($0) of a body that every commit shares, long enough to delta well." }.joined(separator: "\n")
        for i in 0..<count {
            let message = "feat(core): change number \(i)\n\n\(body)\n\nRefs: JIRA-\(i)\n"
            script += "commit refs/heads/main\nmark :\(i + 1)\ncommitter Dev <dev@example.com> \(1_700_000_000 + 60 * i) +0000\n"
            script += "data \(message.utf8.count)\n\(message)\n"
            if i > 0 { script += "from :\(i)\n" }
            let file = "content \(i)\n"
            script += "M 100644 inline file\(i % 7).txt\ndata \(file.utf8.count)\n\(file)\n"
        }
        // A blob far larger than a test window, and random so that it stays large packed.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<48_000).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        script += "commit refs/heads/main\ncommitter Dev <dev@example.com> 1800000000 +0000\ndata 16\nfeat: big file\n\n"
        script += "from :\(count)\nM 100644 inline big.bin\ndata \(noise.utf8.count)\n\(noise)\n"
        try repo.git("fast-import", "--quiet", stdin: Data(script.utf8))
        try repo.git(["-c", "repack.useDeltaBaseOffset=\(refDeltas ? "false" : "true")", "repack", "-adfq", "--window=50", "--depth=20"])
        return repo
    }

    /// Every object git lists, as `git cat-file --batch` prints it: (id, type, bytes).
    func objects(_ repo: TestRepo) throws -> [(String, String, Data)] {
        let out = repo.root + "/objects.batch"
        let result = runProcess("/bin/sh", ["-c", "git cat-file --batch-all-objects --batch > '\(out)'"], cwd: repo.path,
                                environment: repo.environment)
        #expect(result.status == 0, "\(result)")
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        var objects: [(String, String, Data)] = []
        var i = 0
        while i < data.count {
            // `<id> <type> <size>\n<bytes>\n`
            guard let newline = data[i...].firstIndex(of: 10) else { break }
            let fields = String(decoding: data[i..<newline], as: UTF8.self).split(separator: " ").map(String.init)
            let size = try #require(Int(fields[2]))
            objects.append((fields[0], fields[1], Data(data[(newline + 1)..<(newline + 1 + size)])))
            i = newline + 1 + size + 1
        }
        return objects
    }

    func deltaCount(_ repo: TestRepo, type: String) throws -> Int {
        let pack = try repo.git("rev-parse", "--git-path", "objects/pack")
        let idx = try FileManager.default.contentsOfDirectory(atPath: repo.path + "/" + pack).filter { $0.hasSuffix(".idx") }
        var deltas = 0
        for file in idx {
            let listing = try repo.git("verify-pack", "-v", pack + "/" + file)
            // `id type size size-in-pack offset depth base-id` for a delta.
            deltas += listing.split(separator: "\n").filter { $0.split(separator: " ").count == 7 && $0.contains(" \(type) ") }.count
        }
        return deltas
    }

    static let typeNumbers = ["commit": 1, "tree": 2, "blob": 3, "tag": 4]

    func expectAllObjectsRead(_ repo: TestRepo, windowSize: Int = PackReader.windowSize) throws {
        let set = PackSet(objectsDirectory: repo.path + "/.git/objects")
        #expect(!set.packs.isEmpty)
        let reader = try #require(PackReader(set, windowSize: windowSize))
        let all = try objects(repo)
        #expect(all.count > 100)
        for (hex, type, bytes) in all {
            let id = try #require(ObjectID(hex: hex))
            let read = try reader.withObject(id) { (t, raw) throws(GitError) in (t, Data(raw)) }
            #expect(read?.0 == Self.typeNumbers[type], "type of \(hex)")
            #expect(try reader.type(of: id) == Self.typeNumbers[type], "type from the headers of \(hex)")
            #expect(read?.1 == bytes, "bytes of \(type) \(hex)")
        }
    }

    @Test func readsWholeObjectsAndOffsetDeltas() throws {
        let repo = try packedRepository(count: 150)
        #expect(try deltaCount(repo, type: "commit") > 50, "the test needs commits stored as deltas")
        try expectAllObjectsRead(repo)
    }

    @Test func readsReferenceDeltas() throws {
        let repo = try packedRepository(count: 80, refDeltas: true)
        #expect(try deltaCount(repo, type: "commit") > 20)
        try expectAllObjectsRead(repo)
    }

    /// Objects larger than a window, and windows recycled again and again.
    @Test func readsAcrossSmallWindows() throws {
        let repo = try packedRepository(count: 60)
        try expectAllObjectsRead(repo, windowSize: 2 * 4096)
    }

    /// Several packs and loose objects: what is packed is read, what is loose is left to
    /// libgit2 (nil), and the history reader gives the same commits as `git log`.
    @Test func severalPacksAndLooseObjects() throws {
        let repo = try packedRepository(count: 40)
        for i in 0..<5 { try repo.commit("fix: loose \(i)", files: ["l\(i)": "\(i)\n"]) }
        try repo.git("repack", "-q")  // a second pack with the five new commits
        let loose = try repo.commit("docs: still loose", files: ["z": "z\n"])
        let set = PackSet(objectsDirectory: repo.path + "/.git/objects")
        #expect(set.packs.count == 2)
        let reader = try #require(PackReader(set))
        #expect(try reader.withObject(try #require(ObjectID(hex: loose))) { (t, _) throws(GitError) in t } == nil)
        let head = try #require(ObjectID(hex: try repo.git("rev-parse", "HEAD~1")))
        #expect(try reader.withObject(head) { (t, _) throws(GitError) in t } == 1)

        let tip = try #require(ObjectID(hex: loose))
        // A database over the packs opens the repository only for what they lack: a database
        // pointed at no repository still reads every packed commit, and fails on the loose one.
        let nowhere = ObjectDatabase(gitDirectory: repo.path + "/no-such-folder", packs: reader)
        #expect(try nowhere.commit(head).id == head)
        #expect(throws: GitError.self) { try nowhere.commit(tip) }
        let lazy = ObjectDatabase(gitDirectory: repo.path + "/.git", packs: reader)
        #expect(try lazy.commit(tip).summary == "docs: still loose")
        let parts = try Repository.open(at: repo.path + "/.git").readHistory(seeds: [tip]) { { commit in commit.id.hex + " " + commit.summary } }
        let read = Set(parts.flatMap { $0 })
        let expected = Set(try repo.git("log", "--format=%H %s").split(separator: "\n").map(String.init))
        #expect(read == expected)
    }

    /// A damaged byte in a packed commit: the reader says "not here" (libgit2 then reports the
    /// damage), it never returns wrong bytes.
    @Test func damagedObjectIsNotRead() throws {
        let repo = try packedRepository(count: 20)
        let head = try repo.git("rev-parse", "HEAD~3")
        let pack = try FileManager.default.contentsOfDirectory(atPath: repo.path + "/.git/objects/pack").first { $0.hasSuffix(".pack") }
        let packPath = repo.path + "/.git/objects/pack/" + (try #require(pack))
        let listing = try repo.git("verify-pack", "-v", String(packPath.dropLast(5)) + ".idx")
        let line = try #require(listing.split(separator: "\n").first { $0.hasPrefix(head) })
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let offset = try #require(Int(fields[4])), stored = try #require(Int(fields[3]))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: packPath))
        bytes[offset + stored - 2] ^= 0xFF  // inside the zlib stream's checksum
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: packPath)
        try bytes.write(to: URL(fileURLWithPath: packPath))
        let reader = try #require(PackReader(PackSet(objectsDirectory: repo.path + "/.git/objects")))
        #expect(try reader.withObject(try #require(ObjectID(hex: head))) { (t, _) throws(GitError) in t } == nil)
        let other = try #require(ObjectID(hex: try repo.git("rev-parse", "HEAD")))
        #expect(try reader.withObject(other) { (t, _) throws(GitError) in t } == 1)
    }
}

extension PackReaderTests {
    /// The pack file, its index, and `git verify-pack -v`'s lines for the repository's pack.
    func packFiles(_ repo: TestRepo) throws -> (pack: String, index: String, listing: [Substring]) {
        let folder = repo.path + "/.git/objects/pack/"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".pack") })
        let pack = folder + name, index = folder + String(name.dropLast(5)) + ".idx"
        let listing = try repo.git("verify-pack", "-v", index).split(separator: "\n")
        for path in [pack, index] { try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        return (pack, index, listing)
    }

    /// An index git would refuse (a fan-out that goes down, more large offsets than objects
    /// allow) is not read here either: libgit2 then reports it, as git does.
    @Test func damagedIndexIsNotTrusted() throws {
        for damage in ["fan-out", "large offsets"] {
            let repo = try packedRepository(count: 20)
            let (_, index, _) = try packFiles(repo)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: index)))
            if damage == "fan-out" {
                for k in 0..<4 { bytes[8 + 4 * 100 + k] = 0 }
                for k in 0..<4 { bytes[8 + 4 * 99 + k] = 0xFF }
            } else {
                let count = Int(bytes[8 + 4 * 255]) << 24 | Int(bytes[8 + 4 * 255 + 1]) << 16 | Int(bytes[8 + 4 * 255 + 2]) << 8 | Int(bytes[8 + 4 * 255 + 3])
                bytes.insert(contentsOf: [UInt8](repeating: 0, count: 8 * count), at: bytes.count - 40)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: index))
            #expect(PackSet(objectsDirectory: repo.path + "/.git/objects").packs.isEmpty, "\(damage)")
        }
    }

    /// A delta whose base is itself: libgit2 1.5 (and git) would follow it forever; the reader
    /// reports it at once, naming the object.
    @Test func deltaCycleIsReportedNotFollowed() throws {
        let repo = try packedRepository(count: 60, refDeltas: true)
        let (pack, _, listing) = try packFiles(repo)
        // `id type size size-in-pack offset depth base` for a delta.
        let line = try #require(listing.first { $0.split(separator: " ").count == 7 && $0.contains(" commit ") })
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let hex = String(fields[0]), offset = try #require(Int(fields[4]))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pack)))
        var header = 1
        while bytes[offset + header - 1] & 0x80 != 0 { header += 1 }
        #expect((bytes[offset] >> 4) & 7 == 7, "a REF_DELTA")
        var own = [UInt8]()
        var i = hex.startIndex
        while i < hex.endIndex {
            let next = hex.index(i, offsetBy: 2)
            own.append(UInt8(hex[i..<next], radix: 16) ?? 0)
            i = next
        }
        bytes.replaceSubrange((offset + header)..<(offset + header + 20), with: own)
        try Data(bytes).write(to: URL(fileURLWithPath: pack))
        let reader = try #require(PackReader(PackSet(objectsDirectory: repo.path + "/.git/objects")))
        let id = try #require(ObjectID(hex: hex))
        #expect { try reader.withObject(id) { (t, _) throws(GitError) in t } } throws: { error in
            "\(error)".contains("comes back to itself")
        }
        #expect { try reader.type(of: id) } throws: { error in "\(error)".contains("comes back to itself") }
    }
}

@Suite("Object id table")
struct ObjectIDTableTests {
    /// Against a `Dictionary`: random ids, ids that share their first bytes (one probe chain),
    /// growth from the smallest size, values overwritten, ids never set.
    @Test func answersLikeADictionary() {
        var generator = SystemRandomNumberGenerator()
        var table = ObjectIDTable()
        var reference: [ObjectID: Int] = [:]
        var ids: [ObjectID] = []
        for i in 0..<20_000 {
            let a = i % 5 == 0 ? UInt64(i % 3) : UInt64.random(in: .min ... .max, using: &generator)
            let id = ObjectID(a: a, b: UInt64.random(in: .min ... .max, using: &generator), c: UInt32(i))
            ids.append(id)
            table.set(id, i)
            reference[id] = i
        }
        for (k, id) in ids.enumerated() where k % 7 == 0 {
            table.set(id, k * 2)
            reference[id] = k * 2
        }
        #expect(table.count == reference.count)
        for id in ids { #expect(table[id] == reference[id]) }
        for i in 0..<1_000 {
            let absent = ObjectID(a: UInt64(i % 3), b: 0, c: UInt32(i))
            #expect(table[absent] == reference[absent])
        }
    }

    /// As a set: `insert` adds an id once, keeps the first value, and answers like `Set.insert`.
    @Test func insertsLikeASet() {
        var generator = SystemRandomNumberGenerator()
        var table = ObjectIDTable(minimumCapacity: 4)
        var reference = Set<ObjectID>()
        for i in 0..<5_000 {
            let id = ObjectID(a: UInt64(i % 97), b: UInt64.random(in: 0...3, using: &generator), c: UInt32(i % 11))
            #expect(table.insert(id, i) == reference.insert(id).inserted)
        }
        #expect(table.count == reference.count)
        for id in reference { #expect(table[id] != nil) }
        let first = ObjectID(a: 1, b: 2, c: 3)
        var fresh = ObjectIDTable()
        #expect(fresh.insert(first, 7) && !fresh.insert(first, 9) && fresh[first] == 7)
    }

    /// Ids ground to differ only in their top bits (which the id's own low bits cannot tell
    /// apart) spread over the table: 60,000 of them are set and found in well under a second,
    /// where slots chosen by the id's bits made one run of them (a quadratic few seconds).
    @Test func groundIDsDoNotPileUp() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var table = ObjectIDTable()
            for i in 0..<60_000 { table.set(ObjectID(a: UInt64(i) << 44, b: UInt64(i), c: 0), i) }
            for i in 0..<60_000 { #expect(table[ObjectID(a: UInt64(i) << 44, b: UInt64(i), c: 0)] == i) }
        }
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }
}
