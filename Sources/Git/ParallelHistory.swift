import CLibGit2
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Repository {
    /// Two readers per core: a reader often waits on libgit2's pack-window lock or on the
    /// page cache, and a second one keeps the core busy meanwhile (measured: 200k commits read
    /// in 1.08 s with four threads on two cores, 1.20 s with two).
    public static let historyThreads: Int = min(8, max(2, 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    /// Reads every commit reachable from `seeds` exactly once, on `threads` threads with a
    /// handle each, and returns `transform` of each, in no particular order, in chunks.
    ///
    /// A history is a chain: a commit's parents are known only once it is read, so one walk
    /// cannot be shared between cores. Release tags cut it into pieces: every seed (the tip
    /// and each release tag's commit) starts a walk that stops at the next seed, and the
    /// threads take seeds from a common queue. A seed that is not in the tip's history adds
    /// the commits only it reaches; callers drop those by reachability afterwards.
    /// `makeTransform` is called once per thread, so a transform may keep state of its own.
    public func readHistory<T: Sendable>(seeds: [ObjectID], boundary: Set<ObjectID> = [],
                                         threads: Int = Repository.historyThreads,
                                         makeTransform: @escaping @Sendable () -> (Commit) -> T) throws(GitError) -> [[T]] {
        let reading = startReadingHistory(from: seeds, boundary: boundary, threads: threads, makeTransform: makeTransform)
        return try reading.finish()
    }

    /// Starts reading the history of `tips` in the background and returns at once: the caller
    /// reads the release tags meanwhile and hands their commits over as more seeds
    /// (`HistoryReading.finish(addingSeeds:)`), so that the tags cost no time of their own.
    /// Until then, one thread walks from the tips.
    /// `committerIdentity: false`: each commit's committer has its time but no name or email.
    public func startReadingHistory<T: Sendable>(from tips: [ObjectID], boundary: Set<ObjectID> = [],
                                                 threads: Int = Repository.historyThreads, committerIdentity: Bool = true,
                                                 makeTransform: @escaping @Sendable () -> (Commit) -> T) -> HistoryReading<T> {
        let gitDirectory = self.gitDirectory
        // This handle's packs, shared by all threads (each maps its own windows of them);
        // afterwards the index pages the read made resident are let go.
        let packs = packSet
        // About a quarter of a repository's objects are commits.
        let state = SharedWalk(seeds: tips, expectedCommits: (packs?.objectCount ?? 0) / 4)
        let chunkSize = 4096
        packReader?.releaseWindows()
        let results = WorkerResults<T>(count: threads)
        let reading = HistoryReading<T>(state: state, results: results)
        DispatchQueue.global(qos: .userInitiated).async {
            defer { packs?.releaseResidentPages() }
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                do throws(GitError) {
                    // relflow's reader of the packs; libgit2 opened only for what they lack.
                    let odb = ObjectDatabase(gitDirectory: gitDirectory, packs: packs.flatMap { PackReader($0) })
                    let transform = makeTransform()
                    let identities = IdentityCache()
                    // Fixed-size chunks: a growing array would hold up to twice its contents.
                    var chunks: [[T]] = []
                    var out: [T] = []
                    out.reserveCapacity(chunkSize)
                    while let seed = state.nextSeed() {
                        var stack = [seed]
                        while let id = stack.popLast() {
                            guard state.claim(id) else { continue }
                            let commit = try odb.commit(id, committerIdentity: committerIdentity, identities: identities)
                            out.append(transform(commit))
                            if out.count == chunkSize {
                                chunks.append(out)
                                out = []
                                out.reserveCapacity(chunkSize)
                            }
                            if boundary.contains(id) { continue }
                            for parent in commit.parents.reversed() where !state.isSeed(parent) { stack.append(parent) }
                        }
                    }
                    if !out.isEmpty { chunks.append(out) }
                    results.set(worker, .success(chunks))
                } catch {
                    state.stop()
                    results.set(worker, .failure(error))
                }
            }
            reading.done.signal()
        }
        return reading
    }
}

/// A history read running in the background (`Repository.startReadingHistory`).
public final class HistoryReading<T: Sendable>: Sendable {
    fileprivate let state: SharedWalk
    fileprivate let results: WorkerResults<T>
    fileprivate let done = DispatchSemaphore(value: 0)

    fileprivate init(state: SharedWalk, results: WorkerResults<T>) {
        self.state = state
        self.results = results
    }

    /// Adds `seeds` (commits to read from, and where other walks stop), waits for the read
    /// to end, and returns what every thread read, in chunks.
    public func finish(addingSeeds seeds: [ObjectID] = []) throws(GitError) -> [[T]] {
        state.close(adding: seeds)
        done.wait()
        // One array per thread: joining them would hold the history twice for a moment.
        // Loops over indices: `append(contentsOf:)` and `compactMap` are generic over their
        // sequence, and looking up its element type at run time (this code is not specialised)
        // scanned every protocol conformance in the binary, twice on each run.
        var parts: [[T]] = []
        let all = results.all()
        for r in all.indices {
            switch all[r] {
            case .success(let chunks): for c in chunks.indices { parts.append(chunks[c]) }
            case .failure(let error): throw error
            }
        }
        return parts
    }

    /// Stops the read and waits for its threads (the caller failed on its side).
    public func cancel() {
        state.stop()
        done.wait()
    }
}

/// The walk's shared state: the seed queue and the commits already claimed by a thread.
/// The claimed set is split in shards with a lock each, so the threads seldom wait for
/// each other (one lock for all made them take turns on every commit). Seeds may arrive
/// while the walk runs: until `close`, a thread with nothing to do waits for them.
private final class SharedWalk: @unchecked Sendable {
    private let queue = Mutex(Queue())
    private let arrived = DispatchSemaphore(value: 0)
    private let shards: [ClaimShard]

    private struct Queue {
        var seeds: [ObjectID] = []
        var closed = false
        var stopped = false
        var waiting = 0
    }

    init(seeds: [ObjectID], expectedCommits: Int) {
        // Room for the commits expected from the start: grown from empty, the shards were
        // rehashed 970 times on a 30,000-commit history (1% of the changelog); made large for
        // every history, they cost a small one 1 MB and 0.4 ms.
        let room = min(1024, max(16, expectedCommits / 64 + expectedCommits / 512))
        shards = (0..<64).map { _ in ClaimShard(room: room) }
        for seed in seeds { shard(seed).markSeed(seed) }
        queue.withLock { $0.seeds = Array(seeds.reversed()) }
    }

    private func shard(_ id: ObjectID) -> ClaimShard { shards[Int(truncatingIfNeeded: id.c & 63)] }

    /// The next seed to walk from; nil once the queue is closed and empty, or stopped.
    func nextSeed() -> ObjectID? {
        while true {
            let next: ObjectID?? = queue.withLock { q in
                if q.stopped { return .some(nil) }
                if let seed = q.seeds.popLast() { return .some(seed) }
                if q.closed { return .some(nil) }
                q.waiting += 1
                return nil
            }
            if let next { return next }
            arrived.wait()
        }
    }

    func isSeed(_ id: ObjectID) -> Bool { shard(id).isSeed(id) }

    /// True for the first thread that asks about `id`.
    func claim(_ id: ObjectID) -> Bool { shard(id).claim(id) }

    /// Adds the last seeds and wakes every waiting thread.
    func close(adding seeds: [ObjectID]) {
        for seed in seeds { shard(seed).markSeed(seed) }
        let waiting = queue.withLock { q -> Int in
            q.seeds = Array(seeds.reversed()) + q.seeds
            q.closed = true
            defer { q.waiting = 0 }
            return q.waiting
        }
        for _ in 0..<waiting { arrived.signal() }
    }

    func stop() {
        let waiting = queue.withLock { q -> Int in
            q.stopped = true
            q.closed = true
            q.seeds.removeAll()
            defer { q.waiting = 0 }
            return q.waiting
        }
        for _ in 0..<waiting { arrived.signal() }
    }
}

/// One shard of the claimed set and of the seeds; the lock and the sets live together in a
/// `Mutex`, at a stable address (a `pthread_mutex_t` stored property has none).
private final class ClaimShard: Sendable {
    /// Open-addressed tables, not `Set`s: SipHash on every commit and parent cost more than the
    /// lookups, and a `Set` of ids made each run look up `ObjectID: Hashable` in every
    /// protocol conformance of the binary.
    private struct Sets {
        var claimed: ObjectIDTable
        var seeds = ObjectIDTable()
    }
    private let sets: Mutex<Sets>

    init(room: Int) { sets = Mutex(Sets(claimed: ObjectIDTable(minimumCapacity: room))) }

    func claim(_ id: ObjectID) -> Bool {
        sets.withLock { $0.claimed.insert(id) }
    }

    func markSeed(_ id: ObjectID) {
        _ = sets.withLock { $0.seeds.insert(id) }
    }

    func isSeed(_ id: ObjectID) -> Bool {
        sets.withLock { $0.seeds[id] != nil }
    }
}

fileprivate final class WorkerResults<T>: @unchecked Sendable {
    private var slots: [Result<[[T]], GitError>?]
    private let lock = DispatchSemaphore(value: 1)
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<[[T]], GitError>) {
        lock.wait()
        slots[index] = value
        lock.signal()
    }
    func all() -> [Result<[[T]], GitError>] {
        var out: [Result<[[T]], GitError>] = []
        for i in slots.indices { if let slot = slots[i] { out.append(slot) } }
        return out
    }
}
