import Foundation
import Testing
import TestSupport

/// A team with a server: the bare remote has relflow's pre-receive hook; v0.1.0 is in
/// production and v0.2.0 waits on main.
final class Team: @unchecked Sendable {
    let p: Project
    var repo: TestRepo { p.repo }
    var remote: String { p.remote }

    init(config: String = "", backport: String = "merge") throws {
        p = try Project(publisher: false, extraConfig: "hotfix = \"auto\"\n\(config)\n[hotfix]\nbackport = \"\(backport)\"\n")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        // The administrator installs the hook with the team's policy: the server enforces its
        // own copy, never the .relflow.toml a push brings.
        let install = runProcess(RelflowBinary.path, ["-C", remote, "hooks", "install", "--server", "--policy", repo.path + "/.relflow.toml"],
                                 cwd: repo.root, environment: repo.environment)
        #expect(install.status == 0, "\(install)")
        // The server takes a release tag or a move of publish only with the ledger entry that
        // records it: branch, tags and ledger go in one push.
        try repo.git("push", "-q", "--atomic", "origin", "main", "publish", "--tags", "refs/relflow/ledger")
        try repo.commit("feat: next big thing", files: ["src/next.txt": "new\n"])
        #expect(p.relflow("release").status == 0)
        try repo.git("push", "-q", "--atomic", "origin", "main", "--tags", "refs/relflow/ledger")
    }

    /// A second clone, as a developer's laptop, with the ledger fetched.
    func clone(_ name: String) throws -> TestRepo {
        let path = repo.root + "/" + name
        try repo.git("clone", "-q", "file://" + remote, path)
        try repo.git(["fetch", "-q", "origin", "refs/relflow/ledger:refs/relflow/ledger", "publish:publish"], cwd: path)
        return TestRepo(existing: path, sharing: repo)
    }

    func serverRefs() throws -> String { try repo.git(["for-each-ref"], cwd: remote) }
}

@Suite("hotfixes and the hooks that guard publish")
struct HotfixAndHookTests {
    /// `hooks install --server` has git check every object a push brings: a hand-made tree
    /// with an entry named `..` (git's own commands never write one) does not reach the server
    /// even on a branch relflow does not guard, and an administrator's own choice is kept.
    @Test func theServerHasGitCheckEveryPushedObject() throws {
        let team = try Team()
        #expect(try team.repo.git(["config", "receive.fsckObjects"], cwd: team.remote) == "true")
        let laptop = try team.clone("fsck")
        let blob = try laptop.git("hash-object", "-w", "--stdin", stdin: Data("x\n".utf8))
        let tree = try laptop.git("mktree", stdin: Data("100644 blob \(blob)\t..\n".utf8))
        let commit = try laptop.git("commit-tree", tree, "-p", "HEAD", "-m", "docs: a tree git would not write")
        let push = laptop.gitResult(["push", "--no-verify", "origin", "\(commit):refs/heads/topic"])
        #expect(push.status != 0 && push.stderr.contains("hasDotdot"), "\(push)")
        #expect((try? team.repo.git(["rev-parse", "--verify", "-q", "refs/heads/topic"], cwd: team.remote)) == nil)

        let chosen = team.repo.root + "/chosen.git"
        try team.repo.git("init", "-q", "--bare", chosen)
        try team.repo.git(["config", "receive.fsckObjects", "false"], cwd: chosen)
        let install = runProcess(RelflowBinary.path, ["-C", chosen, "hooks", "install", "--server"], cwd: team.repo.root, environment: team.repo.environment)
        #expect(install.status == 0 && !install.stdout.contains("fsckObjects"), "\(install)")
        #expect(try team.repo.git(["config", "receive.fsckObjects"], cwd: chosen) == "false")
    }

    @Test func theWholeHotfixFlowFromTwoClones() throws {
        let team = try Team()
        let laptop = try team.clone("laptop")
        var r = laptop.relflow("hotfix", "start")
        #expect(r.status == 0 && r.stderr.contains("on hotfix/0.1.1, at v0.1.0"), "\(r)")
        #expect(try laptop.git("rev-parse", "--abbrev-ref", "HEAD") == "hotfix/0.1.1")
        try laptop.commit("fix(api): stop the crash", files: ["src/app.txt": "v1 fixed\n"])
        r = laptop.relflow("hotfix", "finish")
        #expect(r.status == 0 && r.stderr.contains("v0.1.1 released from v0.1.0 and promoted") && r.stderr.contains("merged into main"), "\(r)")
        #expect(try laptop.git("rev-parse", "--abbrev-ref", "HEAD") == "main")
        #expect(laptop.gitResult(["rev-parse", "--verify", "-q", "hotfix/0.1.1"]).status != 0)
        #expect(try laptop.git("rev-parse", "publish") == (try laptop.git("rev-parse", "v0.1.1^{commit}")))
        #expect(try laptop.git("merge-base", "--is-ancestor", "v0.1.1", "main").isEmpty)
        // The server accepts what relflow did.
        let push = laptop.gitResult(["push", "origin", "main", "publish", "v0.1.1", "refs/relflow/ledger"])
        #expect(push.status == 0, "\(push)")
        #expect(try team.repo.git(["rev-parse", "publish"], cwd: team.remote) == (try laptop.git("rev-parse", "v0.1.1^{commit}")))
        let ledger = try team.p.ledgerSummaries("refs/relflow/ledger", in: team.remote)
        #expect(Array(ledger.prefix(4)) == ["backport v0.1.1: merged", "hotfix-finish v0.1.1", "promote v0.1.1 (hotfix)", "release v0.1.1"])
        let finish = try laptop.git("log", "-1", "--skip=1", "--format=%B", "refs/relflow/ledger")
        #expect(finish.contains("\"promoted\" : true"), "\(finish)")
        #expect(try laptop.git("log", "-1", "--skip=3", "--format=%B", "refs/relflow/ledger").contains("\"hotfix\" : true"))
        // The maintainer's clone gets it, and the fix is listed exactly once.
        try team.repo.git("pull", "-q", "--no-rebase", "origin", "main")
        try team.repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish", "--tags")
        let md = team.repo.relflow("changelog").stdout
        #expect(md.components(separatedBy: "stop the crash").count == 2, "\(md)")
        #expect(md.contains("## 0.1.1 - "))
        #expect(team.repo.relflow("verify").status == 0)
        #expect(laptop.relflow("verify").status == 0)
    }

    /// hotfix finish killed after its promote was recorded: status says to rerun hotfix finish
    /// (not promote, whose publisher would not run as a hotfix), and the rerun completes it.
    @Test func anInterruptedHotfixFinishIsNamedByStatus() throws {
        let team = try Team()
        #expect(team.repo.relflow("hotfix", "start").status == 0)
        try team.repo.commit("fix: stop the crash", files: ["src/app.txt": "fixed\n"])
        let killed = team.repo.relflow(["hotfix", "finish"], env: ["RELFLOW_TEST_KILL_AT": "promote-recorded"])
        #expect(killed.status == 137, "\(killed)")
        let status = team.repo.relflow("status")
        #expect(status.stdout.contains("v0.1.1 is tagged: its finish was interrupted"), "\(status)")
        #expect(status.stdout.contains("complete it with relflow hotfix finish"), "\(status)")
        let rerun = team.repo.relflow("hotfix", "finish")
        #expect(rerun.status == 0, "\(rerun)")
        #expect(team.repo.relflow("verify").status == 0)
    }

    @Test func aHotfixMayNotShipAFeature() throws {
        let team = try Team()
        #expect(team.repo.relflow("hotfix", "start").status == 0)
        try team.repo.commit("feat: sneak a feature in", files: ["src/app.txt": "feature\n"])   // --no-verify: the hook would stop it
        let r = team.repo.relflow("hotfix", "finish")
        #expect(r.status == 1 && r.stderr.contains("is not an allowed hotfix type"), "\(r)")
        #expect(team.repo.gitResult(["rev-parse", "-q", "--verify", "refs/tags/v0.1.1"]).status != 0)
        #expect(team.repo.relflow("hotfix", "abort").status == 0)
        #expect(try team.p.ledgerSummaries().first == "hotfix-abort 0.1.1")
        #expect(try team.repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main")
    }

    @Test func aHotfixStartedBeforePublishMovedMustBeRebased() throws {
        let team = try Team()
        #expect(team.repo.relflow("hotfix", "start", "v0.1.0").status == 0)
        try team.repo.commit("fix: late fix", files: ["src/app.txt": "late\n"])
        // Meanwhile v0.2.0 goes out.
        #expect(team.repo.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        #expect(team.repo.relflow("promote", "v0.2.0", "--no-publish").status == 0)
        let r = team.repo.relflow("hotfix", "finish")
        #expect(r.status == 1 && r.stderr.contains("another release went out first") && r.stderr.contains("git rebase --onto v0.2.0 v0.1.0 hotfix/0.1.1"), "\(r)")
    }

    @Test func mainMergedIntoAHotfixIsRefused() throws {
        let p = try Project(publisher: false, extraConfig: "hotfix = \"auto\"")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: a fix on main", files: ["src/main.txt": "main\n"])
        #expect(p.relflow("hotfix", "start").status == 0)
        try p.repo.commit("fix: the hotfix", files: ["src/app.txt": "fix\n"])
        try p.repo.git("merge", "-q", "--no-edit", "main")
        let r = p.relflow("hotfix", "finish")
        #expect(r.status == 1 && r.stderr.contains("contains commits of main") && r.stderr.contains("git rebase --onto v0.1.0 main hotfix/0.1.1"), "\(r)")
    }

    @Test func aBackportConflictLeavesABranchAndStatusSaysSo() throws {
        let team = try Team()
        try team.repo.commit("feat: main edits the same line", files: ["src/app.txt": "main's version\n"])
        #expect(team.repo.relflow("hotfix", "start").status == 0)
        try team.repo.commit("fix: hotfix edits it too", files: ["src/app.txt": "hotfix's version\n"])
        let r = team.repo.relflow("hotfix", "finish")
        #expect(r.status == 0 && r.stderr.contains("conflicts in src/app.txt") && r.stderr.contains("git merge backport/0.1.1"), "\(r)")
        #expect(team.repo.relflow("status").stdout.contains("pending backport: backport/0.1.1"))
        #expect(try team.p.ledgerSummaries().first == "backport v0.1.1: pending")
        // A person resolves it.
        let merge = team.repo.gitResult(["merge", "backport/0.1.1"])
        #expect(merge.status != 0)
        try team.repo.write("src/app.txt", "both\n")
        try team.repo.git("commit", "-qam", "Merge branch 'backport/0.1.1'")
        try team.repo.git("branch", "-d", "backport/0.1.1")
        #expect(!team.repo.relflow("status").stdout.contains("pending backport"))
    }

    @Test func cherryPickBackportListsTheFixOnce() throws {
        let team = try Team(backport: "cherry-pick")
        #expect(team.repo.relflow("hotfix", "start").status == 0)
        let fix = try team.repo.commit("fix: picked fix", files: ["src/other.txt": "fix\n"])
        let r = team.repo.relflow("hotfix", "finish")
        #expect(r.status == 0 && r.stderr.contains("cherry-picked into main"), "\(r)")
        #expect(try team.repo.git("log", "-1", "--format=%B", "main").contains("(cherry picked from commit \(fix))"))
        let md = team.repo.relflow("changelog").stdout
        #expect(md.components(separatedBy: "picked fix").count == 2, "\(md)")
    }

    /// `hotfix finish` killed after each of its steps: running it again finishes the job, with
    /// every ledger entry exactly once and the publisher run for the patch.
    @Test(arguments: ["promote-recorded", "promote-moved", "hotfix-promoted", "hotfix-carried", "hotfix-recorded"])
    func aKilledHotfixFinishIsCompletedByRunningItAgain(_ point: String) throws {
        let p = try Project(extraConfig: "hotfix = \"auto\"\n")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        #expect(p.relflow("hotfix", "start").status == 0)
        try p.repo.commit("fix: stamp", files: ["timestamp.json": "{\"t\": 5}\n"])
        let killed = p.repo.relflow(["hotfix", "finish"], env: ["RELFLOW_TEST_KILL_AT": point])
        #expect(killed.status != 0 && killed.status != 1, "\(killed)")
        let again = p.relflow("hotfix", "finish")
        #expect(again.status == 0, "\(again)")
        #expect(p.repo.gitResult(["rev-parse", "--verify", "-q", "hotfix/0.1.1"]).status != 0)
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        let ledger = try p.ledgerSummaries()
        for summary in ["release v0.1.1", "hotfix-finish v0.1.1", "deliver v0.1.1: success to production"] {
            #expect(ledger.filter { $0 == summary }.count == 1, "\(summary) in \(ledger)")
        }
        // Carried before the kill, the fix is found in main on the rerun ("present").
        #expect(ledger.filter { $0 == "backport v0.1.1: merged" || $0 == "backport v0.1.1: present" }.count == 1, "\(ledger)")
        #expect(try p.repo.git("merge-base", "--is-ancestor", "v0.1.1", "main").isEmpty)
        #expect(ledger.filter { $0.hasPrefix("promote v0.1.1") }.count == 1, "\(ledger)")
        #expect(p.relflow("verify").status == 0)
    }

    @Test func aHotfixWaitingForApprovalIsFinishedByTheSecondRun() throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        #expect(p.relflow("hotfix", "start").status == 0)
        try p.repo.commit("fix: risky fix", files: ["src/app.txt": "patched\n"])
        var r = p.relflow("hotfix", "finish")
        #expect(r.status == 1 && r.stderr.contains("waits at the gate") && r.stderr.contains("relflow approve v0.1.1"), "\(r)")
        #expect(try p.repo.git("cat-file", "-t", "v0.1.1") == "tag")
        #expect(p.relflow("approve", "v0.1.1", env: Project.grace).status == 0)
        r = p.relflow("hotfix", "finish")
        #expect(r.status == 0, "\(r)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
    }

    /// Every forbidden update, pushed past the client hook with --no-verify: the server refuses
    /// each, names the ref, the rule and the fix, and its refs stay as they were.
    @Test func theServerRefusesEveryForbiddenUpdate() throws {
        let team = try Team()
        let repo = team.repo
        let before = try team.serverRefs()
        func refused(_ args: [String], rule: String) throws {
            let r = repo.gitResult(["push", "--no-verify"] + args)
            #expect(r.status != 0, "\(args) was accepted")
            #expect(r.stderr.contains("remote: relflow: refused") && r.stderr.contains("[\(rule)]") && r.stderr.contains("fix:"), "\(args): \(r.stderr)")
            #expect(try team.serverRefs() == before, "\(args) changed the server")
        }
        try repo.commit("docs: not released", files: ["docs.txt": "x\n"])
        try refused(["origin", "+main:publish"], rule: "publish-unrecorded")
        try refused(["origin", ":refs/heads/publish"], rule: "publish-delete")
        let untaggedOld = try repo.git("rev-parse", "v0.1.0^{commit}^")
        try refused(["origin", "+\(untaggedOld):refs/heads/publish"], rule: "publish-unrecorded")
        try repo.git("tag", "-f", "-a", "-m", "moved", "v0.1.0", "main")
        try refused(["-f", "origin", "v0.1.0"], rule: "tag-move")
        try refused(["origin", ":refs/tags/v0.2.0"], rule: "tag-delete")
        try refused(["-f", "origin", "refs/relflow/ledger~1:refs/relflow/ledger"], rule: "ledger-non-fast-forward")
        let bogus = try repo.git(["commit-tree", "-p", "refs/relflow/ledger", "-m", "not a ledger entry", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"])
        try refused(["origin", "\(bogus):refs/relflow/ledger"], rule: "ledger-entry")
        try repo.git("branch", "hotfix/0.2.1", "main~2")
        try refused(["origin", "hotfix/0.2.1"], rule: "hotfix-base")
        try refused(["origin", ":refs/relflow/ledger"], rule: "ledger-delete")
    }

    @Test func theClientHookRefusesBeforeAnythingIsSent() throws {
        let team = try Team()
        let install = team.repo.relflow("hooks", "install")
        #expect(install.status == 0 && install.stderr.contains("pre-push"), "\(install)")
        try team.repo.git("tag", "-f", "-a", "-m", "moved", "v0.1.0", "main")
        let r = team.repo.gitResult(["push", "-f", "origin", "v0.1.0"])
        #expect(r.status != 0 && r.stderr.contains("relflow: refused refs/tags/v0.1.0") && !r.stderr.contains("remote:"), "\(r)")
    }

    @Test func aRecordedRollbackIsAccepted() throws {
        let team = try Team()
        #expect(team.repo.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        #expect(team.repo.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish").status == 0)
        let r = team.repo.relflow("rollback", "--push", "origin", "--no-publish")
        #expect(r.status == 0, "\(r)")
        #expect(try team.repo.git(["rev-parse", "publish"], cwd: team.remote) == (try team.repo.git("rev-parse", "v0.1.0^{commit}")))
        #expect(try team.p.ledgerSummaries("refs/relflow/ledger", in: team.remote).first == "rollback to v0.1.0")
    }
}
