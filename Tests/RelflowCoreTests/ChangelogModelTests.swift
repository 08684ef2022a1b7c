import Foundation
import Testing
@testable import RelflowCore

@Suite("Changelog model")
struct ChangelogModelTests {
    @Test(arguments: [
        ("git@github.com:acme/shop.git", RemoteLinks.Forge.github, "https://github.com/acme/shop"),
        ("https://github.com/acme/shop", .github, "https://github.com/acme/shop"),
        ("https://user:token@github.com/acme/shop.git/", .github, "https://github.com/acme/shop"),
        ("ssh://git@gitlab.com:2222/group/sub/shop.git", .gitlab, "https://gitlab.com/group/sub/shop"),
        ("git@gitlab.example.com:group/shop.git", .gitlab, "https://gitlab.example.com/group/shop"),
        ("https://codeberg.org/acme/shop.git", .gitea, "https://codeberg.org/acme/shop"),
        ("git@bitbucket.org:acme/shop.git", .bitbucket, "https://bitbucket.org/acme/shop"),
        ("git://gitea.example.com/acme/shop", .gitea, "https://gitea.example.com/acme/shop"),
    ])
    func remoteURLs(_ url: String, _ forge: RemoteLinks.Forge, _ base: String) throws {
        let links = try #require(RemoteLinks(remoteURL: url))
        #expect(links.forge == forge && links.base == base)
    }

    @Test func unknownHostsHaveNoLinksUnlessConfigured() throws {
        #expect(RemoteLinks(remoteURL: "git@git.internal:acme/shop.git") == nil)
        #expect(RemoteLinks(remoteURL: "/srv/git/shop.git") == nil)
        let configured = try #require(RemoteLinks(override: "https://git.internal/acme/shop"))
        #expect(configured.commit("abc") == "https://git.internal/acme/shop/commit/abc")
    }

    @Test func linkShapesPerForge() {
        let gl = RemoteLinks(forge: .gitlab, base: "https://gitlab.com/a/b")
        #expect(gl.compare("v1", "v2") == "https://gitlab.com/a/b/-/compare/v1...v2" && gl.issue(3) == "https://gitlab.com/a/b/-/issues/3")
        let bb = RemoteLinks(forge: .bitbucket, base: "https://bitbucket.org/a/b")
        #expect(bb.commit("abc") == "https://bitbucket.org/a/b/commits/abc")
        #expect(bb.compare("v1", "v2") == "https://bitbucket.org/a/b/branches/compare/v2%0Dv1")
    }

    @Test func issueReferences() {
        func issues(_ message: String) -> [Int] {
            let p = ConventionalCommitParser.parse(message)
            return issueNumbers(in: p.commit, header: p.header)
        }
        #expect(issues("fix: align header (#12)") == [12])
        #expect(issues("fix: GH-7 and #8, #9") == [7, 8, 9])
        #expect(issues("fix: x\n\nCloses #13\nRefs: #14, #15") == [13, 14, 15])
        #expect(issues("fix: color #fff and a#1 and #12abc") == [])
        #expect(issues("Update: #3 in a plain message") == [3])
    }

    @Test func isoDates() {
        #expect(isoDate(0) == "1970-01-01")
        #expect(isoDate(951_782_400) == "2000-02-29")
        #expect(isoDate(1_700_000_000) == "2023-11-14")
        #expect(isoDate(-86_400) == "1969-12-31")
        #expect(isoDate(-62_135_596_800) == "1-01-01")
        #expect(isoDate(253_402_300_799) == "9999-12-31")
        #expect(isoDate(253_402_300_800) == "10000-01-01")
        // Against Foundation's own UTC calendar (Gregorian from 1583; before, it is Julian).
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let seconds = Int64.random(in: -12_000_000_000...253_402_300_799, using: &generator)
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            #expect(isoDate(seconds) == expected, "\(seconds)")
        }
    }

    /// Contributors: each email once in any case, the first commit's spelling kept, sorted by
    /// name; past 32 people as below (a long release is deduplicated another way).
    @Test func contributorsOncePerEmailInShortAndLongReleases() throws {
        let builder = ChangelogBuilder(config: RelflowConfig(), links: nil)
        for people in [5, 40, 100] {
            var commits: [SourceCommit] = []
            for i in 0..<people {
                for (k, email) in ["dev\(i)@x", "DEV\(i)@X"].enumerated() {
                    commits.append(SourceCommit(id: String(format: "%040d", i * 2 + k), time: 100, author: Person(name: "Dev \(i)-\(k)", email: email),
                                                isMerge: false, parsed: ConventionalCommitParser.parse("fix: c\(i)\n\nCo-authored-by: Pat <pat@x>")))
                }
            }
            let release = builder.build(SourceRelease(tag: "v1.0.0", version: SemVer(1, 0, 0), date: 0, previousTag: nil, commits: commits),
                                        dropping: [])
            let expected = ((0..<people).map { Person(name: "Dev \($0)-0", email: "dev\($0)@x") } + [Person(name: "Pat", email: "pat@x")])
                .sorted { ($0.name.lowercased(), $0.email) < ($1.name.lowercased(), $1.email) }
            #expect(release.contributors == expected, "\(people) people")
        }
    }

    /// An email outside ASCII is the same person as any email Swift finds equal once both are
    /// lower-cased (the Kelvin sign is a K; é may be one code point or two), before or after
    /// ASCII ones.
    @Test func contributorsWithEmailsOutsideASCII() throws {
        let builder = ChangelogBuilder(config: RelflowConfig(), links: nil)
        let emails = ["kim@x", "ann@x", "\u{212A}IM@x", "\u{E9}va@x", "E\u{301}VA@x", "ANN@X", "KIM@x", "\u{C9}VA@x"]
        let commits = emails.enumerated().map { i, email in
            SourceCommit(id: String(format: "%040d", i), time: 100, author: Person(name: "P\(i)", email: email),
                         isMerge: false, parsed: ConventionalCommitParser.parse("fix: c\(i)"))
        }
        let release = builder.build(SourceRelease(tag: "v1.0.0", version: SemVer(1, 0, 0), date: 0, previousTag: nil, commits: commits),
                                    dropping: [])
        #expect(release.contributors.map(\.email) == ["kim@x", "ann@x", "\u{E9}va@x"])
    }

    /// The Swift rendering of the default Markdown must be the template's own output.
    @Test func defaultMarkdownIsTheTemplatesOutput() throws {
        let links = RemoteLinks(forge: .github, base: "https://github.com/acme/shop")
        func source(_ message: String, _ id: String, _ time: Int64, author: String = "Ada") -> SourceCommit {
            SourceCommit(id: String(repeating: id, count: 40), time: time, author: Person(name: author, email: "\(author)@x"),
                         isMerge: false, parsed: ConventionalCommitParser.parse(message))
        }
        let releases = [
            SourceRelease(tag: nil, version: nil, date: nil, previousTag: "v1.1.0", commits: [
                source("feat(ui)!: new look\n\nBREAKING CHANGE: themes\nmust be rebuilt", "a", 50),
                source("fix: closes many (#1)\n\nCloses #2\nCo-authored-by: Grace <g@x>", "b", 40),
                source("Not conventional <b>", "c", 30, author: "Zed"),
            ]),
            SourceRelease(tag: "v1.1.0", version: SemVer(1, 1, 0), date: 1_700_000_000, previousTag: "v1.0.0", commits: [
                source("chore: hidden", "d", 20),
            ]),
            SourceRelease(tag: "v1.0.0", version: SemVer(1, 0, 0), date: 1_600_000_000, previousTag: nil, commits: [
                source("perf: faster", "e", 10), source("docs: words", "f", 9),
            ]),
        ]
        for withLinks in [true, false] {
            let document = ChangelogBuilder(config: RelflowConfig(), links: withLinks ? links : nil).build(releases)
            for header in [true, false] {
                let viaTemplate = try ChangelogRenderer().render(document, format: .md, header: header, forceTemplateEngine: true)
                let native = try ChangelogRenderer().render(document, format: .md, header: header)
                #expect(native == viaTemplate)
            }
        }
    }

    /// The default Markdown and the JSON written straight from the commits
    /// (`defaultMarkdownBytes`, `jsonBytes`: what `relflow changelog` streams) are those of
    /// the built release, on generated
    /// releases: every kind of message, reverts of commits in and out of the release, dropped
    /// cherry-picks, merges, authors differing only in case, each config switch that changes
    /// what is listed, with and without a forge.
    @Test func markdownFromTheCommitsIsTheBuiltReleasesMarkdown() throws {
        var generator = SeededGenerator(seed: 61)
        let messages = PlainMessageParseTests.messages(count: 3_000)
        let hexDigits = Array("0123456789abcdef")
        func id() -> String { String((0..<40).map { _ in hexDigits.randomElement(using: &generator)! }) }
        let people = [Person(name: "Ada", email: "ada@x"), Person(name: "ada", email: "ADA@x"), Person(name: "Zed", email: "z@x"),
                      Person(name: "Émile", email: "e@x")]
        var configs: [RelflowConfig] = [RelflowConfig()]
        var dropping = RelflowConfig()
        dropping.commits.nonConventional = .drop
        dropping.changelog.includeMerges = true
        dropping.commits.types.append(.init(type: "revert", title: "Reverts"))
        configs.append(dropping)
        var next = 0
        var checked = 0
        var plainCount = 0
        for round in 0..<400 {
            var ids: [String] = []
            var commits: [SourceCommit] = []
            var texts: [String] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                let commitID = id()
                var message = messages[next % messages.count]
                next += 1
                switch Int.random(in: 0..<8, using: &generator) {
                case 0 where !ids.isEmpty: message = "Revert \"x\"\n\nThis reverts commit \(ids.randomElement(using: &generator)!)."
                case 1 where !ids.isEmpty: message = "fix: picked\n\n(cherry picked from commit \(ids.randomElement(using: &generator)!))"
                case 2: message = "feat: with co-author\n\nCo-authored-by: \(people.randomElement(using: &generator)!.name) <ADA@x>"
                default: break
                }
                ids.append(commitID)
                texts.append(message)
                commits.append(SourceCommit(id: commitID, time: Int64(1_700_000_000 - commits.count), author: people.randomElement(using: &generator)!,
                                            isMerge: Int.random(in: 0..<10, using: &generator) == 0, parsed: ConventionalCommitParser.parse(message, keepBody: round % 2 == 0)))
            }
            let tagged = round % 3 != 0
            let release = SourceRelease(tag: tagged ? "v1.\(round).0" : nil, version: tagged ? SemVer(1, UInt64(round), 0) : nil,
                                        date: tagged ? 1_700_000_000 : nil, previousTag: round % 5 == 0 ? nil : "v1.0.0", commits: commits)
            let dropped: Set<String> = ids.isEmpty || !Bool.random(using: &generator) ? [] : [ids.randomElement(using: &generator)!]
            // The same release as the streamed Markdown lists it: the commits listed as their
            // headers say kept as plain commits, the repeated pick marked on its commit.
            let listed = ListedRelease(tag: release.tag, version: release.version, date: release.date, previousTag: release.previousTag,
                                       commits: commits.indices.map { i in
                let c = commits[i], repeated = dropped.contains(c.id)
                if !c.isMerge, let plain = PlainCommit(hash: Self.hash(c.id), time: c.time, author: c.author, message: texts[i], isRepeatedPick: repeated) {
                    return .plain(plain)
                }
                return .parsed(SourceCommit(id: c.id, time: c.time, author: c.author, isMerge: c.isMerge, parsed: c.parsed, isRepeatedPick: repeated))
            })
            plainCount += listed.commits.filter { $0.plain != nil }.count
            // And with every commit parsed: the entries made from the parse.
            let parsed = ListedRelease(tag: release.tag, version: release.version, date: release.date, previousTag: release.previousTag,
                                       commits: commits.map { c in
                .parsed(SourceCommit(id: c.id, time: c.time, author: c.author, isMerge: c.isMerge, parsed: c.parsed,
                                     isRepeatedPick: dropped.contains(c.id)))
            })
            for config in configs {
                for links in [RemoteLinks(forge: .gitlab, base: "https://gitlab.com/acme/shop"), nil] {
                    let builder = ChangelogBuilder(config: config, links: links)
                    let built = ChangelogRenderer.defaultMarkdownBytes(ChangelogDocument(repository: nil, releases: [builder.build(release, dropping: dropped)]),
                                                                       header: false)
                    let direct = builder.defaultMarkdownBytes(parsed)
                    #expect(direct == built, "\(String(decoding: direct, as: UTF8.self))\n---\n\(String(decoding: built, as: UTF8.self))")
                    let fromListed = builder.defaultMarkdownBytes(listed)
                    #expect(fromListed == built, "\(String(decoding: fromListed, as: UTF8.self))\n---\n\(String(decoding: built, as: UTF8.self))")
                    // The JSON the same way: written from the commits, and from the built release.
                    let afterAnother = round % 4 < 2
                    let json = builder.jsonBytes(parsed, afterAnother: afterAnother)
                    let builtJSON = ChangelogJSON.releaseBytes(builder.build(release, dropping: dropped), afterAnother: afterAnother)
                    #expect(json == builtJSON, "\(String(decoding: json, as: UTF8.self))\n---\n\(String(decoding: builtJSON, as: UTF8.self))")
                    // The streamed JSON keeps bodies: compared where the parse kept them.
                    if round % 2 == 0 {
                        let listedJSON = builder.jsonBytes(listed, afterAnother: afterAnother)
                        #expect(listedJSON == builtJSON, "\(String(decoding: listedJSON, as: UTF8.self))\n---\n\(String(decoding: builtJSON, as: UTF8.self))")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 1_600)
        #expect(plainCount > 300)
    }

    /// A commit id from its hex, as the history reader hands it over.
    static func hash(_ hex: String) -> CommitHash {
        let digits = Array(hex.utf8)
        func word(_ range: Range<Int>) -> UInt64 { UInt64(String(decoding: digits[range], as: UTF8.self), radix: 16) ?? 0 }
        return CommitHash(a: word(0..<16), b: word(16..<32), c: UInt32(word(32..<40)))
    }

    @Test func commitHashesAreWrittenAsGitWritesIDs() {
        var generator = SeededGenerator(seed: 62)
        let hexDigits = Array("0123456789abcdef")
        for _ in 0..<2_000 {
            let hex = String((0..<40).map { _ in hexDigits.randomElement(using: &generator)! })
            #expect(Self.hash(hex).hex == hex)
        }
        #expect(CommitHash(a: 0, b: .max, c: 0x0123_abcd).hex == "0000000000000000ffffffffffffffff0123abcd")
    }

    @Test func compiledInTemplatesMatchTheFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func file(_ name: String) throws -> String { try String(contentsOf: root.appendingPathComponent("templates/" + name), encoding: .utf8) }
        #expect(try file("changelog.md") == DefaultTemplates.changelogMarkdown, "run make templates")
        #expect(try file("changelog.html") == DefaultTemplates.changelogHTML, "run make templates")
        #expect(try file("relflow.toml") == DefaultTemplates.relflowToml, "run make templates")
    }
}

@Suite("Streaming JSON changelog")
struct ChangelogJSONTests {
    @Test(arguments: [true, false])
    func piecesMakeTheSameBytesAsJSONEncoder(_ withRepository: Bool) throws {
        let links = withRepository ? RemoteLinks(forge: .github, base: "https://github.com/a/b") : nil
        func source(_ message: String, _ id: String, _ time: Int64) -> SourceCommit {
            SourceCommit(id: String(repeating: id, count: 40), time: time, author: Person(name: "Ada \"the\" one", email: "a@x"),
                         isMerge: false, parsed: ConventionalCommitParser.parse(message))
        }
        let releases = [
            SourceRelease(tag: nil, version: nil, date: nil, previousTag: "v1.0.0", commits: [source("feat: x/y \"quoted\"\n\nbody\nlines", "a", 9)]),
            SourceRelease(tag: "v1.0.0", version: SemVer(1, 0, 0), date: 1_600_000_000, previousTag: nil,
                          commits: [source("fix(ui)!: é <b>\n\nBREAKING CHANGE: tabs\there", "b", 5), source("Other thing", "c", 4)]),
            SourceRelease(tag: "v0.9.0", version: SemVer(0, 9, 0), date: 1_500_000_000, previousTag: nil, commits: []),
        ]
        let document = ChangelogBuilder(config: RelflowConfig(), links: links).build(releases)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let whole = String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
        #expect(try ChangelogJSON.text(document) == whole)
        let empty = ChangelogDocument(repository: nil, releases: [])
        #expect(try ChangelogJSON.text(empty) == String(decoding: try encoder.encode(empty), as: UTF8.self) + "\n")
    }

    /// The eight-bytes-at-a-time check never misses a byte that needs escaping, wherever it
    /// stands, beside any other bytes; it may only be wrong the safe way, and only beside a
    /// byte of 0x80 or more.
    @Test func wordCheckFindsEveryEscape() {
        func needs(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5C }
        for filler: UInt8 in [0x61, 0x20, 0x7F, 0xC3, 0xFF, 0x21, 0x5D] {
            for byte in 0...255 {
                for position in 0..<8 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = UInt8(byte)
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    let any = bytes.contains(where: needs)
                    #expect(PrettyJSON.mayNeedEscape(word) == any || (!any && bytes.contains { $0 >= 0x80 }), "\(bytes)")
                }
            }
        }
    }

    /// The field-by-field writer against `JSONEncoder` on random releases: every optional
    /// present and absent, empty and full arrays, and strings with every kind of character.
    @Test func writerMakesTheEncodersBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", " ", "/", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}", "\u{1f}", "\u{7f}", "é", "😀",
                      "\u{2028}", "\u{301}", "<b>", "&", "#12", "\r\n"]
        func text() -> String {
            (0..<Int.random(in: 0...(Bool.random(using: &generator) ? 6 : 40), using: &generator)).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
        }
        func maybe() -> String? { Bool.random(using: &generator) ? text() : nil }
        func some<T>(_ make: () -> T) -> [T] { (0..<Int.random(in: 0...2, using: &generator)).map { _ in make() } }
        func person() -> Person { Person(name: text(), email: text()) }
        func commit() -> ChangelogCommit {
            ChangelogCommit(id: text(), shortId: text(), type: maybe(), scope: maybe(), description: text(), body: text(),
                            breaking: Bool.random(using: &generator), breakingNotes: some(text),
                            issues: some { IssueReference(number: Int.random(in: -5...100_000, using: &generator), url: maybe()) },
                            footers: some { ChangelogFooter(token: text(), value: text()) }, refs: some(text), author: person(),
                            coAuthors: some(person), date: text(), url: maybe())
        }
        for _ in 0..<300 {
            let release = ChangelogRelease(version: maybe(), tag: maybe(), previousTag: maybe(), date: maybe(),
                                           unreleased: Bool.random(using: &generator), prerelease: Bool.random(using: &generator),
                                           compareUrl: maybe(), breaking: some(commit),
                                           groups: some { ChangelogGroup(title: text(), type: maybe(), commits: some(commit)) },
                                           contributors: some(person), commitCount: Int.random(in: 0...9_999, using: &generator))
            #expect(try ChangelogJSON.release(release) == ChangelogJSON.encodedRelease(release))
        }
    }
}

@Suite("ASCII lowering")
struct AsciiLoweringTests {
    @Test func sameAsLowercased() {
        for text in ["", "feat", "FEAT", "Feat", "co-authored-by", "Co-Authored-By", "ÉCOLE", "émile", "İstanbul", "ß", "ǅ", "a\u{301}B",
                     "dev21@example.com", "Dev@Example.COM", "😀X"] {
            #expect(asciiLowercased(text) == text.lowercased(), "\(text)")
        }
    }

    /// A `Co-authored-by` value: the name before the last `<`, trimmed; a `<` with a mark on it is no `<`.
    @Test func trailerPeople() {
        #expect(person(fromTrailer: "  Grace Hopper  <g@x> ") == Person(name: "Grace Hopper", email: "g@x"))
        #expect(person(fromTrailer: "<g@x>") == Person(name: "g@x", email: "g@x"))
        #expect(person(fromTrailer: "A <> ") == nil && person(fromTrailer: "no email") == nil && person(fromTrailer: "a > b <") == nil)
        #expect(person(fromTrailer: "Zoë <z@x>") == Person(name: "Zoë", email: "z@x"))
        #expect(person(fromTrailer: "A <a@x>\u{301}")?.email == nil)
        #expect(person(fromTrailer: "\tAda\r\n <a@x> <b@y>") == Person(name: "Ada\r\n <a@x>", email: "b@y"))
    }

    /// Trimming reads ASCII as bytes: the same as trimming whitespace characters, on every mix
    /// of spaces, tabs, line ends ("\r\n" is one character) and text.
    @Test func trimmingSpacesMatchesCharacters() {
        func byCharacters(_ text: String) -> String {
            var s = Substring(text)
            while let f = s.first, f.isWhitespace { s.removeFirst() }
            while let l = s.last, l.isWhitespace { s.removeLast() }
            return String(s)
        }
        let pieces = ["", " ", "\t", "\r\n", "\n", "\r", "\u{0B}", "\u{0C}", "a", "b c", "\u{A0}", "é", "e\u{301}", "\u{85}"]
        for a in pieces { for b in pieces { for c in pieces {
            let text = a + b + c
            #expect(text.trimmingSpaces == byCharacters(text), "\(Array(text.unicodeScalars))")
            #expect(text[...].trimmingSpaces == byCharacters(text))
        } } }
    }
}

@Suite("Paths no gate can judge")
struct UnsafePathTests {
    @Test func partsGitRefusesAreFound() {
        #expect(GatePolicy.unsafePath(in: ["docs/a.md", "src/.GIT/x", "b"]) == "src/.GIT/x")
        #expect(GatePolicy.unsafePath(in: ["docs/../app.txt"]) == "docs/../app.txt")
        #expect(GatePolicy.unsafePath(in: ["./a", "a//b", "a/"]) == "./a")
        #expect(GatePolicy.unsafePath(in: ["docs/a.md", "a..b/c.d", ".github/x", ".gitignore"]) == nil)
    }
}
