/// A map from object ids to small integers (graph positions), for the hot loops that index
/// a whole history: open addressing on the id's first eight bytes, multiplied by an odd
/// number drawn once per process and its top bits taken (multiply-shift: a history whose
/// commits were ground to share bits cannot pile them into one run of slots, as it could if
/// the id's own bits chose the slot). A `Dictionary` spent most of its time in SipHash; this
/// table answers a lookup with one or two probes into flat arrays.
public struct ObjectIDTable: Sendable {
    private var keys: [ObjectID]
    /// The value plus one; 0 marks an empty slot.
    private var values: [Int32]
    private var mask: Int
    private var shift: UInt64
    private let multiplier = ObjectIDTable.processMultiplier
    public private(set) var count = 0

    private static let processMultiplier: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next() | 1
    }()

    public init(minimumCapacity: Int = 0) {
        var size = 16
        var bits: UInt64 = 4
        while size < 2 * minimumCapacity {
            size <<= 1
            bits += 1
        }
        keys = [ObjectID](repeating: ObjectID(a: 0, b: 0, c: 0), count: size)
        values = [Int32](repeating: 0, count: size)
        mask = size - 1
        shift = 64 - bits
    }

    private func slot(_ id: ObjectID) -> Int { Int(truncatingIfNeeded: (id.a &* multiplier) >> shift) }

    public subscript(id: ObjectID) -> Int? {
        var i = slot(id)
        while true {
            let v = values[i]
            if v == 0 { return nil }
            if keys[i] == id { return Int(v - 1) }
            i = (i + 1) & mask
        }
    }

    /// Sets the value of `id` (values up to `Int32.max - 1`).
    public mutating func set(_ id: ObjectID, _ value: Int) {
        let i = place(id)
        store(id, value, at: i)
    }

    /// Adds `id` with `value` unless it is there: true when it was added (a set's insert).
    public mutating func insert(_ id: ObjectID, _ value: Int = 0) -> Bool {
        let i = place(id)
        guard values[i] == 0 else { return false }
        store(id, value, at: i)
        return true
    }

    /// `id`'s slot, or the empty one where it would go (the table grown first if need be).
    private mutating func place(_ id: ObjectID) -> Int {
        if 2 * (count + 1) > values.count { grow() }
        var i = slot(id)
        while values[i] != 0 && keys[i] != id { i = (i + 1) & mask }
        return i
    }

    private mutating func store(_ id: ObjectID, _ value: Int, at i: Int) {
        precondition(value >= 0 && value < Int(Int32.max), "ObjectIDTable holds values below Int32.max")
        if values[i] == 0 {
            keys[i] = id
            count += 1
        }
        values[i] = Int32(value + 1)
    }

    private mutating func grow() {
        let old = (keys, values)
        self = ObjectIDTable(minimumCapacity: values.count)
        for k in old.1.indices where old.1[k] != 0 { set(old.0[k], Int(old.1[k] - 1)) }
    }
}
