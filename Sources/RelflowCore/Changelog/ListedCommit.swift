/// A commit's id as a value (its 20 bytes in three words): written out as hex where it is
/// shown, never kept as a string.
public struct CommitHash: Sendable, Hashable {
    let a: UInt64
    let b: UInt64
    let c: UInt32

    public init(a: UInt64, b: UInt64, c: UInt32) {
        self.a = a
        self.b = b
        self.c = c
    }

    /// The first `digits` (at most 40) of its lowercase hex.
    func write(to out: inout ByteText, digits: Int = 40) {
        // Four bytes at a time: each nibble spread to a byte of a word, then made a digit in
        // all eight lanes at once ('0'…'9' by adding 0x30, 'a'…'f' by 0x27 more).
        func eight(_ v: UInt32) -> UInt64 {
            var x = UInt64(v)
            x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
            x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
            x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
            let over9 = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
            // The highest nibble is in the highest byte: stored big-endian, it comes first.
            return (x &+ 0x3030_3030_3030_3030 &+ over9 &* 0x27).bigEndian
        }
        let text = (eight(UInt32(truncatingIfNeeded: a >> 32)), eight(UInt32(truncatingIfNeeded: a)),
                    eight(UInt32(truncatingIfNeeded: b >> 32)), eight(UInt32(truncatingIfNeeded: b)), eight(c))
        withUnsafeBytes(of: text) { raw in
            out.append(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[0..<min(digits, 40)]))
        }
    }

    public var hex: String {
        var out = ByteText(capacity: 40)
        write(to: &out)
        return out.string
    }
}

/// A commit the changelog lists as its header says (`ConventionalCommitParser.listedHeader`:
/// no `!`, no footers, no revert marks), kept as its message and where the header's parts
/// are in it: listed without the parse's strings, box and arrays, which were most of the cost
/// of listing a history's commits.
public struct PlainCommit: Sendable {
    public let hash: CommitHash
    public let time: Int64
    public let author: Person
    public let isRepeatedPick: Bool
    let message: String
    let parts: ConventionalCommitParser.HeaderParts
    /// The type in lowercase (types are not case-sensitive).
    let type: String

    /// Nil when the message is not such a commit's (the parse decides it).
    public init?(hash: CommitHash, time: Int64, author: Person, message: String, isRepeatedPick: Bool = false) {
        var text = message
        guard let found: (ConventionalCommitParser.HeaderParts, String) = text.withUTF8({ bytes in
            ConventionalCommitParser.listedHeader(bytes).map { parts in
                (parts, asciiLowercased(String(decoding: UnsafeBufferPointer(rebasing: bytes[parts.type]), as: UTF8.self)))
            }
        }) else { return nil }
        self.hash = hash
        self.time = time
        self.author = author
        self.isRepeatedPick = isRepeatedPick
        self.message = message
        parts = found.0
        type = found.1
    }

    /// `**scope:** ` (when it has one), `otherType: ` (when given), then the description.
    func writeHead(to out: inout ByteText, otherType: String?) {
        var text = message
        text.withUTF8 { bytes in
            if let scope = parts.scope {
                out += "**"; out.append(UnsafeBufferPointer(rebasing: bytes[scope])); out += ":** "
            }
            if let otherType { out.append(otherType); out += ": " }
            out.append(UnsafeBufferPointer(rebasing: bytes[parts.description]))
        }
    }

    /// `[abc1234](url)`, or `abc1234` without a forge.
    func writeLink(to out: inout ByteText, links: RemoteLinks?) {
        if let links {
            out += "["; hash.write(to: &out, digits: 7); out += "]("
            out.append(links.base); out += links.commitPath; hash.write(to: &out); out += ")"
        } else {
            hash.write(to: &out, digits: 7)
        }
    }
}

/// A commit of a release as the listing builds it: parsed, or plain. A pair of optionals, not
/// an enum: reading a field through `?.` borrows it, where matching an enum's case copied the
/// whole commit (and retained its strings) on every read.
public struct ListedCommit: Sendable {
    let parsed: SourceCommit?
    let plain: PlainCommit?

    public static func parsed(_ commit: SourceCommit) -> ListedCommit { ListedCommit(parsed: commit, plain: nil) }
    public static func plain(_ commit: PlainCommit) -> ListedCommit { ListedCommit(parsed: nil, plain: commit) }
}

/// A release as the default Markdown lists it (`ChangelogBuilder.defaultMarkdownBytes`).
public struct ListedRelease: Sendable {
    public let tag: String?
    public let version: SemVer?
    public let date: Int64?
    public let previousTag: String?
    public let commits: [ListedCommit]

    public init(tag: String?, version: SemVer?, date: Int64?, previousTag: String?, commits: [ListedCommit]) {
        self.tag = tag
        self.version = version
        self.date = date
        self.previousTag = previousTag
        self.commits = commits
    }
}

/// What `ChangelogBuilder.layout` reads of a commit.
protocol LayoutCommit {
    var id: String { get }
    var author: Person { get }
    var isMerge: Bool { get }
    var isRepeatedPick: Bool { get }
    var kind: ParsedMessage.Kind { get }
    var revertedCommits: [String] { get }
    /// `!` or a `BREAKING CHANGE` note.
    var isBreaking: Bool { get }
    /// The lowercase type it is grouped by (`revert` for git's `Revert "…"`); nil for a
    /// message that is not a Conventional Commit.
    var groupType: String? { get }
    /// Its `Co-authored-by` people.
    var coAuthors: [Person] { get }
}

extension SourceCommit: LayoutCommit {
    var kind: ParsedMessage.Kind { parsed.kind }
    var revertedCommits: [String] { parsed.revertedCommits }
    var isBreaking: Bool { parsed.commitBox?.value.isBreaking ?? false }
    var groupType: String? { parsed.kind == .gitRevert ? "revert" : parsed.commitBox.map { $0.value.normalizedType } }
    var coAuthors: [Person] { parsed.commitBox?.value.footers.compactMap(ChangelogBuilder.coAuthor) ?? [] }
}

extension ListedCommit: LayoutCommit {
    var id: String { parsed?.id ?? plain?.hash.hex ?? "" }
    var author: Person { parsed?.author ?? plain?.author ?? Person(name: "", email: "") }
    var isMerge: Bool { parsed?.isMerge ?? false }
    var isRepeatedPick: Bool { parsed?.isRepeatedPick ?? plain?.isRepeatedPick ?? false }
    var kind: ParsedMessage.Kind { parsed?.kind ?? .conventional }
    var revertedCommits: [String] { parsed?.revertedCommits ?? [] }
    var isBreaking: Bool { parsed?.isBreaking ?? false }
    var groupType: String? { plain?.type ?? parsed?.groupType }
    var coAuthors: [Person] { parsed?.coAuthors ?? [] }
}
