import Foundation
import Synchronization
import Testing
@testable import RelflowCore

@Suite("Work on all cores")
struct ParallelTests {
    /// Every piece is written once, in order, whatever order the threads finish in; pieces
    /// made and not yet written never weigh more than allowed.
    @Test(arguments: [1, 2, 7, 500])
    func orderedPiecesArriveInOrder(_ count: Int) {
        let written = Mutex<[Int]>([])
        let inFlight = Mutex((now: 0, most: 0))
        let weights = (0..<count).map { 1 + ($0 * 7919) % 13 }
        orderedParallelForEach(count: count, weight: { weights[$0] }, maximumPending: 20) { i in
            inFlight.withLock { $0.now += weights[i]; $0.most = max($0.most, $0.now) }
            // Uneven work, so that later pieces are often ready first; the first one slow, so
            // that without the bound the other cores would make every piece while it is made.
            usleep(i == 0 ? 50_000 : UInt32((i * 37) % 5) * 200)
            return Array("\(i)".utf8)
        } consume: { bytes in
            let i = Int(String(decoding: bytes, as: UTF8.self)) ?? -1
            inFlight.withLock { $0.now -= weights[i] }
            written.withLock { $0.append(i) }
        }
        #expect(written.withLock { $0 } == Array(0..<count))
        #expect(inFlight.withLock { $0.most } <= 20)
    }

    @Test func nothingToDo() {
        orderedParallelForEach(count: 0, maximumPending: 1) { _ in [] } consume: { _ in Issue.record("consumed nothing") }
    }
}
