import Foundation

/// The JSON changelog written release by release: the same bytes as encoding the whole
/// document with `JSONEncoder` (pretty, sorted keys), without the whole document in memory
/// and with the releases encoded on all cores. A test holds the two equal.
public enum ChangelogJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Everything before the first release.
    public static let head = "{\n  \"releases\" : [\n"

    /// One release, indented to its place in the array: written field by field, the bytes
    /// `JSONEncoder` (pretty, sorted keys, slashes unescaped) would make — it cost ~15 µs a
    /// commit, more than reading and parsing the commit. A test compares the two.
    public static func release(_ release: ChangelogRelease) throws -> String {
        String(decoding: releaseBytes(release), as: UTF8.self)
    }

    /// `release(_:)` as UTF-8 bytes, as written to the output; `afterAnother`: preceded by the
    /// comma and line break that separate it from the release before.
    public static func releaseBytes(_ release: ChangelogRelease, afterAnother: Bool = false) -> [UInt8] {
        // About 700 bytes a commit: reserved at once rather than grown by doubling.
        var writer = PrettyJSON(indent: 4, separated: afterAnother, capacity: 1024 + 768 * release.commitCount)
        writer.release(release)
        return writer.bytes
    }

    /// The same bytes through `JSONEncoder`, for the tests that hold the writer to it.
    static func encodedRelease(_ release: ChangelogRelease) throws -> String {
        let text = String(decoding: try encoder().encode(release), as: UTF8.self)
        // JSON strings hold no raw newline, so lines are safe to indent.
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    }

    /// Everything after the last release.
    public static func tail(repository: String?) throws -> String {
        var text = "\n  ]"
        if let repository {
            text += ",\n  \"repository\" : " + String(decoding: try encoder().encode(repository), as: UTF8.self)
        }
        return text + ",\n  \"schemaVersion\" : 1\n}\n"
    }

    /// The whole document, as the streaming writer produces it.
    public static func text(_ document: ChangelogDocument) throws -> String {
        if document.releases.isEmpty { return String(decoding: try encoder().encode(document), as: UTF8.self) + "\n" }
        return head + (try document.releases.map(release).joined(separator: ",\n")) + (try tail(repository: document.repository))
    }
}

/// Foundation's pretty JSON layout, for the changelog's own types: keys in sorted order (as
/// `.sortedKeys` orders these names), `"key" : value`, two spaces a level, an empty array
/// as `[` blank line `]`, absent optionals left out, strings escaped as Foundation does
/// (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`, nothing else).
struct PrettyJSON: ~Copyable {
    /// UTF-8 in a buffer of its own (`ByteText`): appending to a `[UInt8]` cost more than
    /// the text, 740,000 pieces on 30,000 commits.
    private var text: ByteText
    private var level: Int
    /// Whether each open object or array has a member yet, one bit a level (a changelog
    /// nests six deep; an array of flags cost an allocation and a uniqueness check a step).
    private var started: UInt64 = 0
    private var depth = 0

    init(indent: Int, separated: Bool = false, capacity: Int = 4096) {
        level = indent
        text = ByteText(capacity: capacity)
        if separated { text += ",\n" }
        text.append(repeating: 0x20, count: indent)
    }

    var bytes: [UInt8] { text.bytes }

    @inline(__always)
    private mutating func append(_ literal: StaticString) { text += literal }

    /// A line break and the indentation, copied from one buffer (the deepest line of a release
    /// is indented 20 spaces, the buffer holds 64; deeper ones get their spaces one by one).
    private static let breakAndSpaces: StaticString = "\n                                                                "

    @inline(__always)
    private mutating func newline() {
        let run = PrettyJSON.breakAndSpaces
        if level < run.utf8CodeUnitCount {
            text.append(UnsafeBufferPointer(start: run.utf8Start, count: level + 1))
        } else {
            text.append(byte: 0x0A)
            text.append(repeating: 0x20, count: level)
        }
    }

    /// Before a member: the comma after the previous one, a new line, the indentation.
    @inline(__always)
    private mutating func member() {
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if started & bit != 0 { text.append(byte: 0x2C) }
        started |= bit
        newline()
    }

    @inline(__always)
    private mutating func open(_ bracket: UInt8) {
        text.append(byte: bracket)
        depth += 1
        precondition(depth <= 64, "JSON nested deeper than 64 levels")
        started &= ~(1 << UInt64(depth - 1))
        level += 2
    }

    @inline(__always)
    private mutating func close(_ bracket: UInt8) {
        let any = started & (1 << UInt64(depth - 1)) != 0
        depth -= 1
        level -= 2
        // An empty container is still written on two lines, with a blank one between.
        if !any { text.append(byte: 0x0A) }
        newline()
        text.append(byte: bracket)
    }

    @inline(__always)
    private mutating func key(_ name: StaticString) {
        member()
        text.append(byte: 0x22)
        append(name)
        append("\" : ")
    }

    /// Escapes work on bytes: only ASCII bytes are ever escaped, and every byte of a
    /// multi-byte character is 0x80 or above.
    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string($0) }
    }

    /// Text given as UTF-8, quoted and escaped.
    mutating func string(_ source: UnsafeBufferPointer<UInt8>) {
        text.append(byte: 0x22)
        unquoted(source)
        text.append(byte: 0x22)
    }

    /// The escaped text without its quotes (a string written in pieces).
    private mutating func unquoted(_ source: UnsafeBufferPointer<UInt8>) {
        // Runs without an escape go in with one copy each; eight bytes are checked at a
        // time (commit bodies are most of the text, and hold few escapes).
        var start = 0
        var i = 0
        let n = source.count
        guard let base = source.baseAddress else { return }
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if !Self.mayNeedEscape(word) {
                    i += 8
                    continue
                }
            }
            let byte = source[i]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C {
                text.append(UnsafeBufferPointer(rebasing: source[start..<i]))
                escape(byte)
                start = i + 1
            }
            i += 1
        }
        text.append(UnsafeBufferPointer(rebasing: source[start...]))
    }

    /// Whether any of the eight bytes may be below 0x20, `"` or `\\` (never false when one is;
    /// a byte of 0x80 or more may give a true that the byte-by-byte check then clears).
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
    }

    private mutating func escape(_ byte: UInt8) {
        let hex: StaticString = "0123456789abcdef"
        switch byte {
        case 0x22: append("\\\"")
        case 0x5C: append("\\\\")
        case 0x08: append("\\b")
        case 0x0C: append("\\f")
        case 0x0A: append("\\n")
        case 0x0D: append("\\r")
        case 0x09: append("\\t")
        default:
            append("\\u00")
            text.append(byte: hex.utf8Start[Int(byte >> 4)])
            text.append(byte: hex.utf8Start[Int(byte & 15)])
        }
    }

    @inline(__always)
    private mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    @inline(__always)
    private mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        if value { append("true") } else { append("false") }
    }

    private mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        text.append(String(value))
    }

    private mutating func array<T>(_ name: StaticString, _ values: [T], _ write: (inout PrettyJSON, T) -> Void) {
        key(name)
        open(0x5B)
        for value in values {
            member()
            write(&self, value)
        }
        close(0x5D)
    }

    mutating func release(_ r: ChangelogRelease) {
        release(breaking: r.breaking, commitCount: r.commitCount, compareUrl: r.compareUrl, contributors: r.contributors, date: r.date,
                groups: r.groups.map { ($0.title, $0.type, $0.commits) }, prerelease: r.prerelease, previousTag: r.previousTag,
                tag: r.tag, unreleased: r.unreleased, version: r.version) { $0.commit($1) }
    }

    /// A release from its parts, its commits of either kind (`ChangelogCommit`, `ListedJSONEntry`).
    mutating func release<Commit>(breaking: [Commit], commitCount: Int, compareUrl: String?, contributors: [Person], date: String?,
                                  groups: [(title: String, type: String?, commits: [Commit])], prerelease: Bool,
                                  previousTag: String?, tag: String?, unreleased: Bool, version: String?,
                                  commit: (inout PrettyJSON, Commit) -> Void) {
        open(0x7B)
        array("breaking", breaking, commit)
        field("commitCount", commitCount)
        field("compareUrl", compareUrl)
        array("contributors", contributors) { $0.person($1) }
        field("date", date)
        array("groups", groups) { json, group in
            json.object {
                $0.array("commits", group.commits, commit)
                $0.field("title", group.title)
                $0.field("type", group.type)
            }
        }
        field("prerelease", prerelease)
        field("previousTag", previousTag)
        field("tag", tag)
        field("unreleased", unreleased)
        field("version", version)
        close(0x7D)
    }

    mutating func commit(_ c: ChangelogCommit) {
        open(0x7B)
        key("author")
        person(c.author)
        field("body", c.body)
        field("breaking", c.breaking)
        array("breakingNotes", c.breakingNotes) { $0.string($1) }
        array("coAuthors", c.coAuthors) { $0.person($1) }
        field("date", c.date)
        field("description", c.description)
        array("footers", c.footers) { $0.footer($1) }
        field("id", c.id)
        array("issues", c.issues) { $0.issue($1) }
        array("refs", c.refs) { $0.string($1) }
        field("scope", c.scope)
        field("shortId", c.shortId)
        field("type", c.type)
        field("url", c.url)
        close(0x7D)
    }

    /// The fields of `commit(_:)` (the same keys in the same order, a test holds them equal)
    /// read from the commit's parts, with no `ChangelogCommit` made in between.
    mutating func commit(_ e: JSONEntry, links: RemoteLinks?) {
        let parsed = e.source.parsed
        let parts = parsed.commitBox
        open(0x7B)
        key("author")
        person(e.source.author)
        field("body", parts?.value.body ?? "")
        field("breaking", parts?.value.isBreaking ?? false)
        array("breakingNotes", ChangelogBuilder.breakingNotes(of: parsed)) { $0.string($1) }
        array("coAuthors", e.coAuthors) { $0.person($1) }
        field("date", isoDate(e.source.time))
        field("description", e.description)
        key("footers")
        open(0x5B)
        for footer in parts?.value.footers ?? [] where !footer.isBreakingChange {
            member()
            object { $0.field("token", footer.token); $0.field("value", footer.value) }
        }
        close(0x5D)
        field("id", e.source.id)
        array("issues", e.issues) { $0.issue($1) }
        array("refs", ChangelogBuilder.refs(of: parsed)) { $0.string($1) }
        field("scope", parts?.value.scope)
        var id = e.source.id
        id.withUTF8 { hex in
            key("shortId")
            string(UnsafeBufferPointer(rebasing: hex.prefix(7)))
            field("type", parts.map { $0.value.normalizedType })
            guard let links else { return }
            // The address in pieces, as `links.commit(id)` joins them.
            key("url")
            text.append(byte: 0x22)
            var base = links.base
            base.withUTF8 { unquoted($0) }
            links.commitPath.withUTF8Buffer { unquoted($0) }
            unquoted(hex)
            text.append(byte: 0x22)
        }
        close(0x7D)
    }

    /// The fields of `commit(_:)` for a plain commit (`PlainCommit`), written from its message:
    /// no footers, notes, issues, refs or co-authors, and the body as the parse joins it.
    mutating func commit(_ c: PlainCommit, otherType: String?, links: RemoteLinks?) {
        var message = c.message
        message.withUTF8 { bytes in
            open(0x7B)
            key("author")
            person(c.author)
            key("body")
            text.append(byte: 0x22)
            if var walk = ConventionalCommitParser.PlainWalk(bytes) {
                var first = true
                while let step = walk.next() {
                    guard case .line(let line) = step else { continue }
                    if !first { append(line.startsParagraph ? "\\n\\n" : "\\n") }
                    first = false
                    unquoted(UnsafeBufferPointer(rebasing: bytes[line.start..<line.stop]))
                }
            }
            text.append(byte: 0x22)
            field("breaking", false)
            array("breakingNotes", [String]()) { $0.string($1) }
            array("coAuthors", [Person]()) { $0.person($1) }
            field("date", isoDate(c.time))
            key("description")
            text.append(byte: 0x22)
            if let otherType {
                string(otherType, quoted: false)
                append(": ")
            }
            unquoted(UnsafeBufferPointer(rebasing: bytes[c.parts.description]))
            text.append(byte: 0x22)
            array("footers", [String]()) { $0.string($1) }
            key("id")
            text.append(byte: 0x22)
            c.hash.write(to: &text)
            text.append(byte: 0x22)
            array("issues", [String]()) { $0.string($1) }
            array("refs", [String]()) { $0.string($1) }
            if let scope = c.parts.scope {
                key("scope")
                string(UnsafeBufferPointer(rebasing: bytes[scope]))
            }
            key("shortId")
            text.append(byte: 0x22)
            c.hash.write(to: &text, digits: 7)
            text.append(byte: 0x22)
            field("type", c.type)
            if let links {
                key("url")
                text.append(byte: 0x22)
                var base = links.base
                base.withUTF8 { unquoted($0) }
                links.commitPath.withUTF8Buffer { unquoted($0) }
                c.hash.write(to: &text)
                text.append(byte: 0x22)
            }
            close(0x7D)
        }
    }

    /// Text escaped, without its quotes when `quoted` is false.
    private mutating func string(_ value: String, quoted: Bool) {
        var value = value
        value.withUTF8 { quoted ? string($0) : unquoted($0) }
    }

    /// `{`, the fields `body` writes, `}`.
    mutating func object(_ body: (inout PrettyJSON) -> Void) {
        open(0x7B)
        body(&self)
        close(0x7D)
    }

    mutating func person(_ p: Person) {
        object { $0.field("email", p.email); $0.field("name", p.name) }
    }

    mutating func footer(_ f: ChangelogFooter) {
        object { $0.field("token", f.token); $0.field("value", f.value) }
    }

    mutating func issue(_ i: IssueReference) {
        object { $0.field("number", i.number); $0.field("url", i.url) }
    }
}

/// A commit as the JSON lists it, kept as its source: `PrettyJSON.commit(_:links:)` writes the
/// fields of the `ChangelogCommit` the builder would make from it, without making one (the
/// struct, its footers and strings were a fifth of the JSON's cost).
struct JSONEntry {
    let source: SourceCommit
    /// As listed: with a project's own type before it in Other.
    let description: String
    let issues: [IssueReference]
    let coAuthors: [Person]
}

/// A commit of a `ListedRelease` as the JSON lists it (see `ListedEntry`).
struct ListedJSONEntry {
    let entry: JSONEntry?
    let plain: PlainCommit?
    let otherType: String?
}

extension ChangelogBuilder {
    /// A release in the JSON, written from its commits (a plain one straight from its message):
    /// the bytes of `ChangelogJSON.releaseBytes(build(release, …), afterAnother:)`, bodies kept.
    public func jsonBytes(_ release: ListedRelease, afterAnother: Bool) -> [UInt8] {
        let links = links
        let layout = layout(release.commits, dropping: []) { listed, otherType, coAuthors -> ListedJSONEntry in
            ListedJSONEntry(entry: listed.parsed.map { Self.jsonEntry($0, otherType: otherType, coAuthors: coAuthors, links: links) },
                            plain: listed.plain, otherType: otherType)
        }
        var writer = PrettyJSON(indent: 4, separated: afterAnother, capacity: 1024 + 768 * release.commits.count)
        writer.release(breaking: layout.breaking, commitCount: release.commits.count,
                       compareUrl: compareURL(tag: release.tag, previousTag: release.previousTag),
                       contributors: layout.contributors, date: release.date.map(isoDate), groups: layout.groups,
                       prerelease: release.version?.isPrerelease ?? false, previousTag: release.previousTag, tag: release.tag,
                       unreleased: release.tag == nil, version: release.version?.description) { json, e in
            if let entry = e.entry { json.commit(entry, links: links) }
            if let plain = e.plain { json.commit(plain, otherType: e.otherType, links: links) }
        }
        return writer.bytes
    }

    static func jsonEntry(_ source: SourceCommit, otherType: String?, coAuthors: [Person], links: RemoteLinks?) -> JSONEntry {
        let description = Self.description(of: source.parsed)
        return JSONEntry(source: source, description: otherType.map { $0 + ": " + description } ?? description,
                         issues: Self.issues(of: source.parsed, description: description, links: links), coAuthors: coAuthors)
    }
}
