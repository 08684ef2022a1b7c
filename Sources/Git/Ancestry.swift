import CLibGit2

/// Parents and commit times, read at most once per commit, and the walks that answer
/// reachability questions for many commits together.
///
/// Every walk here goes newest commit first (by committer time) and stops as soon as the
/// answer cannot change: a commit can only be reached through commits at least as new as it,
/// give or take clock skew (`skew`, a day by default, like git's own slop but counted in
/// time). So the cost of a question grows with the commits between the tip and the answer,
/// never with the number of tags times the length of history.
///
/// Not thread-safe: one per thread, like `Repository`.
public final class Ancestry {
    let repository: Repository
    /// How far a parent's committer time may lie after its child's before a walk misses it:
    /// a day, or the most a walk has seen in this history, whichever is more.
    public private(set) var skew: Int64

    private var slots: [ObjectID: Int32] = [:]
    private var ids: [ObjectID] = []
    private var times: [Int64] = []
    private var loaded: [Bool] = []
    /// Parents of loaded nodes: `parentList[parentStart[n]..<parentStart[n] + parentCount[n]]`.
    private var parentStart: [Int32] = []
    private var parentCount: [UInt8] = []
    private var extraParents: [Int32: [Int32]] = [:]
    private var parentList: [Int32] = []

    public init(_ repository: Repository, skew: Int64 = 86_400) {
        self.repository = repository
        self.skew = skew
    }

    /// How many commits have been read so far (for tests and `--verbose`).
    public var commitsRead: Int { loaded.lazy.filter { $0 }.count }

    func node(_ id: ObjectID) -> Int32 {
        if let n = slots[id] { return n }
        let n = Int32(ids.count)
        slots[id] = n
        ids.append(id)
        times.append(0)
        loaded.append(false)
        parentStart.append(0)
        parentCount.append(0)
        return n
    }

    private lazy var odb: ObjectDatabase? = try? ObjectDatabase(repository)

    private func load(_ n: Int32) throws(GitError) {
        let i = Int(n)
        guard !loaded[i] else { return }
        let header: CommitHeader
        if let odb {
            // The raw object, parsed for its parents and committer time only.
            let id = ids[i]
            header = try odb.withObject(id) { (bytes, type) throws(GitError) -> CommitHeader in
                guard type == GIT_OBJECT_COMMIT, let parsed = CommitHeader(bytes) else {
                    throw GitError(code: -1, message: "object \(id.short()) is not a readable commit", operation: "read commit \(id.short())")
                }
                return parsed
            }
        } else {
            let commit = try repository.commit(ids[i])
            var h = CommitHeader(parents: commit.parents, committerTime: commit.committer.time)
            h.parents = commit.parents
            header = h
        }
        times[i] = header.committerTime
        let parents = header.parents.map(node)
        if parents.count < 255 {
            parentStart[i] = Int32(parentList.count)
            parentCount[i] = UInt8(parents.count)
            parentList.append(contentsOf: parents)
        } else {
            parentCount[i] = 255
            extraParents[n] = parents
        }
        loaded[i] = true
    }

    func time(_ n: Int32) throws(GitError) -> Int64 {
        try load(n)
        return times[Int(n)]
    }

    /// Where a commit goes in a walk, newest first: its committer time, or, when that says
    /// 1970 or before (a date git could not parse reads as 0), its child's — a wrong clock
    /// of that kind must not end a walk early and hide every release below it.
    func walkTime(_ n: Int32, child: Int64) throws(GitError) -> Int64 {
        let t = try time(n)
        return t > 0 ? t : child
    }

    /// A copy, never a slice: a slice would keep `parentList` shared while the caller loads
    /// the parents it iterates, and every append would then copy the whole list (a metrics
    /// walk of 200,000 commits spent half its time in those copies).
    func parents(_ n: Int32) throws(GitError) -> [Int32] {
        try load(n)
        let i = Int(n)
        if parentCount[i] == 255 { return extraParents[n] ?? [] }
        let start = Int(parentStart[i])
        return Array(parentList[start..<start + Int(parentCount[i])])
    }

    /// Notes the edge from a child to its parent: a parent newer than its child widens the
    /// margin every later cut-off uses, so a history with a skewed clock is walked further
    /// instead of being misjudged.
    func observe(child: Int64, parent: Int64) {
        let (ahead, overflow) = parent.subtractingReportingOverflow(child)
        if overflow { if parent > child { skew = .max } } else if ahead > skew { skew = ahead }
    }

    /// The committer time of a commit.
    public func commitTime(_ id: ObjectID) throws(GitError) -> Int64 { try time(node(id)) }

    /// What `tip` reaches, found lazily: each question walks only as far as it must.
    public func reach(from tip: ObjectID) throws(GitError) -> Reach {
        try Reach(ancestry: self, tip: tip)
    }

    /// The commits reachable from `tips` and from none of `hidden` (`git rev-list tips ^hidden`),
    /// newest first. Stops as soon as only hidden history is left to walk.
    public func commits(from tips: [ObjectID], excluding hidden: [ObjectID]) throws(GitError) -> [ObjectID] {
        // Flags per node: 1 seen, 2 hidden (uninteresting), 4 listed (popped as interesting).
        var flags: [UInt8] = []
        var heap = TimeHeap()
        var interestingQueued = 0
        func flag(_ n: Int32) -> UInt8 { Int(n) < flags.count ? flags[Int(n)] : 0 }
        func setFlag(_ n: Int32, _ f: UInt8) {
            if Int(n) >= flags.count { flags.append(contentsOf: repeatElement(0, count: Int(n) + 1 - flags.count)) }
            flags[Int(n)] |= f
        }

        // Marks `start` and everything already seen below it as hidden.
        func hide(_ start: Int32) throws(GitError) {
            var stack = [start]
            while let n = stack.popLast() {
                let f = flag(n)
                if f & 2 != 0 { continue }
                if f & 1 != 0 && f & 4 == 0 { interestingQueued -= 1 }  // queued as interesting until now
                setFlag(n, 2)
                if f & 4 != 0 {
                    // Already listed: its parents were queued interesting; hide them too.
                    for p in try parents(n) where flag(p) & 1 != 0 { stack.append(p) }
                }
            }
        }

        for id in hidden {
            let n = node(id)
            guard flag(n) & 1 == 0 else { continue }
            setFlag(n, 3)
            heap.push(n, time: try walkTime(n, child: .max))
        }
        for id in tips {
            let n = node(id)
            guard flag(n) & 1 == 0 else { continue }
            setFlag(n, 1)
            interestingQueued += 1
            heap.push(n, time: try walkTime(n, child: .max))
        }
        var listed: [Int32] = []
        var oldestListed = Int64.max
        while let (n, t) = heap.peek() {
            // Only hidden commits left: go on just far enough for clock skew to be harmless.
            if interestingQueued == 0 && t < oldestListed.clampedSubtracting(skew) { break }
            _ = heap.pop()
            let f = flag(n)
            for p in try parents(n) { observe(child: t, parent: try time(p)) }
            if f & 2 != 0 {
                for p in try parents(n) {
                    let pf = flag(p)
                    if pf & 1 == 0 {
                        setFlag(p, 3)
                        heap.push(p, time: try walkTime(p, child: t))
                    } else if pf & 2 == 0 {
                        try hide(p)
                    }
                }
            } else {
                interestingQueued -= 1
                setFlag(n, 4)
                listed.append(n)
                oldestListed = min(oldestListed, t)
                for p in try parents(n) where flag(p) & 1 == 0 {
                    setFlag(p, 1)
                    interestingQueued += 1
                    heap.push(p, time: try walkTime(p, child: t))
                }
            }
        }
        return listed.filter { flag($0) & 2 == 0 }.map { ids[Int($0)] }
    }
}

/// What one tip reaches, discovered lazily, newest commits first.
public final class Reach {
    let ancestry: Ancestry
    public let tip: ObjectID
    private var seen: Set<Int32> = []
    private var heap = TimeHeap()

    init(ancestry: Ancestry, tip: ObjectID) throws(GitError) {
        self.ancestry = ancestry
        self.tip = tip
        let n = ancestry.node(tip)
        seen.insert(n)
        // The tip's own parents are always looked at: a tip older than its parents (a clock
        // set wrong) shows its skew before any cut-off is trusted.
        let t = try ancestry.walkTime(n, child: .max)
        for p in try ancestry.parents(n) where seen.insert(p).inserted {
            let pt = try ancestry.time(p)
            ancestry.observe(child: t, parent: pt)
            heap.push(p, time: pt > 0 ? pt : t)
        }
    }

    /// True when `commit` is the tip or in its history. Walks on only as far as the commit's
    /// own time (less the allowed skew); what was walked serves the next question.
    public func contains(_ commit: ObjectID) throws(GitError) -> Bool {
        let target = ancestry.node(commit)
        if seen.contains(target) { return true }
        let time = try ancestry.time(target)
        while let (_, t) = heap.peek(), t >= time.clampedSubtracting(ancestry.skew) {
            if try walkNext(looking: target) { return true }
        }
        return false
    }

    /// Takes the newest commit off the walk and queues its parents; true when one is `target`.
    private func walkNext(looking target: Int32) throws(GitError) -> Bool {
        guard let (n, t) = heap.peek() else { return false }
        _ = heap.pop()
        for p in try ancestry.parents(n) where seen.insert(p).inserted {
            let pt = try ancestry.time(p)
            ancestry.observe(child: t, parent: pt)
            heap.push(p, time: pt > 0 ? pt : t)
            if p == target { return true }
        }
        return false
    }

    /// `contains`, with no cut-off before a "no": a commit dated years before its parent (a
    /// clock set wrong, an imported history) cannot hide an ancestor. A "yes" costs what
    /// `contains` costs; a "no" walks the rest of the history once (later questions are then
    /// answered from what was walked). For answers that accuse or refuse: `verify`'s
    /// invariants, the server's refusals.
    public func containsExactly(_ commit: ObjectID) throws(GitError) -> Bool {
        if try contains(commit) { return true }
        let target = ancestry.node(commit)
        while !heap.isEmpty {
            if try walkNext(looking: target) { return true }
        }
        return false
    }
}

/// A max-heap of commits by time; ties by insertion order so that walks are repeatable.
struct TimeHeap {
    private var items: [(time: Int64, order: Int64, node: Int32)] = []
    private var counter: Int64 = 0

    var isEmpty: Bool { items.isEmpty }

    private static func above(_ a: (time: Int64, order: Int64, node: Int32), _ b: (time: Int64, order: Int64, node: Int32)) -> Bool {
        a.time != b.time ? a.time > b.time : a.order < b.order
    }

    mutating func push(_ node: Int32, time: Int64) {
        items.append((time, counter, node))
        counter += 1
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.above(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    func peek() -> (Int32, Int64)? { items.first.map { ($0.node, $0.time) } }

    mutating func pop() -> Int32? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && Self.above(items[l], items[best]) { best = l }
                if r < items.count && Self.above(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top.node
    }
}

extension Int64 {
    /// `self − other`, held at the ends of the range: commit times come from anyone's clock.
    /// (RelflowCore has its own public one; this layer sits below it and imports nothing of it.)
    func clampedSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }
}
