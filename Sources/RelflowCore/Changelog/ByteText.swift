/// Text built as UTF-8 bytes, in a buffer of its own: appending a piece is a bounds check and
/// a copy. Appending to a `[UInt8]` cost five times as much for the short pieces a changelog
/// line is made of (5% of a 30,000-commit changelog: 379,000 pieces).
struct ByteText: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }
    var isEmpty: Bool { count == 0 }
    mutating func removeAll() { count = 0 }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to size: Int) {
        var grown = capacity * 2
        while grown < size { grown *= 2 }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        buffer.initialize(from: base, count: count)
        base.deallocate()
        base = buffer
        capacity = grown
    }

    @inline(__always)
    private mutating func append(_ source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        let target = base + count
        if n <= 16 {
            for i in 0..<n { target[i] = source[i] }
        } else {
            target.initialize(from: source, count: n)
        }
        count += n
    }

    /// A piece of the template: its bytes are in the binary.
    static func += (text: inout ByteText, piece: StaticString) {
        text.append(piece.utf8Start, piece.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func append(byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    mutating func append(repeating byte: UInt8, count n: Int) {
        reserve(n)
        (base + count).initialize(repeating: byte, count: n)
        count += n
    }

    @inline(__always)
    mutating func append(_ piece: UnsafeBufferPointer<UInt8>) {
        if let start = piece.baseAddress { append(start, piece.count) }
    }

    /// A piece of the changelog's data.
    mutating func append(_ piece: String) {
        var piece = piece
        piece.withUTF8 { if let start = $0.baseAddress { append(start, $0.count) } }
    }

    /// `text` with each newline followed by two spaces (a note's lines under its list item),
    /// as `replacingNewlines(with: "\n  ")` does: a `\r\n` pair is one `Character`, not split.
    mutating func appendIndentingNewlines(_ text: String) {
        var text = text
        text.withUTF8 { source in
            reserve(3 * source.count)
            var previous: UInt8 = 0
            for byte in source {
                base[count] = byte
                count += 1
                if byte == 0x0A && previous != 0x0D {
                    base[count] = 0x20
                    base[count + 1] = 0x20
                    count += 2
                }
                previous = byte
            }
        }
    }
}
