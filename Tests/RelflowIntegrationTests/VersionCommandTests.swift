import Foundation
import Testing
import TestSupport

@Suite("relflow version")
struct VersionCommandTests {
    func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    @Test func highestReachableTagWinsAcrossKinds() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v0.9.0", annotated: false)
        try repo.commit("feat: b")
        try repo.tag("v1.0.0-rc.2")
        try repo.tag("v1.0.0")                       // two tags on one commit
        try repo.tag("release-candidate", annotated: false) // not semver: ignored
        try repo.tag("v1.0", annotated: false)             // prefix but not semver
        try repo.git("checkout", "-q", "-b", "next")
        try repo.commit("feat: on another branch")
        try repo.tag("v2.0.0")                       // not reachable from main
        try repo.git("checkout", "-q", "main")
        let result = repo.relflow("version", "--verbose")
        #expect(result.stdout == "1.0.0\n", "\(result)")
        #expect(result.stderr.contains("tag 'v1.0' is not v<semver>: ignored"))
    }

    @Test func tagOnAMergeCommitAndPrefixFromConfig() throws {
        let repo = try TestRepo()
        try repo.write(".relflow.toml", "[tags]\nprefix = \"app-v\"\n")
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v9.9.9")  // another prefix: not ours
        try repo.git("checkout", "-q", "-b", "topic")
        try repo.commit("fix: b", files: ["b": "1"])
        try repo.git("checkout", "-q", "main")
        try repo.commit("docs: c", files: ["c": "1"])
        try repo.git("merge", "-q", "--no-ff", "--no-edit", "topic")
        try repo.tag("app-v1.2.3")
        try repo.commit("fix: after the merge")
        #expect(repo.relflow("version").stdout == "1.2.3\n")
        let next = try json(repo.relflow("version", "--next", "--json"))
        #expect(next["next"] as? String == "1.2.4" && next["nextTag"] as? String == "app-v1.2.4")
        #expect(next["commitsWalked"] as? Int == 1)
    }

    @Test func nextFollowsTheBumpRules() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.2.3")
        try repo.commit("docs: only docs")
        var r = repo.relflow("version", "--next")
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.contains("nothing to release"), "\(r)")
        try repo.commit("fix: a fix")
        #expect(repo.relflow("version", "--next").stdout == "1.2.4\n")
        try repo.commit("feat: a feature")
        #expect(repo.relflow("version", "--next").stdout == "1.3.0\n")
        try repo.commit("refactor!: breaking")
        r = repo.relflow("version", "--next")
        #expect(r.stdout == "2.0.0\n")
        #expect(r.stderr.contains("major bump from v1.2.3 over 4 commits"))
    }

    @Test func zeroMajorAndFirstRelease() throws {
        let repo = try TestRepo()
        try repo.commit("chore: init")
        #expect(repo.relflow("version").status == 3)
        #expect(repo.relflow("version", "--next").stderr.contains("nothing to release"))
        try repo.commit("feat: first feature")
        #expect(repo.relflow("version", "--next").stdout == "0.1.0\n")
        try repo.tag("v0.1.0")
        try repo.commit("feat!: break it")
        #expect(repo.relflow("version", "--next").stdout == "0.2.0\n")
        try repo.write(".relflow.toml", "[version]\nbreaking_in_zero = \"major\"\n")
        #expect(repo.relflow("version", "--next").stdout == "1.0.0\n")
    }

    @Test func prereleaseCountersThenFinal() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.3.0")
        try repo.commit("feat: b")
        #expect(repo.relflow("version", "--next", "--pre", "rc").stdout == "1.4.0-rc.1\n")
        try repo.tag("v1.4.0-rc.1")
        #expect(repo.relflow("version").stdout == "1.4.0-rc.1\n")
        try repo.commit("fix: c")
        #expect(repo.relflow("version", "--next", "--pre", "rc").stdout == "1.4.0-rc.2\n")
        try repo.tag("v1.4.0-rc.2")
        #expect(repo.relflow("version", "--next").stdout == "1.4.0\n")
        let next = try json(repo.relflow("version", "--next", "--json"))
        #expect(next["commitsWalked"] as? Int == 2 && next["current"] as? String == "1.4.0-rc.2")
        #expect(repo.relflow("version", "--next", "--pre", "1").status == 2)
    }

    @Test func currentComesFromPublishWhenItExists() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.git("branch", "publish")
        try repo.commit("feat: b")
        try repo.tag("v1.1.0")
        let current = try json(repo.relflow("version", "--json"))
        #expect(current["version"] as? String == "1.0.0" && current["source"] as? String == "publish")
        // The next version builds on what main has released, not on production.
        try repo.commit("fix: c")
        #expect(repo.relflow("version", "--next").stdout == "1.1.1\n")
    }

    @Test func detachedHeadBareRepositoryAndOtherFolders() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        try repo.tag("v1.0.0")
        try repo.commit("fix: b")
        try repo.git("checkout", "-q", "--detach", "HEAD")
        #expect(repo.relflow("version", "--next").stdout == "1.0.1\n")
        let bare = repo.root + "/server.git"
        try repo.git("clone", "-q", "--bare", repo.path, bare)
        let fromBare = runProcess(RelflowBinary.path, ["-C", bare, "version"], cwd: repo.root, environment: repo.environment)
        #expect(fromBare.stdout == "1.0.0\n", "\(fromBare)")
        try FileManager.default.createDirectory(atPath: repo.path + "/sub/dir", withIntermediateDirectories: true)
        #expect(repo.relflow("version", cwd: repo.path + "/sub/dir").stdout == "1.0.0\n")
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the repository to another user"))
    func repositoryOfAnotherUserGetsTheSafeDirectoryCommand() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        _ = runProcess("/bin/chown", ["-R", "65534:65534", repo.path])
        let result = repo.relflow("version")
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("belongs to another user") && result.stderr.contains("git config --global --add safe.directory"))
        _ = runProcess("/bin/chown", ["-R", "0:0", repo.path])
    }

    @Test func shallowCloneIsRefusedWithTheFetchCommand() throws {
        let repo = try TestRepo()
        for i in 0..<5 { try repo.commit("feat: \(i)") }
        try repo.tag("v1.0.0", at: "HEAD~3")
        let clone = repo.root + "/ci"
        try repo.git("clone", "-q", "--depth", "1", "file://" + repo.path, clone)
        let result = repo.relflow("version", "--next", cwd: clone)
        #expect(result.status == 3)
        #expect(result.stderr.contains("shallow clone") && result.stderr.contains("git fetch --unshallow --tags"))
        #expect(result.stderr.contains("fetch-depth: 0"))
    }

    /// The walk for the next version reads only the commits since the last release, however
    /// long the history before it: 50,000 commits, the tag 10 commits from the tip.
    @Test func nextVersionWalkIsBoundedByTheCommitsSinceTheLastRelease() throws {
        let repo = try TestRepo()
        var stream = ""
        stream.reserveCapacity(6_000_000)
        let total = 50_000
        for i in 1...total {
            let message = i % 7 == 0 ? "feat: feature \(i)\n" : "fix: fix \(i)\n"
            stream += "commit refs/heads/main\nmark :\(i)\ncommitter A <a@example.com> \(1_600_000_000 + i * 60) +0000\n"
            stream += "data \(message.utf8.count)\n\(message)"
            if i > 1 { stream += "from :\(i - 1)\n" }
            stream += "\n"
            if i == total - 10 {
                stream += "tag v3.1.4\nfrom :\(i)\ntagger A <a@example.com> \(1_600_000_000 + i * 60) +0000\ndata 8\nrelease\n\n"
            }
        }
        try repo.git(["fast-import", "--quiet"], stdin: Data(stream.utf8))
        try repo.git("reset", "-q", "--hard", "main")
        let next = try json(repo.relflow("version", "--next", "--json"))
        let since = try repo.git("rev-list", "--count", "v3.1.4..HEAD")
        #expect(since == "10")
        #expect(next["commitsWalked"] as? Int == 10)
        #expect(next["next"] as? String == "3.2.0")
    }
}
