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
        // A revert and the commit it reverts cancel out inside one release.
        var cancelled = Set<String>()
        let reverts = release.commits.filter { !$0.parsed.revertedCommits.isEmpty }
        var ids = reverts.isEmpty ? [] : Set(release.commits.map(\.id))
        for commit in reverts where !cancelled.contains(commit.id) {
            for target in commit.parsed.revertedCommits {
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
        // each commit type looked up once per run of equal types.
        let types = config.commits.types
        var grouped = [[ChangelogCommit]](repeating: [], count: types.count)
        var other: [ChangelogCommit] = []
        var breaking: [ChangelogCommit] = []
        var contributors = FirstPerKey()
        var lastType: String?
        var lastGroup: Int?
        for source in release.commits {
            if (!cancelled.isEmpty && cancelled.contains(source.id)) || (!droppedPicks.isEmpty && droppedPicks.contains(source.id)) { continue }
            if source.isMerge && !config.changelog.includeMerges { continue }
            if source.parsed.kind == .merge && !config.changelog.includeMerges { continue }
            let entry = entry(for: source)
            // A `Revert "…"` made by git goes with the reverts, not with Other.
            let type = source.parsed.kind == .gitRevert ? "revert" : source.parsed.commit.map { $0.normalizedType }
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
            if entry.breaking { breaking.append(entry) }
            if let group {
                if types[group].hidden && !entry.breaking { continue }
                grouped[group].append(entry)
            } else {
                let isMerge = source.isMerge || source.parsed.kind == .merge
                if config.commits.nonConventional == .drop && !entry.breaking && !isMerge { continue }
                var entry = entry
                // A project's own type (`dx`, `release`) keeps its name in Other.
                if let type = entry.type, source.parsed.kind != .gitRevert { entry.description = type + ": " + entry.description }
                other.append(entry)
            }
            contributors.add(entry.author)
            for person in entry.coAuthors { contributors.add(person) }
        }
        var groups: [ChangelogGroup] = []
        for (index, type) in types.enumerated() where !grouped[index].isEmpty {
            groups.append(ChangelogGroup(title: type.title, type: type.type, commits: breakingFirst(grouped[index])))
        }
        if !other.isEmpty {
            groups.append(ChangelogGroup(title: config.commits.otherTitle, type: nil, commits: breakingFirst(other)))
        }
        var compare: String?
        if let links {
            if let previous = release.previousTag {
                compare = links.compare(previous, release.tag ?? "HEAD")
            } else if let tag = release.tag {
                compare = links.tag(tag)
            }
        }
        return ChangelogRelease(
            version: release.version?.description, tag: release.tag, previousTag: release.previousTag,
            date: release.date.map(isoDate), unreleased: release.tag == nil,
            prerelease: release.version?.isPrerelease ?? false, compareUrl: compare,
            breaking: breaking, groups: groups,
            // Keys made once per person, not twice per comparison.
            contributors: contributors.people.map { (key: (asciiLowercased($0.name), $0.email), person: $0) }
                .sorted { $0.key < $1.key }.map(\.person),
            commitCount: release.commits.count)
    }

    func breakingFirst(_ commits: [ChangelogCommit]) -> [ChangelogCommit] {
        guard commits.contains(where: \.breaking) else { return commits }
        return commits.filter(\.breaking) + commits.filter { !$0.breaking }
    }

    func entry(for source: SourceCommit) -> ChangelogCommit {
        let parsed = source.parsed
        let commit = parsed.commit
        let description: String
        if parsed.kind == .gitRevert {
            description = parsed.header
        } else {
            description = commit?.description ?? parsed.header
        }
        let coAuthors = (commit?.footers ?? []).filter { asciiLowercased($0.token) == "co-authored-by" }.compactMap { person(fromTrailer: $0.value) }
        var notes: [String] = []
        if let commit, commit.isBreaking { notes = commit.breakingNotes.isEmpty ? [commit.description] : commit.breakingNotes }
        // A number the description shows already (`… (#15266)`) is not repeated after it.
        let numbers = issueNumbers(in: commit, header: parsed.header)
        let shown = numbers.isEmpty ? [] : Set(issueNumbers(in: nil, header: description))
        let issues = numbers.filter { !shown.contains($0) }.map { IssueReference(number: $0, url: links?.issue($0)) }
        let footers = (commit?.footers ?? []).filter { !$0.isBreakingChange }.map { ChangelogFooter(token: $0.token, value: $0.value) }
        let refs = footers.filter { ["refs", "ref", "references"].contains(asciiLowercased($0.token)) }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingSpaces } }.filter { !$0.isEmpty }
        return ChangelogCommit(
            id: source.id, shortId: String(decoding: source.id.utf8.prefix(7), as: UTF8.self), type: commit?.normalizedType,
            scope: commit?.scope, description: description, body: commit?.body ?? "",
            breaking: commit?.isBreaking ?? false,
            breakingNotes: notes,
            issues: issues, footers: footers, refs: refs, author: source.author, coAuthors: coAuthors, date: isoDate(source.time),
            url: links?.commit(source.id))
    }
}

/// The people of a release, each once by email (any case), the first seen kept: a short
/// list searched in place, a dictionary only for a long one.
private struct FirstPerKey {
    private(set) var people: [Person] = []
    private var keys: [String] = []
    private var index: [String: Int]?

    mutating func add(_ person: Person) {
        let key = asciiLowercased(person.email)
        if let index {
            guard index[key] == nil else { return }
        } else if keys.contains(key) {
            return
        }
        keys.append(key)
        people.append(person)
        if index != nil {
            index?[key] = keys.count - 1
        } else if keys.count > 32 {
            index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        }
    }
}

private func hasPrefixMatch(_ prefix: String, in ids: Set<String>) -> Bool {
    prefix.count >= 7 && prefix.count < 40 && ids.contains { $0.hasPrefix(prefix) }
}

/// `Name <email>` from a trailer value.
public func person(fromTrailer value: String) -> Person? {
    guard let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close else { return nil }
    let name = value[..<open].trimmingSpaces
    let email = String(value[value.index(after: open)..<close])
    return email.isEmpty ? nil : Person(name: name.isEmpty ? email : name, email: email)
}
