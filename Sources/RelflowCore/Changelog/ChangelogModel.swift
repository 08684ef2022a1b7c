/// The changelog as data: what `--format json` prints and what templates receive.
/// Field names are the JSON schema (documented in the README); they do not change.
public struct ChangelogDocument: Sendable, Codable, Equatable {
    public var schemaVersion = 1
    /// The repository's web address, when the remote is a known forge (or configured).
    public var repository: String?
    /// Newest first; `Unreleased` (when present) on top.
    public var releases: [ChangelogRelease]

    public init(repository: String?, releases: [ChangelogRelease]) {
        self.repository = repository
        self.releases = releases
    }
}

public struct ChangelogRelease: Sendable, Codable, Equatable {
    /// `1.4.0`, nil for Unreleased.
    public var version: String?
    public var tag: String?
    /// The release before this one (for compare links), nil for the first.
    public var previousTag: String?
    /// `YYYY-MM-DD` (UTC): the tag's date for annotated tags, else its commit's.
    public var date: String?
    public var unreleased: Bool
    public var prerelease: Bool
    public var compareUrl: String?
    /// Breaking changes, each with its notes; they also stand first in their groups.
    public var breaking: [ChangelogCommit]
    /// In config order; Other last.
    public var groups: [ChangelogGroup]
    /// Authors and `Co-authored-by` people, by name.
    public var contributors: [Person]
    /// Commits in this release before filtering (merges, hidden types, reverted pairs…).
    public var commitCount: Int
}

public struct ChangelogGroup: Sendable, Codable, Equatable {
    public var title: String
    /// The commit type, nil for the Other group.
    public var type: String?
    public var commits: [ChangelogCommit]
}

public struct ChangelogCommit: Sendable, Codable, Equatable {
    public var id: String
    public var shortId: String
    /// Nil for a non-conventional commit.
    public var type: String?
    public var scope: String?
    public var description: String
    public var body: String
    public var breaking: Bool
    public var breakingNotes: [String]
    public var issues: [IssueReference]
    /// The commit's footers (`Refs: JIRA-7`, `Reviewed-by: …`), as written, in order.
    public var footers: [ChangelogFooter]
    /// The values of its `Refs:` footers (`Refs: JIRA-7, JIRA-9` gives two).
    public var refs: [String]
    public var author: Person
    public var coAuthors: [Person]
    /// `YYYY-MM-DD` (UTC) of the commit.
    public var date: String
    public var url: String?
}

public struct ChangelogFooter: Sendable, Codable, Hashable {
    public var token: String
    public var value: String
    public init(token: String, value: String) {
        self.token = token
        self.value = value
    }
}

public struct Person: Sendable, Codable, Hashable {
    public var name: String
    public var email: String
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

public struct IssueReference: Sendable, Codable, Hashable {
    /// `12` for `#12` and `GH-12`.
    public var number: Int
    public var url: String?
}

/// One commit as the changelog builder receives it.
public struct SourceCommit: Sendable {
    public let id: String
    public let time: Int64
    public let author: Person
    public let isMerge: Bool
    public let parsed: ParsedMessage
    /// A cherry-pick listed elsewhere already (its source, or an earlier copy), so left out:
    /// known to whoever read the whole history, and said here rather than by a set of ids
    /// that every commit of every release is looked up in.
    public let isRepeatedPick: Bool

    public init(id: String, time: Int64, author: Person, isMerge: Bool, parsed: ParsedMessage, isRepeatedPick: Bool = false) {
        self.id = id
        self.time = time
        self.author = author
        self.isMerge = isMerge
        self.parsed = parsed
        self.isRepeatedPick = isRepeatedPick
    }
}

/// One release as the changelog builder receives it: its commits, newest first.
public struct SourceRelease: Sendable {
    public let tag: String?
    public let version: SemVer?
    public let date: Int64?
    public let previousTag: String?
    public let commits: [SourceCommit]

    public init(tag: String?, version: SemVer?, date: Int64?, previousTag: String?, commits: [SourceCommit]) {
        self.tag = tag
        self.version = version
        self.date = date
        self.previousTag = previousTag
        self.commits = commits
    }
}

/// `YYYY-MM-DD` in UTC for seconds since the epoch (proleptic Gregorian calendar).
public func isoDate(_ seconds: Int64) -> String {
    let days = Int64((Double(seconds) / 86_400).rounded(.down))
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    // Built from digits: a string interpolation cost more than the arithmetic above.
    guard y >= 1000 && y <= 9999 else {
        func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(pad(m))-\(pad(d))"
    }
    return String(unsafeUninitializedCapacity: 10) { b in
        func digit(_ v: Int64) -> UInt8 { UInt8(48 + v) }
        b[0] = digit(y / 1000); b[1] = digit(y / 100 % 10); b[2] = digit(y / 10 % 10); b[3] = digit(y % 10)
        b[4] = UInt8(ascii: "-"); b[5] = digit(m / 10); b[6] = digit(m % 10)
        b[7] = UInt8(ascii: "-"); b[8] = digit(d / 10); b[9] = digit(d % 10)
        return 10
    }
}
