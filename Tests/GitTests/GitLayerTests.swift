import Foundation
import Testing
import TestSupport
@testable import Git

/// The Git layer against what the git CLI itself reports, on real repositories.
@Suite("Git layer")
struct GitLayerTests {
    /// main: A - B - M(merge of side: S1 - S2) - C, tags: v1.0.0 (annotated on B),
    /// v1.1.0 (lightweight on C), side-tag on S1.
    func sampleRepository() throws -> (TestRepo, [String: String]) {
        let repo = try TestRepo()
        var ids: [String: String] = [:]
        ids["A"] = try repo.commit("feat: a", files: ["a.txt": "a\n"])
        ids["B"] = try repo.commit("fix: b", files: ["b.txt": "b\n"])
        try repo.tag("v1.0.0")
        try repo.git("checkout", "-q", "-b", "side")
        ids["S1"] = try repo.commit("feat: s1", files: ["s.txt": "1\n"])
        try repo.tag("side-tag", annotated: false)
        ids["S2"] = try repo.commit("fix: s2", files: ["s.txt": "2\n"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("docs: between", files: ["docs.md": "x\n"])
        try repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
        ids["M"] = try repo.git("rev-parse", "HEAD")
        ids["C"] = try repo.commit("perf: c", files: ["a.txt": "c\n"])
        try repo.tag("v1.1.0", annotated: false)
        return (repo, ids)
    }

    /// libgit2's own guards are the ones it calls: truncated objects end, and no CA bundle is
    /// parsed at start (with a repository opened, so libgit2 has started).
    @Test func libgit2BindsToRelflowsGuards() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        _ = try Repository.discover(from: repo.path)
        #expect(GitLibrary.truncatedObjectGuard)
        #expect(GitLibrary.skipsCABundle)
    }

    /// Objects shaped to make relflow and git disagree: a `parent` line further down a commit
    /// (git and libgit2 ignore it) and a tag with two `object` lines (they take the first).
    /// relflow's readers see what git sees.
    @Test func oddlyShapedObjectsReadAsGitReadsThem() throws {
        let (repo, ids) = try sampleRepository()
        guard let a = ids["A"], let c = ids["C"] else { Issue.record("no sample commits"); return }
        let tree = try repo.git("rev-parse", "\(c)^{tree}")
        let raw = "tree \(tree)\nparent \(c)\nauthor A <a@x> 1700000000 +0000\nparent \(a)\ncommitter A <a@x> 1700000000 +0000\n\nfix: late parent\n"
        let odd = try repo.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: Data(raw.utf8))
        let r = try Repository.discover(from: repo.path)
        let reach = try Ancestry(r).reach(from: try #require(ObjectID(hex: odd)))
        let gitSays = repo.gitResult(["merge-base", "--is-ancestor", a, odd]).status == 0
        #expect(try reach.containsExactly(try #require(ObjectID(hex: a))) == gitSays)
        let tag = "object \(a)\ntype commit\ntag v9.0.0\nobject \(c)\ntagger A <a@x> 1700000000 +0000\n\nv9.0.0\n"
        let tagID = try repo.git(["hash-object", "-t", "tag", "-w", "--literally", "--stdin"], stdin: Data(tag.utf8))
        try repo.git("update-ref", "refs/tags/v9.0.0", tagID)
        let listed = try r.tags().first { $0.name == "v9.0.0" }
        #expect(listed?.commit?.hex == (try repo.git("rev-parse", "v9.0.0^{commit}")))
    }

    /// Compared with nothing (a first promotion), links and submodules are special paths too.
    @Test func aTreeComparedWithNothingNamesItsLinks() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a.txt": "1"])
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/link", withDestinationPath: "/etc/shadow")
        try repo.git("add", "-A")
        let head = try repo.commit("fix: link")
        let r = try Repository.discover(from: repo.path)
        let kinds = try r.changedPathKinds(from: nil, to: try #require(ObjectID(hex: head)))
        #expect(kinds.paths == ["a.txt", "link"] && kinds.special == ["link"])
    }

    @Test func opensWorkTreeFromSubfolderAndBare() throws {
        let (repo, _) = try sampleRepository()
        try FileManager.default.createDirectory(atPath: repo.path + "/deep/er", withIntermediateDirectories: true)
        let r = try Repository.discover(from: repo.path + "/deep/er")
        #expect(r.workingDirectory == repo.path + "/")
        #expect(!r.isBare && !r.isShallow)
        let bare = repo.root + "/bare.git"
        try repo.git("clone", "-q", "--bare", repo.path, bare)
        let b = try Repository.open(at: bare)
        #expect(b.isBare && b.workingDirectory == nil)
        #expect(try b.resolveCommit("main").hex == (try repo.git("rev-parse", "main")))
    }

    @Test func notARepositoryIsAnError() throws {
        let dir = makeTemporaryDirectory("norepo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect { try Repository.open(at: dir) } throws: { ($0 as? GitError)?.isNotFound == true }
    }

    @Test func resolvesRevisionsLikeGit() throws {
        let (repo, _) = try sampleRepository()
        let r = try Repository.open(at: repo.path)
        for rev in ["HEAD", "main", "v1.0.0", "HEAD~2", "HEAD~1^2", "side-tag", "v1.0.0^{commit}"] {
            #expect(try r.resolveCommit(rev).hex == (try repo.git("rev-parse", rev + "^{commit}")), "\(rev)")
        }
        #expect(try r.resolveObject("v1.0.0").hex == (try repo.git("rev-parse", "v1.0.0")))
        #expect(throws: GitError.self) { try r.resolveCommit("no-such-thing") }
    }

    @Test func walksMatchRevList() throws {
        let (repo, ids) = try sampleRepository()
        let r = try Repository.open(at: repo.path)
        func walk(_ configure: (RevisionWalk) throws -> Void) throws -> [String] {
            let w = try RevisionWalk(r)
            try configure(w)
            return try w.all().map(\.hex)
        }
        let lines = { (s: String) in s.split(separator: "\n").map(String.init) }
        #expect(try walk { try $0.sort(.topological); try $0.push(range: "v1.0.0..main") }
                == lines(try repo.git("rev-list", "--topo-order", "v1.0.0..main")))
        #expect(try Set(walk { try $0.push(r.resolveCommit("main")); try $0.hide(r.resolveCommit("side")) })
                == Set(lines(try repo.git("rev-list", "main", "^side"))))
        #expect(try walk { try $0.push(r.resolveCommit("main")); try $0.firstParentOnly(); try $0.sort(.topological) }
                == lines(try repo.git("rev-list", "--first-parent", "--topo-order", "main")))
        #expect(try walk { try $0.sort([.topological, .reverse]); try $0.push(r.resolveCommit("main")) }.first == ids["A"])
    }

    @Test func readsCommits() throws {
        let (repo, ids) = try sampleRepository()
        let r = try Repository.open(at: repo.path)
        let merge = try r.commit(ObjectID(hex: ids["M"]!)!)
        #expect(merge.isMerge)
        #expect(merge.parents.map(\.hex) == (try repo.git("log", "-1", "--format=%P", ids["M"]!)).split(separator: " ").map(String.init))
        #expect(merge.summary == "Merge branch 'side'")
        #expect(merge.author.name == "Ada Lovelace" && merge.author.email == "ada@example.com")
        #expect(String(merge.author.time) == (try repo.git("log", "-1", "--format=%at", ids["M"]!)))
        #expect(merge.tree.hex == (try repo.git("rev-parse", ids["M"]! + "^{tree}")))
    }

    /// The history reader parses raw commit objects itself; on every shape of commit it must
    /// give what libgit2's parser gives (or hand the commit to libgit2).
    @Test func rawCommitParseMatchesLibgit2() throws {
        let repo = try TestRepo()
        try repo.commit("feat: first")
        let tree = try repo.git("rev-parse", "HEAD^{tree}")
        let parent = try repo.git("rev-parse", "HEAD")
        func object(_ headers: String, _ message: [UInt8]) throws -> String {
            var data = Data(("tree \(tree)\nparent \(parent)\n" + headers).utf8)
            data.append(contentsOf: [10] + message)
            return try repo.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: data)
        }
        let ident = "1700000000 +0130"
        let cases: [String] = [
            try object("author  Ada  Lovelace  <ada@example.com> \(ident)\ncommitter C <c@x> 1700000001 -0800\n", Array("fix: spaces\n".utf8)),
            try object("author <empty@x> \(ident)\ncommitter C <c@x> \(ident)\n", Array("fix: no name\n".utf8)),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n -----END SSH SIGNATURE-----\n", Array("feat: signed\n\nbody\n".utf8)),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\nencoding ISO-8859-1\n", [0x66, 0x3A, 0x20, 0xE9, 0x0A]),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\n", [0x66, 0x3A, 0x20, 0xFF, 0x0A]),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\n", Array("fix: nul\n".utf8) + [0] + Array("after\n".utf8)),
            try object("author A <a@x> not-a-date\ncommitter C <c@x> \(ident)\n", Array("fix: odd date\n".utf8)),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\n", []),
            // Past the first eight bytes, where ASCII is checked a word at a time: valid
            // UTF-8, and a byte that is not (a message that is not ASCII is validated).
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\n", Array("fix: the café menu, twice\n".utf8)),
            try object("author A <a@x> \(ident)\ncommitter C <c@x> \(ident)\n", Array("fix: long ".utf8) + [0xC3, 0x28] + Array(" enough\n".utf8)),
        ]
        let r = try Repository.open(at: repo.path)
        let odb = try ObjectDatabase(r)
        // The history reader's way too: authors through one identity cache, met twice.
        let identities = IdentityCache()
        for hex in cases + cases {
            let id = try #require(ObjectID(hex: hex))
            let viaLibgit2 = try r.commit(id)
            let viaRaw = try odb.commit(id)
            let viaCache = try odb.commit(id, committerIdentity: true, identities: identities)
            let shown = (try? repo.git("cat-file", "-p", hex)) ?? hex
            #expect(viaRaw == viaLibgit2, "\(shown)")
            #expect(viaCache == viaLibgit2, "\(shown)")
        }
        // A date libgit2 cannot parse: read the way git log shows it (time 0), not an error.
        #expect(try r.commit(ObjectID(hex: cases[6])!).author.time == 0)
        #expect(try r.commit(ObjectID(hex: cases[6])!).committer.time == 1_700_000_000)
    }

    @Test func asciiIsCheckedByWordsAndBytes() {
        for length in 0..<40 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            plain.withUnsafeBytes { #expect(isASCII($0)) }
            for k in 0..<length {
                var high = plain
                high[k] = 0x80
                high.withUnsafeBytes { #expect(!isASCII($0), "a high byte at \(k) of \(length)") }
            }
        }
    }

    @Test func nonUTF8AndLatin1MessagesDecodeWithoutFailing() throws {
        let repo = try TestRepo()
        try repo.commit("feat: first")
        let latin1 = try repo.commitRaw(Data([0x66, 0x69, 0x78, 0x3A, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x0A]), encoding: "ISO-8859-1")
        let broken = try repo.commitRaw(Data([0x66, 0x69, 0x78, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]))
        let r = try Repository.open(at: repo.path)
        #expect(try r.commit(ObjectID(hex: latin1)!).message == "fix: café\n")
        let brokenCommit = try r.commit(ObjectID(hex: broken)!)
        let raw = try repo.git("cat-file", "-p", broken)
        #expect(brokenCommit.message == "fix: \u{FFFD}\u{FFFD}\n", "\(String(describing: brokenCommit.encoding)) \(raw)")
    }

    @Test func listsAndPeelsTagsLikeForEachRef() throws {
        let (repo, _) = try sampleRepository()
        try repo.git("tag", "-a", "nested", "-m", "tag of a tag", "v1.0.0")
        let r = try Repository.open(at: repo.path)
        let tags = try r.tags()
        #expect(Set(tags.map(\.name)) == Set(try repo.git("tag", "--list").split(separator: "\n").map(String.init)))
        for tag in tags {
            #expect(tag.commit?.hex == (try repo.git("rev-parse", "refs/tags/\(tag.name)^{commit}")), "\(tag.name)")
            #expect(tag.target.hex == (try repo.git("rev-parse", "refs/tags/\(tag.name)")))
            #expect(tag.isAnnotated == ((try repo.git("cat-file", "-t", "refs/tags/\(tag.name)")) == "tag"))
        }
        #expect(try r.tag(named: "v1.0.0")?.annotation?.message == "release v1.0.0\n")
        #expect(try r.tag(named: "missing") == nil)
    }

    /// Hundreds of loose tags (read on two threads), some in folders, some packed and one
    /// packed tag overridden by a loose file, and a ref being written (`.lock`): the same
    /// listing as git's.
    @Test func readsManyLooseTagsAsGitListsThem() throws {
        let (repo, ids) = try sampleRepository()
        var script = ""
        for i in 0..<40 { script += "create refs/tags/packed/p\(i) \(ids["A"]!)\n" }
        script += "create refs/tags/over \(ids["A"]!)\n"
        _ = try repo.git(["update-ref", "--stdin"], stdin: Data(script.utf8))
        try repo.git("pack-refs", "--all")
        script = "update refs/tags/over \(ids["B"]!)\n"
        for i in 0..<(LooseRefs.parallelFrom + 50) { script += "create refs/tags/\(i % 3 == 0 ? "r/" : "")t\(i) \(i % 2 == 0 ? ids["C"]! : ids["S1"]!)\n" }
        _ = try repo.git(["update-ref", "--stdin"], stdin: Data(script.utf8))
        try repo.tag("annotated-loose")
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: repo.path + "/.git/refs/tags/t1.lock"))
        // Read by relflow itself, on two threads (libgit2, the fallback, would hide a mistake).
        var loose: [Repository.TagReference] = []
        #expect(LooseRefs.collect(folder: repo.path + "/.git/refs/tags", into: &loose))
        let folder = repo.path + "/.git/refs/tags"
        let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix(".lock") && !isDirectory(folder + "/" + $0) }
        let looseGit = try files.map { "\($0) \(try repo.git("rev-parse", "refs/tags/\($0)"))" }
        #expect(loose.count > LooseRefs.parallelFrom && loose.count == files.count)
        #expect(Set(loose.map { "\($0.name) \($0.target.hex)" }) == Set(looseGit))
        // A lightweight tag on a tree names no commit, whether its object is loose or packed.
        _ = try repo.git("tag", "tree-tag", "HEAD^{tree}")
        // Objects loose, then packed (where a lightweight tag's commit is known from the
        // pack entry's header alone).
        for packed in [false, true] {
            if packed { _ = try repo.git("repack", "-adq") }
            let r = try Repository.open(at: repo.path)
            let listed = try r.tags()
            let git = try repo.git("for-each-ref", "refs/tags", "--format=%(refname:strip=2) %(objectname) %(*objectname) %(objecttype)")
                .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(listed.map(\.name) == git.map { $0[0] })
            for (tag, line) in zip(listed, git) {
                #expect(tag.target.hex == line[1], "\(tag.name)")
                if line.last == "tree" {
                    #expect(tag.commit == nil, "\(tag.name)")
                } else {
                    #expect(tag.commit?.hex == (line.count > 3 ? line[2] : line[1]), "\(tag.name) packed: \(packed)")
                }
            }
            #expect(listed.first { $0.name == "over" }?.target.hex == ids["B"])
        }
    }

    /// A history read that starts from the tip and gets its seeds (tags, side branches) while
    /// it runs reads every commit exactly once, as `git rev-list` lists them; a cancelled
    /// read and a read that fails on a missing seed both end, neither hangs.
    @Test func seedsAddedWhileReadingGiveTheWholeHistoryOnce() throws {
        let (repo, ids) = try sampleRepository()
        try repo.git("checkout", "-q", "-b", "other", ids["A"]!)
        let other = try repo.commit("feat: off main", files: ["o": "o\n"])
        try repo.git("checkout", "-q", "main")
        let r = try Repository.open(at: repo.path)
        let tip = try #require(ObjectID(hex: ids["C"]!))
        let expected = Set(try repo.git("rev-list", "main", "other").split(separator: "\n").map(String.init))
        for seeds in [[], [ids["B"]!, ids["S1"]!, other], [other, ids["C"]!, ids["A"]!]] {
            let reading = r.startReadingHistory(from: [tip], threads: 3) { { commit in commit.id.hex } }
            let read = try reading.finish(addingSeeds: seeds.compactMap(ObjectID.init(hex:))).flatMap { $0 }
            #expect(read.count == Set(read).count, "\(seeds)")
            #expect(Set(read) == (seeds.contains(other) ? expected : Set(try repo.git("rev-list", "main").split(separator: "\n").map(String.init))))
        }
        // Without the committer's identity: the time still as git has it.
        let times = try r.startReadingHistory(from: [tip], threads: 2, committerIdentity: false) {
            { commit in "\(commit.id.hex) \(commit.committer.time) \(commit.committer.name)\(commit.committer.email)" }
        }.finish().flatMap { $0 }.sorted()
        #expect(times == (try repo.git("log", "--format=%H %ct ", "main").split(separator: "\n").map(String.init).sorted()))
        r.startReadingHistory(from: [tip], threads: 3) { { commit in commit.id.hex } }.cancel()
        let missing = try #require(ObjectID(hex: String(repeating: "1", count: 40)))
        let failing = r.startReadingHistory(from: [tip], threads: 3) { { commit in commit.id.hex } }
        #expect(throws: GitError.self) { try failing.finish(addingSeeds: [missing]) }
    }

    /// The history reader's authors come from its identity cache: each commit's author is the
    /// one git shows, and two commits share a number exactly when git shows them the same.
    @Test func historyReaderAuthorsAreGitsOwn() throws {
        let repo = try TestRepo()
        let authors = ["Ada <ada@x>", "ada <ADA@x>", "Ada Lovelace <a-much-longer-address@example.org>", "Émile Zola <é@x>",
                       "A Very Long Name Indeed Over Fifteen <a@x>", "Ada <ada@y>", "Ada <ada@x>"]
        for (i, author) in (authors + authors.reversed()).enumerated() {
            try repo.git("commit", "-q", "--allow-empty", "--author=\(author)", "-m", "fix: \(i)")
        }
        let r = try Repository.open(at: repo.path)
        let tip = try #require(ObjectID(hex: try repo.git("rev-parse", "HEAD")))
        let read = try r.startReadingHistory(from: [tip], threads: 1) {
            { commit in (commit.id.hex, "\(commit.author.name) <\(commit.author.email)>", commit.authorNumber) }
        }.finish().flatMap { $0 }
        let git = Dictionary(uniqueKeysWithValues: try repo.git("log", "--format=%H %an <%ae>").split(separator: "\n").map { line in
            (String(line.prefix(40)), String(line.dropFirst(41)))
        })
        #expect(read.count == git.count)
        for (id, author, _) in read { #expect(git[id] == author, "\(id)") }
        let numbers = read.compactMap(\.2)
        #expect(numbers.count == read.count)
        for a in read {
            for b in read { #expect((a.2 == b.2) == (a.1 == b.1), "\(a.1) / \(b.1)") }
        }
        #expect(Set(numbers).count == Set(authors).count)
    }

    /// What a loose ref file may hold: 40 hex digits, then nothing or a newline (and anything
    /// after it); anything else is not read here.
    @Test func looseRefFilesAreReadAsGitWritesThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("refs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let hex = String(repeating: "ab", count: 20)
        let cases: [(String, Bool)] = [(hex + "\n", true), (hex, true), (hex + "\nmore text\n" + String(repeating: "x", count: 200), true),
                                       (String(hex.dropLast()), false), (hex + " ", false), ("ref: refs/heads/main\n", false),
                                       ("", false), (String(repeating: "zz", count: 20) + "\n", false)]
        for (i, (text, readable)) in cases.enumerated() {
            let path = folder + "/r\(i)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect((LooseRefs.target(path: path)?.hex == hex) == readable, "\(text.debugDescription)")
        }
        #expect(LooseRefs.target(path: folder) == nil)
        #expect(LooseRefs.target(path: folder + "/missing") == nil)
    }

    @Test func compareAndSwapReferenceUpdates() throws {
        let (repo, ids) = try sampleRepository()
        let r = try Repository.open(at: repo.path)
        let a = ObjectID(hex: ids["A"]!)!, b = ObjectID(hex: ids["B"]!)!, c = ObjectID(hex: ids["C"]!)!
        try r.updateReference("refs/heads/publish", to: a, expecting: nil, message: "test: create")
        #expect(try repo.git("rev-parse", "publish") == a.hex)
        #expect { try r.updateReference("refs/heads/publish", to: b, expecting: nil, message: "x") } throws: { ($0 as? GitError)?.isExists == true }
        try r.updateReference("refs/heads/publish", to: b, expecting: a, message: "test: move")
        #expect(try repo.git("rev-parse", "publish") == b.hex)
        // Someone else moves it: the stale compare-and-swap must lose and leave their value.
        try repo.git("update-ref", "refs/heads/publish", c.hex)
        #expect { try r.updateReference("refs/heads/publish", to: a, expecting: b, message: "x") } throws: { ($0 as? GitError)?.isModified == true }
        #expect(try repo.git("rev-parse", "publish") == c.hex)
        #expect { try r.deleteReference("refs/heads/publish", expecting: b) } throws: { ($0 as? GitError)?.isModified == true }
        try r.deleteReference("refs/heads/publish", expecting: c)
        #expect(try r.reference("refs/heads/publish") == nil)
    }

    @Test func readsBlobsAndDiffsTreesWithoutCheckout() throws {
        let (repo, ids) = try sampleRepository()
        let r = try Repository.open(at: repo.path)
        let c = ObjectID(hex: ids["C"]!)!, b = ObjectID(hex: ids["B"]!)!
        #expect(try r.blob(at: "a.txt", inCommit: c).map { String(decoding: $0, as: UTF8.self) } == (try repo.git("show", "\(c.hex):a.txt")) + "\n")
        #expect(try r.blob(at: "nope.txt", inCommit: c) == nil)
        let expected = try repo.git("diff", "--name-only", "--no-renames", b.hex, c.hex).split(separator: "\n").map(String.init).sorted()
        #expect(try r.changedPaths(from: b, to: c) == expected)
    }

    @Test func detectsShallowClones() throws {
        let (repo, _) = try sampleRepository()
        let clone = repo.root + "/shallow"
        try repo.git("clone", "-q", "--depth", "2", "file://" + repo.path, clone)
        let r = try Repository.open(at: clone)
        #expect(r.isShallow)
        let expected = Set(try String(contentsOfFile: clone + "/.git/shallow", encoding: .utf8).split(separator: "\n").map(String.init))
        #expect(Set(r.shallowBoundary().map(\.hex)) == expected)
    }

    @Test func headStates() throws {
        let repo = try TestRepo()
        let r = try Repository.open(at: repo.path)
        #expect(try r.head() == .branch(name: "refs/heads/main", commit: nil))
        let id = try repo.commit("feat: x")
        try repo.git("checkout", "-q", "--detach")
        #expect(try r.head() == .detached(ObjectID(hex: id)!))
    }

    @Test func trailersMatchInterpretTrailers() throws {
        let message = "fix: x\n\nBody.\n\nSigned-off-by: A <a@x>\nCo-authored-by: B <b@x>\n"
        let repo = try TestRepo()
        let parsed = try repo.git(["interpret-trailers", "--parse"], stdin: Data(message.utf8))
        let ours = gitTrailers(of: message).map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        #expect(ours == parsed)
    }
}

private func isDirectory(_ path: String) -> Bool {
    var folder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
}
