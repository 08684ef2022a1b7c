import Testing
@testable import RelflowCore

@Suite("SemVer 2.0.0")
struct SemVerTests {
    // The valid examples of semver.org's own test list.
    @Test(arguments: [
        "0.0.4", "1.2.3", "10.20.30", "1.1.2-prerelease+meta", "1.1.2+meta", "1.1.2+meta-valid", "1.0.0-alpha",
        "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-alpha.beta.1", "1.0.0-alpha.1", "1.0.0-alpha0.valid",
        "1.0.0-alpha.0valid", "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-rc.1+build.1",
        "2.0.0-rc.1+build.123", "1.2.3-beta", "10.2.3-DEV-SNAPSHOT", "1.2.3-SNAPSHOT-123", "1.0.0", "2.0.0",
        "1.1.7", "2.0.0+build.1848", "2.0.1-alpha.1227", "1.0.0-alpha+beta", "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
        "1.2.3----R-S.12.9.1--.12+meta", "1.2.3----RC-SNAPSHOT.12.9.1--.12", "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
        "1.0.0-0A.is.legal",
    ])
    func validVersionsParseAndRoundTrip(_ text: String) {
        let v = SemVer(text)
        #expect(v != nil)
        #expect(v?.description == text)
    }

    // The invalid examples of semver.org's own test list.
    @Test(arguments: [
        "1", "1.2", "1.2.3-0123", "1.2.3-0123.0123", "1.1.2+.123", "+invalid", "-invalid", "-invalid+invalid",
        "-invalid.01", "alpha", "alpha.beta", "alpha.beta.1", "alpha.1", "alpha+beta", "alpha_beta", "alpha.",
        "alpha..", "beta", "1.0.0-alpha_beta", "-alpha.", "1.0.0-alpha..", "1.0.0-alpha..1", "1.0.0-alpha...1",
        "1.0.0-alpha....1", "1.0.0-alpha.....1", "1.0.0-alpha......1", "1.0.0-alpha.......1", "01.1.1", "1.01.1",
        "1.1.01", "1.2", "1.2.3.DEV", "1.2-SNAPSHOT", "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788", "1.2-RC-SNAPSHOT",
        "-1.0.3-gamma+b7718", "+justmeta", "9.8.7+meta+meta", "9.8.7-whatever+meta+meta", "v1.2.3", "", "1.2.3-",
        "1.2.3+", "99999999999999999999999.999999999999999999.99999999999999999",
    ])
    func invalidVersionsAreRejected(_ text: String) {
        #expect(SemVer(text) == nil)
    }

    @Test func precedenceFollowsSection11() {
        // §11's own chain: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < …
        let chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                     "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1"].compactMap(SemVer.init)
        #expect(chain.count == 11)
        for (a, b) in zip(chain, chain.dropFirst()) {
            #expect(a < b, "\(a) < \(b)")
            #expect(!(b < a))
        }
        #expect(chain.shuffled().sorted() == chain)
    }

    @Test func buildMetadataDoesNotCountForPrecedence() throws {
        let a = try #require(SemVer("1.0.0+build.1")), b = try #require(SemVer("1.0.0+build.2"))
        #expect(SemVer.compare(a, b) == 0)
        #expect(!(a < b) && !(b < a))
    }

    @Test func numericIdentifiersCompareBeyondUInt64() throws {
        let a = try #require(SemVer("1.0.0-rc.99999999999999999999998"))
        let b = try #require(SemVer("1.0.0-rc.99999999999999999999999"))
        #expect(a < b)
    }

    @Test func bumps() throws {
        let v = try #require(SemVer("1.4.2-rc.1+b"))
        #expect(try v.bumped(.patch).description == "1.4.3")
        #expect(try v.bumped(.minor).description == "1.5.0")
        #expect(try v.bumped(.major).description == "2.0.0")
        #expect(v.final.description == "1.4.2")
    }

    /// A tag at the largest number a version holds: a clear error, never an overflow trap.
    @Test func bumpsThatCannotGrowAreErrors() throws {
        let max = UInt64.max
        for (version, bump) in [(SemVer(max, 0, 0), SemVer.Bump.major), (SemVer(1, max, 0), .minor), (SemVer(1, 2, max), .patch)] {
            #expect(version.bumpedIfPossible(bump) == nil)
            #expect { try version.bumped(bump) } throws: { error in
                let e = error as? RelflowError
                return e?.status == .repository && e?.message.contains("largest a version can hold") == true
            }
        }
        #expect(try SemVer(max, 0, 0).bumped(.minor).description == "18446744073709551615.1.0")
        let top = SemVer(1, 0, 0, prerelease: ["rc", String(max)])
        #expect { try VersionPolicy.nextPrerelease(of: SemVer(1, 0, 0), identifier: "rc", existing: [top]) } throws: { error in
            (error as? RelflowError)?.message.contains("has no next pre-release") == true
        }
    }

    /// The byte parser against the grammar as first written on `Character`s, on random
    /// strings made of the characters that matter (and a few that must fail).
    /// Pre-release keys order exactly as SemVer.compare does, on random pre-release lists
    /// (numbers, words, huge numbers that fall back, releases).
    @Test func prereleaseKeysOrderAsSemVerDoes() {
        var generator = SystemRandomNumberGenerator()
        let words = ["alpha", "beta", "rc", "nightly", "Alpha", "a-b", "x1", "0a", "9223372036854775808", "18446744073709551616",
                     "0", "1", "2", "10", "11", "99", "9223372036854775807"]
        let versions: [SemVer] = (0..<400).map { _ in
            let count = Int.random(in: 0...3, using: &generator)
            return SemVer(1, 2, 3, prerelease: (0..<count).map { _ in words.randomElement(using: &generator) ?? "rc" })
        }
        let keys = PrereleaseKeys(versions)
        var keyed = 0
        for _ in 0..<20_000 {
            let a = Int.random(in: 0..<versions.count, using: &generator), b = Int.random(in: 0..<versions.count, using: &generator)
            let expected = SemVer.compare(versions[a], versions[b])
            if let got = keys.compare(a, b) {
                keyed += 1
                #expect(got == expected, "\(versions[a]) vs \(versions[b])")
            }
        }
        #expect(keyed > 10_000)
    }

    @Test func byteParserMatchesTheCharacterGrammar() {
        func reference(_ text: String) -> SemVer? {
            func isIdentifier(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "-") }
            var rest = Substring(text)
            var build: [String] = []
            if let plus = rest.firstIndex(of: "+") {
                let parts = rest[rest.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false)
                guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isIdentifier) }) else { return nil }
                build = parts.map(String.init)
                rest = rest[..<plus]
            }
            var prerelease: [String] = []
            if let dash = rest.firstIndex(of: "-") {
                let parts = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
                for part in parts {
                    guard !part.isEmpty, part.allSatisfy(isIdentifier) else { return nil }
                    if part.allSatisfy(\.isASCIIDigit), part.count > 1, part.first == "0" { return nil }
                }
                prerelease = parts.map(String.init)
                rest = rest[..<dash]
            }
            let core = rest.split(separator: ".", omittingEmptySubsequences: false)
            guard core.count == 3 else { return nil }
            var numbers: [UInt64] = []
            for part in core {
                guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), !(part.count > 1 && part.first == "0"),
                      let value = UInt64(part) else { return nil }
                numbers.append(value)
            }
            return SemVer(numbers[0], numbers[1], numbers[2], prerelease: prerelease, build: build)
        }
        let alphabet: [String] = ["0", "1", "2", "9", ".", ".", "-", "+", "a", "Z", "x", "0", "1", "é", "\u{301}", " ", "_",
                                  "18446744073709551615", "18446744073709551616", "\r\n"]
        var generator = SystemRandomNumberGenerator()
        var valid = 0
        func piece(_ count: ClosedRange<Int>) -> String {
            (0..<Int.random(in: count, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "" }.joined()
        }
        for round in 0..<20_000 {
            // Half shaped like a version (with random damage), half anything.
            func number() -> String { Int.random(in: 0..<10, using: &generator) == 0 ? piece(1...2) : String(Int.random(in: 0...120, using: &generator)) }
            let text = round % 2 == 0
                ? [number(), number(), number()].joined(separator: ".") + (Bool.random() ? "-" + piece(1...4) : "")
                    + (Bool.random() ? "+" + piece(1...3) : "")
                : piece(0...12)
            let expected = reference(text)
            #expect(SemVer(text) == expected, "\(text.debugDescription)")
            if expected != nil { valid += 1 }
        }
        for text in ["1.2.3", "1.2.3-rc.1", "1.2.3-rc.01", "1.2.3+01", "1.2.3-0a", "01.2.3", "1.2", "1.2.3.4", "1.2.3-", "1.2.3+",
                     "1.2.3-a..b", "18446744073709551615.0.0", "18446744073709551616.0.0", "1.2.3-é", "1.2.3+a+b"] {
            #expect(SemVer(text) == reference(text), "\(text)")
        }
        #expect(valid > 1_000)
    }
}
