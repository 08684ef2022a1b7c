import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// `produce(0) … produce(count − 1)` on all cores, each result handed to `consume` in order as
/// soon as it and every result before it are ready: the first output is written while later
/// ones are still being made, and no core waits for a slow element's neighbours.
///
/// Elements are taken one at a time, in order, by whichever thread is free. Results made but
/// not yet consumed may weigh at most `maximumPending` (by `weight`; one element is always
/// let through), so a document is never much in memory. `consume` runs on one thread at a
/// time, in order, on whichever thread finished the element it was waiting for.
///
/// The pieces are bytes (texts to write): a generic pipeline, called from another module, was
/// not specialised and paid the runtime's generic metadata lookups on every element.
public func orderedParallelForEach(count: Int, weight: @Sendable (Int) -> Int = { _ in 1 }, maximumPending: Int,
                                   produce: @Sendable (Int) -> [UInt8], consume: @Sendable ([UInt8]) -> Void) {
    guard count > 0 else { return }
    let workers = min(count, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    if workers == 1 {
        for i in 0..<count { consume(produce(i)) }
        return
    }
    let pipeline = OrderedPipeline(count: count)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let i = pipeline.take(weight: weight, maximumPending: maximumPending) {
            pipeline.finish(i, produce(i), consume: consume)
        }
    }
}

/// The shared state of `orderedParallelForEach`.
private final class OrderedPipeline: Sendable {
    typealias U = [UInt8]
    private struct State: ~Copyable {
        var slots: [U?]
        var weights: [Int]
        /// The next element to produce, and the next to consume.
        var nextTaken = 0
        var nextConsumed = 0
        /// The weight of the elements taken and not yet consumed.
        var pending = 0
        /// A thread is consuming (it owns `nextConsumed` until it finds no result ready).
        var consuming = false
        var waiting = 0

        /// The next result in order when it is ready: this thread becomes the consumer.
        mutating func claimNext() -> U? {
            guard nextConsumed < slots.count, let value = slots[nextConsumed] else { return nil }
            slots[nextConsumed] = nil
            consuming = true
            return value
        }
    }
    private let state: Mutex<State>
    private let progress = DispatchSemaphore(value: 0)

    init(count: Int) {
        state = Mutex(State(slots: Array(repeating: nil, count: count), weights: Array(repeating: 0, count: count)))
    }

    /// The next element to produce, once the results waiting to be consumed leave room for
    /// it; nil when every element is taken.
    func take(weight: (Int) -> Int, maximumPending: Int) -> Int? {
        while true {
            let taken: Int?? = state.withLock { s in
                guard s.nextTaken < s.slots.count else { return .some(nil) }
                let w = weight(s.nextTaken)
                if s.pending > 0 && s.pending + w > maximumPending {
                    s.waiting += 1
                    return nil
                }
                let i = s.nextTaken
                s.nextTaken += 1
                s.pending += w
                s.weights[i] = w
                return .some(i)
            }
            if let taken { return taken }
            progress.wait()
        }
    }

    /// Stores element `i`'s result. When no thread is consuming and the result the consumer
    /// needs next is ready, this thread consumes it and every ready one after it.
    func finish(_ i: Int, _ result: U, consume: (U) -> Void) {
        var next: U? = state.withLock { s in
            s.slots[i] = result
            return s.consuming ? nil : s.claimNext()
        }
        while let value = next {
            consume(value)
            let wake: Int
            (next, wake) = state.withLock { s in
                s.pending -= s.weights[s.nextConsumed]
                s.nextConsumed += 1
                s.consuming = false
                let wake = s.waiting
                s.waiting = 0
                return (s.claimNext(), wake)
            }
            for _ in 0..<wake { progress.signal() }
        }
    }
}
