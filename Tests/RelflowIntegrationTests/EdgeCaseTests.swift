import Foundation
import Testing
import TestSupport

/// What a push can put in a repository that no honest tool writes: dates at the ends of time,
/// names git refuses, links where files were. Each gets an answer or a clear error.
@Suite("edges of the input")
struct EdgeCaseTests {
    /// A tag dated 2^63 − 1 (valid to git) with a gate delay, and a commit dated −2^63 in the
    /// metrics: answers, never a trap (exit 132) in the date arithmetic.
    @Test func datesAtTheEndsOfTimeGiveAnswersNotCrashes() throws {
        let p = try Project(extraConfig: "delay = \"36525d\"")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("feat: z", files: ["src/z.txt": "z\n"])
        let head = try p.repo.git("rev-parse", "HEAD")
        let object = "object \(head)\ntype commit\ntag v0.2.0\ntagger Ada <ada@example.com> 9223372036854775807 +0000\n\nrelease v0.2.0\n"
        let tag = try p.repo.git(["hash-object", "-t", "tag", "-w", "--literally", "--stdin"], stdin: Data(object.utf8))
        try p.repo.git("update-ref", "refs/tags/v0.2.0", tag)
        for args in [["status"], ["gate", "v0.2.0"], ["notice"], ["promote", "v0.2.0"]] {
            let r = p.repo.relflow(args)
            #expect(r.status <= 4 && !r.stderr.contains("Fatal error"), "\(args): \(r)")
        }
        let gate = p.relflow("gate", "v0.2.0")
        #expect(gate.status == 1 && gate.stdout.contains("0 of 1 approval"), "\(gate)")

        // A commit dated −2^63 shipped by a promotion: its lead time is held at 0, not a trap.
        let stamped = try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 2}\n"])
        let raw = try p.repo.git("cat-file", "commit", stamped)
            .replacingOccurrences(of: #"> \d+ \+0000"#, with: "> -9223372036854775808 +0000", options: .regularExpression)
        let odd = try p.repo.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: Data((raw + "\n").utf8))
        try p.repo.git("update-ref", "refs/heads/main", odd)
        try p.repo.git("reset", "-q", "--hard", odd)
        try p.repo.git("tag", "-d", "v0.2.0")
        #expect(p.relflow("release").status == 0)
        let metrics = p.relflow("metrics", "--format", "json")
        #expect(metrics.status == 0, "\(metrics)")
    }

    /// A commit dated six years before its parent (an imported history, a clock set wrong) on
    /// the way to production is still a fast-forward: verify does not call it tampering, and
    /// agrees with `git merge-base --is-ancestor`.
    @Test func aSkewedClockIsNoTampering() throws {
        let p = try Project.inProduction()
        let stamped = try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 2}\n"])
        let raw = try p.repo.git("cat-file", "commit", stamped)
            .replacingOccurrences(of: #"(committer [^>]*>) \d+"#, with: "$1 1577836800", options: .regularExpression)
        let skewed = try p.repo.git(["hash-object", "-t", "commit", "-w", "--stdin"], stdin: Data((raw + "\n").utf8))
        try p.repo.git("reset", "-q", "--hard", skewed)
        try p.repo.commit("fix: stamp 3", files: ["timestamp.json": "{\"t\": 3}\n"])
        #expect(p.relflow("release").status == 0)
        let promote = p.relflow("promote")
        #expect(promote.status == 0, "\(promote)")
        #expect(p.repo.gitResult(["merge-base", "--is-ancestor", "v0.1.1", "publish"]).status == 0)
        let verify = p.relflow("verify")
        #expect(verify.status == 0 && !verify.stdout.contains("publish-not-forward"), "\(verify)")
    }

    /// Rows 8 and 12: relflow killed while its publisher runs. The kernel frees the deployment
    /// lock, but the publisher lives on; the next rollback waits for it before its own
    /// publisher runs, so what production gets last is what publish says.
    @Test func aPublisherLeftRunningIsWaitedFor() throws {
        let p = try Project.inProduction()
        let order = p.repo.root + "/runs.txt"
        try """
        #!/bin/sh
        echo "start $RELFLOW_TAG" >> \(order)
        if [ -n "$DEPLOY_KILL_RELFLOW" ]; then sleep 0.3; kill -9 $PPID; sleep 3; fi
        echo "end $RELFLOW_TAG" >> \(order)
        """.write(toFile: p.deploy, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p.deploy)
        try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 2}\n"])
        #expect(p.relflow("release").status == 0)
        let killed = p.relflow("promote", env: ["DEPLOY_KILL_RELFLOW": "1"])
        #expect(killed.status == 137, "\(killed)")
        let status = p.relflow("status")
        #expect(status.stdout.contains("publisher still running: pid") && status.stdout.contains("deploying v0.1.2"), "\(status)")
        let rollback = p.relflow("rollback")
        #expect(rollback.status == 0 && rollback.stderr.contains("waiting for the publisher of v0.1.2"), "\(rollback)")
        let runs = try String(contentsOfFile: order, encoding: .utf8)
        #expect(runs == "start v0.1.2\nend v0.1.2\nstart v0.1.1\nend v0.1.1\n", "\(runs)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        #expect(!p.relflow("status").stdout.contains("publisher still running"))
    }
}
