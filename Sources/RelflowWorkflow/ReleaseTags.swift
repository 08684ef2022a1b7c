import Git
import RelflowCore

/// A release: a tag `<prefix><semver>` that names a commit.
public struct ReleaseTag: Sendable, Hashable {
    public let name: String
    public let version: SemVer
    public let commit: ObjectID
    /// The tag object for annotated tags, the commit for lightweight ones.
    public let target: ObjectID
    public let isAnnotated: Bool
    /// The tagger and message of an annotated tag: nil for a lightweight tag, and until
    /// `annotated(in:)` reads them when the index came from packed-refs.
    public let tagger: Signature?
    public let message: String?

    /// This tag with its annotation read (a no-op for lightweight tags and tags already read).
    public func annotated(in repository: Repository) throws(RelflowError) -> ReleaseTag {
        guard isAnnotated, tagger == nil, message == nil else { return self }
        let annotation = try git { () throws(GitError) in try repository.annotation(of: target) }
        return ReleaseTag(name: name, version: version, commit: commit, target: target, isAnnotated: true,
                          tagger: annotation?.tagger, message: annotation?.message)
    }
}

/// The release tags of a repository, highest version first.
public struct ReleaseTagIndex: Sendable {
    public let tags: [ReleaseTag]
    /// Tags with the prefix that are not SemVer, or do not name a commit (ignored; said under --verbose).
    public let ignored: [String]

    public init(tags: [ReleaseTag], ignored: [String]) {
        // Sorted by index: a ReleaseTag is large, and moving thousands of them around in a
        // sort costs more than comparing their versions.
        // The numbers in dense arrays: the comparison touches no reference-counted field
        // until two versions tie on all three.
        let majors = tags.map(\.version.major), minors = tags.map(\.version.minor), patches = tags.map(\.version.patch)
        let prereleases = PrereleaseKeys(tags.map(\.version))
        let order = tags.indices.sorted { a, b in
            if majors[a] != majors[b] { return majors[a] > majors[b] }
            if minors[a] != minors[b] { return minors[a] > minors[b] }
            if patches[a] != patches[b] { return patches[a] > patches[b] }
            let c = prereleases.compare(a, b) ?? SemVer.compare(tags[a].version, tags[b].version)
            return c != 0 ? c > 0 : tags[a].name < tags[b].name
        }
        self.tags = order.map { tags[$0] }
        self.ignored = ignored
    }

    /// Reads every tag and keeps those that are releases under one of `prefixes`.
    public static func read(_ repository: Repository, prefixes: [String]) throws(RelflowError) -> ReleaseTagIndex {
        let tags = RelflowConfig.Tags(prefixes: prefixes)
        let all = try git { () throws(GitError) in try repository.tags() }
        var releases: [ReleaseTag] = []
        var ignored: [String] = []
        for tag in all {
            guard let version = tags.version(ofTag: tag.name) else {
                if let prefix = prefixes.filter({ !$0.isEmpty && tag.name.hasPrefix($0) }).first {
                    ignored.append("tag '\(tag.name)' is not \(prefix)<semver>: ignored")
                } else if prefixes.contains("") {
                    ignored.append("tag '\(tag.name)' is not <semver>: ignored")
                } else {
                    ignored.append("tag '\(tag.name)' does not start with \(prefixes.map { "'\($0)'" }.joined(separator: " or ")): ignored")
                }
                continue
            }
            guard let commit = tag.commit else {
                ignored.append("tag '\(tag.name)' does not name a commit: ignored")
                continue
            }
            releases.append(ReleaseTag(name: tag.name, version: version, commit: commit, target: tag.target,
                                       isAnnotated: tag.isAnnotated, tagger: tag.annotation?.tagger,
                                       message: tag.annotation?.message))
        }
        Trace.mark("read \(all.count) tags")
        return ReleaseTagIndex(tags: releases, ignored: ignored)
    }

    /// The highest release that `reach` contains. Checks tags from the highest version down:
    /// a tag newer than the walk's frontier is answered without walking, and the walk goes
    /// only as deep as the highest reachable release, whatever the number of tags. `exact`:
    /// no clock-skew cut-off before a "no" (`Reach.containsExactly`), for the server's refusals.
    public func highest(in reach: Reach, exact: Bool = false, where include: (ReleaseTag) -> Bool = { _ in true }) throws(RelflowError) -> ReleaseTag? {
        for tag in tags where include(tag) {
            if try Self.asking(about: tag, { () throws(GitError) in try exact ? reach.containsExactly(tag.commit) : reach.contains(tag.commit) }) {
                return tag
            }
        }
        return nil
    }

    /// A question about a tag's commit, where a commit that is not there is named as the tag's
    /// (every command reads the release tags: one pointing at nothing must say which it is).
    static func asking<T>(about tag: ReleaseTag, _ body: () throws(GitError) -> T) throws(RelflowError) -> T {
        do {
            return try body()
        } catch where error.isNotFound {
            throw .repository("the tag '\(tag.name)' points at \(tag.commit.short()), which is missing from this repository (\(error.message))",
                              hint: "fetch it (git fetch origin --tags), or delete the tag if it is wrong (git tag -d \(tag.name)); git fsck names any other damage")
        } catch {
            throw gitFailure(error)
        }
    }

    /// The releases that `reach` contains, highest first (each question walks no further than it must).
    public func reachable(in reach: Reach) throws(RelflowError) -> [ReleaseTag] {
        var out: [ReleaseTag] = []
        for tag in tags where try Self.asking(about: tag, { () throws(GitError) in try reach.contains(tag.commit) }) { out.append(tag) }
        return out
    }

    public func tag(named name: String) -> ReleaseTag? { tags.first { $0.name == name } }

    /// The tag a user means by `name`: the tag of that name, or the version under a prefix
    /// (`1.2.0` finds `v1.2.0`). Returns the name to look up.
    public func resolve(_ name: String, prefixes: [String]) -> String {
        if tag(named: name) != nil { return name }
        for prefix in prefixes where tag(named: prefix + name) != nil { return prefix + name }
        return (prefixes.first ?? "") + name
    }
}

extension RepositoryContext {
    /// The release a user names (`v1.2.0` or `1.2.0`), or an error that says what is true:
    /// no such tag, a tag of a tree, a tag whose object is missing, a name outside the pattern.
    public func release(named name: String, in index: ReleaseTagIndex) throws(RelflowError) -> ReleaseTag {
        if let tag = index.tag(named: index.resolve(name, prefixes: config.tags.prefixes)) {
            // Every command that names a release reads its commit next: say which tag lacks it.
            try ReleaseTagIndex.asking(about: tag) { () throws(GitError) in try repository.requireObject(tag.commit, "commit") }
            return tag
        }
        let listing = "list the releases with: git tag --list '\(config.tags.prefix)*'"
        // A name git refuses is a mistake in the command, not damage in the repository.
        guard RefNames.isValid(name), !name.hasPrefix("-") else {
            throw .usage("'\(name)' is not a tag name git accepts (no '..', '~^:?*[\\', spaces, '@{' or a leading '-')",
                         hint: "name a release, e.g. \(config.tags.prefix)1.2.0 or 1.2.0; \(listing)")
        }
        // The name as written if such a tag exists, else with a prefix (`1.2.0` → `v1.2.0`).
        var tagName = name
        var target = try git { () throws(GitError) in try repository.tagTarget(named: name) }
        for prefix in config.tags.prefixes where target == nil && !prefix.isEmpty {
            if let found = try git({ () throws(GitError) in try repository.tagTarget(named: prefix + name) }) {
                tagName = prefix + name
                target = found
            }
        }
        switch target {
        case nil:
            throw .repository("there is no tag '\(tagName)' here", hint: listing + " (fetch them: git fetch origin --tags)")
        case .other(let kind)?:
            throw .repository("the tag '\(tagName)' names a \(kind), not a commit, so it is not a release",
                              hint: "point it at a commit: git tag -f \(tagName) <commit> (and delete the wrong one from remotes)")
        case .missing(let id)?:
            throw .repository("the tag '\(tagName)' points at \(id.short()), which is missing from this repository",
                              hint: "fetch it (git fetch origin --tags) or run 'git fsck' if the repository may be damaged")
        case .commit?:
            throw .repository("'\(tagName)' is not a release tag: releases are named \(config.tags.pattern)",
                              hint: listing)
        }
    }
}
