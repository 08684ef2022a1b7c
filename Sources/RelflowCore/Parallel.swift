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
