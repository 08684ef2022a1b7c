/// Turns releases of commits into the changelog: groups in config order, breaking changes
/// first, reverted pairs and repeated cherry-picks removed, merges and hidden types left out.
public struct ChangelogBuilder: Sendable {
    public let config: RelflowConfig
    public let links: RemoteLinks?

    public init(config: RelflowConfig, links: RemoteLinks?) {
        self.config = config
        self.links = links
    }

    public func build(_ releases: [SourceRelease]) -> ChangelogDocument {
        // A cherry-picked commit appears once: not at all when the commit it was picked from
        // is listed too, else only its first copy.
        let hasPicks = releases.contains { $0.commits.contains { !$0.parsed.cherryPickedFrom.isEmpty } }
        var present = Set<String>()
        if hasPicks { for release in releases { for commit in release.commits { present.insert(commit.id) } } }
        var pickedSources = Set<String>()
        var droppedPicks = Set<String>()
        for release in releases.reversed() where hasPicks {
            for commit in release.commits.reversed() {
                for source in commit.parsed.cherryPickedFrom {
                    if present.contains(source) || hasPrefixMatch(source, in: present) || !pickedSources.insert(source).inserted {
                        droppedPicks.insert(commit.id)
                    }
                }
            }
        }
        let dropped = droppedPicks
        return ChangelogDocument(repository: links?.base, releases: parallelMap(releases, minimumCount: 8) { build($0, dropping: dropped) })
    }

    /// One release; `droppedPicks` are cherry-picks listed elsewhere (see `build(_:)`).
    public func build(_ release: SourceRelease, dropping droppedPicks: Set<String>) -> ChangelogRelease {
        // The closure holds what it reads, not `self` (see `defaultMarkdownBytes`).
        let links = links
        let layout = layout(release.commits, dropping: droppedPicks) { source, otherType, coAuthors -> ChangelogCommit in
            var entry = Self.entry(for: source, coAuthors: coAuthors, links: links)
            // A project's own type (`dx`, `release`) keeps its name in Other.
            if let otherType { entry.description = otherType + ": " + entry.description }
            return entry
        }
        return ChangelogRelease(
            version: release.version?.description, tag: release.tag, previousTag: release.previousTag,
            date: release.date.map(isoDate), unreleased: release.tag == nil,
            prerelease: release.version?.isPrerelease ?? false, compareUrl: compareURL(release),
            breaking: layout.breaking,
            groups: layout.groups.map { ChangelogGroup(title: $0.title, type: $0.type, commits: $0.commits) },
            contributors: layout.contributors, commitCount: release.commits.count)
    }

    /// The compare view of a release (its first: the tag), when the forge is known.
    func compareURL(_ release: SourceRelease) -> String? { compareURL(tag: release.tag, previousTag: release.previousTag) }

    func compareURL(tag: String?, previousTag: String?) -> String? {
        guard let links else { return nil }
        if let previous = previousTag { return links.compare(previous, tag ?? "HEAD") }
        return tag.map(links.tag)
    }

    /// What a release shows, in order, with entries of any kind: `ChangelogCommit`s for the
    /// JSON and templates, or lighter ones that the default Markdown writes straight from the
    /// commits (`defaultMarkdownBytes`). `makeEntry` gets the commit; for one in Other with a
    /// type of the project's own, that type; and its `Co-authored-by` people.
    func layout<Source: LayoutCommit, Entry>(_ commits: [Source], dropping droppedPicks: Set<String>,
                                             entry makeEntry: (Source, _ otherType: String?, _ coAuthors: [Person]) -> Entry) -> ReleaseLayout<Entry> {
        // A revert and the commit it reverts cancel out inside one release.
        var cancelled = Set<String>()
        let reverts = commits.filter { !$0.revertedCommits.isEmpty }
        var ids = reverts.isEmpty ? [] : Set(commits.map(\.id))
        for commit in reverts where !cancelled.contains(commit.id) {
            for target in commit.revertedCommits {
                let match = ids.contains(target) ? target : ids.first { $0.hasPrefix(target) && target.count >= 7 }
                if let match, match != commit.id, !cancelled.contains(match) {
                    cancelled.insert(match)
                    cancelled.insert(commit.id)
                    break
                }
            }
        }
        ids.removeAll()

        // Groups by their place in the config (an array, not a dictionary keyed by type), and
        // each commit type looked up once per run of equal types. Breaking entries are kept
        // apart in each group, to stand first.
        let types = config.commits.types
        var grouped = [(breaking: [Entry], other: [Entry])](repeating: ([], []), count: types.count)
        var other: (breaking: [Entry], other: [Entry]) = ([], [])
        var breaking: [Entry] = []
        var contributors = FirstPerKey()
        var lastType: String?
        var lastGroup: Int?
        for source in commits {
            if source.isRepeatedPick || (!cancelled.isEmpty && cancelled.contains(source.id))
                || (!droppedPicks.isEmpty && droppedPicks.contains(source.id)) { continue }
            if source.isMerge && !config.changelog.includeMerges { continue }
            let kind = source.kind
            if kind == .merge && !config.changelog.includeMerges { continue }
            let isBreaking = source.isBreaking
            // A `Revert "…"` made by git goes with the reverts, not with Other.
            let type = source.groupType
            let group: Int?
            if let type {
                if type != lastType {
                    lastType = type
                    lastGroup = config.commits.groupIndex(for: type)
                }
                group = lastGroup
            } else {
                group = nil
            }
            let coAuthors = source.coAuthors
            // A breaking commit stands in its group too: its entry made once for both.
            let listedAsBreaking = isBreaking ? makeEntry(source, nil, coAuthors) : nil
            if let listedAsBreaking { breaking.append(listedAsBreaking) }
            if let group {
                if types[group].hidden && !isBreaking { continue }
                if let listedAsBreaking { grouped[group].breaking.append(listedAsBreaking) } else { grouped[group].other.append(makeEntry(source, nil, coAuthors)) }
            } else {
                let isMerge = source.isMerge || kind == .merge
                if config.commits.nonConventional == .drop && !isBreaking && !isMerge { continue }
                let entry = makeEntry(source, kind == .gitRevert ? nil : type, coAuthors)
                if isBreaking { other.breaking.append(entry) } else { other.other.append(entry) }
            }
            contributors.add(source.author)
            for person in coAuthors { contributors.add(person) }
        }
        var groups: [(title: String, type: String?, commits: [Entry])] = []
        func joined(_ parts: (breaking: [Entry], other: [Entry])) -> [Entry] { parts.breaking.isEmpty ? parts.other : parts.breaking + parts.other }
        for (index, type) in types.enumerated() where !(grouped[index].breaking.isEmpty && grouped[index].other.isEmpty) {
            groups.append((type.title, type.type, joined(grouped[index])))
        }
        if !(other.breaking.isEmpty && other.other.isEmpty) {
            groups.append((config.commits.otherTitle, nil, joined(other)))
        }
        // Keys made once per person, not twice per comparison.
        let people = contributors.people.map { (key: (asciiLowercased($0.name), $0.email), person: $0) }
            .sorted { $0.key < $1.key }.map(\.person)
        return ReleaseLayout(breaking: breaking, groups: groups, contributors: people)
    }

    /// A `Co-authored-by` footer's person.
    static func coAuthor(_ footer: Footer) -> Person? {
        asciiLowercased(footer.token) == "co-authored-by" ? person(fromTrailer: footer.value) : nil
    }

    static func entry(for source: SourceCommit, coAuthors: [Person], links: RemoteLinks?) -> ChangelogCommit {
        let parsed = source.parsed
        let commit = parsed.commitBox
        let description = Self.description(of: parsed)
        let footers = (commit?.value.footers ?? []).filter { !$0.isBreakingChange }.map { ChangelogFooter(token: $0.token, value: $0.value) }
        return ChangelogCommit(
            id: source.id, shortId: String(decoding: source.id.utf8.prefix(7), as: UTF8.self), type: commit?.value.normalizedType,
            scope: commit?.value.scope, description: description, body: commit?.value.body ?? "",
            breaking: commit?.value.isBreaking ?? false,
            breakingNotes: Self.breakingNotes(of: parsed),
            issues: Self.issues(of: parsed, description: description, links: links), footers: footers, refs: Self.refs(of: parsed),
            author: source.author, coAuthors: coAuthors, date: isoDate(source.time),
            url: links?.commit(source.id))
    }

    /// The text a commit is listed with.
    static func description(of parsed: ParsedMessage) -> String {
        parsed.kind == .gitRevert ? parsed.header : parsed.commitBox?.value.description ?? parsed.header
    }

    /// What a breaking change says about itself: its notes, else its description.
    static func breakingNotes(of parsed: ParsedMessage) -> [String] {
        guard let commit = parsed.commitBox, commit.value.isBreaking else { return [] }
        return commit.value.breakingNotes.isEmpty ? [commit.value.description] : commit.value.breakingNotes
    }

    /// The issues a commit names, but not those its description shows already (`… (#15266)`).
    static func issues(of parsed: ParsedMessage, description: String, links: RemoteLinks?) -> [IssueReference] {
        // Through the box: the two fields read, not the whole commit (or message) copied.
        guard let commit = parsed.commitBox else {
            return issues(numbers: issueNumbers(description: nil, footers: [], header: parsed.header), shownIn: description, links: links)
        }
        // No footers and the description shown as written: every number it names is shown.
        if commit.value.footers.isEmpty && description == commit.value.description { return [] }
        let numbers = issueNumbers(description: commit.value.description, footers: commit.value.footers, header: "")
        return issues(numbers: numbers, shownIn: description, links: links)
    }

    private static func issues(numbers: [Int], shownIn description: String, links: RemoteLinks?) -> [IssueReference] {
        guard !numbers.isEmpty else { return [] }
        let shown = issueNumbers(in: nil, header: description)
        return numbers.filter { !shown.contains($0) }.map { IssueReference(number: $0, url: links?.issue($0)) }
    }

    /// The values of `Refs:` footers (`Refs: JIRA-7, JIRA-9` gives two).
    static func refs(of parsed: ParsedMessage) -> [String] {
        guard let footers = parsed.commitBox?.value.footers, !footers.isEmpty else { return [] }
        return footers.filter { !$0.isBreakingChange && ["refs", "ref", "references"].contains(asciiLowercased($0.token)) }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingSpaces } }.filter { !$0.isEmpty }
    }
}

/// What a release shows (see `ChangelogBuilder.layout`).
struct ReleaseLayout<Entry> {
    var breaking: [Entry]
    /// In config order, Other last; breaking entries first in each.
    var groups: [(title: String, type: String?, commits: [Entry])]
    var contributors: [Person]
}

/// The people of a release, each once by email (any case), the first seen kept: a short
/// list searched in place, a dictionary only for a long one.
///
/// While every email is ASCII (nearly always), an email is compared by a hash of its bytes
/// folded to lower case and then byte by byte, with no string made: lower-cased copies
/// compared as strings cost a changelog 2% of its instructions. The first other email turns
/// to lower-cased strings compared as Swift compares them (Unicode equivalence and case).
private struct FirstPerKey {
    private(set) var people: [Person] = []
    /// ASCII mode: each person's folded hash.
    private var hashes: [UInt64] = []
    /// ASCII mode, for a long list: the people by hash.
    private var byHash: [UInt64: [Int]]?
    /// String mode (after a non-ASCII email): each person's lower-cased email.
    private var keys: [String]?
    private var index: [String: Int]?

    init() {
        // Room for a release's usual people at once, not grown from one.
        people.reserveCapacity(8)
        hashes.reserveCapacity(8)
    }

    mutating func add(_ person: Person) {
        if keys == nil, let hash = Self.foldedHash(person.email) {
            if let byHash {
                for i in byHash[hash] ?? [] where Self.sameASCII(people[i].email, person.email) { return }
            } else {
                for i in hashes.indices where hashes[i] == hash && Self.sameASCII(people[i].email, person.email) { return }
            }
            hashes.append(hash)
            people.append(person)
            if byHash != nil {
                byHash?[hash, default: []].append(people.count - 1)
            } else if people.count > 64 {
                var made: [UInt64: [Int]] = [:]
                for (i, h) in hashes.enumerated() { made[h, default: []].append(i) }
                byHash = made
            }
            return
        }
        if keys == nil { keys = people.map { asciiLowercased($0.email) } }
        let key = asciiLowercased(person.email)
        if let index {
            guard index[key] == nil else { return }
        } else if keys?.contains(key) == true {
            return
        }
        keys?.append(key)
        people.append(person)
        if index != nil {
            index?[key] = people.count - 1
        } else if let keys, keys.count > 32 {
            index = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// FNV-1a of the email's bytes with A–Z folded to a–z; nil when it is not all ASCII.
    private static func foldedHash(_ email: String) -> UInt64? {
        var email = email
        return email.withUTF8 { bytes -> UInt64? in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                hash = (hash ^ UInt64(byte >= 65 && byte <= 90 ? byte | 0x20 : byte)) &* 0x0100_0000_01B3
            }
            return hash
        }
    }

    /// Two ASCII emails equal but for the case of their letters.
    private static func sameASCII(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in x.indices {
                    let p = x[i], q = y[i]
                    if p != q && (p | 0x20 != q | 0x20 || !((p | 0x20) >= 97 && (p | 0x20) <= 122)) { return false }
                }
                return true
            }
        }
    }
}

private func hasPrefixMatch(_ prefix: String, in ids: Set<String>) -> Bool {
    prefix.count >= 7 && prefix.count < 40 && ids.contains { $0.hasPrefix(prefix) }
}

/// `Name <email>` from a trailer value.
public func person(fromTrailer value: String) -> Person? {
    // ASCII (the usual trailer): the brackets found as bytes, without walking graphemes.
    let ascii = value.utf8.allSatisfy { $0 < 0x80 }
    guard let open = ascii ? value.utf8.lastIndex(of: UInt8(ascii: "<")) : value.lastIndex(of: "<"),
          let close = ascii ? value.utf8.lastIndex(of: UInt8(ascii: ">")) : value.lastIndex(of: ">"), open < close else { return nil }
    let name = value[..<open].trimmingSpaces
    let email = String(value[value.index(after: open)..<close])
    return email.isEmpty ? nil : Person(name: name.isEmpty ? email : name, email: email)
}
