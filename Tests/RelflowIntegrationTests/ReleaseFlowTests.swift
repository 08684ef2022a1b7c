import Foundation
import Testing
import TestSupport

/// A project set up the way a team would: a config with an auto path and a publisher, a
/// first release, publish at it, and a bare remote over file://.
final class Project: @unchecked Sendable {
    let repo: TestRepo
    let remote: String
    let deploy: String

    init(publisher: Bool = true, extraConfig: String = "") throws {
        repo = try TestRepo(label: "shop")
        remote = repo.root + "/origin.git"
        deploy = repo.root + "/deploy.sh"
        try """
        #!/bin/sh
        env | grep '^RELFLOW_' | sort > "$(dirname "$0")/deploy-env-$RELFLOW_TAG.txt"
        cat "$RELFLOW_NOTES_FILE" > "$(dirname "$0")/notes-$RELFLOW_TAG.md"
        echo "deploying $RELFLOW_TAG"
        echo "$RELFLOW_TAG" >> "$(dirname "$0")/deploy-order.txt"
        if [ -n "$DEPLOY_KILL_RELFLOW" ]; then kill -9 $PPID; sleep 5; fi
        if [ -n "$DEPLOY_SLEEP" ]; then sleep "$DEPLOY_SLEEP"; fi
        exit ${DEPLOY_EXIT:-0}
        """.write(toFile: deploy, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: deploy)
        let publisherLine = publisher ? "[publisher]\ncommand = [\"\(deploy)\"]\ntimeout = \"60s\"\n" : ""
        try repo.commit("feat: the shop", files: [
            "src/app.txt": "v1\n", "timestamp.json": "{\"t\": 0}\n",
            ".relflow.toml": "[gate]\nauto_paths = [\"timestamp.json\"]\n\(extraConfig)\n\(publisherLine)",
        ])
        try repo.git("init", "-q", "--bare", "-b", "main", remote)
        try repo.git("remote", "add", "origin", "file://" + remote)
    }

    func relflow(_ args: String..., env: [String: String] = [:]) -> ProcessResult { repo.relflow(args, env: env) }

    /// v0.1.0 released and set at init, v0.1.1 (a timestamp change: auto gate) released,
    /// promoted and delivered: a project with a history in production.
    static func inProduction() throws -> Project {
        let p = try released(after: "fix: stamp 1", files: ["timestamp.json": "{\"t\": 11}\n"])
        #expect(p.relflow("promote").status == 0)
        return p
    }

    /// v0.1.0 released and set at init, then one commit and its release (not promoted).
    static func released(after message: String, files: [String: String]) throws -> Project {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit(message, files: files)
        #expect(p.relflow("release").status == 0)
        return p
    }

    func file(_ name: String) -> String? { try? String(contentsOfFile: repo.root + "/" + name, encoding: .utf8) }

    /// The second person of the team.
    static let grace = ["GIT_COMMITTER_NAME": "Grace Hopper", "GIT_COMMITTER_EMAIL": "grace@example.com",
                        "GIT_AUTHOR_NAME": "Grace Hopper", "GIT_AUTHOR_EMAIL": "grace@example.com"]

    func ledgerSummaries(_ ref: String = "refs/relflow/ledger", in dir: String? = nil) throws -> [String] {
        let out = try repo.git(["log", "--format=%s", ref], cwd: dir)
        return out.split(separator: "\n").map(String.init)
    }
}

@Suite("release, gate, promote, rollback, ledger")
struct ReleaseFlowTests {
    @Test func releaseWritesChangelogCommitTagAndLedger() throws {
        let p = try Project()
        let r = p.relflow("release")
        #expect(r.status == 0, "\(r)")
        let repo = p.repo
        #expect(try repo.git("log", "-1", "--format=%s") == "chore(release): v0.1.0")
        #expect(try repo.git("cat-file", "-t", "v0.1.0") == "tag")
        #expect(try repo.git("tag", "-l", "--format=%(contents)", "v0.1.0").contains("### Features"))
        #expect(try repo.git("show", "HEAD:CHANGELOG.md").contains("## 0.1.0 - "))
        #expect(try repo.git("status", "--porcelain").isEmpty)
        let json = try repo.git("log", "-1", "--format=%b", "refs/relflow/ledger")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(entry["event"] as? String == "release" && entry["tag"] as? String == "v0.1.0")
        #expect(entry["tagObject"] as? String == (try repo.git("rev-parse", "v0.1.0")))
        #expect(entry["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
        #expect((entry["actor"] as? [String: Any])?["email"] as? String == "ada@example.com")
        #expect(try p.ledgerSummaries() == ["release v0.1.0"])
        // The hook-free lint of relflow's own release commit passes.
        #expect(p.relflow("lint", "HEAD").status == 0)
    }

    @Test func dryRunWritesNothing() throws {
        let p = try Project()
        let before = try p.repo.git("for-each-ref")
        let r = p.relflow("release", "--dry-run")
        #expect(r.status == 0 && r.stdout.contains("## 0.1.0") && r.stderr.contains("would release v0.1.0"))
        #expect(try p.repo.git("for-each-ref") == before)
        #expect(!FileManager.default.fileExists(atPath: p.repo.path + "/CHANGELOG.md"))
    }

    @Test func refusalsWriteNothing() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        let refs = try p.repo.git("for-each-ref")
        var r = p.relflow("release")
        #expect(r.status == 1 && r.stderr.contains("nothing to release"))
        try p.repo.commit("fix: something")
        try p.repo.write("src/app.txt", "dirty\n")
        r = p.relflow("release")
        #expect(r.status == 1 && r.stderr.contains("uncommitted changes: src/app.txt"))
        try p.repo.git("checkout", "--", "src/app.txt")
        r = p.relflow("release", "--version", "0.0.9")
        #expect(r.status == 1 && r.stderr.contains("does not increase"))
        #expect(p.relflow("release", "--version", "banana").status == 2)
        try p.repo.git("tag", "v0.1.1", "v0.1.0")
        try p.repo.git("checkout", "-q", "-b", "elsewhere", "v0.1.0")
        try p.repo.commit("fix: elsewhere")
        try p.repo.git("tag", "-f", "v0.1.1")
        try p.repo.git("checkout", "-q", "main")
        r = p.relflow("release")
        #expect(r.status == 1 && r.stderr.contains("exists already"), "\(r)")
        try p.repo.git("tag", "-d", "v0.1.1")
        try p.repo.git("checkout", "-q", "-b", "feature")
        r = p.relflow("release")
        #expect(r.status == 1 && r.stderr.contains("releases are cut from 'main'"))
        // Nothing relflow owns moved: main, the release tags and the ledger are as they were.
        let owned = { (text: String) in text.split(separator: "\n").filter { $0.contains("refs/relflow/") || $0.contains("refs/tags/v0.1.0") } }
        #expect(owned(try p.repo.git("for-each-ref")) == owned(refs))
    }

    @Test func initIsIdempotent() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        try FileManager.default.removeItem(atPath: p.repo.path + "/.relflow.toml")
        try p.repo.git("commit", "-qam", "chore: drop the config")
        let first = p.relflow("init")
        #expect(first.status == 0 && first.stderr.contains("publish: created at v0.1.0"), "\(first)")
        #expect(FileManager.default.fileExists(atPath: p.repo.path + "/.relflow.toml"))
        #expect(FileManager.default.isExecutableFile(atPath: p.repo.path + "/.git/hooks/commit-msg"))
        let state = (try p.repo.git("for-each-ref"), try String(contentsOfFile: p.repo.path + "/.relflow.toml", encoding: .utf8))
        let second = p.relflow("init")
        #expect(second.status == 0 && second.stderr.contains("kept as it is") && second.stderr.contains("already at"))
        #expect(try p.repo.git("for-each-ref") == state.0)
        #expect(try String(contentsOfFile: p.repo.path + "/.relflow.toml", encoding: .utf8) == state.1)
    }

    /// Only timestamp.json changed: the gate says auto and promote goes at once.
    @Test func autoPathPromotesAtOnceAndRunsThePublisher() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: refresh the timestamp", files: ["timestamp.json": "{\"t\": 1}\n"])
        #expect(p.relflow("release").status == 0)
        let gate = p.relflow("gate", "--json")
        #expect(gate.status == 0, "\(gate)")
        let decision = try #require((try JSONSerialization.jsonObject(with: Data(gate.stdout.utf8)) as? [String: Any])?["decision"] as? [String: Any])
        #expect(decision["kind"] as? String == "auto" && decision["allowed"] as? Bool == true)
        #expect(decision["changedPaths"] as? [String] == ["timestamp.json"])
        let promote = p.relflow("promote")
        #expect(promote.status == 0, "\(promote)")
        #expect(promote.stderr.contains("│ deploying v0.1.1"))
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        let env = try #require(p.file("deploy-env-v0.1.1.txt"))
        for line in ["RELFLOW_EVENT=promote", "RELFLOW_TAG=v0.1.1", "RELFLOW_VERSION=0.1.1", "RELFLOW_PREVIOUS_TAG=v0.1.0",
                     "RELFLOW_GATE=auto", "RELFLOW_COMMIT=\(try p.repo.git("rev-parse", "v0.1.1^{commit}"))"] {
            #expect(env.contains(line), "\(line) in \(env)")
        }
        #expect(try p.ledgerSummaries().prefix(3) == ["deliver v0.1.1: success to production", "promote v0.1.1 (auto)", "release v0.1.1"])
        #expect(p.relflow("promote").stderr.contains("at v0.1.1 already"))
        // Details are typed: numbers are JSON numbers, in the stored entry as in history --json.
        let stored = try p.repo.git("log", "-1", "--format=%B", "refs/relflow/ledger")
        #expect(stored.contains("\"exitCode\" : 0,") && stored.contains("\"status\" : \"success\""), "\(stored)")
        let history = try #require(try JSONSerialization.jsonObject(with: Data(p.relflow("history", "--json", "--limit", "1").stdout.utf8)) as? [[String: Any]])
        let details = try #require(history.first?["details"] as? [String: Any])
        #expect(details["exitCode"] is NSNumber && details["durationMs"] is NSNumber && details["status"] as? String == "success", "\(details)")
    }

    /// Code changed: review, four-eyes, a second person's approval.
    @Test func reviewNeedsAnApprovalFromSomeoneElse() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("feat: new checkout", files: ["src/app.txt": "v2\n", "timestamp.json": "{\"t\": 2}\n"])
        #expect(p.relflow("release").status == 0)
        var gate = p.relflow("gate")
        #expect(gate.status == 1 && gate.stdout.contains("review — must wait") && gate.stdout.contains("src/app.txt"), "\(gate)")
        #expect(!gate.stdout.contains("timestamp.json"))
        #expect(p.relflow("promote").status == 1)
        let own = p.relflow("approve", "v0.2.0")
        #expect(own.status == 1 && own.stderr.contains("four-eyes"))
        let grace = p.relflow("approve", "v0.2.0", "--comment", "looks good", env: Project.grace)
        #expect(grace.status == 0 && grace.stderr.contains("approve v0.2.0 by Grace Hopper"), "\(grace)")
        gate = p.relflow("gate")
        #expect(gate.status == 0 && gate.stdout.contains("1 of 1 approval recorded"))
        #expect(p.relflow("promote", "v0.2.0").status == 0)
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.2.0^{commit}")))
    }

    /// The client's gate counts the approvals the server counts: those of the tag object that
    /// was approved, recorded after its release. A tag made again under the same name after
    /// the approval (another object) needs a new one, here as on the server, and
    /// `relflow approve` records it (it used to answer "already approved").
    @Test func anApprovalCountsForTheTagObjectItApproved() throws {
        let p = try Project.released(after: "feat: new checkout", files: ["src/app.txt": "v2\n"])
        #expect(p.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        var gate = p.relflow("gate")
        #expect(gate.status == 0 && gate.stdout.contains("1 of 1 approval recorded"), "\(gate)")
        try p.repo.git("tag", "-f", "-a", "v0.2.0", "-m", "v0.2.0 again", "v0.2.0^{commit}")
        gate = p.relflow("gate")
        #expect(gate.status == 1 && gate.stdout.contains("must wait"), "\(gate)")
        #expect(p.relflow("promote", "v0.2.0").status == 1)
        #expect(p.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        gate = p.relflow("gate")
        #expect(gate.status == 0 && gate.stdout.contains("1 of 1 approval recorded"), "\(gate)")
    }

    /// A tree entry named `timestamp.json/../src/app.txt` (plumbing; git refuses to check it
    /// out) is never judged by its name: the gate refuses the release, naming the path.
    @Test func aPathGitCannotCheckOutIsNeverJudged() throws {
        let p = try Project.released(after: "fix: stamp", files: ["timestamp.json": "{\"t\": 9}\n"])
        func raw(_ hex: Substring) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { i in
                UInt8(hex.dropFirst(i).prefix(2), radix: 16) ?? 0
            }
        }
        // The tree of HEAD written out entry by entry, plus one git's commands never write.
        var tree = Data()
        for line in try p.repo.git("ls-tree", "HEAD").split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            let head = fields[0].split(separator: " ")
            tree.append(Data("\(head[0] == "040000" ? "40000" : String(head[0])) \(fields[1])\0".utf8))
            tree.append(contentsOf: raw(head[2]))
        }
        let blob = try p.repo.git(["hash-object", "-w", "--stdin"], stdin: Data("evil\n".utf8))
        tree.append(Data("100644 timestamp.json/../src/app.txt\0".utf8))
        tree.append(contentsOf: raw(Substring(blob)))
        let treeID = try p.repo.git(["hash-object", "-w", "-t", "tree", "--literally", "--stdin"], stdin: tree)
        let commit = try p.repo.git("commit-tree", treeID, "-p", "HEAD", "-m", "fix: stamp again")
        try p.repo.git("tag", "-a", "-m", "v0.1.2", "v0.1.2", commit)
        let gate = p.relflow("gate", "v0.1.2")
        #expect(gate.status == 1 && gate.stderr.contains("timestamp.json/../src/app.txt"), "\(gate)")
    }

    @Test func delayLetsAReviewReleaseGoWhenOldEnough() throws {
        let p = try Project(extraConfig: "delay = \"2h\"")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("feat: risky", files: ["src/app.txt": "v3\n"])
        #expect(p.relflow("release").status == 0)
        let tagTime = Int(try p.repo.git("for-each-ref", "--format=%(taggerdate:unix)", "refs/tags/v0.2.0")) ?? 0
        var gate = p.relflow("gate", env: ["RELFLOW_NOW": String(tagTime + 3600)])
        #expect(gate.status == 1 && gate.stdout.contains("delay") && gate.stdout.contains("1h left"), "\(gate)")
        gate = p.relflow("gate", env: ["RELFLOW_NOW": String(tagTime + 7300)])
        #expect(gate.status == 0 && gate.stdout.contains("v0.2.0: delay — may go now"), "\(gate)")
    }

    @Test func failingPublisherExitsFourAndStatusShowsItUndelivered() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: stamp", files: ["timestamp.json": "{\"t\": 3}\n"])
        #expect(p.relflow("release").status == 0)
        let promote = p.relflow("promote", env: ["DEPLOY_EXIT": "3"])
        #expect(promote.status == 4, "\(promote)")
        #expect(promote.stderr.contains("publisher: failure (exit 3)"))
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        var status = p.relflow("status")
        #expect(status.stdout.contains("undelivered: v0.1.1"), "\(status)")
        #expect(p.relflow("deliver", "--status", "success", "--env", "production", "--url", "https://ci/run/1").status == 0)
        status = p.relflow("status")
        #expect(!status.stdout.contains("undelivered"))
        let last = try p.repo.git("log", "-1", "--format=%b", "refs/relflow/ledger")
        #expect(last.contains("\"url\" : \"https://ci/run/1\"") && last.contains("\"source\" : \"external\""))
    }

    @Test func rollbackGoesBackToAReleaseThatWasLive() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        for n in 1...2 {
            try p.repo.commit("fix: stamp \(n)", files: ["timestamp.json": "{\"t\": \(n + 10)}\n"])
            #expect(p.relflow("release").status == 0)
            #expect(p.relflow("promote").status == 0)
        }
        let r = p.relflow("rollback")
        #expect(r.status == 0, "\(r)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        #expect(try #require(p.file("deploy-env-v0.1.1.txt")).contains("RELFLOW_EVENT=rollback"))
        #expect(try p.ledgerSummaries().prefix(2) == ["deliver v0.1.1: success to production", "rollback to v0.1.1"])
        try p.repo.commit("fix: stamp 9", files: ["timestamp.json": "{\"t\": 99}\n"])
        #expect(p.relflow("release").status == 0)
        let never = p.relflow("rollback", "v0.1.3")
        #expect(never.status == 1 && never.stderr.contains("was never on publish"))
        #expect(p.relflow("verify").status == 0)
    }

    @Test func verifyFindsTamperingByHand() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: stamp", files: ["timestamp.json": "{\"t\": 5}\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("promote").status == 0)
        #expect(p.relflow("verify").status == 0)
        // A release tag moved with git tag -f.
        try p.repo.git("tag", "-f", "-a", "-m", "moved", "v0.1.0", "HEAD")
        var v = p.relflow("verify")
        #expect(v.status == 1 && v.stderr.contains("[tag-moved]") && v.stderr.contains("v0.1.0"), "\(v)")
        // publish reset to an untagged commit.
        let untagged = try p.repo.commit("docs: untagged")
        try p.repo.git("update-ref", "refs/heads/publish", untagged)
        v = p.relflow("verify", "--json")
        #expect(v.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any])
        let rules = Set(((json["violations"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String })
        #expect(rules.isSuperset(of: ["tag-moved", "publish-untagged", "publish-unrecorded-move"]), "\(rules)")
        #expect(p.relflow("status").stdout.contains("broken invariant"))
    }

    @Test func twentyProcessesAppendingAtOnceLoseNothing() async throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        let repo = p.repo
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for i in 0..<20 {
                group.addTask {
                    repo.relflow(["deliver", "--status", "success", "--env", "env-\(i)"]).status
                }
            }
            for try await status in group { #expect(status == 0) }
        }
        let summaries = try p.ledgerSummaries()
        #expect(summaries.filter { $0.hasPrefix("deliver v0.1.0: success to env-") }.count == 20)
        #expect(Set(summaries.filter { $0.hasPrefix("deliver") }).count == 20)
        #expect(p.relflow("verify").status == 0)
    }

    @Test func commitTextReachesThePublisherOnlyAsData() throws {
        let p = try Project()
        try p.repo.commit("fix: $(touch pwned) and `touch pwned2`; rm -rf / # \"quoted\"", files: ["timestamp.json": "{\"t\": 7}\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: more $(touch pwned3)", files: ["timestamp.json": "{\"t\": 8}\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("promote").status == 0)
        let notes = try #require(p.file("notes-v0.1.1.md"))
        #expect(notes.contains("more $(touch pwned3)"))
        for file in ["pwned", "pwned2", "pwned3"] {
            #expect(!FileManager.default.fileExists(atPath: p.repo.path + "/" + file))
            #expect(!FileManager.default.fileExists(atPath: p.repo.root + "/" + file))
        }
    }

    @Test func historyTextAndJSON() throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        let text = p.relflow("history")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains("approve") && lines[1].contains("release") && lines[0].contains("Grace Hopper"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(p.relflow("history", "--json", "--limit", "1").stdout.utf8)) as? [[String: Any]])
        #expect(json.count == 1 && json[0]["event"] as? String == "approve")
        for key in ["event", "version", "tag", "tagObject", "commit", "actor", "time", "timestamp", "details", "schema"] {
            #expect(json[0][key] != nil, "\(key)")
        }
    }
}
