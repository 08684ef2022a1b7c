import Foundation
import Testing
import TestSupport
import RelflowCore

@Suite("teams, remotes and interruptions")
struct RemoteAndCrashTests {
    /// Two clones approve and promote against one bare remote at the same time: the remote's
    /// ledger ends with every entry of both, and publish moved once.
    @Test func twoClonesPromoteAgainstOneRemote() async throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("feat: big change", files: ["src/app.txt": "v9\n"])
        #expect(p.relflow("release").status == 0)
        try p.repo.git("push", "-q", "origin", "main", "publish", "--tags")
        try p.repo.git("push", "-q", "origin", "refs/relflow/ledger:refs/relflow/ledger")
        var clones: [TestRepo] = []
        for name in ["laptop", "ci"] {
            let path = p.repo.root + "/" + name
            try p.repo.git("clone", "-q", "file://" + p.remote, path)
            try p.repo.git(["fetch", "-q", "origin", "refs/relflow/ledger:refs/relflow/ledger"], cwd: path)
            clones.append(TestRepo(existing: path, sharing: p.repo))
        }
        let people = [["GIT_COMMITTER_NAME": "Grace", "GIT_COMMITTER_EMAIL": "grace@example.com"],
                      ["GIT_COMMITTER_NAME": "Linus", "GIT_COMMITTER_EMAIL": "linus@example.com"]]
        let snapshot = clones
        try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for (i, clone) in snapshot.enumerated() {
                group.addTask { clone.relflow(["approve", "v0.2.0", "--push", "origin"], env: people[i]) }
            }
            for try await r in group { #expect(r.status == 0, "\(r)") }
        }
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for (i, clone) in snapshot.enumerated() {
                group.addTask { clone.relflow(["promote", "v0.2.0", "--push", "origin", "--no-publish"], env: people[i]) }
            }
            var all: [ProcessResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        for r in results { #expect(r.status == 0, "\(r)") }
        let summaries = try p.ledgerSummaries("refs/relflow/ledger", in: p.remote)
        #expect(summaries.filter { $0.hasPrefix("approve v0.2.0") }.count == 2, "\(summaries)")
        #expect(summaries.filter { $0 == "promote v0.2.0 (review)" }.count == 1, "\(summaries)")
        #expect(summaries.contains("release v0.2.0") && summaries.contains("release v0.1.0"))
        #expect(try p.repo.git(["rev-parse", "publish"], cwd: p.remote) == (try p.repo.git("rev-parse", "v0.2.0^{commit}")))
    }

    /// Four `relflow release` at once in one clone: one release comes out, recorded once; the
    /// others wait for the release lock and then find nothing to release (exit 1), never a
    /// locked ref (exit 3).
    @Test func twoReleasesAtOnceMakeOneRelease() async throws {
        let p = try Project(publisher: false)
        let repo = p.repo
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<4 { group.addTask { repo.relflow(["release"]) } }
            var all: [ProcessResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.contains { $0.status == 0 }, "\(results)")
        #expect(results.allSatisfy { $0.status == 0 || $0.status == 1 }, "\(results)")
        #expect(try p.ledgerSummaries() == ["release v0.1.0"])
        #expect(try repo.git("tag", "--list") == "v0.1.0")
        #expect(try repo.git("rev-list", "--count", "HEAD") == "2")
        #expect(p.relflow("verify").status == 0)
    }

    /// `relflow release` killed between its writes: status names what to finish, and the next
    /// run finishes it.
    @Test(arguments: ["release-commit", "release-checkout", "release-tag"])
    func killedReleaseResumes(_ point: String) throws {
        let p = try Project(publisher: false)
        let killed = p.relflow("release", env: ["RELFLOW_TEST_KILL_AT": point])
        #expect(killed.status != 0)
        let status = p.relflow("status")
        #expect(status.stdout.contains("interrupted release: v0.1.0"), "\(status)")
        let again = p.relflow("release")
        #expect(again.status == 0 && again.stderr.contains("finishing the interrupted release v0.1.0"), "\(again)")
        #expect(try p.repo.git("cat-file", "-t", "v0.1.0") == "tag")
        #expect(try p.ledgerSummaries() == ["release v0.1.0"])
        #expect(try p.repo.git("status", "--porcelain").isEmpty)
        #expect(p.relflow("verify").status == 0)
        #expect(!p.relflow("status").stdout.contains("interrupted"))
        #expect(try p.repo.git("tag", "-l", "--format=%(contents)", "v0.1.0").contains("### Features"))
    }

    @Test(.enabled(if: which("ssh-keygen") != nil))
    func sshSignedTagsVerifyWithGit() throws {
        let p = try Project(publisher: false, extraConfig: "[tags]\nsign = \"ssh\"\n")
        let key = p.repo.root + "/signing"
        _ = runProcess(which("ssh-keygen")!, ["-q", "-t", "ed25519", "-N", "", "-f", key])
        try p.repo.git("config", "user.signingkey", key + ".pub")
        try p.repo.git("config", "gpg.format", "ssh")
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        try "ada@example.com \(publicKey)".write(toFile: p.repo.root + "/allowed", atomically: true, encoding: .utf8)
        try p.repo.git("config", "gpg.ssh.allowedSignersFile", p.repo.root + "/allowed")
        let r = p.relflow("release")
        #expect(r.status == 0, "\(r)")
        let verify = p.repo.gitResult(["tag", "-v", "v0.1.0"])
        #expect(verify.status == 0 && verify.stderr.contains("Good \"git\" signature"), "\(verify)")
    }

    /// A project with v0.1.0 live and delivered, and v0.1.1 released (auto gate).
    func liveProject() throws -> Project {
        let p = try Project.inProduction()
        try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 12}\n"])
        #expect(p.relflow("release").status == 0)
        return p
    }

    /// promote and rollback killed at each step (before the move, after it, inside the
    /// publisher): status names the state, the same command again completes it (the move and
    /// the delivery), and verify is clean with every record kept.
    @Test(arguments: ["promote-recorded", "promote-moved", "publisher"])
    func killedPromoteIsCompletedByRunningItAgain(_ point: String) throws {
        let p = try liveProject()
        let env = point == "publisher" ? ["DEPLOY_KILL_RELFLOW": "1"] : ["RELFLOW_TEST_KILL_AT": point]
        let killed = p.repo.relflow(["promote", "v0.1.2"], env: env)
        #expect(killed.status != 0 && killed.status != 1, "\(killed)")
        let status = p.relflow("status")
        if point == "promote-recorded" {
            #expect(status.stdout.contains("was recorded but publish was not moved") && status.stdout.contains("relflow promote v0.1.2"), "\(status)")
        } else {
            #expect(status.stdout.contains("undelivered: v0.1.2") && status.stdout.contains("rerun relflow promote v0.1.2"), "\(status)")
        }
        let again = p.relflow("promote", "v0.1.2")
        #expect(again.status == 0, "\(again)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.2^{commit}")))
        let summaries = try p.ledgerSummaries()
        #expect(summaries.first == "deliver v0.1.2: success to production", "\(summaries)")
        #expect(summaries.filter { $0.hasPrefix("promote v0.1.2") }.count == 1, "\(summaries)")
        #expect(p.relflow("verify").status == 0)
        #expect(!p.relflow("status").stdout.contains("undelivered"))
        // The publisher of the rerun hears what the promotion recorded.
        let heard = try #require(p.file("deploy-env-v0.1.2.txt"))
        #expect(heard.contains("RELFLOW_PREVIOUS_TAG=v0.1.1") && heard.contains("RELFLOW_GATE=auto"), "\(heard)")
    }

    @Test(arguments: ["rollback-recorded", "rollback-moved"])
    func killedRollbackIsCompletedAndNeverGoesForward(_ point: String) throws {
        let p = try liveProject()
        #expect(p.relflow("promote", "v0.1.2").status == 0)
        let killed = p.repo.relflow(["rollback"], env: ["RELFLOW_TEST_KILL_AT": point])
        #expect(killed.status != 0)
        let again = p.relflow("rollback")
        #expect(again.status == 0, "\(again)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        // A third run finds the rollback done and delivered: it stays, never going forward.
        let third = p.relflow("rollback")
        #expect(third.status == 0 && third.stderr.contains("already"), "\(third)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        #expect(try p.ledgerSummaries().first == "deliver v0.1.1: success to production")
        #expect(p.relflow("verify").status == 0)
    }

    /// A release killed after the work tree got the new changelog but before the index did:
    /// the rerun leaves nothing staged (the section is not "deleted" in the index).
    @Test func aReleaseKilledInsideTheCheckoutLeavesNothingStaged() throws {
        let p = try Project(publisher: false)
        let killed = p.relflow("release", env: ["RELFLOW_TEST_KILL_AT": "release-commit"])
        #expect(killed.status != 0)
        // What a kill between libgit2's work tree write and its index write leaves: the new
        // file in the work tree, the index as before the release (without it).
        let changelog = try p.repo.git("show", "HEAD:CHANGELOG.md")
        try (changelog + "\n").write(toFile: p.repo.path + "/CHANGELOG.md", atomically: true, encoding: .utf8)
        #expect(try p.repo.git("status", "--porcelain").contains("D  CHANGELOG.md"))
        let again = p.relflow("release")
        #expect(again.status == 0, "\(again)")
        #expect(try p.repo.git("status", "--porcelain").isEmpty)
    }

    /// Locks a killed git left behind: status names each with how to clear it; a command
    /// that needs the ref says it is locked instead of blaming another process's changes.
    @Test func leftLockFilesAreNamed() throws {
        let p = try liveProject()
        let lock = p.repo.path + "/.git/refs/heads/publish.lock"
        try "".write(toFile: lock, atomically: true, encoding: .utf8)
        let status = p.relflow("status")
        #expect(status.stdout.contains("lock file: refs/heads/publish.lock") && status.stdout.contains("rm '"), "\(status)")
        let promote = p.relflow("promote", "v0.1.2")
        #expect(promote.status == 3 && promote.stderr.contains("locked") && !promote.stderr.contains("keeps moving"), "\(promote)")
        try FileManager.default.removeItem(atPath: lock)
        #expect(p.relflow("promote", "v0.1.2").status == 0)
        #expect(p.relflow("verify").status == 0)
    }

    /// Promotes of two releases started together, again and again: one deployment at a time,
    /// so the ledger's order, publish's moves and the publishers' runs agree.
    @Test func concurrentPromotesKeepLedgerRefAndPublisherInOneOrder() throws {
        let p = try liveProject()
        try p.repo.commit("fix: stamp 3", files: ["timestamp.json": "{\"t\": 13}\n"])
        #expect(p.relflow("release").status == 0)
        let tags = (0..<5).flatMap { _ in ["v0.1.2", "v0.1.3"] }
        let results = ResultSlots<ProcessResult>(count: tags.count)
        // All at once (concurrentPerform would run only one per core).
        let group = DispatchGroup()
        for i in tags.indices {
            DispatchQueue.global().async(group: group) {
                results.set(i, p.repo.relflow(["promote", tags[i]], env: ["DEPLOY_SLEEP": "0.3"]))
            }
        }
        group.wait()
        let all = results.values()
        #expect(all.allSatisfy { $0.status == 0 || $0.status == 1 }, "\(all)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.3^{commit}")))
        let moves = try p.ledgerSummaries().reversed().filter { $0.hasPrefix("promote ") && !$0.hasSuffix("(init)") }
            .map { String($0.dropFirst("promote ".count).prefix { $0 != " " }) }
        let deliveries = try p.ledgerSummaries().reversed().filter { $0.hasPrefix("deliver ") }.map { String($0.dropFirst("deliver ".count).prefix { $0 != ":" }) }
        #expect(moves == deliveries, "ledger moves \(moves) vs deliveries \(deliveries)")
        let order = (p.file("deploy-order.txt") ?? "").split(separator: "\n").map(String.init)
        #expect(order == moves, "publisher runs \(order) vs ledger \(moves)")
        let reflog = try p.repo.git("reflog", "--format=%gs", "publish").split(separator: "\n").reversed().filter { $0.hasPrefix("relflow: promote") }
        #expect(reflog.map { String($0.dropFirst("relflow: promote ".count)) } == moves, "\(reflog)")
        #expect(p.relflow("verify").status == 0)
    }
}
