import Synchronization

/// A count that long work bumps from any thread and a progress display reads.
public final class ProgressCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public func add(_ n: Int) { count.add(n, ordering: .relaxed) }

    public var value: Int { count.load(ordering: .relaxed) }
}
