import Foundation
import Testing
import TestSupport

@Suite("relflow lint")
struct LintCommandTests {
    @Test func rangeReportsEachBadCommitWithLineRuleAndHint() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.tag("v1.0.0")
        try repo.commit("fix(api): handle empty body")
        let bad = try repo.commit("Update the readme")
        try repo.commit("feta: typo in type")
        let result = repo.relflow("lint", "v1.0.0..HEAD")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(String(bad.prefix(7))))
        #expect(result.stderr.contains("[header-format]") && result.stderr.contains("[type-enum]"))
        #expect(result.stderr.contains("did you mean 'feat'"))
        #expect(result.stderr.contains("2 of 3 messages refused"))
        let good = repo.relflow("lint", "v1.0.0..HEAD~2")
        #expect(good.status == 0, "\(good)")
    }

    @Test func jsonOutputHasStableFields() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.commit("feat(web)!: drop IE\nbody")
        let result = repo.relflow("lint", "--json", "HEAD~1..HEAD")
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == false && json["checked"] as? Int == 1)
        let item = try #require((json["results"] as? [[String: Any]])?.first)
        #expect(item["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
        #expect(item["header"] as? String == "feat(web)!: drop IE" && item["kind"] as? String == "conventional")
        let problem = try #require((item["problems"] as? [[String: Any]])?.first)
        #expect(problem["rule"] as? String == "body-leading-blank" && problem["line"] as? Int == 2)
        #expect(problem["severity"] as? String == "error" && problem["hint"] is String && problem["message"] is String)
        #expect(result.stderr.isEmpty)
    }

    @Test func mergesAndRevertsAsGitWritesThemPass() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base", files: ["a": "1"])
        try repo.git("checkout", "-q", "-b", "topic")
        try repo.commit("fix: on topic", files: ["b": "1"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("docs: on main", files: ["c": "1"])
        try repo.git("merge", "-q", "--no-ff", "--no-edit", "topic")
        try repo.git("revert", "--no-edit", "HEAD~1")
        let result = repo.relflow("lint", "HEAD~3..HEAD")
        #expect(result.status == 0, "\(result)")
    }

    @Test func autosquashCommitsAreRefusedInHistoryOnly() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.commit("fixup! feat: base")
        #expect(repo.relflow("lint", "HEAD").status == 1)
        #expect(repo.relflow("lint", "-", stdin: Data("fixup! feat: base\n".utf8)).status == 0)
    }

    @Test func messageFileAndStdin() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.write("msg.txt", "# comment line\nfix: good one\n\n# trailing comment\n")
        #expect(repo.relflow("lint", "--message-file", "msg.txt").status == 0)
        let bad = repo.relflow("lint", "-", stdin: Data("nope\n".utf8))
        #expect(bad.status == 1 && bad.stderr.contains("<stdin>:1"))
        // Outside any repository the defaults apply.
        let outside = runProcess(RelflowBinary.path, ["lint", "-"], cwd: repo.root, environment: repo.environment, stdin: Data("fix: ok\n".utf8))
        #expect(outside.status == 0, "\(outside)")
    }

    @Test func oddMessagesDoNotCrash() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.commitRaw(Data([0x66, 0x69, 0x78, 0x3A, 0x20, 0xFF, 0xFE, 0xC3, 0x0A]))
        try repo.commitRaw(Data())
        let huge = "feat: huge\n\n" + String(repeating: "0123456789abcdef ", count: 320_000)
        try repo.commitRaw(Data(huge.utf8))
        let result = repo.relflow("lint", "--json", "HEAD~3..HEAD")
        #expect(result.status == 1, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let kinds = (json["results"] as? [[String: Any]])?.map { $0["kind"] as? String }
        #expect(kinds == ["conventional", "empty", "conventional"])
    }

    @Test func configErrorsExitTwoAndNameKeyAndLine() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.write(".relflow.toml", "[commits]\nmax_subject_length = 50\nmax_subjet_length = 60\n")
        let result = repo.relflow("lint", "HEAD")
        #expect(result.status == 2)
        #expect(result.stderr.contains("relflow: error: .relflow.toml line 3: unknown key 'max_subjet_length' in [commits]"))
        #expect(result.stderr.contains("hint: did you mean 'max_subject_length'?"))
    }

    @Test func configRulesApply() throws {
        let repo = try TestRepo()
        try repo.write(".relflow.toml", "[commits]\nscopes = [\"api\"]\nrequire_scope = true\n")
        try repo.commit("feat(api): base")
        try repo.commit("feat: no scope")
        #expect(repo.relflow("lint", "HEAD~1").status == 0)
        let result = repo.relflow("lint", "HEAD")
        #expect(result.status == 1 && result.stderr.contains("[scope-required]"))
    }

    @Test func errorsOutsideRepositoryAndOnUnknownRevision() throws {
        let dir = makeTemporaryDirectory("plain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outside = runProcess(RelflowBinary.path, ["lint", "HEAD"], cwd: dir)
        #expect(outside.status == 3 && outside.stderr.contains("not a git repository") && outside.stderr.contains("hint:"))
        let repo = try TestRepo()
        try repo.commit("feat: base")
        let unknown = repo.relflow("lint", "nope..HEAD")
        #expect(unknown.status == 3 && unknown.stderr.contains("unknown revision 'nope'"))
        let usage = repo.relflow("lint", "--frobnicate")
        #expect(usage.status == 2)
    }
}
