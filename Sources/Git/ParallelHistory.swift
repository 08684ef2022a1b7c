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
        let gitDirectory = self.gitDirectory
        let state = SharedWalk(seeds: seeds)
        let chunkSize = 4096
        // This handle's packs, shared by all threads (each maps its own windows of them);
        // afterwards the index pages the read made resident are let go.
        let packs = packSet
        packReader?.releaseWindows()
        defer { packs?.releaseResidentPages() }
        let results = WorkerResults<T>(count: threads)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            do throws(GitError) {
                let repository = try Repository.open(at: gitDirectory)
                let reader = packs.flatMap { PackReader($0) }
                let odb = try ObjectDatabase(repository, packs: reader)
                let transform = makeTransform()
                // Fixed-size chunks: a growing array would hold up to twice its contents.
                var chunks: [[T]] = []
                var out: [T] = []
                out.reserveCapacity(chunkSize)
                while let seed = state.nextSeed() {
                    var stack = [seed]
                    while let id = stack.popLast() {
                        guard state.claim(id) else { continue }
                        let commit = try repository.commit(id, from: odb)
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
        // One array per thread: joining them would hold the history twice for a moment.
        var parts: [[T]] = []
        for result in results.all() {
            switch result {
            case .success(let chunks): parts.append(contentsOf: chunks)
            case .failure(let error): throw error
            }
        }
        return parts
    }
}

/// The walk's shared state: the seed queue and the commits already claimed by a thread.
/// The claimed set is split in shards with a lock each, so the threads seldom wait for
/// each other (one lock for all made them take turns on every commit).
private final class SharedWalk: @unchecked Sendable {
    private let seedLock = DispatchSemaphore(value: 1)
    private var seeds: [ObjectID]
    private let seedSet: Set<ObjectID>
    private let shards: [ClaimShard]
    private var stopped = false

    init(seeds: [ObjectID]) {
        self.seeds = Array(seeds.reversed())
        seedSet = Set(seeds)
        shards = (0..<64).map { _ in ClaimShard() }
    }

    func nextSeed() -> ObjectID? {
        seedLock.wait()
        defer { seedLock.signal() }
        return stopped ? nil : seeds.popLast()
    }

    func isSeed(_ id: ObjectID) -> Bool { seedSet.contains(id) }

    /// True for the first thread that asks about `id`.
    func claim(_ id: ObjectID) -> Bool {
        shards[Int(truncatingIfNeeded: id.c & 63)].claim(id)
    }

    func stop() {
        seedLock.wait()
        stopped = true
        seeds.removeAll()
        seedLock.signal()
    }
}

/// One shard of the claimed set; the lock and the set live together in a `Mutex`, at a
/// stable address (a `pthread_mutex_t` stored property has none).
private final class ClaimShard: Sendable {
    private let claimed = Mutex(Set<ObjectID>())

    func claim(_ id: ObjectID) -> Bool {
        claimed.withLock { $0.insert(id).inserted }
    }
}

private final class WorkerResults<T>: @unchecked Sendable {
    private var slots: [Result<[[T]], GitError>?]
    private let lock = DispatchSemaphore(value: 1)
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<[[T]], GitError>) {
        lock.wait()
        slots[index] = value
        lock.signal()
    }
    func all() -> [Result<[[T]], GitError>] { slots.compactMap { $0 } }
}
