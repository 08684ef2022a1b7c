import Testing
@testable import RelflowCore

@Suite("Conventional Commits 1.0.0")
struct ConventionalCommitTests {
    // Every example of the specification's "Examples" section.
    @Test func specExampleDescriptionAndBreakingFooter() throws {
        let p = ConventionalCommitParser.parse("feat: allow provided config object to extend other configs\n\nBREAKING CHANGE: `extends` key in config file is now used for extending other config files")
        let c = try #require(p.commit)
        #expect(p.kind == .conventional && p.problems.isEmpty)
        #expect(c.type == "feat" && c.scope == nil && !c.bang)
        #expect(c.isBreaking)
        #expect(c.breakingNotes == ["`extends` key in config file is now used for extending other config files"])
    }

    @Test func specExampleBang() throws {
        let c = try #require(ConventionalCommitParser.parse("feat!: send an email to the customer when a product is shipped").commit)
        #expect(c.bang && c.isBreaking && c.breakingNotes.isEmpty)
    }

    @Test func specExampleScopeAndBang() throws {
        let c = try #require(ConventionalCommitParser.parse("feat(api)!: send an email to the customer when a product is shipped").commit)
        #expect(c.scope == "api" && c.bang && c.description == "send an email to the customer when a product is shipped")
    }

    @Test func specExampleBangAndFooter() throws {
        let c = try #require(ConventionalCommitParser.parse("chore!: drop support for Node 6\n\nBREAKING CHANGE: use JavaScript features not available in Node 6.").commit)
        #expect(c.bang && c.breakingNotes == ["use JavaScript features not available in Node 6."])
    }

    @Test func specExampleNoBody() throws {
        let p = ConventionalCommitParser.parse("docs: correct spelling of CHANGELOG")
        #expect(p.commit?.type == "docs" && p.problems.isEmpty && p.commit?.body == "")
    }

    @Test func specExampleScope() throws {
        #expect(ConventionalCommitParser.parse("feat(lang): add Polish language").commit?.scope == "lang")
    }

    @Test func specExampleMultiParagraphBodyAndFooters() throws {
        let message = """
        fix: prevent racing of requests

        Introduce a request id and a reference to latest request. Dismiss
        incoming responses other than from latest request.

        Remove timeouts which were used to mitigate the racing issue but are
        obsolete now.

        Reviewed-by: Z
        Refs: #123
        """
        let p = ConventionalCommitParser.parse(message)
        let c = try #require(p.commit)
        #expect(p.problems.isEmpty)
        #expect(c.body.hasPrefix("Introduce a request id") && c.body.hasSuffix("obsolete now."))
        #expect(c.body.contains("\n\nRemove timeouts"))
        #expect(c.footers.map(\.token) == ["Reviewed-by", "Refs"])
        #expect(c.footers.map(\.value) == ["Z", "#123"])
        #expect(!c.isBreaking)
    }

    @Test func specExampleRevert() throws {
        let p = ConventionalCommitParser.parse("revert: let us never again speak of the noodle incident\n\nRefs: 676104e, a215868")
        #expect(p.commit?.type == "revert")
        #expect(p.revertedCommits == ["676104e", "a215868"])
    }

    @Test func footerWithHashSeparatorAndMultilineValue() throws {
        let c = try #require(ConventionalCommitParser.parse("fix: x\n\nCloses #12\nBREAKING-CHANGE: the API\n  changed a lot\nAcked-by: Q").commit)
        #expect(c.footers.map(\.token) == ["Closes", "BREAKING-CHANGE", "Acked-by"])
        #expect(c.footers[0].separator == " #" && c.footers[0].value == "12")
        #expect(c.breakingNotes == ["the API\n  changed a lot"])
    }

    @Test func typesAreCaseInsensitiveButBreakingChangeIsNot() throws {
        let upper = ConventionalCommitParser.parse("FEAT: shout")
        #expect(upper.commit?.normalizedType == "feat")
        let lower = ConventionalCommitParser.parse("feat: x\n\nbreaking change: whispered")
        #expect(lower.problems.map(\.rule).contains("breaking-change-case"))
        #expect(lower.commit?.isBreaking == false)
    }

    // What must be refused, with the rule and the line.
    @Test(arguments: [
        ("add a feature", "header-format", 1),
        ("feat:no space", "header-format", 1),
        ("feat :x", "header-format", 1),
        ("feat: ", "subject-empty", 1),
        ("feat:", "subject-empty", 1),
        ("(api): no type", "type-empty", 1),
        ("feat(): empty scope", "scope-empty", 1),
        ("feat(api: unclosed", "scope-format", 1),
        ("feat/api: slash", "type-format", 1),
        ("feat:  two spaces", "header-format", 1),
        (" feat: leading space", "header-format", 1),
        ("feat: x\nbody without blank line", "body-leading-blank", 2),
        ("feat: x\n\nBREAKING CHANGE:", "breaking-change-description", 3),
    ])
    func invalidMessages(_ message: String, _ rule: String, _ line: Int) {
        let problems = ConventionalCommitParser.parse(message).problems
        #expect(problems.contains { $0.rule == rule && $0.line == line }, "\(problems)")
    }

    @Test func gitProducedMessages() {
        #expect(ConventionalCommitParser.parse("Merge branch 'feature/x' into main").kind == .merge)
        #expect(ConventionalCommitParser.parse("Merge pull request #12 from org/branch\n\nfeat: thing").kind == .merge)
        #expect(ConventionalCommitParser.parse("Merge remote-tracking branch 'origin/main'").kind == .merge)
        let revert = ConventionalCommitParser.parse("Revert \"feat: add x\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.")
        #expect(revert.kind == .gitRevert)
        #expect(revert.revertedCommits == ["0123456789abcdef0123456789abcdef01234567"])
        #expect(ConventionalCommitParser.parse("fixup! feat: add x").kind == .autosquash)
        #expect(ConventionalCommitParser.parse("squash! fix: y").kind == .autosquash)
        let picked = ConventionalCommitParser.parse("fix: y\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)")
        #expect(picked.cherryPickedFrom == ["0123456789abcdef0123456789abcdef01234567"])
        #expect(picked.commit?.body == "")
    }

    @Test func editedFileDropsCommentsAndScissors() {
        let file = """

        feat(parser): accept tabs   \r
        # Please enter the commit message for your changes.
        # On branch main

        Body line.
        # ------------------------ >8 ------------------------
        # Do not modify or remove the line above.
        diff --git a/x b/x
        """
        let lines = MessageLines(editedFile: file)
        #expect(lines.text == "feat(parser): accept tabs\n\nBody line.")
        #expect(lines.lines.first?.number == 2)
        #expect(lines.lines.last?.number == 6)
        let custom = MessageLines(editedFile: "fix: a\n; comment\n", commentChar: ";")
        #expect(custom.text == "fix: a")
    }

    @Test func hugeAndEmptyMessagesDoNotCrash() {
        let huge = "feat: big\n\n" + String(repeating: "lorem ipsum dolor sit amet\n", count: 200_000)
        let p = ConventionalCommitParser.parse(huge)
        #expect(p.kind == .conventional)
        #expect(ConventionalCommitParser.parse("").kind == .empty)
        #expect(ConventionalCommitParser.parse("\n\n\n").kind == .empty)
        #expect(ConventionalCommitParser.parse("feat: caf\u{FFFD} na\u{FFFD}ve").kind == .conventional)
    }
}

@Suite("Lint rules from the config")
struct LintRuleTests {
    func problems(_ message: String, _ configure: (inout RelflowConfig.Commits) -> Void = { _ in },
                  mode: CommitLinter.Mode = .message) -> [LintProblem] {
        var rules = RelflowConfig().commits
        configure(&rules)
        return CommitLinter(rules: rules).lint(MessageLines(committed: message), mode: mode).problems
    }

    @Test func unknownTypeSuggestsTheClosest() throws {
        let p = try #require(problems("feta: x").first)
        #expect(p.rule == "type-enum" && p.hint?.contains("did you mean 'feat'") == true)
    }

    /// Conventional Commits 1.0.0 item 15: types are case-insensitive. By default another
    /// case is a warning (the commit passes); `lower` refuses it; `any` is silent.
    @Test func typeCase() {
        for message in ["Feat: x", "FEAT: x"] {
            #expect(problems(message).map(\.rule) == ["type-case"])
            #expect(problems(message).map(\.severity) == [.warning])
            #expect(problems(message) { $0.typeCase = .lower }.map(\.severity) == [.error])
            #expect(problems(message) { $0.typeCase = .any }.isEmpty)
            #expect(ConventionalCommitParser.parse(message).commit?.normalizedType == "feat")
        }
    }

    @Test func preReleaseIdentifiersAreSemVerIdentifiers() throws {
        for bad in ["a/b", "", "01", "7", "rc.1", "rc 1", "ü"] {
            #expect(throws: RelflowError.self, "\(bad)") { try VersionPolicy.validatePrereleaseIdentifier(bad) }
        }
        for good in ["rc", "beta", "alpha-2", "RC", "0rc"] {
            try VersionPolicy.validatePrereleaseIdentifier(good)
        }
    }

    @Test func branchAndTagNamesFollowCheckRefFormat() {
        for bad in ["", "a..b", "-x", "/x", "x/", "x.lock", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "@", "x/.y", "a@{1}", "HEAD", "x."] {
            #expect(!RefNames.isValidBranch(bad), "\(bad)")
        }
        for good in ["main", "publish", "release/1.x", "feature/ünï", "v1.2.0", "a-b_c.d"] {
            #expect(RefNames.isValidBranch(good), "\(good)")
        }
    }

    @Test func subjectLength() {
        let long = "feat: " + String(repeating: "a", count: 95)
        #expect(problems(long).map(\.rule) == ["header-max-length"])
        #expect(problems(long) { $0.maxSubjectLength = 120 }.isEmpty)
    }

    @Test func scopes() {
        #expect(problems("feat(web): x") { $0.scopes = ["api"] }.map(\.rule) == ["scope-enum"])
        #expect(problems("feat: x") { $0.requireScope = true }.map(\.rule) == ["scope-required"])
        #expect(problems("feat(api,web): x") { $0.scopes = ["api", "web"] }.isEmpty)
    }

    @Test func breakingNeedsBodyWhenConfigured() {
        #expect(problems("feat!: x") { $0.requireBodyForBreaking = true }.map(\.rule) == ["breaking-body"])
        #expect(problems("feat!: x\n\nBREAKING CHANGE: y") { $0.requireBodyForBreaking = true }.isEmpty)
    }

    @Test func nonConventionalAllowedByConfig() {
        #expect(!problems("Update README").isEmpty)
        #expect(problems("Update README") { $0.allowNonConventional = true }.isEmpty)
    }

    @Test func autosquashIsFineBeforeCommitButNotInHistory() {
        #expect(problems("fixup! feat: x").isEmpty)
        #expect(problems("fixup! feat: x", mode: .history).map(\.rule) == ["no-autosquash"])
    }

    @Test func warningsDoNotFail() {
        let p = problems("feat: add a thing.")
        #expect(p.map(\.rule) == ["subject-full-stop"] && p.allSatisfy { $0.severity == .warning })
    }

    @Test func hotfixRestriction() {
        var linter = CommitLinter(rules: RelflowConfig().commits)
        linter.restrictTypes = (RelflowConfig().hotfix.allowedTypes, "on hotfix branch 'hotfix/1.0.1'")
        let feat = linter.lint(MessageLines(committed: "feat: x"), mode: .message).problems
        #expect(feat.map(\.rule) == ["type-enum"])
        let breaking = linter.lint(MessageLines(committed: "fix!: x"), mode: .message).problems
        #expect(breaking.map(\.rule) == ["no-breaking"])
        #expect(linter.lint(MessageLines(committed: "fix: x"), mode: .message).problems.isEmpty)
    }
}

@Suite("Version policy")
struct VersionPolicyTests {
    let rules = RelflowConfig().commits

    @Test func bumpPerCommit() {
        func bump(_ m: String) -> SemVer.Bump { VersionPolicy.bump(for: ConventionalCommitParser.parse(m).commit!, rules: rules) }
        #expect(bump("feat: x") == .minor)
        #expect(bump("fix: x") == .patch)
        #expect(bump("perf: x") == .patch)
        #expect(bump("docs: x") == .none)
        #expect(bump("docs!: x") == .major)
        #expect(bump("chore: x\n\nBREAKING CHANGE: y") == .major)
    }

    @Test func zeroMajorRule() throws {
        var v = RelflowConfig().version
        #expect(try VersionPolicy.next(after: SemVer(0, 3, 1), bump: .major, rules: v).description == "0.4.0")
        v.breakingInZero = .major
        #expect(try VersionPolicy.next(after: SemVer(0, 3, 1), bump: .major, rules: v).description == "1.0.0")
        #expect(try VersionPolicy.next(after: SemVer(1, 3, 1), bump: .major, rules: v).description == "2.0.0")
    }

    @Test func prereleaseCounters() throws {
        let target = SemVer(1, 4, 0)
        #expect(try VersionPolicy.nextPrerelease(of: target, identifier: "rc", existing: []).description == "1.4.0-rc.1")
        let existing = ["1.4.0-rc.1", "1.4.0-rc.2", "1.4.0-beta.7", "1.3.0-rc.9"].compactMap(SemVer.init)
        #expect(try VersionPolicy.nextPrerelease(of: target, identifier: "rc", existing: existing).description == "1.4.0-rc.3")
        #expect(try VersionPolicy.nextPrerelease(of: target, identifier: "beta", existing: existing).description == "1.4.0-beta.8")
    }
}

@Suite("The parser's quick path for plain messages")
struct PlainMessageParseTests {
    /// Messages made of pieces that sit on either side of every rule the quick path checks.
    static func messages(count: Int) -> [String] {
        let headers = ["feat: add it", "fix(api): mend the pool", "feat(ui)!: drop the old menu", "refactor(a b): x",
                       "Merge branch 'main'", "fixup! feat: x", "Revert \"feat: x\"", "docs:  two spaces", "feat(): empty",
                       "chore: é accents ✓", "  feat: leading space", "feat : spaced", "WIP stuff", "", "\n\nfeat: after blanks",
                       "perf(core)!: faster\t ", "feat(x(y)): nested", "Feat: upper", "fix: trailing\r"]
        let lines = ["", "", "It was slow before.", "This changes how it works.", "but not here", "Because of X",
                     "BREAKING CHANGE: the API moved", "breaking change: lower", "Refs: #12", "Closes #4", "Fixes #x",
                     "Signed-off-by: Dev <d@x>", "(cherry picked from commit 0123456789abcdef)", "(a note in parentheses)",
                     "This reverts commit 0123456789abcdef.", "Token-with-dash: value", "Reviewed by: Someone",
                     "http://example.com/x", "  indented: text", "tail spaces   ", "ünïcode line", "a\r", "Co-authored-by: A <a@b>",
                     "word #not", "x:", "Tab\there", "\u{212A}elvin", "BREAKİNG CHANGE: dotted", "Closes #", "Closes # 12",
                     "Closes #\u{00A0}", "Refs:\u{3000}", "Note: \u{00A0}", "Refs: a, b", "Fixes #12", "x #1", "Co-authored-by: B <b@c>",
                     "Acked-by: someone", "Refs: 0123456789abcdef", "Reverts: abcdef1234", "a: b", "A-: b", "1x: not a token", "-x: no", "Multi: line", " continued"]
        var generator = SeededGenerator(seed: 16)
        var out: [String] = []
        for _ in 0..<count {
            let types = ["feat: add it", "fix(api): mend the pool", "revert: feat: x", "Revert: y"]
        var text = (Bool.random(using: &generator) ? types : headers).randomElement(using: &generator)!
            let body = Int.random(in: 0...6, using: &generator)
            for _ in 0..<body { text += "\n" + lines.randomElement(using: &generator)! }
            if Bool.random(using: &generator) { text += "\n" }
            out.append(text)
        }
        return out
    }

    @Test func cherryPickSourcesAreWhatTheParseFinds() {
        var messages = Self.messages(count: 5_000)
        messages += ["fix: x\n\n(cherry picked from commit 0123456789abcdef)", "\n\n(cherry picked from commit 0123456789abcdef)\nfix: y",
                     "(cherry picked from commit 0123456789abcdef)", "fix: x\n(cherry picked from commit abcdef1)  \r\n(cherry picked from commit 1234567)"]
        var found = 0
        for message in messages {
            let sources = ConventionalCommitParser.cherryPickSources(in: message)
            #expect(sources == ConventionalCommitParser.parse(MessageLines(committed: message)).cherryPickedFrom, "\(message.debugDescription)")
            found += sources.count
        }
        #expect(found > 100)
    }

    @Test func quickPathAgreesWithTheFullParse() {
        var answered = 0
        for message in Self.messages(count: 20_000) {
            for keepBody in [true, false] {
                let full = ConventionalCommitParser.parse(MessageLines(committed: message), keepBody: keepBody)
                guard let quick = ConventionalCommitParser.parsePlain(message, keepBody: keepBody) else { continue }
                answered += 1
                #expect(quick == full, "\(message.debugDescription) keepBody: \(keepBody)")
                #expect(quick.commit == full.commit && quick.header == full.header && quick.problems == full.problems)
            }
        }
        // The usual message takes the quick path (else it is no use).
        #expect(answered > 4_000)
    }

    /// The changelog's listing of a plain commit (`listedHeader`) answers exactly for the
    /// messages the quick parse reads as a Conventional Commit without `!` and footers, and
    /// finds the same parts.
    @Test func listedHeaderIsThePlainParseWithoutFooters() {
        var answered = 0
        for message in Self.messages(count: 20_000) + ["feat: x\n\nbut not here", "feat: x\n\nBREAKINGX: y", "fix: y\n\n(cherry picked from commit 0123456789abcdef)"] {
            let quick = ConventionalCommitParser.parsePlain(message, keepBody: false)
            let expected = quick.flatMap { q in q.commit.flatMap { $0.footers.isEmpty && !$0.bang ? $0 : nil } }
            var text = message
            let listed: (type: String, scope: String?, description: String)? = text.withUTF8 { bytes in
                ConventionalCommitParser.listedHeader(bytes).map { parts in
                    func string(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
                    return (string(parts.type), parts.scope.map(string), string(parts.description))
                }
            }
            #expect((listed == nil) == (expected == nil), "\(message.debugDescription)")
            if let listed, let expected {
                answered += 1
                #expect(listed.type == expected.type && listed.scope == expected.scope && listed.description == expected.description,
                        "\(message.debugDescription)")
            }
        }
        #expect(answered > 2_000)
    }

    @Test func mergePathAgreesWithTheFullParse() {
        let headers = ["Merge branch 'main'", "Merge branches 'a' and 'b'", "Merge remote-tracking branch 'origin/x'",
                       "Merge pull request #12 from a/b", "Merge tag 'v1.0.0'", "Merge commit 'abc'", "Merge remote branch 'x'",
                       "Merge 'x' into y", "Merged in feature/x (pull request #3)", "Merged PR 42: x", "Merge request !7",
                       "Merge", "Merge  ", "\n\nMerge branch 'x'", "Merged", "Merge-x", "Merge branch", "Mergeable: no", "merge branch 'x'",
                       "Merge branch 'ü'\t", " Merge branch 'x'", "Merge\u{00A0}branch 'x'", "feat: Merge branch"]
        let lines = ["", "(cherry picked from commit 0123456789abcdef)", "(cherry picked from commit abcdef1)  \r",
                     "This reverts commit 0123456789abcdef.", "Closes #4", "BREAKING CHANGE: x", "Conflicts:", "\tsrc/a.swift", "ünï"]
        var generator = SeededGenerator(seed: 17)
        var answered = 0
        for _ in 0..<4_000 {
            var text = headers.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 0...5, using: &generator) { text += "\n" + lines.randomElement(using: &generator)! }
            if Bool.random(using: &generator) { text += "\n" }
            let full = ConventionalCommitParser.parse(MessageLines(committed: text))
            if let merge = ConventionalCommitParser.parseMerge(text) {
                answered += 1
                #expect(merge == full && merge.header == full.header, "\(text.debugDescription)")
            } else {
                #expect(full.kind != .merge, "\(text.debugDescription)")
            }
            #expect(ConventionalCommitParser.parse(text) == full, "\(text.debugDescription)")
        }
        #expect(answered > 2_000)
    }

    @Test func usualMessagesTakeTheQuickPath() throws {
        let plain = "refactor(api): query session header page\n\nThis changes how query session header page works.\nIt was slow before.\n"
        let quick = try #require(ConventionalCommitParser.parsePlain(plain, keepBody: true))
        #expect(quick.commit?.body == "This changes how query session header page works.\nIt was slow before.")
        #expect(ConventionalCommitParser.parsePlain("feat: x\n\nBREAKING CHANGE: y", keepBody: true) == nil)
        #expect(ConventionalCommitParser.parsePlain("feat: x\n\nRefs: #1\n  more", keepBody: false) == nil)
        let footed = try #require(ConventionalCommitParser.parsePlain("fix: y\n\nText.\n\nCloses #5512\nCo-authored-by: A <a@b>", keepBody: true))
        #expect(footed.commit?.footers.map(\.token) == ["Closes", "Co-authored-by"] && footed.commit?.body == "Text.")
    }
}

/// A small deterministic generator (SplitMix64), so that a failure is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
