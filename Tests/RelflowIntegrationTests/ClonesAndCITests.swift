import Foundation
import Testing
import TestSupport

/// Every clone and every CI checkout sees the same truth as the clone that set relflow up.
@Suite("clones and CI checkouts")
struct ClonesAndCITests {
    /// v0.1.0 promoted at init, v0.1.1 released and promoted, two more commits on main; all
    /// pushed (branches, tags, ledger) to a bare remote.
    func pushedProject() throws -> Project {
        let p = try Project.inProduction()
        try p.repo.commit("feat: more", files: ["src/more.txt": "x\n"])
        try p.repo.commit("fix: again", files: ["src/again.txt": "x\n"])
        try p.repo.git("push", "-q", "origin", "main", "publish", "--tags", "refs/relflow/ledger")
        return p
    }

    @Test func aFreshCloneAdoptsTheRemotesPublishAndLedgerAtInit() throws {
        let p = try pushedProject()
        let path = p.repo.root + "/fresh"
        try p.repo.git("clone", "-q", "file://" + p.remote, path)
        let clone = TestRepo(existing: path, sharing: p.repo)
        // Before init: publish is read from origin/publish, and status says how to get the ledger.
        var status = clone.relflow("status")
        #expect(status.stdout.contains("production (publish): v0.1.1"), "\(status)")
        #expect(status.stdout.contains("main beyond it: 2 commits"), "\(status)")
        #expect(status.stdout.contains("run relflow init once"), "\(status)")
        // init adds the refspec, fetches, and adopts: no promotion is invented.
        let initRun = clone.relflow("init")
        #expect(initRun.status == 0, "\(initRun)")
        #expect(try clone.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        #expect(try clone.git("rev-parse", "refs/relflow/ledger") == (try p.repo.git("rev-parse", "refs/relflow/ledger")))
        #expect(try clone.git("config", "--get-all", "remote.origin.fetch").contains("+refs/relflow/*:refs/relflow/remote/*"))
        status = clone.relflow("status")
        #expect(!status.stdout.contains("run relflow init once") && status.stdout.contains("invariants: all hold"), "\(status)")
        // A promotion made elsewhere later is seen after a plain git fetch.
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        #expect(p.relflow("promote", "v0.2.0").status == 0)
        try p.repo.git("push", "-q", "origin", "main", "publish", "--tags", "refs/relflow/ledger")
        try clone.git("fetch", "-q", "origin", "--tags")
        status = clone.relflow("status")
        #expect(status.stdout.contains("production (publish): v0.2.0"), "\(status)")
        #expect(clone.relflow("verify").status == 0)
    }

    /// A GitLab-style checkout: detached HEAD at main's tip, no local branches at all.
    @Test func aDetachedCICheckoutGivesTheSameAnswers() throws {
        let p = try pushedProject()
        let path = p.repo.root + "/ci"
        try p.repo.git("init", "-q", path)
        let ci = TestRepo(existing: path, sharing: p.repo)
        try ci.git("remote", "add", "origin", "file://" + p.remote)
        try ci.git("fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "--tags", "+refs/relflow/ledger:refs/relflow/remote/ledger")
        try ci.git("checkout", "-q", "--detach", "origin/main")
        let env = ["CI_COMMIT_BRANCH": "main"]
        let status = ci.relflow(["status"], env: env)
        #expect(status.status == 0 && status.stdout.contains("main beyond it: 2 commits"), "\(status)")
        #expect(status.stdout.contains("production (publish): v0.1.1"), "\(status)")
        let notice = ci.relflow(["notice"], env: env)
        #expect(notice.status == 0 && notice.stdout.contains("v0.1.1"), "\(notice)")
        let gate = ci.relflow(["gate"], env: env)
        #expect(gate.status == 0 || gate.status == 1, "\(gate)")
        #expect(p.repo.relflow("version", "--next").stdout == ci.relflow(["version", "--next"], env: env).stdout)
    }

    @Test func aConfiguredBranchThatExistsNowhereIsAnError() throws {
        let p = try pushedProject()
        try p.repo.write(".relflow.toml", "[branches]\nmain = \"master\"\n")
        for command in ["status", "notice", "gate"] {
            let r = p.relflow(command)
            #expect(r.status == 3 && r.stderr.contains("the branch 'master' ([branches] main) exists neither here nor as origin/master"), "\(command): \(r)")
        }
    }

    /// init stopped after its ledger entry: the rerun creates publish where the entry says.
    @Test func anInterruptedInitIsCompletedByRunningItAgain() throws {
        let p = try Project()
        #expect(p.relflow("release").status == 0)
        let killed = p.repo.relflow(["init"], env: ["RELFLOW_TEST_KILL_AT": "init-recorded"])
        #expect(killed.status != 0)
        #expect(p.repo.gitResult(["rev-parse", "--verify", "-q", "publish"]).status != 0)
        let verify = p.relflow("verify")
        #expect((verify.stdout + verify.stderr).contains("run relflow init again"), "\(verify)")
        #expect(p.relflow("init").status == 0)
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.0^{commit}")))
        #expect(try p.ledgerSummaries().filter { $0.hasPrefix("promote") }.count == 1)
        #expect(p.relflow("verify").status == 0)
    }

    /// Attack: a promote entry pushed alone (to a remote without relflow's server hook) must
    /// not steer another clone's publish: it is never "completed" there, and verify names it.
    @Test func aLedgerEntryFromTheRemoteIsNotAnOrderToMovePublish() throws {
        let p = try Project.inProduction()
        try p.repo.commit("feat: unreviewed", files: ["src/evil.txt": "x\n"])
        #expect(p.relflow("release").status == 0)
        try p.repo.git("push", "-q", "origin", "main", "publish", "--tags", "refs/relflow/ledger")
        // The attacker's clone records a promotion of v0.2.0 and stops before moving publish.
        let path = p.repo.root + "/attacker"
        try p.repo.git("clone", "-q", "file://" + p.remote, path)
        let attacker = TestRepo(existing: path, sharing: p.repo)
        #expect(attacker.relflow("init").status == 0)
        #expect(attacker.relflow(["approve", "v0.2.0"], env: Project.grace).status == 0)
        let recorded = attacker.relflow(["promote", "v0.2.0", "--no-publish"], env: ["RELFLOW_TEST_KILL_AT": "promote-recorded"])
        #expect(recorded.status != 0 && recorded.status != 1, "\(recorded)")
        #expect(attacker.relflow("history").stdout.contains("promote        v0.2.0"))
        try attacker.git("push", "-q", "origin", "refs/relflow/ledger")
        // The maintainer fetches; their next promote does not move publish to v0.2.0.
        try p.repo.git("fetch", "-q", "origin", "+refs/relflow/*:refs/relflow/remote/*")
        let again = p.relflow("promote", "v0.1.1")
        #expect(again.stderr.contains("came from the remote"), "\(again)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        let verify = p.relflow("verify")
        #expect(verify.status == 1 && verify.stderr.contains("promote of v0.2.0 was recorded"), "\(verify)")
    }
}
