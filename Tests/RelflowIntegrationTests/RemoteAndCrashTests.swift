import Foundation
import Testing
import TestSupport

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

    /// Two `relflow release` at once in one clone: one release comes out, whichever process
    /// makes it (the second may be refused, or may find the first's release half-done and
    /// finish it), recorded once.
    @Test func twoReleasesAtOnceMakeOneRelease() async throws {
        let p = try Project(publisher: false)
        let repo = p.repo
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<2 { group.addTask { repo.relflow(["release"]) } }
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
}
