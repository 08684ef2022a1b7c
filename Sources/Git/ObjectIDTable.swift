/// A map from object ids to small integers (graph positions), for the hot loops that index
/// a whole history: open addressing on the id's first eight bytes, which are already
/// uniformly spread, so no hashing is needed. A `Dictionary` spent most of its time in
/// SipHash; this table answers a lookup with one or two probes into flat arrays.
public struct ObjectIDTable: Sendable {
    private var keys: [ObjectID]
    /// The value plus one; 0 marks an empty slot.
    private var values: [Int32]
    private var mask: Int
    public private(set) var count = 0

    public init(minimumCapacity: Int = 0) {
        var size = 16
        while size < 2 * minimumCapacity { size <<= 1 }
        keys = [ObjectID](repeating: ObjectID(a: 0, b: 0, c: 0), count: size)
        values = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    private func slot(_ id: ObjectID) -> Int { Int(truncatingIfNeeded: id.a ^ (id.a >> 29)) & mask }

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
        precondition(value >= 0 && value < Int(Int32.max), "ObjectIDTable holds values below Int32.max")
        if 2 * (count + 1) > values.count { grow() }
        var i = slot(id)
        while values[i] != 0 {
            if keys[i] == id {
                values[i] = Int32(value + 1)
                return
            }
            i = (i + 1) & mask
        }
        keys[i] = id
        values[i] = Int32(value + 1)
        count += 1
    }

    private mutating func grow() {
        let old = (keys, values)
        self = ObjectIDTable(minimumCapacity: values.count)
        for k in old.1.indices where old.1[k] != 0 { set(old.0[k], Int(old.1[k] - 1)) }
    }
}
