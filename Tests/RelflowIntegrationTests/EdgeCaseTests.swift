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
        if [ -n "$DEPLOY_KILL_RELFLOW" ]; then
          sleep 0.3; kill -9 $PPID
          (sleep 2; echo "child $RELFLOW_TAG" >> \(order)) &
          sleep 1
        fi
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
        // What the orphan started (its process group) is waited for too.
        #expect(runs == "start v0.1.2\nend v0.1.2\nchild v0.1.2\nstart v0.1.1\nend v0.1.1\n", "\(runs)")
        #expect(try p.repo.git("rev-parse", "publish") == (try p.repo.git("rev-parse", "v0.1.1^{commit}")))
        #expect(!p.relflow("status").stdout.contains("publisher still running"))
    }

    /// Row 4: a CHANGELOG.md the repository stores as a link is written through, as an editor
    /// would: the link stays a link, its file gets the release. A link out of the repository is
    /// refused before anything is written.
    @Test func aChangelogStoredAsALinkIsWrittenThrough() throws {
        let p = try Project(publisher: false)
        try FileManager.default.createDirectory(atPath: p.repo.path + "/docs", withIntermediateDirectories: true)
        try "# Changelog\n\nOlder notes.\n".write(toFile: p.repo.path + "/docs/CH.md", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: p.repo.path + "/CHANGELOG.md", withDestinationPath: "docs/CH.md")
        try p.repo.git("add", "-A")
        try p.repo.git("commit", "-q", "-m", "docs: the changelog lives in docs")
        let release = p.relflow("release")
        #expect(release.status == 0, "\(release)")
        #expect(try p.repo.git("ls-tree", "HEAD", "CHANGELOG.md").hasPrefix("120000 blob"))
        let written = try p.repo.git("show", "HEAD:docs/CH.md")
        #expect(written.hasPrefix("# Changelog") && written.contains("## 0.1.0") && written.contains("Older notes."), "\(written)")
        #expect(try p.repo.git("status", "--porcelain") == "")
        #expect(p.relflow("verify").status == 0)

        // Links to a folder or to the configuration are refused before anything is written.
        for target in ["docs", ".relflow.toml"] {
            try FileManager.default.removeItem(atPath: p.repo.path + "/CHANGELOG.md")
            try FileManager.default.createSymbolicLink(atPath: p.repo.path + "/CHANGELOG.md", withDestinationPath: target)
            try p.repo.git("add", "-A")
            try p.repo.git("commit", "-q", "-m", "fix: link to \(target)")
            let r = p.relflow("release")
            #expect(r.status == 2 && r.stderr.contains("[changelog] file"), "\(target): \(r)")
        }
        try FileManager.default.removeItem(atPath: p.repo.path + "/CHANGELOG.md")
        try FileManager.default.createSymbolicLink(atPath: p.repo.path + "/CHANGELOG.md", withDestinationPath: "../../outside.md")
        try p.repo.git("add", "-A")
        try p.repo.git("commit", "-q", "-m", "fix: a link out")
        let head = try p.repo.git("rev-parse", "HEAD")
        let out = p.relflow("release")
        #expect(out.status == 2 && out.stderr.contains("outside the repository"), "\(out)")
        #expect(try p.repo.git("rev-parse", "HEAD") == head)
        #expect(try p.repo.git("tag", "--list") == "v0.1.0")
    }

    /// Row 17: names and paths git or relflow would refuse later are refused when the
    /// configuration is read (exit 2, naming the key); a .relflow.toml that is a folder or a
    /// link to nothing is an error, not the defaults.
    @Test func configurationThatCannotWorkIsRefusedWhenRead() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        for (toml, key) in [("[hotfix]\nbranch_prefix = \"../x/\"\n", "branch_prefix"),
                            ("[changelog]\nfile = \"../outside.md\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \"/tmp/abs.md\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \"\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \".git/config\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \"docs/.GIT/x.md\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \"GIT~1/x.md\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \"a\\\\b.md\"\n", "[changelog] file"),
                            ("[changelog]\nfile = \".relflow.toml\"\n", "[changelog] file"),
                            ("[hotfix]\nbranch_prefix = \"\"\n", "branch_prefix"),
                            ("[hotfix]\nbranch_prefix = \"main\"\n", "branch_prefix"),
                            ("[hotfix]\nbranch_prefix = \"publish/\"\n", "branch_prefix")] {
            try repo.write(".relflow.toml", toml)
            let r = repo.relflow("status")
            #expect(r.status == 2 && r.stderr.contains(key), "\(toml): \(r)")
        }
        try FileManager.default.removeItem(atPath: repo.path + "/.relflow.toml")
        try FileManager.default.createDirectory(atPath: repo.path + "/.relflow.toml", withIntermediateDirectories: true)
        let folder = repo.relflow("lint", "-", stdin: Data("nope\n".utf8))
        #expect(folder.status == 2 && folder.stderr.contains("is a folder"), "\(folder)")
        try FileManager.default.removeItem(atPath: repo.path + "/.relflow.toml")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/.relflow.toml", withDestinationPath: "missing.toml")
        let dangling = repo.relflow("lint", "-", stdin: Data("feat: ok\n".utf8))
        #expect(dangling.status == 2 && dangling.stderr.contains("link to a file that does not exist"), "\(dangling)")
        // A FIFO would hang the read.
        try FileManager.default.removeItem(atPath: repo.path + "/.relflow.toml")
        #expect(runProcess("/usr/bin/mkfifo", [repo.path + "/.relflow.toml"]).status == 0)
        let fifo = runProcess("/usr/bin/timeout", ["10", RelflowBinary.path, "lint", "-"], cwd: repo.path, environment: repo.environment, stdin: Data("feat: ok\n".utf8))
        #expect(fifo.status == 2 && fifo.stderr.contains("is not a regular file"), "\(fifo)")
    }

    /// Rows 10, 13, 15, 16 and a message over the size bound: each error says what is true,
    /// with the exit code of its kind.
    @Test func errorsNameWhatIsWrong() throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        // Row 13: a name git refuses is a usage error, not damage.
        for args in [["gate", "v1..2"], ["approve", "a:b"], ["promote", "v0.1.0^{tree}"], ["hotfix", "start", "v1..2"]] {
            let r = p.repo.relflow(args)
            #expect(r.status == 2 && r.stderr.contains("is not a tag name git accepts") && !r.stderr.contains("fsck"), "\(args): \(r)")
        }
        // Row 16: publish at a commit no release tag names, in the notice.
        try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 2}\n"])
        try p.repo.git("branch", "-f", "publish", "HEAD")
        let notice = p.relflow("notice")
        #expect(notice.stdout.contains("a commit no release tag names") && !notice.stdout.contains("nothing yet"), "\(notice)")
        try p.repo.git("branch", "-f", "publish", "v0.1.0")
        // Row 10: a left index.lock stops the release after main moved: named, with the way on.
        try Data().write(to: URL(fileURLWithPath: p.repo.path + "/.git/index.lock"))
        let locked = p.relflow("release")
        #expect(locked.status == 3 && locked.stderr.contains("index.lock") && locked.stderr.contains("run relflow release to finish")
                && !locked.stderr.contains("fsck"), "\(locked)")
        try FileManager.default.removeItem(atPath: p.repo.path + "/.git/index.lock")
        #expect(p.relflow("release").status == 0)
        #expect(try p.repo.git("status", "--porcelain") == "")
        // A release tag whose commit is missing is named by the commands that read the tags.
        let object = "object 89abcdef89abcdef89abcdef89abcdef89abcdef\ntype commit\ntag v9.0.0\ntagger A <a@x> 1700000000 +0000\n\nv9.0.0\n"
        let tag = try p.repo.git(["hash-object", "-t", "tag", "-w", "--literally", "--stdin"], stdin: Data(object.utf8))
        try p.repo.git("update-ref", "refs/tags/v9.0.0", tag)
        for args in [["version"], ["gate", "v9.0.0"], ["approve", "v9.0.0"]] {
            let r = p.repo.relflow(args)
            #expect(r.status == 3 && r.stderr.contains("the tag 'v9.0.0' points at 89abcde, which is missing"), "\(args): \(r)")
        }
        try p.repo.git("update-ref", "-d", "refs/tags/v9.0.0")
        // Row 15: HEAD with an author date git cannot parse: release names the commit.
        let tree = try p.repo.git("rev-parse", "HEAD^{tree}")
        let parent = try p.repo.git("rev-parse", "HEAD")
        let raw = "tree \(tree)\nparent \(parent)\nauthor A <a@x> notadate +0000\ncommitter A <a@x> 1700000000 +0000\n\nfix: odd date\n"
        let odd = try p.repo.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: Data(raw.utf8))
        try p.repo.git("update-ref", "refs/heads/main", odd)
        let dated = p.relflow("release", "--dry-run")
        #expect(dated.status == 3 && dated.stderr.contains("HEAD (\(odd.prefix(7)))") && dated.stderr.contains("git commit --allow-empty"), "\(dated)")
        // `git commit -v`: a short message above the scissors line and 2 MB of diff below is
        // measured as git records it.
        let verbose = "fix: small\n# ------------------------ >8 ------------------------\n" + String(repeating: "+diff line\n", count: 200_000)
        try verbose.write(toFile: p.repo.root + "/COMMIT_EDITMSG", atomically: true, encoding: .utf8)
        let scissors = p.relflow("lint", "--message-file", p.repo.root + "/COMMIT_EDITMSG")
        #expect(scissors.status == 0, "\(scissors.stderr.prefix(300))")
        // A message over 1 MiB is one error, not read line by line.
        let huge = Data(("feat: a\n\n" + String(repeating: "x", count: 1 << 20)).utf8)
        let lint = p.repo.relflow(["lint", "-"], stdin: huge)
        #expect(lint.status == 1 && (lint.stdout + lint.stderr).contains("message-size"), "\(lint.status) \(lint.stdout.prefix(300)) \(lint.stderr.prefix(300))")
    }

    /// A commit whose dates git cannot parse (it reads them as 1970) between a release and
    /// HEAD: the walk goes on through it, so the release is still found (it said "previous:
    /// none" and would have listed the whole history again).
    @Test func aCommitWithoutADateHidesNoRelease() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        #expect(repo.relflow("release").status == 0)
        let tree = try repo.git("rev-parse", "HEAD^{tree}")
        let parent = try repo.git("rev-parse", "HEAD")
        let raw = "tree \(tree)\nparent \(parent)\nauthor A <a@x> notadate +0000\ncommitter A <a@x> notadate +0000\n\nfix: odd date\n"
        let odd = try repo.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: Data(raw.utf8))
        try repo.git("reset", "-q", "--hard", odd)
        try repo.commit("fix: b", files: ["b": "1"])
        #expect(repo.relflow("version").stdout == "0.1.0\n")
        let dry = repo.relflow("release", "--dry-run")
        #expect(dry.status == 0 && (dry.stdout + dry.stderr).contains("would release v0.1.1 (previous: v0.1.0)"), "\(dry)")
    }

    /// A publisher whose output ends before it does (`exec >/dev/null`, then work or a prompt)
    /// still has its timeout: it is stopped, and the delivery recorded as timed out.
    @Test func aPublisherThatClosesItsOutputStillTimesOut() throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("relflow-quiet-\(UUID().uuidString).sh").path
        try "#!/bin/sh\nexec >/dev/null 2>&1\nsleep 30\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let p = try Project(publisher: false, extraConfig: "[publisher]\ncommand = [\"\(script)\"]\ntimeout = \"2s\"\n")
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: stamp 1", files: ["timestamp.json": "{\"t\": 1}\n"])
        #expect(p.relflow("release").status == 0)
        let start = Date()
        let r = p.relflow("promote")
        #expect(r.status == 4 && (r.stdout + r.stderr).contains("timed out"), "\(r)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    /// A publisher running under its live relflow is no orphan: status does not say so.
    @Test func aPublisherRunningNormallyIsNotCalledLeftRunning() throws {
        let p = try Project.inProduction()
        try p.repo.commit("fix: stamp 2", files: ["timestamp.json": "{\"t\": 2}\n"])
        #expect(p.relflow("release").status == 0)
        let promote = Process()
        promote.executableURL = URL(fileURLWithPath: RelflowBinary.path)
        promote.arguments = ["promote"]
        promote.currentDirectoryURL = URL(fileURLWithPath: p.repo.path)
        promote.environment = p.repo.environment.merging(["DEPLOY_SLEEP": "3"]) { _, b in b }
        promote.standardOutput = FileHandle.nullDevice
        promote.standardError = FileHandle.nullDevice
        try promote.run()
        let record = p.repo.path + "/.git/relflow/deploy-publish.publisher"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: record) && Date() < deadline { usleep(20_000) }
        let status = p.relflow("status")
        #expect(!status.stdout.contains("publisher still running"), "\(status)")
        promote.waitUntilExit()
        #expect(promote.terminationStatus == 0)
    }
}
