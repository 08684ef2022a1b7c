/// A Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
public struct SemVer: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var major: UInt64
    public var minor: UInt64
    public var patch: UInt64
    /// Dot-separated pre-release identifiers (`["rc", "1"]`); empty for a release.
    public var prerelease: [String]
    /// Dot-separated build metadata; ignored for precedence.
    public var build: [String]

    public init(_ major: UInt64, _ minor: UInt64, _ patch: UInt64, prerelease: [String] = [], build: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// Parses exactly the SemVer 2.0.0 grammar; nil for anything else (`1.2`, `01.2.3`,
    /// `1.2.3-`, `1.2.3-01`, `v1.2.3`).
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ SemVer.parse($0) }) else { return nil }
        self = parsed
    }

    /// The grammar on bytes: thousands of tags are parsed on every run, and a `Character`
    /// walk cost more than reading the tags. Any byte outside ASCII fails, as it would in
    /// every part of the grammar.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> SemVer? {
        let n = bytes.count
        var end = n
        var build: [String] = []
        if let plus = bytes.firstIndex(of: UInt8(ascii: "+")) {
            guard let parts = identifiers(bytes, plus + 1, n, numericLeadingZero: true) else { return nil }
            build = parts
            end = plus
        }
        var prerelease: [String] = []
        if let dash = bytes[0..<end].firstIndex(of: UInt8(ascii: "-")) {
            guard let parts = identifiers(bytes, dash + 1, end, numericLeadingZero: false) else { return nil }
            prerelease = parts
            end = dash
        }
        var numbers: [UInt64] = []
        var i = 0
        while numbers.count < 3 {
            let start = i
            var value: UInt64 = 0
            while i < end, bytes[i] >= 48, bytes[i] <= 57 {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[i] - 48))
                guard !o1, !o2 else { return nil }
                value = sum
                i += 1
            }
            guard i > start, !(i - start > 1 && bytes[start] == 48) else { return nil }
            numbers.append(value)
            if numbers.count < 3 {
                guard i < end, bytes[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        guard i == end else { return nil }
        return SemVer(numbers[0], numbers[1], numbers[2], prerelease: prerelease, build: build)
    }

    /// Dot-separated identifiers of `[0-9A-Za-z-]`, none empty; nil otherwise (and for a
    /// numeric identifier with a leading zero unless `numericLeadingZero`).
    private static func identifiers(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, numericLeadingZero: Bool) -> [String]? {
        var parts: [String] = []
        var start = from
        var i = from
        while true {
            if i == to || bytes[i] == UInt8(ascii: ".") {
                guard i > start else { return nil }
                let part = UnsafeBufferPointer(rebasing: bytes[start..<i])
                if !numericLeadingZero, part.count > 1, part[0] == 48, part.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return nil }
                parts.append(String(decoding: part, as: UTF8.self))
                if i == to { return parts }
                start = i + 1
            } else {
                let b = bytes[i]
                guard (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "-") else { return nil }
            }
            i += 1
        }
    }

    public var isPrerelease: Bool { !prerelease.isEmpty }

    /// The same version without pre-release or build (`1.4.0-rc.2` → `1.4.0`).
    public var final: SemVer { SemVer(major, minor, patch) }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { s += "+" + build.joined(separator: ".") }
        return s
    }

    /// SemVer §11 precedence. Build metadata does not count, so `1.0.0+a` and `1.0.0+b` are
    /// neither `<` nor `>` each other (but are not `==`, which compares every field).
    public static func < (lhs: SemVer, rhs: SemVer) -> Bool {
        compare(lhs, rhs) < 0
    }

    public static func == (lhs: SemVer, rhs: SemVer) -> Bool {
        lhs.major == rhs.major && lhs.minor == rhs.minor && lhs.patch == rhs.patch
            && lhs.prerelease == rhs.prerelease && lhs.build == rhs.build
    }

    /// -1, 0 or 1 by SemVer precedence.
    public static func compare(_ a: SemVer, _ b: SemVer) -> Int {
        if a.major != b.major { return a.major < b.major ? -1 : 1 }
        if a.minor != b.minor { return a.minor < b.minor ? -1 : 1 }
        if a.patch != b.patch { return a.patch < b.patch ? -1 : 1 }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) {
            let c = compareIdentifier(x, y)
            if c != 0 { return c }
        }
        if a.prerelease.count == b.prerelease.count { return 0 }
        return a.prerelease.count < b.prerelease.count ? -1 : 1
    }

    private static func compareIdentifier(_ x: String, _ y: String) -> Int {
        // On UTF-8 bytes: SemVer identifiers are ASCII, and Character properties are slow.
        let xb = x.utf8, yb = y.utf8
        let xNumeric = xb.allSatisfy { $0 >= 48 && $0 <= 57 }, yNumeric = yb.allSatisfy { $0 >= 48 && $0 <= 57 }
        switch (xNumeric, yNumeric) {
        case (true, true):
            // Numeric identifiers have no leading zeros, so a longer one is larger; no overflow.
            if xb.count != yb.count { return xb.count < yb.count ? -1 : 1 }
            return xb.elementsEqual(yb) ? 0 : (xb.lexicographicallyPrecedes(yb) ? -1 : 1)
        case (true, false): return -1
        case (false, true): return 1
        case (false, false):
            return xb.elementsEqual(yb) ? 0 : (xb.lexicographicallyPrecedes(yb) ? -1 : 1)
        }
    }

    public enum Bump: Int, Comparable, Sendable, Codable, CustomStringConvertible {
        case none = 0, patch, minor, major
        public static func < (a: Bump, b: Bump) -> Bool { a.rawValue < b.rawValue }
        public var description: String {
            switch self {
            case .none: return "none"
            case .patch: return "patch"
            case .minor: return "minor"
            case .major: return "major"
            }
        }
    }

    /// The final version after applying `bump` (pre-release and build dropped).
    /// The version after this one for `bump`; nil when the number to raise is the largest a
    /// version can hold (18446744073709551615).
    public func bumpedIfPossible(_ bump: Bump) -> SemVer? {
        func next(_ n: UInt64) -> UInt64? {
            let (value, overflow) = n.addingReportingOverflow(1)
            return overflow ? nil : value
        }
        switch bump {
        case .none: return final
        case .patch: return next(patch).map { SemVer(major, minor, $0) }
        case .minor: return next(minor).map { SemVer(major, $0, 0) }
        case .major: return next(major).map { SemVer($0, 0, 0) }
        }
    }

    /// The version after this one for `bump`, or an error naming the number that cannot grow.
    public func bumped(_ bump: Bump) throws(RelflowError) -> SemVer {
        guard let next = bumpedIfPossible(bump) else {
            throw .repository("\(self) has no next \(bump) version: its \(bump) number is the largest a version can hold",
                              hint: "release a version you choose with --version, or delete the tag if it was a mistake")
        }
        return next
    }

    /// The pre-release counter when this version is `<final>-<id>.<n>`, else nil.
    public func prereleaseNumber(for identifier: String) -> UInt64? {
        guard prerelease.count == 2, prerelease[0] == identifier else { return nil }
        return UInt64(prerelease[1])
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension SemVer {
    /// Encoded as its string form, `"1.4.0-rc.1"`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = SemVer(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a SemVer 2.0.0 version"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The pre-release parts of many versions as numbers that order as SemVer orders them: a
/// numeric identifier by its value, an alphanumeric one above every number, by its rank in
/// ASCII order among all of them. Sorting thousands of tags that tie on major.minor.patch
/// (nightlies, a pre-release line) then compares integers instead of strings (44 M
/// instructions → 2 M for 4,000 tags). A version whose identifiers cannot be keyed (a numeric
/// one of 2^63 or more) answers nil, and the caller compares with `SemVer.compare`.
public struct PrereleaseKeys: Sendable {
    private var flat: [UInt64] = []
    private var start: [Int] = []
    /// Identifiers per version; -1 when the version cannot be keyed.
    private var count: [Int] = []

    public init(_ versions: [SemVer]) {
        func numeric(_ id: String) -> Bool { !id.isEmpty && id.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        var words = Set<String>()
        for version in versions { for id in version.prerelease where !numeric(id) { words.insert(id) } }
        var rank: [String: UInt64] = [:]
        for (i, word) in words.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() { rank[word] = UInt64(i) }
        start.reserveCapacity(versions.count)
        count.reserveCapacity(versions.count)
        for version in versions {
            start.append(flat.count)
            var keyed = true
            for id in version.prerelease {
                if numeric(id) {
                    // SemVer numbers have no leading zero; one that has one is left to compare().
                    if let value = UInt64(id), value < 1 << 63, id.utf8.count == 1 || id.utf8.first != 48 {
                        flat.append(value)
                    } else {
                        keyed = false
                    }
                } else if let r = rank[id] {
                    flat.append(1 << 63 | r)
                } else {
                    keyed = false
                }
            }
            count.append(keyed ? version.prerelease.count : -1)
            if !keyed { flat.removeLast(flat.count - start[start.count - 1]) }
        }
    }

    /// -1, 0 or 1 by the SemVer precedence of the pre-release parts of versions `a` and `b`
    /// (indices into the list given to `init`), for versions equal in major.minor.patch; nil
    /// when either cannot be keyed.
    public func compare(_ a: Int, _ b: Int) -> Int? {
        let ca = count[a], cb = count[b]
        if ca < 0 || cb < 0 { return nil }
        // A release ranks above its pre-releases.
        if ca == 0 || cb == 0 { return ca == cb ? 0 : (ca == 0 ? 1 : -1) }
        let sa = start[a], sb = start[b]
        for k in 0..<min(ca, cb) {
            let x = flat[sa + k], y = flat[sb + k]
            if x != y { return x < y ? -1 : 1 }
        }
        return ca == cb ? 0 : (ca < cb ? -1 : 1)
    }
}
