import Foundation
import Testing
import TestSupport

/// `relflow changelog` on real histories built with git: the exact commits of each release.
@Suite("relflow changelog")
struct ChangelogCommandTests {
    /// release title ("Unreleased" or the version) → descriptions, as the JSON lists them.
    func releases(_ repo: TestRepo, _ arguments: String...) throws -> [(title: String, commits: [String])] {
        let result = repo.relflow(["changelog", "--json"] + arguments)
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let list = try #require(json["releases"] as? [[String: Any]])
        return list.map { release in
            let title = (release["unreleased"] as? Bool == true) ? "Unreleased" : (release["version"] as? String ?? "?")
            let groups = release["groups"] as? [[String: Any]] ?? []
            let commits = groups.flatMap { ($0["commits"] as? [[String: Any]] ?? []).compactMap { $0["description"] as? String } }
            return (title, commits)
        }
    }

    func titles(_ r: [(title: String, commits: [String])]) -> [String] { r.map(\.title) }
    func commits(_ r: [(title: String, commits: [String])], _ title: String) -> Set<String> {
        Set(r.first { $0.title == title }?.commits ?? [])
    }

    @Test func linearHistoryWithUnreleasedOnTop() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.commit("fix: b")
        try repo.tag("v1.0.0")
        try repo.commit("feat: c")
        try repo.tag("v1.1.0", annotated: false)
        try repo.commit("fix: d")
        let r = try releases(repo)
        #expect(titles(r) == ["Unreleased", "1.1.0", "1.0.0"])
        #expect(commits(r, "Unreleased") == ["d"] && commits(r, "1.1.0") == ["c"] && commits(r, "1.0.0") == ["a", "b"])
        // Piped (as here) nothing but the document is written: no progress, no notes.
        let piped = repo.relflow("changelog")
        #expect(piped.status == 0 && piped.stderr.isEmpty && piped.stdout.hasPrefix("# Changelog\n"))
    }

    @Test func hotfixTagOnASideBranchKeepsItsCommits() throws {
        let repo = try TestRepo()
        try repo.commit("feat: first", files: ["a": "1"])
        try repo.tag("v1.0.0")
        try repo.commit("feat: on main", files: ["b": "1"])
        try repo.git("checkout", "-q", "-b", "hotfix/1.0.1", "v1.0.0")
        try repo.commit("fix: urgent", files: ["c": "1"])
        try repo.tag("v1.0.1")
        try repo.git("checkout", "-q", "main")
        try repo.git("merge", "-q", "--no-ff", "-m", "Merge tag 'v1.0.1'", "v1.0.1")
        try repo.commit("feat: after the merge", files: ["d": "1"])
        try repo.tag("v1.1.0")
        let r = try releases(repo)
        #expect(titles(r) == ["1.1.0", "1.0.1", "1.0.0"])
        #expect(commits(r, "1.0.1") == ["urgent"])
        #expect(commits(r, "1.1.0") == ["on main", "after the merge"])
    }

    @Test func preReleasesFoldIntoTheFinalOrStandAlone() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.commit("feat: b")
        try repo.tag("v1.1.0-rc.1")
        try repo.commit("fix: c")
        try repo.tag("v1.1.0-rc.2")
        try repo.tag("v1.1.0")      // two tags on one commit
        var r = try releases(repo)
        #expect(titles(r) == ["1.1.0", "1.0.0"])
        #expect(commits(r, "1.1.0") == ["b", "c"])
        try repo.write(".relflow.toml", "[changelog]\nprereleases_in_final = false\n")
        r = try releases(repo)
        #expect(titles(r) == ["1.1.0", "1.1.0-rc.2", "1.1.0-rc.1", "1.0.0"])
        #expect(commits(r, "1.1.0-rc.1") == ["b"] && commits(r, "1.1.0-rc.2") == ["c"] && commits(r, "1.1.0").isEmpty)
        let md = repo.relflow("changelog")
        #expect(md.stdout.contains("## 1.1.0 - ") && md.stdout.contains("No notable changes."))
    }

    @Test func tagsNotOnTheBranchAndOrphanRoots() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        try repo.git("checkout", "-q", "-b", "experiment")
        try repo.commit("feat: experimental", files: ["x": "1"])
        try repo.tag("v9.0.0")
        try repo.git("checkout", "-q", "--orphan", "imported")
        try repo.git("rm", "-rfq", ".")
        try repo.commit("feat: imported root", files: ["i": "1"])
        try repo.git("checkout", "-q", "main")
        try repo.git("merge", "-q", "--allow-unrelated-histories", "-m", "Merge branch 'imported'", "imported")
        try repo.commit("fix: b", files: ["b": "1"])
        let r = try releases(repo)
        #expect(titles(r) == ["Unreleased", "1.0.0"])
        #expect(commits(r, "Unreleased") == ["imported root", "b"])
    }

    @Test func revertsCancelInsideOneReleaseOnly() throws {
        let repo = try TestRepo()
        let old = try repo.commit("feat: kept then reverted later", files: ["o": "1"])
        try repo.tag("v1.0.0")
        try repo.commit("feat: regretted", files: ["r": "1"])
        try repo.git("revert", "--no-edit", "HEAD")
        try repo.git("revert", "--no-edit", old)
        try repo.commit("fix: stays", files: ["s": "1"])
        let r = try releases(repo)
        #expect(commits(r, "Unreleased") == ["Revert \"feat: kept then reverted later\"", "stays"])
    }

    @Test func cherryPickedCommitsAppearOnce() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        try repo.commit("feat: b", files: ["b": "1"])
        try repo.git("checkout", "-q", "-b", "hotfix/1.0.1", "v1.0.0")
        let fix = try repo.commit("fix: the hotfix", files: ["h": "1"])
        try repo.tag("v1.0.1")
        try repo.git("checkout", "-q", "main")
        try repo.git("cherry-pick", "-x", fix)
        try repo.tag("v1.1.0")
        let r = try releases(repo)
        #expect(commits(r, "1.0.1") == ["the hotfix"])
        #expect(commits(r, "1.1.0") == ["b"])
    }

    /// A fix picked onto two branches from a commit no release lists: the copy in the lowest
    /// release stays, the later one goes.
    @Test func aCommitPickedTwiceIsListedInTheFirstReleaseOnly() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        try repo.git("checkout", "-q", "-b", "topic")
        let fix = try repo.commit("fix: picked twice", files: ["f": "1"])
        try repo.git("checkout", "-q", "-b", "release/1.0", "v1.0.0")
        try repo.git("cherry-pick", "-x", fix)
        try repo.tag("v1.0.1")
        try repo.git("checkout", "-q", "main")
        try repo.commit("feat: b", files: ["b": "1"])
        try repo.git("cherry-pick", "-x", fix)
        try repo.tag("v1.1.0")
        try repo.git("branch", "-q", "-D", "topic")
        let r = try releases(repo)
        #expect(commits(r, "1.0.1") == ["picked twice"])
        #expect(commits(r, "1.1.0") == ["b"])
    }

    @Test func nonConventionalMergesAndHiddenTypes() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base", files: ["a": "1"])
        try repo.git("checkout", "-q", "-b", "topic")
        try repo.commit("fix: on topic", files: ["t": "1"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("Update the README", files: ["r": "1"])
        try repo.commit("chore: tidy", files: ["c": "1"])
        try repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(repo.relflow("changelog", "--json").stdout.utf8)) as? [String: Any])
        var groups = ((json["releases"] as? [[String: Any]])?.first?["groups"] as? [[String: Any]]) ?? []
        #expect(groups.map { $0["title"] as? String } == ["Features", "Bug Fixes", "Other"])
        #expect((groups.last?["commits"] as? [[String: Any]])?.first?["description"] as? String == "Update the README")
        try repo.write(".relflow.toml", "[commits]\nnon_conventional = \"drop\"\n[changelog]\ninclude_merges = true\n")
        json = try #require(try JSONSerialization.jsonObject(with: Data(repo.relflow("changelog", "--json").stdout.utf8)) as? [String: Any])
        groups = ((json["releases"] as? [[String: Any]])?.first?["groups"] as? [[String: Any]]) ?? []
        let other = groups.first { $0["title"] as? String == "Other" }
        #expect((other?["commits"] as? [[String: Any]])?.map { $0["description"] as? String } == ["Merge branch 'topic'"])
    }

    @Test func breakingChangesComeFirstWithTheirNotes() throws {
        let repo = try TestRepo()
        try repo.commit("feat: plain")
        try repo.commit("fix(api)!: answer with 404\n\nBREAKING CHANGE: clients must handle 404\nand retry later.")
        let md = repo.relflow("changelog").stdout
        let breaking = try #require(md.firstRange(of: "### ⚠ Breaking Changes"))
        let features = try #require(md.firstRange(of: "### Features"))
        #expect(breaking.lowerBound < features.lowerBound)
        #expect(md.contains("- **api:** answer with 404\n  clients must handle 404\n  and retry later.\n"))
        #expect(md.contains("- **BREAKING** **api:** answer with 404"))
    }

    /// What users of git-cliff expect: footers for templates and JSON, `Refs` shown, reverts
    /// made by git in Reverts, a project's own types named in Other, no made-up web address.
    @Test func footersRevertsAndOwnTypes() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.commit("feat(api): search (#15266)\n\nCloses #15266\nRefs: JIRA-7, JIRA-9\nReviewed-by: Grace Hopper <grace@example.com>")
        try repo.commit("dx: faster local builds")
        try repo.commit("Revert \"feat: something old\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.")
        let md = repo.relflow("changelog", "--unreleased").stdout
        #expect(md.contains("- **api:** search (#15266) ("), "\(md)")
        #expect(md.contains("), refs JIRA-7, JIRA-9\n"), "\(md)")
        #expect(!md.contains("closes #15266"))
        #expect(md.contains("### Reverts\n\n- Revert \"feat: something old\""), "\(md)")
        #expect(md.contains("### Other\n\n- dx: faster local builds"), "\(md)")
        let full = repo.relflow("changelog").stdout
        #expect(!full.contains("https://github.com/relflow"))
        let json = repo.relflow("changelog", "--unreleased", "--format", "json").stdout
        #expect(json.contains("\"token\" : \"Reviewed-by\""), "\(json)")
        #expect(json.contains("\"refs\" : [\n"))
        // The notice names everyone whose commits ship, hidden types included, and links them.
        try repo.commit("chore: tidy", files: ["x": "1"])
        try repo.git("remote", "add", "origin", "git@github.com:acme/shop.git")
        repo.identity = (name: "Linus Torvalds", email: "linus@example.com")
        try repo.commit("test: more cases", files: ["y": "1"])
        let notice = repo.relflow("notice")
        #expect(notice.stdout.contains("Linus Torvalds"), "\(notice)")
        #expect(notice.stdout.contains("https://github.com/acme/shop/commit/"), "\(notice)")
    }

    @Test func linksIssuesAndContributorsForEachForge() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.commit("fix(ui): align the header (#12)\n\nCloses #13\nCo-authored-by: Grace Hopper <grace@example.com>")
        try repo.tag("v1.0.1")
        try repo.git("remote", "add", "origin", "git@github.com:acme/shop.git")
        var md = repo.relflow("changelog", "--latest").stdout
        let id = try repo.git("rev-parse", "HEAD")
        #expect(md.contains("## [1.0.1](https://github.com/acme/shop/compare/v1.0.0...v1.0.1) - "))
        // #12 stands in the subject already: only #13 is added after it.
        #expect(md.contains("align the header (#12) ([\(id.prefix(7))](https://github.com/acme/shop/commit/\(id))), closes [#13](https://github.com/acme/shop/issues/13)\n"))
        #expect(md.contains("Contributors: Ada Lovelace, Grace Hopper"))
        try repo.git("remote", "set-url", "origin", "https://gitlab.example.com/group/sub/shop.git")
        md = repo.relflow("changelog", "--latest").stdout
        #expect(md.contains("https://gitlab.example.com/group/sub/shop/-/commit/\(id)"))
        #expect(md.contains("https://gitlab.example.com/group/sub/shop/-/issues/13"))
        try repo.write(".relflow.toml", "[changelog]\nremote = \"https://codeberg.org/acme/shop\"\n")
        md = repo.relflow("changelog", "--latest").stdout
        #expect(md.contains("https://codeberg.org/acme/shop/compare/v1.0.0...v1.0.1"))
    }

    @Test func jsonSchema() throws {
        let repo = try TestRepo()
        try repo.git("remote", "add", "origin", "https://github.com/acme/shop")
        try repo.commit("feat(core)!: first\n\nBREAKING CHANGE: everything\n\nRefs: #1")
        try repo.tag("v1.0.0")
        try repo.commit("fix: second")
        let result = repo.relflow("changelog", "--format", "json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1 && json["repository"] as? String == "https://github.com/acme/shop")
        let releases = try #require(json["releases"] as? [[String: Any]])
        #expect(releases.count == 2)
        let unreleased = releases[0], release = releases[1]
        #expect(unreleased["unreleased"] as? Bool == true && unreleased["version"] == nil && unreleased["previousTag"] as? String == "v1.0.0")
        #expect(release["version"] as? String == "1.0.0" && release["tag"] as? String == "v1.0.0" && release["prerelease"] as? Bool == false)
        #expect((release["date"] as? String)?.count == 10 && release["commitCount"] as? Int == 1)
        #expect(release["compareUrl"] as? String == "https://github.com/acme/shop/releases/tag/v1.0.0")
        let breaking = try #require((release["breaking"] as? [[String: Any]])?.first)
        #expect(breaking["breakingNotes"] as? [String] == ["everything"])
        let group = try #require((release["groups"] as? [[String: Any]])?.first)
        #expect(group["title"] as? String == "Features" && group["type"] as? String == "feat")
        let commit = try #require((group["commits"] as? [[String: Any]])?.first)
        for key in ["id", "shortId", "type", "scope", "description", "body", "breaking", "breakingNotes", "issues", "author", "coAuthors", "date", "url"] {
            #expect(commit[key] != nil, "commit field \(key)")
        }
        #expect((commit["issues"] as? [[String: Any]])?.first?["number"] as? Int == 1)
        #expect((commit["author"] as? [String: Any])?["email"] as? String == "ada@example.com")
        #expect((release["contributors"] as? [[String: Any]])?.first?["name"] as? String == "Ada Lovelace")
    }

    @Test func prependKeepsEveryOtherByteAndAddsNothingTwice() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        let existing = "# History of the shop\n\nHand-written notes stay.\n\n## 1.0.0 - 2020-01-01\n\n- hand-written entry\n"
        try repo.write("CHANGELOG.md", existing)
        try repo.commit("fix: b")
        try repo.tag("v1.0.1")
        #expect(repo.relflow("changelog", "--latest", "--prepend", "CHANGELOG.md").status == 0)
        let once = try String(contentsOfFile: repo.path + "/CHANGELOG.md", encoding: .utf8)
        #expect(once.hasPrefix("# History of the shop\n\nHand-written notes stay.\n\n## 1.0.1 - "))
        #expect(once.hasSuffix("## 1.0.0 - 2020-01-01\n\n- hand-written entry\n"))
        #expect(once.contains("- b ("))
        let again = repo.relflow("changelog", "--latest", "--prepend", "CHANGELOG.md")
        #expect(again.status == 0 && again.stderr.contains("already up to date"))
        #expect(try String(contentsOfFile: repo.path + "/CHANGELOG.md", encoding: .utf8) == once)
        // Unreleased is replaced in place, not added again.
        try repo.commit("feat: c")
        #expect(repo.relflow("changelog", "--unreleased", "--prepend", "CHANGELOG.md").status == 0)
        try repo.commit("feat: d")
        #expect(repo.relflow("changelog", "--unreleased", "--prepend", "CHANGELOG.md").status == 0)
        let twice = try String(contentsOfFile: repo.path + "/CHANGELOG.md", encoding: .utf8)
        #expect(twice.components(separatedBy: "## Unreleased").count == 2)
        #expect(twice.contains("- d (") && twice.contains("- c (") && twice.hasSuffix(once.drop(while: { $0 != "#" }).split(separator: "## 1.0.1").last.map(String.init) ?? ""))
        // The whole history prepended later: Unreleased replaced on top, the new release
        // below it, nothing lost, every older byte kept.
        try repo.tag("v1.1.0")
        try repo.commit("fix: e")
        #expect(repo.relflow("changelog", "--prepend", "CHANGELOG.md").status == 0)
        let full = try String(contentsOfFile: repo.path + "/CHANGELOG.md", encoding: .utf8)
        let headings = full.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.prefix(14)) }
        #expect(headings == ["## Unreleased", "## 1.1.0 - 202", "## 1.0.1 - 202", "## 1.0.0 - 202"], "\(full)")
        #expect(full.contains("- e (") && full.contains("- c (") && full.contains("- d ("))
        #expect(full.hasSuffix("## 1.0.0 - 2020-01-01\n\n- hand-written entry\n"))
        #expect(repo.relflow("changelog", "--prepend", "CHANGELOG.md").stderr.contains("already up to date"))
        // A new file gets the header.
        #expect(repo.relflow("changelog", "--prepend", "NEW.md").status == 0)
        #expect(try String(contentsOfFile: repo.path + "/NEW.md", encoding: .utf8).hasPrefix("# Changelog\n"))
    }

    @Test func htmlEscapesCommitTextAndMarkdownKeepsIt() throws {
        let repo = try TestRepo()
        try repo.commit("feat: <script>alert(1)</script> & <b>bold</b>")
        let html = repo.relflow("changelog", "--format", "html")
        #expect(html.status == 0 && html.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(html.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"))
        #expect(!html.stdout.contains("<script>"))
        #expect(repo.relflow("changelog").stdout.contains("- <script>alert(1)</script> & <b>bold</b> ("))
    }

    @Test func customTemplateOutputFileAndRange() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.commit("fix: b")
        try repo.commit("fix: c")
        try repo.write("t.mustache", "{{#releases}}[{{title}}]{{#groups}}{{#commits}} {{description}}{{/commits}}{{/groups}}\n{{/releases}}")
        let result = repo.relflow("changelog", "v1.0.0..HEAD~1", "--template", "t.mustache", "-o", "out.txt")
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result)")
        #expect(try String(contentsOfFile: repo.path + "/out.txt", encoding: .utf8) == "[Unreleased] b\n")
        #expect(repo.relflow("changelog", "--template", "missing.mustache").status == 2)
        #expect(repo.relflow("changelog", "--unreleased", "--latest").status == 2)
    }

    @Test func shallowCloneDetachedHeadAndUnreleasedWalk() throws {
        let repo = try TestRepo()
        for i in 0..<30 { try repo.commit("fix: \(i)") }
        try repo.tag("v1.0.0")
        try repo.commit("feat: new")
        let clone = repo.root + "/ci"
        try repo.git("clone", "-q", "--depth", "3", "file://" + repo.path, clone)
        let refused = repo.relflow("changelog", cwd: clone)
        #expect(refused.status == 3 && refused.stderr.contains("git fetch --unshallow --tags"))
        let allowed = repo.relflow("changelog", "--allow-shallow", "--json", cwd: clone)
        #expect(allowed.status == 0, "\(allowed)")
        // What the clone holds, and nothing beyond its cut: HEAD, the tagged commit, one more.
        let cloneRepo = TestRepo(existing: clone, sharing: repo)
        let shallow = try releases(cloneRepo, "--allow-shallow")
        #expect(titles(shallow) == ["Unreleased", "1.0.0"])
        #expect(commits(shallow, "Unreleased") == ["new"] && commits(shallow, "1.0.0") == ["29", "28"])
        try repo.git("checkout", "-q", "--detach", "HEAD")
        let unreleased = repo.relflow("changelog", "--unreleased", "--verbose")
        #expect(unreleased.stdout.contains("- new (") && unreleased.stderr.contains("read 1 commits"), "\(unreleased)")
    }

    /// The plain shapes (`[-C path] [--config file] changelog [--format md|json]`) are read
    /// without ArgumentParser; each gives exactly what ArgumentParser's reading gives (forced
    /// here by `--allow-shallow`, which changes nothing on a full clone), errors included.
    @Test func plainArgumentsMeanWhatArgumentParserReads() throws {
        let repo = try TestRepo()
        try repo.commit("feat(api): a (#3)\n\nCloses #4")
        try repo.tag("v1.0.0")
        try repo.commit("fix: b")
        try repo.write("other.toml", "[changelog]\nremote = \"https://github.com/acme/x\"\n")
        try repo.write("layout.mustache", "{{#releases}}{{title}};{{/releases}}\n")
        try repo.write("templated.toml", "[changelog]\ntemplate = \"layout.mustache\"\n")
        let elsewhere = try TestRepo()
        let fast: [[String]] = [
            ["changelog"], ["-C", repo.path, "changelog"], ["--repo", repo.path, "changelog", "--format", "json"],
            ["changelog", "--format=md"], ["--config", "other.toml", "changelog"], ["changelog", "-C", repo.path, "--format", "json"],
            ["--config", "templated.toml", "changelog"], ["--config", "missing.toml", "changelog"],
            ["-C", repo.path + "/nowhere", "changelog"],
        ]
        for arguments in fast {
            let plain = repo.relflow(arguments, env: ["RELFLOW_TRACE": "1"], cwd: arguments.contains("-C") || arguments.contains("--repo") ? elsewhere.path : nil)
            let parsed = repo.relflow(arguments + ["--allow-shallow"], cwd: arguments.contains("-C") || arguments.contains("--repo") ? elsewhere.path : nil)
            #expect(plain.stderr.contains("trace: arguments read without ArgumentParser"), "\(arguments): \(plain)")
            #expect(plain.status == parsed.status && plain.stdout == parsed.stdout, "\(arguments)\n\(plain)\n\(parsed)")
            #expect(plain.stderr.split(separator: "\n").filter { !$0.hasPrefix("trace: ") } == parsed.stderr.split(separator: "\n"),
                    "\(arguments)\n\(plain)\n\(parsed)")
        }
        #expect(repo.relflow("--config", "templated.toml", "changelog").stdout == "Unreleased;1.0.0;\n")
        // Anything else goes to ArgumentParser: repeated options, other formats and flags,
        // values that look like options.
        for arguments in [["changelog", "--format", "html"], ["changelog", "--format", "json", "--format", "md"], ["-C", "-x", "changelog"],
                          ["changelog", "--json"], ["changelog", "--unreleased"], ["changelog", "changelog"], ["--format", "json", "changelog"]] {
            let result = repo.relflow(arguments, env: ["RELFLOW_TRACE": "1"])
            #expect(!result.stderr.contains("without ArgumentParser"), "\(arguments): \(result)")
        }
    }
}
