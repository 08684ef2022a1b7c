import Dispatch

/// `map` on all cores, for work that is large, independent per element and free of shared
/// state. Small inputs stay on the calling thread.
public func parallelMap<T: Sendable, U: Sendable>(_ input: [T], minimumCount: Int = 64, _ transform: @Sendable (T) -> U) -> [U] {
    guard input.count >= minimumCount else { return input.map(transform) }
    let slots = ResultSlots<U>(count: input.count)
    let chunks = min(input.count, 16)
    let size = (input.count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * size, end = min(input.count, start + size)
        guard start < end else { return }
        for i in start..<end { slots.set(i, transform(input[i])) }
    }
    return slots.values()
}

/// Slots written by disjoint indices from several threads, then read once by one.
public final class ResultSlots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>
    public init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    public func set(_ index: Int, _ value: T) { buffer[index] = value }
    public func values() -> [T] { buffer.compactMap { $0 } }
}

/// Work handed to another core while the calling thread goes on producing more: batches are
/// transformed as they come and collected in their order by `finish`.
public final class BackgroundBatches<T: Sendable, U: Sendable>: @unchecked Sendable {
    private let transform: @Sendable (T) -> U
    private let group = DispatchGroup()
    private let queue = DispatchQueue(label: "relflow.batches", attributes: .concurrent)
    private let lock = DispatchSemaphore(value: 1)
    private var results: [Int: [U]] = [:]
    private var submitted = 0

    public init(_ transform: @escaping @Sendable (T) -> U) { self.transform = transform }

    public func submit(_ batch: [T]) {
        guard !batch.isEmpty else { return }
        let index = submitted
        submitted += 1
        group.enter()
        queue.async { [self] in
            let out = batch.map(transform)
            lock.wait()
            results[index] = out
            lock.signal()
            group.leave()
        }
    }

    public func finish() -> [U] {
        group.wait()
        var all: [U] = []
        for i in 0..<submitted { all.append(contentsOf: results[i] ?? []) }
        results.removeAll()
        return all
    }
}
