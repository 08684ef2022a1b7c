import Foundation
import Testing
import RelflowCore
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A project with staging (auto, held when unhealthy) before production (review, an hour's
/// soak in staging, reverted when unhealthy), each with the same deploy script and a health
/// check that fails where a file `unhealthy-<env>-<tag>` says so.
final class Chain: @unchecked Sendable {
    let p: Project
    var repo: TestRepo { p.repo }
    /// The clock every command sees (RELFLOW_NOW), moved by the test; nil: the real clock
    /// (a server hook never sees the pusher's RELFLOW_NOW).
    var clock: Int64? = Int64(Date().timeIntervalSince1970)
    var now: Int64 {
        get { clock ?? Int64(Date().timeIntervalSince1970) }
        set { clock = newValue }
    }

    init(soak: String = "1h", extraEnvironment: String = "", productionKeys: String = "") throws {
        p = try Project(publisher: false, extraConfig: "")
        let root = p.repo.root
        let check = root + "/health.sh"
        try """
        #!/bin/sh
        echo "checking $RELFLOW_TAG in $RELFLOW_ENVIRONMENT ($RELFLOW_EVENT)"
        echo "$RELFLOW_ENVIRONMENT $RELFLOW_TAG" >> "$(dirname "$0")/health-order.txt"
        if [ -f "$(dirname "$0")/unhealthy-$RELFLOW_ENVIRONMENT-$RELFLOW_TAG" ]; then echo "503 from /health"; exit 1; fi
        echo ok
        """.write(toFile: check, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: check)
        try p.repo.commit("chore: two environments", files: [".relflow.toml": """
            [gate]
            auto_paths = ["timestamp.json"]

            [[environments]]
            name = "staging"
            auto_paths = ["**"]
            approvals = 0
            publisher = ["\(p.deploy)"]
            health = ["\(check)"]
            health_retries = 1
            health_interval = "0s"
            \(extraEnvironment)

            [[environments]]
            name = "production"
            soak = "\(soak)"
            publisher = ["\(p.deploy)"]
            health = ["\(check)"]
            on_unhealthy = "rollback"
            \(productionKeys)
            """])
    }

    func relflow(_ args: String..., env: [String: String] = [:]) -> ProcessResult {
        repo.relflow(args, env: env.merging(clock.map { ["RELFLOW_NOW": String($0)] } ?? [:]) { a, _ in a })
    }

    func at(_ ref: String) throws -> String { try repo.git("rev-parse", "--verify", "-q", ref) }

    /// Releases v0.1.0, installs the server hooks on the remote with this policy, pushes main,
    /// the tags and the ledger, and records Grace's approval there. Returns the remote's path.
    func serve() throws -> String {
        #expect(relflow("release").status == 0)
        let remote = p.remote
        let install = runProcess(RelflowBinary.path, ["-C", remote, "hooks", "install", "--server", "--policy", repo.path + "/.relflow.toml"],
                                 cwd: repo.root, environment: repo.environment)
        #expect(install.status == 0, "\(install)")
        // Every push stays a pack (in quarantine while the hooks judge it) and what the server
        // holds is packed: the hooks read through relflow's own pack reader, as on a real
        // server, not only loose objects through libgit2.
        _ = try repo.git(["config", "receive.unpackLimit", "1"], cwd: remote)
        let first = repo.gitResult(["push", "-q", "--atomic", "origin", "main", "--tags", "refs/relflow/ledger"])
        #expect(first.status == 0, "\(first)")
        _ = try repo.git(["repack", "-adq"], cwd: remote)
        #expect(relflow("approve", "v0.1.0", "--push", "origin", env: Project.grace).status == 0)
        return remote
    }
}

@Suite("environments: staging before production")
struct EnvironmentTests {
    @Test func aReleaseGoesThroughStagingThenProductionAndAnUnhealthyOneIsReverted() throws {
        let c = try Chain()
        #expect(c.relflow("release").status == 0)

        // Production first: refused, naming staging and the command that fixes it.
        var r = c.relflow("promote", "--to", "production", "v0.1.0")
        #expect(r.status == 1 && r.stderr.contains("v0.1.0 has not been in staging yet") && r.stderr.contains("relflow promote --to staging v0.1.0"), "\(r)")
        r = c.relflow("promote", "--to", "qa")
        #expect(r.status == 2 && r.stderr.contains("'qa' is not an environment (the environments are staging, production)"), "\(r)")

        // Staging: auto, deployed, healthy.
        r = c.relflow("promote", "--to", "staging")
        #expect(r.status == 0 && r.stderr.contains("health check: healthy"), "\(r)")
        #expect(try c.at("publish-staging") == (try c.at("v0.1.0^{commit}")))
        #expect(c.repo.gitResult(["rev-parse", "--verify", "-q", "publish"]).status != 0)
        #expect(try Array(c.p.ledgerSummaries().prefix(3)) == ["verify v0.1.0: healthy in staging", "deliver v0.1.0: success to staging", "promote v0.1.0 (auto)"])

        // Production: soaking in staging for an hour, then the review gate.
        #expect(c.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        r = c.relflow("gate", "--env", "production", "--json", "v0.1.0")
        #expect(r.status == 1, "\(r)")
        let gate = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let decision = try #require(gate["decision"] as? [String: Any])
        #expect((decision["waitingFor"] as? String)?.contains("soaks in staging until") == true, "\(decision)")
        #expect(decision["readyAt"] as? Int == Int(c.now + 3600))
        r = c.relflow("promote", "--to", "production")
        #expect(r.status == 1 && r.stderr.contains("cannot go to production yet") && r.stderr.contains("rerun after"), "\(r)")
        // The notice says when each environment gets it.
        let notice = c.relflow("notice").stdout
        #expect(notice.contains("  - staging: runs it since "), "\(notice)")
        #expect(notice.contains("  - production: when the environment before has passed it, after 1h in staging, not before "), "\(notice)")
        let noticeJSON = try #require(try JSONSerialization.jsonObject(with: Data(c.relflow("notice", "--format", "json").stdout.utf8)) as? [String: Any])
        #expect((noticeJSON["environments"] as? [[String: Any]])?.map { $0["name"] as? String } == ["staging", "production"])
        c.now += 3601
        r = c.relflow("promote", "--to", "production")
        #expect(r.status == 0 && r.stderr.contains("health check: healthy"), "\(r)")
        #expect(try c.at("publish") == (try c.at("v0.1.0^{commit}")))

        // v0.2.0: healthy in staging, unhealthy in production: reverted to v0.1.0 at once.
        try c.repo.commit("feat: checkout v2", files: ["src/app.txt": "v2\n"])
        #expect(c.relflow("release").status == 0)
        #expect(c.relflow("promote", "--to", "staging").status == 0)
        #expect(c.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        c.now += 7200
        #expect(FileManager.default.createFile(atPath: c.repo.root + "/unhealthy-production-v0.2.0", contents: Data()))
        r = c.relflow("promote", "--to", "production")
        #expect(r.status == 4 && r.stderr.contains("v0.2.0 is unhealthy after its delivery") && r.stderr.contains("reverted to v0.1.0"), "\(r)")
        #expect(try c.at("publish") == (try c.at("v0.1.0^{commit}")))
        #expect(try c.at("publish-staging") == (try c.at("v0.2.0^{commit}")))
        #expect(try Array(c.p.ledgerSummaries().prefix(6)) == ["verify v0.1.0: healthy in production", "deliver v0.1.0: success to production",
                                                              "rollback to v0.1.0", "verify v0.2.0: unhealthy in production",
                                                              "deliver v0.2.0: success to production", "promote v0.2.0 (review)"])
        let rollback = try c.repo.git("log", "-1", "--skip=2", "--format=%b", "refs/relflow/ledger")
        #expect(rollback.contains("\"reason\" : \"unhealthy: v0.2.0\"") && rollback.contains("\"environment\" : \"production\""), "\(rollback)")
        r = c.relflow("verify")
        #expect(r.status == 0, "\(r)")
        #expect(try c.file("health-order.txt") == "staging v0.1.0\nproduction v0.1.0\nstaging v0.2.0\nproduction v0.2.0\nproduction v0.1.0\n")
        let status = c.relflow("status").stdout
        #expect(status.contains("← v0.2.0: waits — it was unhealthy in production at") && status.contains("and was reverted"), "\(status)")
    }

    /// on_unhealthy = "hold": the release stays, the failure is recorded, and production
    /// refuses it until staging is healthy again.
    @Test func anUnhealthyStagingHoldsTheReleaseBack() throws {
        let c = try Chain()
        #expect(c.relflow("release").status == 0)
        #expect(FileManager.default.createFile(atPath: c.repo.root + "/unhealthy-staging-v0.1.0", contents: Data()))
        var r = c.relflow("promote", "--to", "staging")
        #expect(r.status == 4 && r.stderr.contains("health check failed") && r.stderr.contains("attempt 2 of 2"), "\(r)")
        #expect(try c.at("publish-staging") == (try c.at("v0.1.0^{commit}")))
        c.now += 7200
        #expect(c.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        r = c.relflow("promote", "--to", "production")
        #expect(r.status == 1 && r.stderr.contains("v0.1.0 is unhealthy in staging"), "\(r)")
        // Fixed in staging (the CI job redeploys and records it): the check runs again.
        try FileManager.default.removeItem(atPath: c.repo.root + "/unhealthy-staging-v0.1.0")
        r = c.relflow("deliver", "--env", "staging", "--status", "success")
        #expect(r.status == 0 && r.stderr.contains("health check: healthy"), "\(r)")
        r = c.relflow("promote", "--to", "production")
        #expect(r.status == 1 && r.stderr.contains("soaks in staging"), "an hour after it became healthy: \(r)")
        c.now += 3601
        #expect(c.relflow("promote", "--to", "production").status == 0)
    }

    @Test func environmentsAreCheckedWhenTheConfigIsRead() throws {
        let repo = try TestRepo()
        for (toml, message) in [
            ("[[environments]]\nname = \"a\"\n[[environments]]\nname = \"a\"\n", "names 'a' twice"),
            ("[[environments]]\nname = \"a\"\nafter = \"b\"\n[[environments]]\nname = \"b\"\n", "after = 'b' is not an environment listed before it"),
            ("[[environments]]\nname = \"a\"\nsoak = \"1h\"\n", "soak needs an environment before it"),
            ("[[environments]]\nname = \"a\"\nbranch = \"main\"\n", "branch 'main' is already main"),
            ("[[environments]]\nname = \"a\"\non_unhealthy = \"hold\"\n", "on_unhealthy without a health command"),
            ("[[environments]]\nname = \"a\"\nhelth = [\"x\"]\n", "did you mean 'health'?"),
            ("[[notify]]\nevents = [\"deploy\"]\nurl = \"https://x\"\n", "'deploy' is not an event"),
            ("[[notify]]\nurl = \"ftp://x\"\n", "needs exactly one target"),
            ("environments = 3\n", "must be an array of tables"),
        ] {
            try repo.commit("chore: config", files: [".relflow.toml": toml])
            let r = repo.relflow("status")
            #expect(r.status == 2 && r.stderr.contains(message), "\(toml): \(r)")
        }
    }
}

extension Chain {
    func file(_ name: String) throws -> String { try String(contentsOfFile: repo.root + "/" + name, encoding: .utf8) }
}

@Suite("environments: the server enforces the chain")
struct EnvironmentServerTests {
    @Test func theServerRefusesProductionBeforeStagingWhateverTheClientSays() throws {
        let c = try Chain(soak: "3s")
        c.clock = nil
        let remote = try c.serve()

        // A client that knows no staging (its own config) promotes straight to production:
        // the entry names no environment, so it is production's, and the server refuses it.
        let evil = c.repo.root + "/evil.toml"
        try "[gate]\napprovals = 0\n".write(toFile: evil, atomically: true, encoding: .utf8)
        var r = c.relflow("--config", evil, "promote", "--push", "origin", "--no-publish")
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]") && r.stderr.contains("v0.1.0 has not been in staging yet"), "\(r)")
        #expect(c.repo.gitResult(["rev-parse", "--verify", "-q", "publish"], cwd: remote).status != 0)
        // The same with git alone: publish moved by plumbing with no entry at all.
        try c.repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try c.repo.git("branch", "-f", "publish", "v0.1.0")
        let push = c.repo.gitResult(["push", "--no-verify", "origin", "publish"])
        #expect(push.status != 0 && push.stderr.contains("[publish-unrecorded]"), "\(push)")
        try c.repo.git("branch", "-D", "publish")
        try c.repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")

        // Through staging, pushed; an hour of soak; then production is accepted.
        r = c.relflow("promote", "--to", "staging", "--push", "origin")
        #expect(r.status == 0, "\(r)")
        #expect(try c.repo.git(["rev-parse", "publish-staging"], cwd: remote) == (try c.at("v0.1.0^{commit}")))
        r = c.relflow("promote", "--to", "production", "--push", "origin")
        #expect(r.status == 1 && r.stderr.contains("soaks in staging"), "\(r)")
        // A client whose config has no soak time: the server still waits.
        let impatient = c.repo.root + "/impatient.toml"
        try "[[environments]]\nname = \"staging\"\n[[environments]]\nname = \"production\"\napprovals = 0\n"
            .write(toFile: impatient, atomically: true, encoding: .utf8)
        r = c.relflow("--config", impatient, "promote", "--to", "production", "--push", "origin", "--no-publish")
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]") && r.stderr.contains("soaks in staging until"), "\(r)")
        #expect(c.repo.gitResult(["rev-parse", "--verify", "-q", "publish"]).status != 0, "a refused first promotion leaves no local publish")

        // The server judges the soak by its own clock, and the entries it holds.
        Thread.sleep(forTimeInterval: 3.5)
        r = c.relflow("promote", "--to", "production", "--push", "origin")
        #expect(r.status == 0, "\(r)")
        #expect(try c.repo.git(["rev-parse", "publish"], cwd: remote) == (try c.at("v0.1.0^{commit}")))
    }
}

/// A real HTTP server on 127.0.0.1 (Python's http.server): each POST body is appended to a
/// file as one line; `/fail` answers 500.
final class WebhookServer: @unchecked Sendable {
    let pid: Int32
    let port: Int
    let received: String

    init(in folder: String) throws {
        received = folder + "/webhook-received.jsonl"
        let portFile = folder + "/webhook-port", pidFile = folder + "/webhook-pid", scriptFile = folder + "/server.py"
        try """
        import http.server, json, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with open(sys.argv[1], 'ab') as f:
                    f.write(json.dumps({'path': self.path, 'type': self.headers.get('Content-Type'), 'body': json.loads(body)}).encode() + b'\\n')
                self.send_response(500 if self.path == '/fail' else 200)
                self.end_headers()
            def log_message(self, *a): pass
        import os, time
        s = http.server.HTTPServer(('127.0.0.1', 0), H)
        s.timeout = 0.5
        open(sys.argv[2], 'w').write(str(s.server_address[1]))
        # Gone with the test process (a test that ends without the deinit must not leave a
        # server behind), and after ten minutes whatever happens.
        deadline = time.time() + 600
        def owner_alive():
            try:
                os.kill(int(sys.argv[3]), 0)
                return True
            except OSError:
                return False
        while owner_alive() and time.time() < deadline:
            s.handle_request()
        """.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        // Started by a launcher that returns at once, with no descriptor of this process
        // left open in the server (Foundation's Process waits until they all close).
        let launch = "import subprocess, sys; p = subprocess.Popen(sys.argv[2:], close_fds=True, start_new_session=True, "
            + "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); open(sys.argv[1], 'w').write(str(p.pid))"
        _ = runProcess("/usr/bin/env", ["python3", "-c", launch, pidFile, "python3", scriptFile, received, portFile,
                                        "\(ProcessInfo.processInfo.processIdentifier)"])
        pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        var port = 0
        for _ in 0..<200 where port == 0 {
            Thread.sleep(forTimeInterval: 0.05)
            port = Int((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "") ?? 0
        }
        self.port = port
    }

    func bodies() -> [[String: Any]] {
        ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    deinit { if pid > 0 { kill(pid, SIGTERM) } }
}

extension EnvironmentServerTests {
    /// A client whose clock says staging's check was two hours ago: the server counts the soak
    /// from when it received that check.
    @Test func aBackdatedHealthResultDoesNotMakeTheSoakPass() throws {
        let c = try Chain(soak: "1h")
        let remote = try c.serve()
        try backdatedStagingThenProductionIsRefused(c)
        #expect(c.repo.gitResult(["rev-parse", "--verify", "-q", "publish"], cwd: remote).status != 0)
    }

    /// Staging promoted by a client whose clock says two hours ago, pushed; then production,
    /// which the server must refuse: the soak has not passed by its own records.
    func backdatedStagingThenProductionIsRefused(_ c: Chain, sourceLocation: SourceLocation = #_sourceLocation) throws {
        c.clock = Int64(Date().timeIntervalSince1970) - 7_200
        var r = c.relflow("promote", "--to", "staging", "--push", "origin")
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        c.clock = nil
        r = c.relflow("promote", "--to", "production", "--push", "origin", "--no-publish")
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]") && r.stderr.contains("soaks in staging until"), "\(r)",
                sourceLocation: sourceLocation)
    }

    /// A pusher who hangs up once the refs are in keeps git from running post-receive: the
    /// receipts of the ledger entries are written by pre-receive too, and an entry the server
    /// has no receipt of counts from now, never from the date written in it.
    @Test func aSoakIsNotPassedByHangingUpBeforePostReceive() throws {
        let c = try Chain(soak: "1h")
        let remote = try c.serve()
        // What the hang-up leaves: no post-receive.
        try FileManager.default.removeItem(atPath: remote + "/hooks/post-receive")
        try backdatedStagingThenProductionIsRefused(c)
        // And with no receipt at all (a server that lost its records): still refused.
        try FileManager.default.removeItem(atPath: remote + "/relflow/receipts")
        let r = c.relflow("promote", "--to", "production", "--push", "origin", "--no-publish")
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]"), "\(r)")
        #expect(c.repo.gitResult(["rev-parse", "--verify", "-q", "publish"], cwd: remote).status != 0)
    }

    /// Receipts of pushes that never landed, sent again and again, do not pile up: past 1 MiB
    /// the file keeps the line that counts for what the server holds.
    @Test func receiptsOfPushesThatNeverLandedArePruned() throws {
        let c = try Chain(soak: "1h")
        let remote = try c.serve()
        let junk = (0..<20_000).map { i in "1700000000 \(String(format: "%040x", i + 1)) ledger\n" }.joined()
        let handle = try #require(FileHandle(forWritingAtPath: remote + "/relflow/receipts"))
        handle.seekToEndOfFile()
        handle.write(Data(junk.utf8))
        try handle.close()
        #expect(c.relflow("promote", "--to", "staging", "--push", "origin").status == 0)
        let receipts = try String(contentsOfFile: remote + "/relflow/receipts", encoding: .utf8)
        #expect(receipts.utf8.count < 1 << 20 && !receipts.contains(String(format: "%040x", 7)))
        let tip = try c.repo.git(["rev-parse", "refs/relflow/ledger"], cwd: remote)
        let tag = try c.repo.git("rev-parse", "v0.1.0")
        #expect(receipts.contains(tip) && receipts.contains(tag))
    }

    /// A push that pre-receive accepted and git never applied (the pusher hung up while the
    /// hook spoke) left receipts; the same entries pushed an hour later count from then.
    @Test func anAcceptanceThatNeverLandedDoesNotTimeTheSoak() throws {
        let c = try Chain(soak: "1h")
        let remote = try c.serve()
        try FileManager.default.removeItem(atPath: remote + "/hooks/post-receive")
        c.clock = Int64(Date().timeIntervalSince1970) - 7_200
        #expect(c.relflow("promote", "--to", "staging").status == 0)
        c.clock = nil
        let serverTip = try c.repo.git(["rev-parse", "refs/relflow/ledger"], cwd: remote)
        let pending = try c.repo.git("rev-list", "\(serverTip)..refs/relflow/ledger").split(separator: "\n")
        #expect(!pending.isEmpty)
        let early = Int64(Date().timeIntervalSince1970) - 7_200
        let lines = pending.map { "\(early) \($0) ledger\n" }.joined()
        let handle = try #require(FileHandle(forWritingAtPath: remote + "/relflow/receipts"))
        handle.seekToEndOfFile()
        handle.write(Data(lines.utf8))
        try handle.close()
        let push = c.repo.gitResult(["push", "-q", "--atomic", "origin", "publish-staging", "refs/relflow/ledger"])
        #expect(push.status == 0, "\(push)")
        let r = c.relflow("promote", "--to", "production", "--push", "origin", "--no-publish")
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]") && r.stderr.contains("soaks in staging until"), "\(r)")
    }
}

@Suite("environments: notifications")
struct NotificationTests {
    @Test func webhooksAndCommandsHearEachStepAndAFailingOneBlocksNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relflow-hooks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try WebhookServer(in: folder)
        #expect(server.port > 0)
        let heard = folder + "/command-heard.txt"
        let c = try Chain(productionKeys: """

            [[notify]]
            events = ["release", "promote", "deliver", "health", "rollback", "approve"]
            url = "http://127.0.0.1:\(server.port)/hooks/relflow?token=secret"

            [[notify]]
            events = ["promote"]
            url = "http://127.0.0.1:\(server.port)/fail"
            timeout = "5s"

            [[notify]]
            events = ["release"]
            command = ["sh", "-c", "cat > '\(heard).json'; cat \\"$RELFLOW_NOTES_FILE\\" > '\(heard).notes'; echo $RELFLOW_EVENT $RELFLOW_TAG > '\(heard)'"]
            """)
        let started = Date()
        #expect(c.relflow("release").status == 0)
        #expect(Date().timeIntervalSince(started) < 5, "a command that is done is not waited for until its timeout")
        #expect((try? String(contentsOfFile: heard, encoding: .utf8)) == "release v0.1.0\n")
        #expect(((try? String(contentsOfFile: heard + ".notes", encoding: .utf8)) ?? "").contains("Features"))
        let releaseEvent = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: heard + ".json"))) as? [String: Any])
        #expect(releaseEvent["event"] as? String == "release" && releaseEvent["tag"] as? String == "v0.1.0")

        let r = c.relflow("promote", "--to", "staging")
        #expect(r.status == 0, "a failing notification blocks nothing: \(r)")
        #expect(r.stderr.contains("notification to http://127.0.0.1:\(server.port)/fail failed: HTTP 500"), "\(r)")
        #expect(!r.stderr.contains("secret"))
        let bodies = server.bodies().filter { $0["path"] as? String == "/hooks/relflow?token=secret" }.compactMap { $0["body"] as? [String: Any] }
        #expect(bodies.map { $0["event"] as? String ?? "" } == ["release", "promote", "deliver", "health"], "\(bodies)")
        let promote = try #require(bodies.first { $0["event"] as? String == "promote" })
        #expect(promote["environment"] as? String == "staging" && promote["tag"] as? String == "v0.1.0")
        #expect((promote["text"] as? String)?.hasPrefix("relflow: promote v0.1.0 (auto)") == true, "\(promote)")
        #expect(server.bodies().first { $0["path"] as? String == "/fail" }?["type"] as? String == "application/json")
        let log = try String(contentsOfFile: c.repo.path + "/.git/relflow/notifications.log", encoding: .utf8)
        #expect(log.contains("\"event\":\"promote\"") && log.contains("HTTP 500"), "\(log)")
        #expect(try c.at("publish-staging") == (try c.at("v0.1.0^{commit}")))
    }
}

@Suite("environments: hotfixes go first")
struct EnvironmentHotfixTests {
    @Test func aHotfixOvertakesAPendingReleaseThroughEveryEnvironment() throws {
        let c = try Chain()
        #expect(c.relflow("release").status == 0)
        #expect(c.relflow("promote", "--to", "staging").status == 0)
        #expect(c.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        c.now += 3601
        #expect(c.relflow("promote", "--to", "production").status == 0)
        // v0.2.0 is in staging, waiting for production (an approval, an hour).
        try c.repo.commit("feat: the next big thing", files: ["src/next.txt": "new\n"])
        #expect(c.relflow("release").status == 0)
        #expect(c.relflow("promote", "--to", "staging").status == 0)

        // Production breaks: a hotfix from v0.1.0.
        var r = c.relflow("hotfix", "start")
        #expect(r.status == 0, "\(r)")
        try c.repo.commit("fix(api): stop the crash", files: ["src/app.txt": "v1 fixed\n"])
        r = c.relflow("hotfix", "finish")
        // Staging takes it at once (sideways from v0.2.0), healthy; production waits for an
        // approval ([gate] hotfix = "same") but not for the soak (hotfix_skips_soak).
        #expect(r.status == 1, "\(r)")
        #expect(try c.at("publish-staging") == (try c.at("v0.1.1^{commit}")))
        #expect(try c.at("publish") == (try c.at("v0.1.0^{commit}")))
        let status = c.relflow("status")
        #expect(status.stdout.contains("← v0.1.1 (hotfix: goes first): waits — 0 of 1 approval recorded"), "\(status)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(c.relflow("status", "--json").stdout.utf8)) as? [String: Any])
        let rows = try #require(json["environments"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["staging", "production"])
        #expect(rows[1]["waiting"] as? String == "v0.1.1" && rows[1]["hotfix"] as? Bool == true && rows[0]["health"] as? String == "healthy")

        #expect(c.relflow("approve", "v0.1.1", env: Project.grace).status == 0)
        r = c.relflow("hotfix", "finish")
        #expect(r.status == 0, "\(r)")
        #expect(try c.at("publish") == (try c.at("v0.1.1^{commit}")))
        #expect(try c.file("health-order.txt").hasSuffix("staging v0.1.1\nproduction v0.1.1\n"))
        let verify = c.relflow("verify")
        #expect(verify.status == 0, "\(verify)")
    }
}

@Suite("environments: three of them")
struct ThreeEnvironmentTests {
    /// dev (no publisher: CI records deliveries), staging (publisher and health check), then
    /// production (an hour after staging): the chain holds at each step, and metrics are kept
    /// per environment.
    @Test func devStagingProduction() throws {
        let p = try Project(publisher: false)
        let root = p.repo.root
        let check = root + "/health.sh"
        try "#!/bin/sh\necho ok\n".write(toFile: check, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: check)
        try p.repo.commit("chore: three environments", files: [".relflow.toml": """
            [gate]
            approvals = 0

            [[environments]]
            name = "dev"
            branch = "deployed/dev"

            [[environments]]
            name = "staging"
            publisher = ["\(p.deploy)"]
            health = ["\(check)"]

            [[environments]]
            name = "production"
            soak = "1h"
            publisher = ["\(p.deploy)"]
            """])
        var now = Int64(Date().timeIntervalSince1970)
        func relflow(_ args: String...) -> ProcessResult { p.repo.relflow(args, env: ["RELFLOW_NOW": String(now)]) }
        #expect(relflow("release").status == 0)
        // Staging before dev: refused, naming dev.
        var r = relflow("promote", "--to", "staging")
        #expect(r.status == 1 && r.stderr.contains("v0.1.0 has not been in dev yet"), "\(r)")
        #expect(relflow("promote", "--to", "dev").status == 0)
        #expect(try p.repo.git("rev-parse", "deployed/dev") == (try p.repo.git("rev-parse", "v0.1.0^{commit}")))
        // dev has no publisher: being there is enough, unless CI recorded a failed delivery.
        #expect(relflow("deliver", "--env", "dev", "--status", "failure").status == 0)
        r = relflow("promote", "--to", "staging")
        #expect(r.status == 1 && r.stderr.contains("the last delivery of v0.1.0 to dev failed"), "\(r)")
        now += 60
        #expect(relflow("deliver", "--env", "dev", "--status", "success").status == 0)
        r = relflow("promote", "--to", "staging")
        #expect(r.status == 0 && r.stderr.contains("health check: healthy"), "\(r)")
        // Production waits an hour after staging's check, then goes (no health check there).
        r = relflow("promote", "--to", "production")
        #expect(r.status == 1 && r.stderr.contains("soaks in staging"), "\(r)")
        now += 3_601
        #expect(relflow("promote", "--to", "production").status == 0)
        let status = relflow("status").stdout
        #expect(status.contains("  dev          v0.1.0") && status.contains("  staging      v0.1.0") && status.contains("  production   v0.1.0"), "\(status)")
        #expect(relflow("verify").status == 0)
        // Metrics per environment: dev's one deployment was recorded by CI and failed first.
        let dev = try #require(try JSONSerialization.jsonObject(with: Data(relflow("metrics", "--env", "dev", "--format", "json").stdout.utf8)) as? [String: Any])
        #expect((dev["deployments"] as? [[String: Any]])?.map { $0["failed"] as? Bool } == [true])
        #expect((dev["deploymentFrequency"] as? [String: Any])?["count"] as? Int == 1)
        let production = try #require(try JSONSerialization.jsonObject(with: Data(relflow("metrics", "--format", "json").stdout.utf8)) as? [String: Any])
        #expect((production["deployments"] as? [[String: Any]])?.map { $0["tag"] as? String } == ["v0.1.0"])
        #expect((production["changeFailureRate"] as? [String: Any])?["value"] as? Double == 0)
    }
}

/// What a red team found and the server now refuses: a hand-written init entry, a
/// hand-written hotfix-finish "placement", a push that claims old values the server does not
/// have, and a release that left staging before its soak was over.
@Suite("environments: forged and split pushes")
struct EnvironmentAttackTests {
    /// A ledger entry written by hand, on top of the local ledger; returns its id.
    @discardableResult
    func forge(_ repo: TestRepo, event: String, summary: String, tag: String, previous: String? = nil, details: [String: Any]) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        var object: [String: Any] = ["schema": 1, "event": event, "tag": tag, "version": String(tag.dropFirst()),
                                     "tagObject": try repo.git("rev-parse", tag), "commit": try repo.git("rev-parse", tag + "^{commit}"),
                                     "actor": ["name": "Ada Lovelace", "email": "ada@example.com"],
                                     "time": isoDateTime(now), "timestamp": now, "details": details]
        if let previous { object["previous"] = previous }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
        let id = try repo.git(["commit-tree", "-p", "refs/relflow/ledger", "-F", "-", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"],
                              stdin: Data((summary + "\n\n" + json + "\n").utf8))
        try repo.git("update-ref", "refs/relflow/ledger", id)
        return id
    }

    @Test func handWrittenInitAndHotfixEntriesDoNotOpenTheChain() throws {
        let c = try Chain(soak: "1h")
        c.clock = nil
        let remote = try c.serve()
        let serverRefs = { try c.repo.git(["for-each-ref"], cwd: remote) }
        // A hotfix-finish entry "placing" v0.1.0 in staging: it records no move, so it places
        // nothing (the server takes it, as it takes any well-formed entry).
        try forge(c.repo, event: "hotfix-finish", summary: "hotfix-finish v0.1.0", tag: "v0.1.0",
                  details: ["environment": "staging", "promoted": true])
        #expect(c.repo.gitResult(["push", "--no-verify", "origin", "refs/relflow/ledger"]).status == 0)
        // An init entry creating production: init is trusted only where nothing comes before.
        try forge(c.repo, event: "promote", summary: "promote v0.1.0 (init)", tag: "v0.1.0",
                  details: ["gate": "init", "environment": "production"])
        try c.repo.git("branch", "-f", "publish", "v0.1.0^{commit}")
        let before = try serverRefs()
        let r = c.repo.gitResult(["push", "--no-verify", "--atomic", "origin", "publish", "refs/relflow/ledger"])
        #expect(r.status != 0 && r.stderr.contains("[environment-chain]") && r.stderr.contains("v0.1.0 has not been in staging yet"), "\(r)")
        #expect(try serverRefs() == before)
    }

    @Test func aPushClaimingOldValuesTheServerDoesNotHaveIsRefusedWhole() throws {
        let c = try Chain()
        c.clock = nil
        let remote = try c.serve()
        let serverLedger = try c.repo.git(["rev-parse", "refs/relflow/ledger"], cwd: remote)
        let entry = try forge(c.repo, event: "promote", summary: "promote v0.1.0 (auto)", tag: "v0.1.0",
                              details: ["gate": "auto", "reason": "every changed path is inside [gate] auto_paths", "environment": "staging"])
        let commit = try c.repo.git("rev-parse", "v0.1.0^{commit}")
        let zero = String(repeating: "0", count: 40)
        let before = try c.repo.git(["for-each-ref"], cwd: remote)
        // The ledger's old value is wrong: git would fail that ref after the hook said yes,
        // and publish-staging would move with no entry on the server.
        let out = runProcess("/usr/bin/env", ["python3", RelflowBinary.packageRoot + "/Tests/scripts/rawpush.py", remote,
                                              "\(zero) \(commit) refs/heads/publish-staging", "\(commit) \(entry) refs/relflow/ledger"],
                             cwd: c.repo.path)
        #expect(out.stdout.contains("[stale-update]") && !out.stdout.contains("ok refs/heads/publish-staging"), "\(out)")
        #expect(try c.repo.git(["for-each-ref"], cwd: remote) == before)
        // With the server's own old values the same move goes in, entry and branch together.
        let honest = runProcess("/usr/bin/env", ["python3", RelflowBinary.packageRoot + "/Tests/scripts/rawpush.py", remote,
                                                 "\(zero) \(commit) refs/heads/publish-staging", "\(serverLedger) \(entry) refs/relflow/ledger"],
                                cwd: c.repo.path)
        #expect(honest.stdout.contains("ok refs/heads/publish-staging") && honest.stdout.contains("ok refs/relflow/ledger"), "\(honest)")
    }

    /// v0.1.0 was replaced in staging a minute after it got there: it never soaked.
    @Test func aReleaseThatLeftStagingEarlyHasNotSoaked() throws {
        let c = try Chain()
        #expect(c.relflow("release").status == 0)
        #expect(c.relflow("promote", "--to", "staging").status == 0)
        try c.repo.commit("feat: next", files: ["src/next.txt": "x\n"])
        #expect(c.relflow("release").status == 0)
        c.now += 60
        #expect(c.relflow("promote", "--to", "staging").status == 0)
        #expect(c.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        c.now += 7_200
        let r = c.relflow("promote", "--to", "production", "v0.1.0")
        #expect(r.status == 1 && r.stderr.contains("v0.1.0 left staging at") && r.stderr.contains("before its 1h there were over"), "\(r)")
    }
}
