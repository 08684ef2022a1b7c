import Dispatch
import Foundation
import Git
import RelflowCore
import Synchronization

/// `relflow changelog`: which commits belong to which release, read in one pass.
///
/// Each commit belongs to the lowest release whose tag reaches it (a hotfix tag on a side
/// branch merged back into main keeps its own commits). Commits reached by no tag are
/// Unreleased. The whole history is read once; the cost grows with commits, not with tags.
public struct ChangelogService {
    public enum Scope: Sendable, Equatable {
        /// Every release reachable from the tip, and Unreleased.
        case full
        /// Only the commits reachable from no release tag.
        case unreleased
        /// Only the latest release reachable from the tip.
        case latest
        /// The commits of `A..B`, by release.
        case range(String)
    }

    let context: RepositoryContext
    /// Bumped as commits are read, for a progress display.
    public var progress: ProgressCounter?
    /// For a command that exits once the changelog is written: the history read is not freed
    /// (the process's end frees it at once; freeing it record by record costs 20–30 ms on
    /// 200k commits).
    public var keepsHistoryUntilExit = false

    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }

    /// The links for the repository's forge: `[changelog] remote`, else `remote.origin.url`.
    public func remoteLinks() -> RemoteLinks? {
        if let configured = config.changelog.remote { return RemoteLinks(override: configured) }
        return context.repository.configString("remote.origin.url").flatMap(RemoteLinks.init(remoteURL:))
    }

    public mutating func document(scope: Scope, tip revision: String? = nil, allowShallow: Bool = false) throws(RelflowError) -> ChangelogDocument {
        let plan = try plan(scope: scope, tip: revision, allowShallow: allowShallow)
        let builder = ChangelogBuilder(config: config, links: remoteLinks())
        let releases = parallelMap(Array(0..<plan.count), minimumCount: 8) { builder.build(plan.release($0), dropping: []) }
        Trace.mark("built the changelog")
        return ChangelogDocument(repository: builder.links?.base, releases: releases)
    }

    /// The releases with their commits, newest first, Unreleased on top.
    public mutating func sourceReleases(scope: Scope, tip revision: String? = nil, allowShallow: Bool = false) throws(RelflowError) -> [SourceRelease] {
        let plan = try plan(scope: scope, tip: revision, allowShallow: allowShallow)
        return (0..<plan.count).map(plan.release)
    }

    /// The outputs that are written release by release, on all cores, so that the whole
    /// document never has to be in memory at once.
    public enum StreamedFormat: Sendable { case defaultMarkdown, json }

    public mutating func writeStreamed(_ format: StreamedFormat, scope: Scope, tip revision: String? = nil, allowShallow: Bool = false,
                                       to output: DocumentOutput) throws(RelflowError) {
        let plan = try plan(scope: scope, tip: revision, allowShallow: allowShallow, keepBodies: format == .json)
        let builder = ChangelogBuilder(config: config, links: remoteLinks())
        let repository = builder.links?.base
        if format == .json && plan.count == 0 {
            output.write((try? ChangelogJSON.text(ChangelogDocument(repository: repository, releases: []))) ?? "{}\n")
            return
        }
        output.write(format == .json ? ChangelogJSON.head : ChangelogRenderer.defaultMarkdownHeader)
        // Releases rendered on every core, each written as soon as those before it are: the
        // cores take the next release whenever they are free and never wait for a slow
        // neighbour. Text made but not yet written is held to 8,192 commits' worth.
        let writer = OrderedWriter(output)
        orderedParallelForEach(count: plan.count, weight: { plan.commitCount($0) + 1 }, maximumPending: 8192) { i -> [UInt8] in
            switch format {
            case .defaultMarkdown:
                return builder.defaultMarkdownBytes(plan.listedRelease(i))
            case .json:
                return builder.jsonBytes(plan.listedRelease(i), afterAnother: i > 0)
            }
        } consume: { writer.write($0) }
        if format == .json { output.write((try? ChangelogJSON.tail(repository: repository)) ?? "\n  ]\n}\n") }
        Trace.mark("built and rendered \(plan.count) releases")
        if keepsHistoryUntilExit { KeptUntilExit.keep(plan) }
    }

    /// The output, written by whichever thread `orderedParallelForEach` makes the consumer:
    /// one at a time, in order.
    private final class OrderedWriter: @unchecked Sendable {
        let output: DocumentOutput
        init(_ output: DocumentOutput) { self.output = output }
        func write(_ bytes: [UInt8]) { output.write(bytes) }
    }

    /// Which commits belong to which release: everything but the per-release work.
    /// `keepBodies: false` drops commit bodies as they are read, for outputs that do not show them.
    public mutating func plan(scope: Scope, tip revision: String? = nil, allowShallow: Bool = false,
                              keepBodies: Bool = true) throws(RelflowError) -> ReleasePlan {
        try context.requireFullHistory(allowShallow: allowShallow)
        let repo = context.repository
        let boundary = repo.isShallow ? repo.shallowBoundary() : []
        // The whole history from the tip: read in the background while the release tags are
        // read here (with thousands of loose tags, as long as a third of the history).
        if scope == .full && boundary.isEmpty {
            let tip = try tipCommit(revision)
            var read: ReleaseTagIndex?
            var dates: TaggerDates?
            var ascending: [ReleaseTag]?
            let graph = try HistoryGraph.read(repo, tips: [tip], hidden: [], boundary: boundary, seeds: { () throws(RelflowError) in
                let index = try context.releaseTags()
                index.ignored.forEach(context.note)
                Trace.mark("read \(index.tags.count) release tags")
                read = index
                // The dates of the annotated tags, read beside the history rather than after it.
                dates = TaggerDates(gitDirectory: repo.gitDirectory, tags: index.tags)
                // The order the commits are assigned in, worked out here rather than after the read.
                ascending = Self.ascending(index.tags)
                return index.tags.map(\.commit)
            }, keepBodies: keepBodies, progress: progress)
            guard let index = read else { throw .repository("the release tags were not read") }
            return try plan(scope: scope, tips: [tip], index: index, graph: graph, dates: dates, ascending: ascending)
        }
        let index = try context.releaseTags()
        index.ignored.forEach(context.note)
        Trace.mark("read \(index.tags.count) release tags")

        var tips: [ObjectID] = []
        var hidden: [ObjectID] = []
        switch scope {
        case .full:
            // A shallow clone's full history (read without the tag seeds' help).
            tips = [try tipCommit(revision)]
        case .unreleased:
            tips = [try tipCommit(revision)]
            hidden = Array(Set(index.tags.map(\.commit)))
        case .latest:
            let tip = try tipCommit(revision)
            guard let latest = try index.highest(in: context.reach(from: tip)) else {
                throw .repository("no release tag (\(config.tags.pattern)) is reachable from \(revision ?? "HEAD")",
                                  hint: "use --unreleased for the changes not released yet")
            }
            tips = [latest.commit]
            let fold = config.changelog.prereleasesInFinal && !latest.version.isPrerelease
            hidden = Array(Set(index.tags.filter { tag in
                tag.commit != latest.commit && tag.version < latest.version
                    && !(fold && tag.version.isPrerelease && tag.version.final == latest.version)
            }.map(\.commit)))
        case .range(let range):
            let parts = range.components(separatedBy: "..")
            guard parts.count == 2, !range.contains("...") else {
                throw .usage("'\(range)' is not a range A..B", hint: "write e.g. v1.0.0..HEAD")
            }
            tips = [try context.resolve(parts[1].isEmpty ? "HEAD" : parts[1])]
            if !parts[0].isEmpty { hidden = [try context.resolve(parts[0])] }
        }

        let graph = try HistoryGraph.read(repo, tips: tips, hidden: hidden, boundary: boundary,
                                          seeds: index.tags.map(\.commit), keepBodies: keepBodies, progress: progress)
        return try plan(scope: scope, tips: tips, index: index, graph: graph)
    }

    /// The plan once the history is read.
    /// `ascending`: `index.tags` in `ascending(_:)`'s order, when already made.
    private func plan(scope: Scope, tips: [ObjectID], index: ReleaseTagIndex, graph: HistoryGraph,
                      dates started: TaggerDates? = nil, ascending: [ReleaseTag]? = nil) throws(RelflowError) -> ReleasePlan {
        let repo = context.repository
        var graph = graph
        context.note("read \(graph.count) commits")
        // A full changelog shows nearly every release: the dates of its annotated tags not read
        // yet are read on the other cores (from the moment the tags are known, when they were
        // read beside the history) while this one assigns the commits to releases.
        let dates = started ?? (scope == .full ? TaggerDates(gitDirectory: repo.gitDirectory, tags: index.tags) : nil)

        let assignment = scope == .full
            ? Self.assignAll(graph: &graph, ascending: ascending ?? Self.ascending(index.tags), fold: config.changelog.prereleasesInFinal)
            : Self.assignReachable(graph: graph, tags: index.tags, fold: config.changelog.prereleasesInFinal)
        let sectionTags = assignment.tags
        Trace.mark("assigned commits")
        let members = assignment.members
        let predecessor = assignment.predecessor

        var sections: [ReleasePlan.Section] = []
        if scope != .latest, !(assignment.unreleased.isEmpty && scope != .unreleased) {
            let base: ReleaseTag?
            if scope == .full {
                base = assignment.highestReachable
            } else {
                base = try tips.first.flatMap { (t: ObjectID) throws(RelflowError) in try index.highest(in: context.reach(from: t)) }
            }
            sections.append(.init(tag: nil, version: nil, date: nil, previousTag: base?.name, members: assignment.unreleased))
        }
        // The cherry-picks listed twice (any tag dates still being read finish meanwhile).
        let dropped = ReleasePlan.repeatedPicks(graph: graph, members: sections.map(\.members) + sectionTags.indices.reversed().map { members[$0] })
        var position = [String: Int](minimumCapacity: index.tags.count)
        for (i, tag) in index.tags.enumerated() { position[tag.name] = i }
        // The dates of annotated tags whose objects were not read yet, all at once on every core.
        let unread = sectionTags.indices.filter { sectionTags[$0].isAnnotated && sectionTags[$0].tagger == nil }
        let unreadTimes = try git { () throws(GitError) in
            if let dates { return try dates.times(of: unread.map { sectionTags[$0].target }) }
            return try Repository.taggerTimes(gitDirectory: repo.gitDirectory, of: unread.map { sectionTags[$0].target })
        }
        Trace.mark("read \(unread.count) tagger dates")
        var taggerTime = [Int64?](repeating: nil, count: sectionTags.count)
        for (k, i) in unread.enumerated() { taggerTime[i] = unreadTimes[k] }
        for (section, tag) in sectionTags.enumerated().reversed() {
            let tagged = tag.tagger?.time ?? taggerTime[section]
            var date = tagged ?? graph.time(of: tag.commit)
            if date == nil { date = try git { () throws(GitError) in try repo.commit(tag.commit).committer.time } }
            sections.append(.init(tag: tag.name, version: tag.version, date: date,
                                  previousTag: predecessor[section] >= 0 ? sectionTags[Int(predecessor[section])].name
                                      : previousTag(before: tag, in: index, position: position),
                                  members: members[section]))
        }
        let plan = ReleasePlan(graph: graph, sections: sections, repeatedPicks: dropped)
        Trace.mark("assigned commits to \(sectionTags.count) releases")
        return plan
    }

    /// Which release owns which commit, and which commits no release owns.
    struct Assignment {
        /// The releases shown, lowest version first.
        var tags: [ReleaseTag]
        /// The commits (graph nodes) of each shown release.
        var members: [[Int]]
        /// The highest earlier release each one's history runs into (-1: none), by index in `tags`.
        var predecessor: [Int32]
        var unreleased: [Int]
        /// The highest release the tips reach.
        var highestReachable: ReleaseTag?
    }

    /// `tags` lowest version first, equal versions kept in their order (a stable sort). The
    /// index gives them highest first: reversed, with each run of equal versions turned back,
    /// rather than thousands of large values sorted again.
    static func ascending(_ tags: [ReleaseTag]) -> [ReleaseTag] {
        let descending = tags.indices.dropFirst().allSatisfy { SemVer.compare(tags[$0 - 1].version, tags[$0].version) >= 0 }
        guard descending else { return tags.sorted { SemVer.compare($0.version, $1.version) < 0 } }
        var out = Array(tags.reversed())
        var start = 0
        while start < out.count {
            var end = start + 1
            while end < out.count && SemVer.compare(out[end].version, out[start].version) == 0 { end += 1 }
            if end - start > 1 { out[start..<end].reverse() }
            start = end
        }
        return out
    }

    /// The full changelog: every release tag that was read claims the commits of its history
    /// that no lower release claimed, so that Unreleased is exactly what no release tag reaches
    /// (the same commits as `--unreleased`). Shown are the releases the tips reach, maintenance
    /// releases off the branch below the highest of those, and any other release that owns a
    /// commit the tips reach. A pre-release folds into its final release when that release's
    /// history holds it.
    /// `ascending`: the release tags in `ascending(_:)`'s order.
    static func assignAll(graph: inout HistoryGraph, ascending all: [ReleaseTag], fold: Bool) -> Assignment {
        // Those read (a stable sort's order kept by the filter).
        let ascending = all.filter { graph.index[$0.commit] != nil }
        let tipReach = graph.reachable
        var highest: ReleaseTag?
        for tag in ascending.reversed() where graph.index[tag.commit].map({ tipReach[$0] }) ?? false { highest = tag; break }
        // Each tag's section: itself, or the final release it folds into.
        var section = Array(0..<ascending.count)
        if fold {
            // The first final release of each version, by its numbers: a pre-release folds
            // into `final` (no pre-release, no build), so versions with build metadata are
            // never found (hashing whole versions cost 1,000 instructions a tag).
            struct Numbers: Hashable { let major, minor, patch: UInt64 }
            var finals: [Numbers: Int] = [:]
            for (i, tag) in ascending.enumerated() where !tag.version.isPrerelease && tag.version.build.isEmpty {
                let key = Numbers(major: tag.version.major, minor: tag.version.minor, patch: tag.version.patch)
                if finals[key] == nil { finals[key] = i }
            }
            // One walk per final release, down to its oldest pre-release.
            var prereleasesOf: [Int: [Int]] = [:]
            for (i, tag) in ascending.enumerated() where tag.version.isPrerelease {
                if let f = finals[Numbers(major: tag.version.major, minor: tag.version.minor, patch: tag.version.patch)] {
                    prereleasesOf[f, default: []].append(i)
                }
            }
            var marks = ReachMarks(count: graph.count)
            for (f, prereleases) in prereleasesOf {
                guard let from = graph.index[ascending[f].commit] else { continue }
                let targets = prereleases.compactMap { i in graph.index[ascending[i].commit].map { (i, $0) } }
                guard let floor = targets.map({ graph.times[$0.1] }).min() else { continue }
                graph.markHistory(from: from, downTo: floor - 86_400, in: &marks)
                for (i, node) in targets where marks.isMarked(node) { section[i] = f }
            }
        }
        var owner = [Int32](repeating: -1, count: graph.count)
        var predecessor = [Int32](repeating: -1, count: ascending.count)
        for (i, tag) in ascending.enumerated() {
            guard let start = graph.index[tag.commit] else { continue }
            let mine = Int32(section[i])
            var stack = [start]
            while let node = stack.popLast() {
                let current = owner[node]
                if current >= 0 {
                    if current != mine { predecessor[Int(mine)] = max(predecessor[Int(mine)], current) }
                    continue
                }
                owner[node] = mine
                for parent in graph.parents(of: node) { stack.append(Int(parent)) }
            }
        }
        var ownsReachable = [Bool](repeating: false, count: ascending.count)
        var unreleased: [Int] = []
        var owned = [[Int]](repeating: [], count: ascending.count)
        for node in 0..<graph.count {
            let o = owner[node]
            if o >= 0 {
                owned[Int(o)].append(node)
                if tipReach[node] { ownsReachable[Int(o)] = true }
            } else if tipReach[node] {
                unreleased.append(node)
            }
        }
        var shown: [Int] = []
        for i in 0..<ascending.count where section[i] == i {
            let tag = ascending[i]
            let reachable = graph.index[tag.commit].map { tipReach[$0] } ?? false
            let maintenance = highest.map { tag.version < $0.version } ?? false
            if reachable || maintenance || ownsReachable[i] { shown.append(i) }
        }
        // Order the commits of the releases shown off the tips' history too.
        graph.include(shown.map { ascending[$0].commit })
        var newIndex = [Int32](repeating: -1, count: ascending.count)
        for (k, i) in shown.enumerated() { newIndex[i] = Int32(k) }
        // A predecessor that is not shown: the highest shown release below it, by version.
        func shownPredecessor(_ i: Int) -> Int32 {
            var p = Int(predecessor[i])
            while p >= 0 {
                if newIndex[p] >= 0 { return newIndex[p] }
                p = Int(predecessor[p])
            }
            return -1
        }
        return Assignment(tags: shown.map { ascending[$0] }, members: shown.map { owned[$0] },
                          predecessor: shown.map(shownPredecessor), unreleased: unreleased, highestReachable: highest)
    }

    /// A part of history (a range, Unreleased, the latest release): the release tags inside
    /// what was read make the sections.
    static func assignReachable(graph: HistoryGraph, tags: [ReleaseTag], fold: Bool) -> Assignment {
        var sectionTags = tags.filter { tag in graph.index[tag.commit].map { graph.reachable[$0] } ?? false }
        if fold {
            let finals = Set(sectionTags.filter { !$0.version.isPrerelease }.map(\.version))
            sectionTags.removeAll { $0.version.isPrerelease && finals.contains($0.version.final) }
        }
        // Two tags on one commit: the lower version claims the commits, the higher is empty.
        sectionTags.sort { SemVer.compare($0.version, $1.version) < 0 }
        var owner = [Int32](repeating: -1, count: graph.count)
        var predecessor = [Int32](repeating: -1, count: sectionTags.count)
        for (section, tag) in sectionTags.enumerated() {
            guard let start = graph.index[tag.commit] else { continue }
            var stack = [start]
            while let node = stack.popLast() {
                let current = owner[node]
                if current >= 0 {
                    if current != Int32(section) { predecessor[section] = max(predecessor[section], current) }
                    continue
                }
                owner[node] = Int32(section)
                for parent in graph.parents(of: node) { stack.append(Int(parent)) }
            }
        }
        var members = [[Int]](repeating: [], count: sectionTags.count)
        var unreleased: [Int] = []
        for node in graph.nodes {
            if owner[node] >= 0 { members[Int(owner[node])].append(node) } else { unreleased.append(node) }
        }
        return Assignment(tags: sectionTags, members: members, predecessor: predecessor, unreleased: unreleased,
                          highestReachable: sectionTags.last)
    }

    func tipCommit(_ revision: String?) throws(RelflowError) -> ObjectID {
        if let revision { return try context.resolve(revision) }
        return try context.headCommit()
    }

    /// The release before `tag` by version; a final release skips the pre-releases when they
    /// are folded into finals. Tags are sorted highest first, so the search starts at `tag`.
    func previousTag(before tag: ReleaseTag, in index: ReleaseTagIndex, position: [String: Int]) -> String? {
        let fold = config.changelog.prereleasesInFinal && !tag.version.isPrerelease
        let start = (position[tag.name] ?? -1) + 1
        for other in index.tags[start...] where other.version < tag.version {
            if fold && other.version.isPrerelease { continue }
            return other.name
        }
        return nil
    }
}

/// The tagger dates of the annotated tags whose objects were not read (packed-refs named their
/// commits), read in the background from the moment it is made.
private final class TaggerDates: @unchecked Sendable {
    private let targets: [ObjectID]
    /// Each target's position in `targets`.
    private let position: ObjectIDTable
    private var result: Result<[Int64?], GitError> = .success([])
    private let done = DispatchSemaphore(value: 0)
    private let gitDirectory: String

    init(gitDirectory: String, tags: [ReleaseTag]) {
        self.gitDirectory = gitDirectory
        var targets: [ObjectID] = []
        var position = ObjectIDTable()
        for tag in tags where tag.isAnnotated && tag.tagger == nil && position.insert(tag.target, targets.count) {
            targets.append(tag.target)
        }
        self.targets = targets
        self.position = position
        guard !targets.isEmpty else {
            done.signal()
            return
        }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(GitError) {
                result = .success(try Repository.taggerTimes(gitDirectory: gitDirectory, of: self.targets))
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    /// The dates of `wanted`: each one of the tags given at the start, or read now if not.
    func times(of wanted: [ObjectID]) throws(GitError) -> [Int64?] {
        done.wait()
        done.signal()
        let times = try result.get()
        let missing = wanted.filter { position[$0] == nil }
        let late = missing.isEmpty ? [] : try Repository.taggerTimes(gitDirectory: gitDirectory, of: missing)
        var next = 0
        return wanted.map { target in
            if let i = position[target] { return times[i] }
            defer { next += 1 }
            return late[next]
        }
    }
}

/// The releases of a changelog with the commits of each, before any per-release work.
public struct ReleasePlan: Sendable {
    struct Section: Sendable {
        let tag: String?
        let version: SemVer?
        let date: Int64?
        let previousTag: String?
        let members: [Int]
    }

    let graph: HistoryGraph
    let sections: [Section]

    /// The number of commits the `i`th release lists (before cherry-picks are dropped).
    func commitCount(_ i: Int) -> Int { sections[i].members.count }
    /// By node: a cherry-picked commit listed elsewhere already (its own source, or an
    /// earlier copy); its `SourceCommit` says so (`isRepeatedPick`).
    let repeatedPicks: [Bool]

    init(graph: HistoryGraph, sections: [Section], repeatedPicks: [Bool]) {
        self.graph = graph
        self.sections = sections
        self.repeatedPicks = repeatedPicks
    }

    /// The cherry-picked commits of `members` (the sections' commits, in the sections' order)
    /// that are listed elsewhere already: their source, or an earlier copy.
    static func repeatedPicks(graph: HistoryGraph, members: [[Int]]) -> [Bool] {
        // Oldest release first, oldest commit first: the first copy of a pick is kept.
        var dropped = [Bool](repeating: false, count: graph.count)
        // The sources seen: full lowercase ids (what `git cherry-pick -x` writes) by value,
        // any other spelling by its text (as before, two spellings are two sources).
        var sourceIDs = ObjectIDTable()
        var sources = Set<String>()
        func isNew(_ source: String) -> Bool {
            if source.utf8.count == 40, source.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
               let id = ObjectID(hex: source) {
                return sourceIDs.insert(id)
            }
            return sources.insert(source).inserted
        }
        // Dense arrays by node: a history's worth of dictionary and set operations cost more
        // than the picks themselves. The sources were parsed as the commits were read.
        var listed = [Bool](repeating: false, count: graph.count)
        var picksBySection: [[Int]] = []
        picksBySection.reserveCapacity(members.count)
        for section in members {
            var found: [Int] = []
            for node in section {
                listed[node] = true
                if graph.pickCandidates[node] { found.append(node) }
            }
            picksBySection.append(found)
        }
        if picksBySection.contains(where: { !$0.isEmpty }) {
            var presentHex: [String]?
            func isListed(_ source: String) -> Bool {
                if source.utf8.count == 40, let id = ObjectID(hex: source) { return graph.index[id].map { listed[$0] } ?? false }
                guard source.utf8.count >= 7 else { return false }
                // An abbreviated id: compare against the listed ids' hex, made once when needed.
                if presentHex == nil { presentHex = listed.indices.filter { listed[$0] }.map { graph.records[$0].id.hex } }
                return presentHex?.contains { $0.hasPrefix(source.lowercased()) } ?? false
            }
            let times = graph.times
            for nodes in picksBySection.reversed() {
                // Only the picks matter here: sort those, not the whole release.
                for node in nodes.count < 2 ? nodes : nodes.sorted(by: { times[$0] < times[$1] }) {
                    for source in graph.records[node].cherryPicks {
                        if isListed(source) || !isNew(source) { dropped[node] = true }
                    }
                }
            }
        }
        return dropped
    }

    /// Unreleased (when shown) then the releases, newest first.
    public var count: Int { sections.count }

    /// The release at `i` with its commits, newest first.
    public func release(_ i: Int) -> SourceRelease {
        let s = sections[i]
        return SourceRelease(tag: s.tag, version: s.version, date: s.date, previousTag: s.previousTag,
                             commits: graph.sourceCommits(s.members, repeatedPicks: repeatedPicks))
    }

    /// The release at `i` as the default Markdown lists it: the commits listed as their headers
    /// say kept as their messages (`PlainCommit`), the others parsed.
    public func listedRelease(_ i: Int) -> ListedRelease {
        let s = sections[i]
        return ListedRelease(tag: s.tag, version: s.version, date: s.date, previousTag: s.previousTag,
                             commits: graph.listedCommits(s.members, repeatedPicks: repeatedPicks))
    }
}

/// The commits of a history, read once, with their parents as indices. Keeps only what the
/// changelog needs of each commit.
struct HistoryGraph: Sendable {
    /// What is kept of one commit: its message as stored, parsed only when a release that
    /// lists it is built (most of a history's parse results would otherwise sit in memory
    /// from the read to the end of the output).
    struct Record: Sendable {
        let id: ObjectID
        /// The first parent inline, the others (merges) in an array: most commits have one.
        let firstParent: ObjectID?
        let otherParents: [ObjectID]
        let time: Int64
        let author: Person
        let message: String
        /// The commits the message says it was cherry-picked from (`git cherry-pick -x`),
        /// found on the reading threads: a cheap test first, the parse only when it passes.
        let cherryPicks: [String]

        init(_ commit: Commit, authors: AuthorTable) {
            id = commit.id
            firstParent = commit.parents.first
            otherParents = commit.parents.count > 1 ? Array(commit.parents.dropFirst()) : []
            time = commit.committer.time
            author = authors.person(of: commit)
            message = commit.message
            cherryPicks = Self.mentionsCherryPick(commit.message) ? ConventionalCommitParser.cherryPickSources(in: commit.message) : []
        }

        var parents: [ObjectID] { firstParent.map { [$0] + otherParents } ?? [] }
        var isMerge: Bool { !otherParents.isEmpty }

        private static let cherryPickMark = Array("cherry picked from commit ".utf8)

        static func mentionsCherryPick(_ message: String) -> Bool {
            var message = message
            return message.withUTF8 { bytes in
                let mark = cherryPickMark
                let n = bytes.count
                guard n >= mark.count, let base = bytes.baseAddress else { return false }
                // `git cherry-pick -x` writes the line at the end. Its 'k' (of "picked", the
                // mark's 11th byte) is rare in text: `memchr` finds each, then the mark is
                // compared around it.
                let k = 10
                let last = n - mark.count + k
                var from = k
                while from <= last, let found = memchr(base + from, 0x6B, last - from + 1) {
                    let at = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                    if mark.withUnsafeBytes({ m in m.baseAddress.map { memcmp(base + (at - k), $0, mark.count) } ?? 1 }) == 0 { return true }
                    from = at + 1
                }
                return false
            }
        }
    }

    /// Whether parsed messages keep their bodies (outputs that show no body drop them).
    var keepBodies = true

    /// The message of `node`, parsed.
    func parsed(_ node: Int) -> ParsedMessage {
        ConventionalCommitParser.parse(records[node].message, keepBody: keepBodies)
    }

    /// The commits as read (in no particular order).
    var records = PartedArray<Record>()
    var index = ObjectIDTable()
    /// Parents as indices, all in one array: those of node i are
    /// `parentList[parentStart[i]..<parentStart[i + 1]]`.
    var parentStart: [Int32] = []
    var parentList: [Int32] = []

    func parents(of node: Int) -> ArraySlice<Int32> { parentList[Int(parentStart[node])..<Int(parentStart[node + 1])] }
    /// Reached from the tips (a seed outside the tips' history adds commits that are not).
    var reachable: [Bool] = []
    /// Position in a depth-first walk from the tips, first parents first: how commits of
    /// equal time are ordered, the same on every run whatever the threads did.
    var rank: [Int32] = []
    private var nextRank: Int32 = 0

    var count: Int { records.count }
    /// Each commit's committer time by node, in a dense array for the hot loops.
    var times: [Int64] = []
    /// Whether `Record.cherryPicks` names any, by node.
    var pickCandidates: [Bool] = []
    /// The nodes the tips reach.
    var nodes: [Int] { (0..<records.count).filter { reachable[$0] } }

    func time(of id: ObjectID) -> Int64? { index[id].map { times[$0] } }

    /// Reads the history of `tips` without that of `hidden`. With nothing hidden the read is
    /// split at the release tags (`seeds`) and runs on both cores.
    static func read(_ repo: Repository, tips: [ObjectID], hidden: [ObjectID], boundary: Set<ObjectID>,
                     seeds: [ObjectID], keepBodies: Bool, progress: ProgressCounter? = nil) throws(RelflowError) -> HistoryGraph {
        try read(repo, tips: tips, hidden: hidden, boundary: boundary, seeds: { () throws(RelflowError) in seeds },
                 keepBodies: keepBodies, progress: progress)
    }

    /// `read`, with the seeds worked out by `seeds` on this thread while the history is
    /// read from the tips in the background (a changelog reads its release tags meanwhile).
    static func read(_ repo: Repository, tips: [ObjectID], hidden: [ObjectID], boundary: Set<ObjectID>,
                     seeds: () throws(RelflowError) -> [ObjectID], keepBodies: Bool,
                     progress: ProgressCounter? = nil) throws(RelflowError) -> HistoryGraph {
        var graph = HistoryGraph()
        graph.keepBodies = keepBodies
        do {
            if hidden.isEmpty && boundary.isEmpty {
                // A record keeps the committer's time only.
                let reading = repo.startReadingHistory(from: tips, boundary: boundary, committerIdentity: false) {
                    let authors = AuthorTable()
                    var pending = 0
                    return { commit in
                        pending += 1
                        if pending == 512 { progress?.add(pending); pending = 0 }
                        return Record(commit, authors: authors)
                    }
                }
                let more: [ObjectID]
                do {
                    more = try seeds()
                } catch {
                    reading.cancel()
                    throw error
                }
                var seen = ObjectIDTable(minimumCapacity: more.count + tips.count)
                for tip in tips { _ = seen.insert(tip) }
                graph.records = PartedArray(parts: try reading.finish(addingSeeds: more.filter { seen.insert($0) }))
            } else {
                _ = try seeds()
                let authors = AuthorTable()
                var read: [Record] = []
                try repo.forEachCommit(from: tips, hiding: hidden, boundary: boundary) {
                    read.append(Record($0, authors: authors))
                    if read.count % 512 == 0 { progress?.add(512) }
                }
                graph.records = PartedArray(parts: [read])
            }
        } catch let error as GitError {
            throw gitFailure(error)
        } catch {
            throw .repository("\(error)")
        }
        Trace.mark("read \(graph.records.count) commits")
        let count = graph.records.count
        graph.index = ObjectIDTable(minimumCapacity: count)
        graph.times.reserveCapacity(count)
        graph.pickCandidates.reserveCapacity(count)
        for i in 0..<count {
            let record = graph.records[i]
            graph.index.set(record.id, i)
            graph.times.append(record.time)
            graph.pickCandidates.append(!record.cherryPicks.isEmpty)
        }
        graph.parentStart.reserveCapacity(count + 1)
        graph.parentList.reserveCapacity(count + count / 8)
        for i in 0..<count {
            graph.parentStart.append(Int32(graph.parentList.count))
            let record = graph.records[i]
            if let first = record.firstParent, let p = graph.index[first] { graph.parentList.append(Int32(p)) }
            for parent in record.otherParents { if let p = graph.index[parent] { graph.parentList.append(Int32(p)) } }
        }
        graph.parentStart.append(Int32(graph.parentList.count))
        graph.reachable = [Bool](repeating: false, count: count)
        graph.rank = [Int32](repeating: 0, count: count)
        graph.include(tips)
        Trace.mark("ordered the history")
        return graph
    }

    /// Marks `from` and its history down to commits older than `floor` (a commit's time less a
    /// day of clock skew), so that nearby commits cost a short walk. Earlier marks are cleared.
    func markHistory(from: Int, downTo floor: Int64, in marks: inout ReachMarks) {
        marks.next()
        marks.mark(from)
        var stack = [from]
        while let node = stack.popLast() {
            for p in parents(of: node) {
                let parent = Int(p)
                if times[parent] >= floor, !marks.isMarked(parent) {
                    marks.mark(parent)
                    stack.append(parent)
                }
            }
        }
    }

    /// Adds the history of `commits` (already read) to what the changelog covers.
    mutating func include(_ commits: [ObjectID]) {
        var stack = commits.reversed().compactMap { index[$0] }
        while let i = stack.popLast() {
            guard !reachable[i] else { continue }
            reachable[i] = true
            rank[i] = nextRank
            nextRank += 1
            for parent in parents(of: i).reversed() where !reachable[Int(parent)] { stack.append(Int(parent)) }
        }
    }

    /// The commits at `nodes` for the changelog builder, newest first.
    func sourceCommits(_ nodes: [Int], repeatedPicks: [Bool]) -> [SourceCommit] {
        newestFirst(nodes).map { sourceCommit($0, repeatedPicks: repeatedPicks) }
    }

    /// `sourceCommits`, with each commit listed as its header says kept as a `PlainCommit`.
    func listedCommits(_ nodes: [Int], repeatedPicks: [Bool]) -> [ListedCommit] {
        newestFirst(nodes).map { node in
            // The record borrowed where it lies, not copied out of its array with its strings.
            let plain = records.with(node) { r -> PlainCommit? in
                guard !r.isMerge else { return nil }
                let (a, b, c) = r.id.words
                return PlainCommit(hash: CommitHash(a: a, b: b, c: c), time: r.time, author: r.author, message: r.message,
                                   isRepeatedPick: repeatedPicks[node])
            }
            return plain.map(ListedCommit.plain) ?? .parsed(sourceCommit(node, repeatedPicks: repeatedPicks))
        }
    }

    private func sourceCommit(_ node: Int, repeatedPicks: [Bool]) -> SourceCommit {
        records.with(node) { r in
            SourceCommit(id: r.id.hex, time: r.time, author: r.author, isMerge: r.isMerge,
                         parsed: ConventionalCommitParser.parse(r.message, keepBody: keepBodies),
                         isRepeatedPick: repeatedPicks[node])
        }
    }

    /// `nodes` newest first (ties in the history's order).
    private func newestFirst(_ nodes: [Int]) -> [Int] {
        // The arrays the sort reads, bound here: a closure that reads them from `self` copied
        // the whole graph for each release.
        let times = times, rank = rank
        return nodes.sorted { a, b in
            let ta = times[a], tb = times[b]
            return ta != tb ? ta > tb : rank[a] < rank[b]
        }
    }
}

/// Arrays filled by several threads, used as one without being copied into one.
struct PartedArray<T: Sendable>: Sendable {
    private(set) var parts: [[T]] = []
    private var starts: [Int] = []
    private(set) var count = 0

    init() {}

    init(parts: [[T]]) {
        self.parts = parts
        for part in parts {
            starts.append(count)
            count += part.count
        }
    }

    /// Borrowed, not copied: reading one field of a large element retains nothing else.
    subscript(i: Int) -> T {
        _read {
            let (part, offset) = place(i)
            yield parts[part][offset]
        }
    }

    /// `body` of the element at `i`, borrowed from its part's storage.
    func with<R>(_ i: Int, _ body: (borrowing T) -> R) -> R {
        let (part, offset) = place(i)
        return parts[part].withUnsafeBufferPointer { body($0[offset]) }
    }

    private func place(_ i: Int) -> (part: Int, offset: Int) {
        var low = 0, high = parts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= i { low = mid } else { high = mid - 1 }
        }
        return (low, i - starts[low])
    }
}

/// Marks for repeated walks over one graph, cleared in O(1) by moving to a new stamp.
struct ReachMarks {
    private var stamps: [UInt32]
    private var current: UInt32 = 0

    init(count: Int) { stamps = [UInt32](repeating: 0, count: count) }

    mutating func next() { current += 1 }
    mutating func mark(_ node: Int) { stamps[node] = current }
    func isMarked(_ node: Int) -> Bool { stamps[node] == current }
}

/// The same person once in memory, whatever number of commits they made. One per thread.
final class AuthorTable {
    // One thread's: no exclusivity checks at run time (one per commit read).
    @exclusivity(unchecked) private var people: [String: [Person]] = [:]
    /// By the reading thread's author numbers (`Commit.authorNumber`): no hashing of strings.
    @exclusivity(unchecked) private var numbered: [Person?] = []

    func person(of commit: Commit) -> Person {
        guard let number = commit.authorNumber else { return person(name: commit.author.name, email: commit.author.email) }
        if number < numbered.count, let known = numbered[number] { return known }
        let known = person(name: commit.author.name, email: commit.author.email)
        if number >= numbered.count { numbered += [Person?](repeating: nil, count: number + 1 - numbered.count) }
        numbered[number] = known
        return known
    }

    func person(name: String, email: String) -> Person {
        if let known = people[email]?.first(where: { $0.name == name }) { return known }
        let person = Person(name: name, email: email)
        people[email, default: []].append(person)
        return person
    }
}

/// Values a command keeps until the process ends (see `ChangelogService.keepsHistoryUntilExit`).
enum KeptUntilExit {
    private static let kept = Mutex<[any Sendable]>([])
    static func keep(_ value: any Sendable) { kept.withLock { $0.append(value) } }
}
