import Foundation
import Testing
@testable import RelflowCore

@Suite("Configuration")
struct ConfigTests {
    @Test func emptyFileGivesDefaults() throws {
        let c = try ConfigLoader.load(text: "")
        #expect(c == RelflowConfig())
        #expect(c.branches.main == "main" && c.branches.publish == "publish" && c.tags.prefix == "v")
        #expect(c.commits.maxSubjectLength == 100)
    }

    @Test func everySectionReads() throws {
        let text = """
        [branches]
        main = "trunk"
        publish = "production"
        [tags]
        prefix = "app-v"
        sign = "ssh"
        [commits]
        types = [{ type = "feat", title = "New" }, { type = "fix", title = "Fixed" }, { type = "chore", hidden = true }]
        releasable = ["feat", "fix"]
        max_subject_length = 72
        scopes = ["api"]
        non_conventional = "drop"
        [version]
        initial = "1.0.0"
        breaking_in_zero = "major"
        [changelog]
        file = "HISTORY.md"
        include_merges = true
        remote = "https://github.com/o/r"
        [gate]
        auto_paths = ["timestamp.json", "docs/**"]
        approvals = 2
        distinct_approver = false
        delay = "24h"
        hotfix = "auto"
        [hotfix]
        branch_prefix = "hf/"
        backport = "cherry-pick"
        [publisher]
        command = ["./deploy.sh", "--prod"]
        timeout = "10m"
        [notice]
        early_access = "Try it on staging."
        expected = "Tuesday"
        [bom]
        paths = ["vendor/manifest.lock"]
        """
        let c = try ConfigLoader.load(text: text)
        #expect(c.branches.main == "trunk" && c.tags.prefix == "app-v" && c.tags.sign == .ssh)
        #expect(c.commits.types.map(\.type) == ["feat", "fix", "chore"])
        #expect(c.commits.types[2].hidden && c.commits.types[2].title == "chore")
        #expect(c.commits.nonConventional == .drop && c.commits.maxSubjectLength == 72)
        #expect(c.version.initial == SemVer(1, 0, 0) && c.version.breakingInZero == .major)
        #expect(c.gate.delay?.seconds == 86_400 && c.gate.approvals == 2 && c.gate.hotfix == .auto)
        #expect(c.hotfix.backport == .cherryPick && c.publisher.command == ["./deploy.sh", "--prod"])
        #expect(c.publisher.timeout.seconds == 600 && c.notice.expected == "tuesday")
    }

    @Test func unknownKeyNamesKeyAndLine() {
        let text = "[gate]\napprovals = 1\n\n# a comment\naproval_count = 3\n"
        #expect {
            try ConfigLoader.load(text: text)
        } throws: { error in
            guard let e = error as? RelflowError else { return false }
            return e.status == .usage && e.message.contains("line 5") && e.message.contains("aproval_count")
                && e.hint?.contains("approvals") == true
        }
    }

    /// A type listed twice (in any case) would put its commits under two headings: refused.
    @Test func aCommitTypeListedTwiceIsAnError() {
        #expect {
            try ConfigLoader.load(text: "[commits]\ntypes = [{ type = \"feat\", title = \"Features\" }, { type = \"Feat\", title = \"New\" }]\n")
        } throws: { error in
            let e = error as? RelflowError
            return e?.status == .usage && e?.message.contains("the type 'feat' is listed twice") == true && e?.message.contains("line 2") == true
        }
    }

    @Test func unknownSectionIsAnError() {
        #expect(throws: RelflowError.self) { try ConfigLoader.load(text: "[gates]\napprovals = 1\n") }
    }

    @Test func wrongTypeNamesKeyAndLine() {
        #expect {
            try ConfigLoader.load(text: "[commits]\n\nmax_subject_length = \"long\"\n")
        } throws: { error in
            let e = error as? RelflowError
            return e?.message.contains("line 3") == true && e?.message.contains("max_subject_length must be an integer, not a string") == true
        }
        #expect {
            try ConfigLoader.load(text: "[gate]\ndelay = \"soon\"\n")
        } throws: { error in
            (error as? RelflowError)?.message.contains("'soon' is not a duration") == true
        }
        // Durations that would overflow a date, or sum past the limit, are refused when read.
        for text in ["9223372036854775807s", "106751991167300d", "101y", "36525d1s", "3155760000s1s"] {
            #expect(ConfigDuration(text) == nil, "\(text)")
            #expect(throws: RelflowError.self) { try ConfigLoader.load(text: "[gate]\ndelay = \"\(text)\"\n") }
        }
        #expect(ConfigDuration("36525d")?.seconds == ConfigDuration.maximumSeconds)
        // Branch names and tag prefixes that git would refuse are refused when read.
        for text in ["[branches]\nmain = \"a..b\"\n", "[branches]\npublish = \"\"\n", "[tags]\nprefix = \"../refs/x\"\n",
                     "[tags]\nprefix = \"v~\"\n", "[branches]\nmain = \"-x\"\n"] {
            #expect(throws: RelflowError.self, "\(text)") { try ConfigLoader.load(text: text) }
        }
        // A file that is not UTF-8 names the byte and the fix.
        #expect {
            try ConfigLoader.load(bytes: Array("[gate]\ndelay = \"1h\"\n# caf".utf8) + [0xE9, 0x0A])
        } throws: { error in
            let e = error as? RelflowError
            return e?.status == .usage && e?.message.contains("is not UTF-8 text (byte 25 of 27") == true
        }
    }

    /// Documents that made TOMLKit's parser (toml++) abort the process, found by `make fuzz`:
    /// refused with the line, never a crash.
    @Test(arguments: ["[+ate]\ndelay = \"1h\"\n", "[\n%\n", "\u{FEFF}[\u{13}x]\n", "x = " + String(repeating: "[", count: 5000) + "\n",
                      "[[ +a]]\n", "[gate]\n[ .x]\n"])
    func documentsThatCrashedTheTOMLParserAreErrors(_ text: String) {
        #expect(throws: RelflowError.self) { try ConfigLoader.load(text: text) }
        #expect(TOMLPrecheck.firstProblem(in: text) != nil)
    }

    /// The syntax check accepts all of TOML 1.0 that TOMLKit does, so it refuses nothing valid.
    @Test func theSyntaxCheckAcceptsValidTOML() throws {
        let valid = #"""
        # comment	with a tab
        title = "TOML \"quoted\" \u00E9 \U0001F600"
        literal = 'C:\path\'
        multi = """
        one \
           two""\""""
        multi_literal = '''
        raw ''''
        "quoted key" = 1
        'single' = 2
        dotted.key . part = 3
        ints = [+99, 42, 0, -17, 1_000, 0xDEAD_beef, 0o755, 0b1101]
        floats = [+1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991, inf, -inf, +nan]
        dates = [1979-05-27T07:32:00Z, 1979-05-27T00:32:00.999999-07:00, 1979-05-27 07:32:00, 1979-05-27, 07:32:00, 00:32:00.5]
        bools = [true, false]
        nested = [ [1, 2], ["a", 'b'], [ {x = 1}, {y = [2, 3]} ], ]
        inline = { a = 1, b.c = "d", e = { f = [] } }
        [table]
        [table.sub]
        [[fruits]]
        name = "apple"
        [[ fruits ]]
        name = "banana"
        """#
        #expect(TOMLPrecheck.firstProblem(in: valid) == nil, "\(String(describing: TOMLPrecheck.firstProblem(in: valid)))")
        #expect(throws: Never.self) { try ConfigLoader.load(text: "[gate]\ndelay = \"1h\"\n# " + valid.replacingOccurrences(of: "\n", with: "\n# ")) }
        #expect(TOMLPrecheck.firstProblem(in: DefaultTemplates.relflowToml) == nil)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/bom")
        var checked = 0
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: fixtures.path)) ?? [] where name.hasSuffix("Cargo.lock") || name.hasSuffix("poetry.lock") {
            guard !name.contains("malformed"), let text = try? String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) else { continue }
            #expect(TOMLPrecheck.firstProblem(in: text) == nil, "\(name)")
            checked += 1
        }
        #expect(checked >= 2)
    }

    @Test func syntaxErrorNamesLine() {
        #expect {
            try ConfigLoader.load(text: "[gate]\napprovals = = 1\n")
        } throws: { error in
            (error as? RelflowError)?.message.contains("line 2") == true
        }
    }

    @Test func hotfixMayNotAllowFeatures() {
        #expect(throws: RelflowError.self) { try ConfigLoader.load(text: "[hotfix]\nallowed_types = [\"fix\", \"feat\"]\n") }
    }

    @Test(arguments: [("90s", 90), ("30m", 1800), ("24h", 86_400), ("7d", 604_800), ("1h30m", 5400)])
    func durations(_ text: String, _ seconds: Int64) {
        #expect(ConfigDuration(text)?.seconds == seconds)
    }

    @Test(arguments: ["", "5", "m", "5x", "-5m", "5 m"])
    func badDurations(_ text: String) {
        #expect(ConfigDuration(text) == nil)
    }

    /// How a duration relflow chose is shown: its two largest units, skipping empty ones.
    @Test(arguments: [(0, "0s"), (-5, "0s"), (45, "45s"), (2700, "45m"), (3601, "1h 1s"), (90_061, "1d 1h"),
                      (604_800, "7d"), (86_460, "1d 1m")] as [(Int64, String)])
    func durationsShown(_ seconds: Int64, _ text: String) {
        #expect(ConfigDuration.format(seconds) == text)
        #expect(ConfigDuration(seconds: seconds).description == text)
    }
}

@Suite("The shipped config skeleton")
struct ConfigSkeletonTests {
    @Test func skeletonLoadsToTheDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("templates/relflow.toml"), encoding: .utf8)
        #expect(try ConfigLoader.load(text: text) == RelflowConfig())
    }
}

@Suite("The shipped CI examples")
struct CIExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: [("templates/ci/github-actions.yml", "fetch-depth: 0"), ("templates/ci/gitlab-ci.yml", "GIT_DEPTH: 0")])
    func fetchTheWholeHistoryAndSayWhy(_ path: String, _ setting: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        #expect(text.contains(setting))
        #expect(text.contains("shallow clone"))
        for command in ["relflow lint", "relflow changelog", "relflow gate", "relflow promote"] {
            #expect(text.contains(command), "\(path) runs \(command)")
        }
        // Valid YAML, when a YAML parser is at hand.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))", Self.root.appendingPathComponent(path).path]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import yaml"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        if probe.terminationStatus == 0 { #expect(check.terminationStatus == 0, "\(path) parses as YAML") }
    }
}
