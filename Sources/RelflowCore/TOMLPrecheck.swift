/// A strict TOML 1.0 syntax check that runs before TOMLKit sees a document.
///
/// TOMLKit's parser (toml++ 3.4) aborts the whole process on some malformed documents instead
/// of reporting an error: its internal assertions (`parse_key`, `parse_value`) fire in release
/// builds too. `make fuzz` found them within seconds (`[+ate]`, a header broken by a newline,
/// a value that is not one). relflow reads TOML it does not control — `.relflow.toml` in the
/// commit-msg hook, `Cargo.lock` and `poetry.lock` of any commit for a bill of materials, the
/// signed policy from a pushed ref — so every document is checked against the TOML 1.0 grammar
/// first, and only a document that passes is handed to TOMLKit (whose error reporting then
/// covers the rules beyond syntax: duplicate keys, tables defined twice).
public enum TOMLPrecheck {
    public struct Problem: Error, Equatable, Sendable {
        public var line: Int
        public var message: String
    }

    /// The first syntax error of `text`, or nil when it is well-formed TOML 1.0.
    public static func firstProblem(in text: String) -> Problem? {
        var scanner = Scanner(Array(text.utf8))
        do {
            try scanner.document()
            return nil
        } catch {
            return error
        }
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    /// Arrays and inline tables open around the current value: bounded, so that a document
    /// of ten thousand '[' is an error, not a stack overflow (here or in toml++).
    var nesting = 0
    static let maximumNesting = 64

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is allowed before the document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    typealias Problem = TOMLPrecheck.Problem

    var atEnd: Bool { i >= bytes.count }
    var peek: UInt8 { i < bytes.count ? bytes[i] : 0 }
    func peek(_ offset: Int) -> UInt8 { i + offset < bytes.count ? bytes[i + offset] : 0 }

    func fail(_ message: String) -> Problem { Problem(line: line, message: message) }

    func shown(_ b: UInt8) -> String {
        if b == 10 { return "a line break" }
        if b < 0x20 || b == 0x7F { return "the control character 0x\(String(b, radix: 16))" }
        if b >= 0x80 { return "a non-ASCII character" }
        return "'\(String(UnicodeScalar(b)))'"
    }

    static func isBareKey(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 95 || b == 45
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// A control character TOML forbids in strings and comments (tab is allowed).
    static func isForbiddenControl(_ b: UInt8) -> Bool { (b < 0x20 && b != 9) || b == 0x7F }

    mutating func skipBlanks() {
        while peek == 32 || peek == 9 { i += 1 }
    }

    /// A line break (`\n` or `\r\n`); false when there is none here.
    mutating func newline() throws(Problem) -> Bool {
        if peek == 10 {
            i += 1
            line += 1
            return true
        }
        if peek == 13 {
            guard peek(1) == 10 else { throw fail("a carriage return must be followed by a line feed") }
            i += 2
            line += 1
            return true
        }
        return false
    }

    mutating func comment() throws(Problem) {
        i += 1  // '#'
        while !atEnd && peek != 10 && !(peek == 13 && peek(1) == 10) {
            if Scanner.isForbiddenControl(peek) { throw fail("\(shown(peek)) is not allowed in a comment") }
            i += 1
        }
    }

    /// Blanks, an optional comment, then the end of the line or of the document.
    mutating func lineEnd() throws(Problem) {
        skipBlanks()
        if peek == 35 { try comment() }
        if atEnd { return }
        guard try newline() else { throw fail("expected the end of the line, found \(shown(peek))") }
    }

    mutating func document() throws(Problem) {
        while true {
            skipBlanks()
            if atEnd { return }
            if try newline() { continue }
            if peek == 35 {
                try comment()
                continue
            }
            if peek == 91 {
                let array = peek(1) == 91
                i += array ? 2 : 1
                skipBlanks()
                try key()
                skipBlanks()
                if array {
                    guard peek == 93, peek(1) == 93 else { throw fail("an array-of-tables header ends with ']]'") }
                    i += 2
                } else {
                    guard peek == 93 else { throw fail("a table header ends with ']', found \(shown(peek))") }
                    i += 1
                }
                try lineEnd()
                continue
            }
            try keyValue()
            try lineEnd()
        }
    }

    mutating func key() throws(Problem) {
        try simpleKey()
        while true {
            skipBlanks()
            guard peek == 46 else { return }
            i += 1
            skipBlanks()
            try simpleKey()
        }
    }

    mutating func simpleKey() throws(Problem) {
        if peek == 34 {
            if peek(1) == 34 && peek(2) == 34 { throw fail("a key cannot be a multi-line string") }
            try singleLineString(quote: 34)
        } else if peek == 39 {
            if peek(1) == 39 && peek(2) == 39 { throw fail("a key cannot be a multi-line string") }
            try singleLineString(quote: 39)
        } else {
            guard Scanner.isBareKey(peek) else {
                throw fail(atEnd ? "a key is missing at the end of the document" : "a key cannot start with \(shown(peek))")
            }
            while Scanner.isBareKey(peek) { i += 1 }
        }
    }

    mutating func keyValue() throws(Problem) {
        try key()
        skipBlanks()
        guard peek == 61 else { throw fail("expected '=' after the key, found \(atEnd ? "the end" : shown(peek))") }
        i += 1
        skipBlanks()
        try value()
    }

    mutating func value() throws(Problem) {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Scanner.maximumNesting else { throw fail("values are nested more than \(Scanner.maximumNesting) levels deep") }
        switch peek {
        case 34:
            if peek(1) == 34 && peek(2) == 34 { try multilineString(quote: 34) } else { try singleLineString(quote: 34) }
        case 39:
            if peek(1) == 39 && peek(2) == 39 { try multilineString(quote: 39) } else { try singleLineString(quote: 39) }
        case 91: try array()
        case 123: try inlineTable()
        case 116: try word("true")
        case 102: try word("false")
        default:
            guard Scanner.isDigit(peek) || peek == 43 || peek == 45 || peek == 105 || peek == 110 else {
                throw fail(atEnd ? "a value is missing at the end of the document" : "a value cannot start with \(shown(peek))")
            }
            try numberOrDate()
        }
    }

    mutating func word(_ text: String) throws(Problem) {
        let expected = Array(text.utf8)
        guard bytes.count - i >= expected.count, Array(bytes[i..<(i + expected.count)]) == expected else {
            throw fail("expected \(text)")
        }
        i += expected.count
        if Scanner.isBareKey(peek) { throw fail("expected \(text)") }
    }

    /// Blanks, line breaks and comments, as allowed between the values of an array.
    mutating func skipArraySpace() throws(Problem) {
        while true {
            skipBlanks()
            if peek == 35 {
                try comment()
                continue
            }
            if try !newline() { return }
        }
    }

    mutating func array() throws(Problem) {
        i += 1
        while true {
            try skipArraySpace()
            if peek == 93 {
                i += 1
                return
            }
            guard !atEnd else { throw fail("an array is not closed with ']'") }
            try value()
            try skipArraySpace()
            if peek == 44 {
                i += 1
                continue
            }
            guard peek == 93 else { throw fail("expected ',' or ']' in an array, found \(atEnd ? "the end" : shown(peek))") }
            i += 1
            return
        }
    }

    mutating func inlineTable() throws(Problem) {
        i += 1
        skipBlanks()
        if peek == 125 {
            i += 1
            return
        }
        while true {
            skipBlanks()
            try keyValue()
            skipBlanks()
            if peek == 44 {
                i += 1
                continue
            }
            guard peek == 125 else {
                throw fail("expected ',' or '}' in an inline table (on one line), found \(atEnd ? "the end" : shown(peek))")
            }
            i += 1
            return
        }
    }

    /// `"…"` (with TOML's escapes) or `'…'` (none), on one line.
    mutating func singleLineString(quote: UInt8) throws(Problem) {
        i += 1
        while true {
            guard !atEnd else { throw fail("a string is not closed") }
            let b = peek
            if b == quote {
                i += 1
                return
            }
            if b == 10 || b == 13 {
                throw fail(quote == 34 ? "a \"…\" string cannot span lines (use \"\"\"…\"\"\")" : "a '…' string cannot span lines (use '''…''')")
            }
            if quote == 34 && b == 92 {
                try escape(multiline: false)
                continue
            }
            if Scanner.isForbiddenControl(b) { throw fail("\(shown(b)) is not allowed in a string") }
            i += 1
        }
    }

    mutating func escape(multiline: Bool) throws(Problem) {
        i += 1  // '\'
        let b = peek
        switch b {
        case 98, 116, 110, 102, 114, 34, 92:
            i += 1
        case 117, 85:
            let count = b == 117 ? 4 : 8
            i += 1
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = Scanner.hexValue(peek) else { throw fail("\\\(b == 117 ? "u" : "U") needs \(count) hexadecimal digits") }
                value = value << 4 | UInt32(digit)
                i += 1
            }
            guard Unicode.Scalar(value) != nil else { throw fail("\\\(b == 117 ? "u" : "U") names no Unicode scalar value") }
        case 32, 9, 10, 13:
            // A line-ending backslash: blanks, then at least one line break, then any space.
            guard multiline else { throw fail("a backslash must start an escape such as \\n") }
            skipBlanks()
            guard try newline() else { throw fail("only blanks may follow a line-ending backslash") }
            while true {
                skipBlanks()
                if try !newline() { break }
            }
        default:
            throw fail("\\\(atEnd ? "" : String(UnicodeScalar(b))) is not a TOML escape")
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 97...102: return b - 87
        case 65...70: return b - 55
        default: return nil
        }
    }

    /// `"""…"""` or `'''…'''`: up to two quotes may stand just before the closing three.
    mutating func multilineString(quote: UInt8) throws(Problem) {
        i += 3
        while true {
            guard !atEnd else { throw fail("a multi-line string is not closed") }
            let b = peek
            if b == quote && peek(1) == quote && peek(2) == quote {
                var run = 3
                while peek(run) == quote { run += 1 }
                guard run <= 5 else { throw fail("too many quotes at the end of a multi-line string") }
                i += run
                return
            }
            if try newline() { continue }
            if quote == 34 && b == 92 {
                try escape(multiline: true)
                continue
            }
            if Scanner.isForbiddenControl(b) { throw fail("\(shown(b)) is not allowed in a string") }
            i += 1
        }
    }

    /// Integers, floats, and offset or local dates and times, checked against their grammar.
    mutating func numberOrDate() throws(Problem) {
        let start = i
        func isTokenByte(_ b: UInt8) -> Bool {
            Scanner.isBareKey(b) || b == 43 || b == 46 || b == 58
        }
        while isTokenByte(peek) { i += 1 }
        // `1979-05-27 07:32:00`: a date, one space, a time.
        if peek == 32, Scanner.isDigit(peek(1)), Scanner.isDigit(peek(2)), peek(3) == 58, Scanner.isLocalDate(bytes[start..<i]) {
            i += 1
            while isTokenByte(peek) { i += 1 }
        }
        let token = Array(bytes[start..<i])
        guard Scanner.isNumber(token) || Scanner.isDateTime(token) else {
            throw fail("'\(String(decoding: token, as: UTF8.self))' is not a TOML value (a number, a date, true or false, or a quoted string)")
        }
    }

    /// Digits with single underscores between them (`1_000`), at least one digit.
    static func isDigits(_ s: ArraySlice<UInt8>, _ digit: (UInt8) -> Bool = Scanner.isDigit) -> Bool {
        guard let first = s.first, let last = s.last, digit(first), digit(last) else { return false }
        var previousUnderscore = false
        for b in s {
            if b == 95 {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if digit(b) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    static func isNumber(_ token: [UInt8]) -> Bool {
        var s = token[...]
        let signed = s.first == 43 || s.first == 45
        if signed { s = s.dropFirst() }
        if s.elementsEqual("inf".utf8) || s.elementsEqual("nan".utf8) { return true }
        if !signed, s.count > 2, s.first == 48 {
            let body = s.dropFirst(2)
            switch s[s.startIndex + 1] {
            case 120: return isDigits(body) { hexValue($0) != nil }
            case 111: return isDigits(body) { $0 >= 48 && $0 <= 55 }
            case 98: return isDigits(body) { $0 == 48 || $0 == 49 }
            default: break
            }
        }
        // [int] [. frac] [e exp]
        var mantissa = s
        var exponent: ArraySlice<UInt8>?
        if let e = s.firstIndex(where: { $0 == 101 || $0 == 69 }) {
            mantissa = s[..<e]
            var exp = s[(e + 1)...]
            if exp.first == 43 || exp.first == 45 { exp = exp.dropFirst() }
            exponent = exp
        }
        var integer = mantissa
        var fraction: ArraySlice<UInt8>?
        if let dot = mantissa.firstIndex(of: 46) {
            integer = mantissa[..<dot]
            fraction = mantissa[(dot + 1)...]
        }
        guard isDigits(integer) else { return false }
        // No leading zeros: 0, or a digit 1-9 first.
        if integer.count > 1 && integer.first == 48 { return false }
        if let fraction, !isDigits(fraction) { return false }
        if let exponent, !isDigits(exponent) { return false }
        return true
    }

    static func digits(_ s: ArraySlice<UInt8>, _ count: Int) -> Int? {
        guard s.count == count, s.allSatisfy(isDigit) else { return nil }
        return s.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    static func isLocalDate(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count == 10, s[s.startIndex + 4] == 45, s[s.startIndex + 7] == 45,
              digits(s.prefix(4), 4) != nil,
              let month = digits(s.dropFirst(5).prefix(2), 2), let day = digits(s.dropFirst(8), 2) else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    static func isLocalTime(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count >= 8, s[s.startIndex + 2] == 58, s[s.startIndex + 5] == 58,
              let hour = digits(s.prefix(2), 2), let minute = digits(s.dropFirst(3).prefix(2), 2),
              let second = digits(s.dropFirst(6).prefix(2), 2), hour < 24, minute < 60, second <= 60 else { return false }
        let rest = s.dropFirst(8)
        if rest.isEmpty { return true }
        return rest.first == 46 && rest.count > 1 && rest.dropFirst().allSatisfy(isDigit)
    }

    static func isDateTime(_ token: [UInt8]) -> Bool {
        let s = token[...]
        if isLocalDate(s) { return true }
        if isLocalTime(s) { return true }
        guard s.count > 11, isLocalDate(s.prefix(10)) else { return false }
        let separator = s[s.startIndex + 10]
        guard separator == 84 || separator == 116 || separator == 32 else { return false }
        var time = s.dropFirst(11)
        if time.last == 90 || time.last == 122 {
            time = time.dropLast()
        } else if time.count > 6, let sign = time.dropLast(5).last, sign == 43 || sign == 45 {
            let offset = time.suffix(5)
            guard offset[offset.startIndex + 2] == 58, let h = digits(offset.prefix(2), 2), let m = digits(offset.suffix(2), 2),
                  h < 24, m < 60 else { return false }
            time = time.dropLast(6)
        }
        return isLocalTime(time)
    }
}

import TOMLKit

/// TOML parsed by TOMLKit after the strict syntax check: the one way relflow reads TOML.
enum TOMLDocument {
    struct Failure: Error {
        var line: Int?
        var message: String
    }

    static func parse(_ text: String) throws(Failure) -> TOMLTable {
        if let problem = TOMLPrecheck.firstProblem(in: text) { throw Failure(line: problem.line, message: problem.message) }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Failure(line: error.source.begin.line, message: error.description)
        } catch {
            throw Failure(line: nil, message: "\(error)")
        }
    }
}
