/// A commit message as lines, each with its line number in the text the user wrote.
public struct MessageLines: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// 1-based line number in the original text.
        public let number: Int
        public let text: String
    }

    public var lines: [Line]

    public init(lines: [Line]) { self.lines = lines }

    /// The message as stored in a commit: every line kept, numbered from 1, trailing
    /// whitespace removed (git strips it when it writes the commit).
    public init(committed message: String) {
        var out: [Line] = []
        var number = 0
        for line in splitTrimmedLines(message) {
            number += 1
            out.append(Line(number: number, text: line))
        }
        while let last = out.last, last.text.isEmpty { out.removeLast() }
        while let first = out.first, first.text.isEmpty { out.removeFirst() }
        lines = out
    }

    /// The message as `git commit` will record it from an edited file (`--cleanup=strip`):
    /// comment lines (starting with `commentChar`) dropped, everything from the scissors line
    /// on dropped, trailing whitespace removed, runs of blank lines collapsed, leading and
    /// trailing blank lines removed. Line numbers stay those of the file.
    public init(editedFile text: String, commentChar: Character = "#") {
        let scissors = "\(commentChar) ------------------------ >8 ------------------------"
        var out: [Line] = []
        var number = 0
        for line in splitTrimmedLines(text) {
            number += 1
            if line == scissors { break }
            if line.first == commentChar { continue }
            if line.isEmpty, let last = out.last, last.text.isEmpty { continue }
            if line.isEmpty, out.isEmpty { continue }
            out.append(Line(number: number, text: line))
        }
        while let last = out.last, last.text.isEmpty { out.removeLast() }
        lines = out
    }

    public var isEmpty: Bool { lines.isEmpty }

    /// The cleaned message, lines joined with `\n`.
    public var text: String { lines.map(\.text).joined(separator: "\n") }
}

/// Splits on `\n` alone (a `\r\n` pair is one Swift `Character`, so this works on bytes) and
/// removes each line's trailing whitespace, `\r` included, as git does.
func splitTrimmedLines(_ text: String) -> [String] {
    // On the contiguous UTF-8 bytes: `String.UTF8View` index steps cost more than the split.
    var text = text
    return text.withUTF8 { bytes in
        var out: [String] = []
        var lines = TrimmedLines(bytes)
        while let line = lines.next() {
            out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[line.start..<line.stop]), as: UTF8.self))
        }
        return out
    }
}

/// The lines of UTF-8 text as `splitTrimmedLines` makes them, as byte ranges: `start..<stop`
/// is the line without its trailing whitespace, `end` where its `\n` (or the text) ends.
/// Text that ends with `\n` has an empty last line.
struct TrimmedLines: IteratorProtocol {
    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var done = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func next() -> (start: Int, stop: Int, end: Int)? {
        guard !done else { return nil }
        let start = position
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        var stop = end
        scan: while stop > start {
            switch bytes[stop - 1] {
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C: stop -= 1
            default: break scan
            }
        }
        if end >= bytes.count { done = true } else { position = end + 1 }
        return (start, stop, end)
    }
}

/// `text.lowercased()`, without the Unicode machinery and a new string when there is nothing
/// to lower (a type, a footer token, an email address nearly always): these run for every
/// commit of a changelog. The same result as `lowercased()` for every string.
func asciiLowercased(_ text: String) -> String {
    // On the contiguous bytes of a native string: iterating `utf8` cost 5 times more, and this
    // runs for every author and footer of a changelog.
    let lower = text.utf8.withContiguousStorageIfAvailable { bytes in
        !bytes.contains { $0 >= 0x80 || ($0 >= 65 && $0 <= 90) }
    } ?? !text.utf8.contains { $0 >= 0x80 || ($0 >= 65 && $0 <= 90) }
    return lower ? text : text.lowercased()
}
