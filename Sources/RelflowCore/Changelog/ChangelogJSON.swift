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

    private mutating func append(_ literal: StaticString) { text += literal }

    /// A line break and the indentation, copied from one buffer (the deepest line of a release
    /// is indented 20 spaces, the buffer holds 64; deeper ones get their spaces one by one).
    private static let breakAndSpaces: StaticString = "\n                                                                "

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
    private mutating func member() {
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if started & bit != 0 { text.append(byte: 0x2C) }
        started |= bit
        newline()
    }

    private mutating func open(_ bracket: UInt8) {
        text.append(byte: bracket)
        depth += 1
        precondition(depth <= 64, "JSON nested deeper than 64 levels")
        started &= ~(1 << UInt64(depth - 1))
        level += 2
    }

    private mutating func close(_ bracket: UInt8) {
        let any = started & (1 << UInt64(depth - 1)) != 0
        depth -= 1
        level -= 2
        // An empty container is still written on two lines, with a blank one between.
        if !any { text.append(byte: 0x0A) }
        newline()
        text.append(byte: bracket)
    }

    private mutating func key(_ name: StaticString) {
        member()
        text.append(byte: 0x22)
        append(name)
        append("\" : ")
    }

    /// Escapes work on bytes: only ASCII bytes are ever escaped, and every byte of a
    /// multi-byte character is 0x80 or above.
    mutating func string(_ value: String) {
        text.append(byte: 0x22)
        var value = value
        value.withUTF8 { source in
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
        text.append(byte: 0x22)
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

    private mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

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
        open(0x7B)
        array("breaking", r.breaking) { $0.commit($1) }
        field("commitCount", r.commitCount)
        field("compareUrl", r.compareUrl)
        array("contributors", r.contributors) { $0.person($1) }
        field("date", r.date)
        array("groups", r.groups) { $0.group($1) }
        field("prerelease", r.prerelease)
        field("previousTag", r.previousTag)
        field("tag", r.tag)
        field("unreleased", r.unreleased)
        field("version", r.version)
        close(0x7D)
    }

    mutating func group(_ g: ChangelogGroup) {
        open(0x7B)
        array("commits", g.commits) { $0.commit($1) }
        field("title", g.title)
        field("type", g.type)
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

    /// `{`, the fields `body` writes, `}`.
    private mutating func object(_ body: (inout PrettyJSON) -> Void) {
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
