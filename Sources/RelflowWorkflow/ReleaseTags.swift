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
    public let tagger: Signature?
    public let message: String?
}

/// The release tags of a repository, highest version first.
public struct ReleaseTagIndex: Sendable {
    public let tags: [ReleaseTag]
    /// Tags with the prefix that are not SemVer, or do not name a commit (ignored; said under --verbose).
    public let ignored: [String]

    public init(tags: [ReleaseTag], ignored: [String]) {
        self.tags = tags.sorted { a, b in
            let c = SemVer.compare(a.version, b.version)
            return c != 0 ? c > 0 : a.name < b.name
        }
        self.ignored = ignored
    }

    /// Reads every tag and keeps those that are releases under `prefix`.
    public static func read(_ repository: Repository, prefix: String) throws(RelflowError) -> ReleaseTagIndex {
        let all = try git { () throws(GitError) in try repository.tags() }
        var releases: [ReleaseTag] = []
        var ignored: [String] = []
        for tag in all {
            guard tag.name.hasPrefix(prefix) else { continue }
            guard let version = SemVer(String(tag.name.dropFirst(prefix.count))) else {
                ignored.append("tag '\(tag.name)' is not \(prefix)<semver>: ignored")
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
        return ReleaseTagIndex(tags: releases, ignored: ignored)
    }

    /// The highest release whose commit is `tip` or in its history. Checks tags from the
    /// highest version down, so usually the first check answers.
    public func highestReachable(from tip: ObjectID, in repository: Repository, where include: (ReleaseTag) -> Bool = { _ in true }) throws(RelflowError) -> ReleaseTag? {
        var checked = Set<ObjectID>()
        for tag in tags where include(tag) {
            if tag.commit == tip { return tag }
            if !checked.insert(tag.commit).inserted { continue }
            if try git({ () throws(GitError) in try repository.isDescendant(tip, of: tag.commit) }) { return tag }
        }
        return nil
    }

    public func tag(named name: String) -> ReleaseTag? { tags.first { $0.name == name } }
}
