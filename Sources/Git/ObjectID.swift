import CLibGit2

/// A git object id (SHA-1), as a value.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    // 20 bytes stored in three words so that hashing and comparison are cheap.
    @usableFromInline let a: UInt64
    @usableFromInline let b: UInt64
    @usableFromInline let c: UInt32

    init(_ oid: git_oid) {
        var o = oid
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt32 = 0
        withUnsafeBytes(of: &o.id) { raw in
            for i in 0..<8 { a = a << 8 | UInt64(raw[i]) }
            for i in 8..<16 { b = b << 8 | UInt64(raw[i]) }
            for i in 16..<20 { c = c << 8 | UInt32(raw[i]) }
        }
        self.a = a; self.b = b; self.c = c
    }

    init(_ pointer: UnsafePointer<git_oid>) { self.init(pointer.pointee) }

    init(a: UInt64, b: UInt64, c: UInt32) {
        self.a = a; self.b = b; self.c = c
    }

    /// Parses a full 40-character hexadecimal id; nil for anything else.
    public init?(hex: String) {
        var text = hex
        // On the contiguous bytes: the two arrays of a parse by `Array(utf8)` cost more than it.
        guard text.utf8.count == 40, let id = text.withUTF8({ ObjectID(hexBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = id
    }

    var gitOID: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            for i in 0..<8 { raw[i] = UInt8(truncatingIfNeeded: a >> (56 - 8 * UInt64(i))) }
            for i in 0..<8 { raw[8 + i] = UInt8(truncatingIfNeeded: b >> (56 - 8 * UInt64(i))) }
            for i in 0..<4 { raw[16 + i] = UInt8(truncatingIfNeeded: c >> (24 - 8 * UInt32(i))) }
        }
        return oid
    }

    /// The 40-character lowercase hexadecimal form.
    public var hex: String {
        String(unsafeUninitializedCapacity: 40) { out in
            let digits: StaticString = "0123456789abcdef"
            func put(_ word: UInt64, bytes: Int, at start: Int) {
                for i in 0..<bytes {
                    let byte = Int(truncatingIfNeeded: word >> UInt64(8 * (bytes - 1 - i))) & 0xFF
                    out[start + 2 * i] = digits.utf8Start[byte >> 4]
                    out[start + 2 * i + 1] = digits.utf8Start[byte & 15]
                }
            }
            put(a, bytes: 8, at: 0)
            put(b, bytes: 8, at: 16)
            put(UInt64(c), bytes: 4, at: 32)
            return 40
        }
    }

    /// The first `length` hexadecimal digits (git's default abbreviation is 7).
    public func short(_ length: Int = 7) -> String { String(hex.prefix(length)) }

    /// The 20 bytes as three big-endian words (the first 8 bytes, the next 8, the last 4).
    public var words: (UInt64, UInt64, UInt32) { (a, b, c) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.a, lhs.b, lhs.c) < (rhs.a, rhs.b, rhs.c)
    }
}
