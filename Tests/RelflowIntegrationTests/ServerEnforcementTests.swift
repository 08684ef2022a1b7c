import Foundation
import Testing
import RelflowCore
import RelflowWorkflow
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The server is the trust boundary: a developer with push rights pushes anything with
/// `--no-verify` and plumbing. One test per class of attack, each with its honest counterpart
/// accepted, and the server's refs compared before and after every refused push.
func now() -> Int { Int(Date().timeIntervalSince1970) }

@Suite("the server enforces the release model")
struct ServerEnforcementTests {
    /// A push that must be refused: the rule named, a fix given, nothing on the server changed.
    func refused(_ team: Team, _ args: [String], rule: String, in repo: TestRepo? = nil, env: [String: String] = [:],
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let repo = repo ?? team.repo
        let before = try team.serverRefs()
        var environment = repo.environment
        for (k, v) in env { environment[k] = v }
        let r = runProcess(which("git") ?? "/usr/bin/git", ["push", "--no-verify"] + args, cwd: repo.path, environment: environment)
        #expect(r.status != 0, "\(args) was accepted", sourceLocation: sourceLocation)
        #expect(r.stderr.contains("remote: relflow: refused") && r.stderr.contains("[\(rule)]") && r.stderr.contains("fix:"),
                "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(try team.serverRefs() == before, "\(args) changed the server", sourceLocation: sourceLocation)
    }

    /// Appends a hand-written ledger entry (what an attacker's plumbing does), returns its id.
    @discardableResult
    func forge(_ repo: TestRepo, summary: String, json: String, tree: String = "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                      extraParent: String? = nil) throws -> String {
        var args = ["commit-tree", "-p", "refs/relflow/ledger"]
        if let extraParent { args += ["-p", extraParent] }
        args += ["-F", "-", tree]
        let id = try repo.git(args, stdin: Data((summary + "\n\n" + json + "\n").utf8))
        try repo.git("update-ref", "refs/relflow/ledger", id)
        return id
    }



    func iso(_ t: Int) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    /// An entry as relflow writes it, with fields to override.
    func entryJSON(event: String, tag: String, tagObject: String, commit: String, previous: String?,
                          actor: String = "Mallory", email: String = "mallory@example.com", timestamp: Int = now(),
                          details: String = "{}", extra: String = "") -> String {
        let prev = previous.map { "\"previous\":\"\($0)\"," } ?? ""
        return "{\"actor\":{\"email\":\"\(email)\",\"name\":\"\(actor)\"},\"commit\":\"\(commit)\",\"details\":\(details),\"event\":\"\(event)\",\(extra)"
            + "\(prev)\"schema\":1,\"tag\":\"\(tag)\",\"tagObject\":\"\(tagObject)\",\"time\":\"\(iso(timestamp))\",\"timestamp\":\(timestamp),\"version\":\"\(tag.dropFirst())\"}"
    }

    // MARK: 1 and 2: the gate, from the server's own policy

    @Test func theGateIsJudgedByTheServerFromItsOwnPolicy() throws {
        let team = try Team()
        let repo = team.repo
        let honestConfig = try #require(try? String(contentsOfFile: repo.path + "/.relflow.toml", encoding: .utf8))
        func reset() throws {
            try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish")
        }
        try reset()
        // The attacker's clone says every path is auto; its own relflow promotes at once.
        try repo.write(".relflow.toml", "[gate]\nauto_paths = [\"**\"]\n")
        let local = repo.relflow("promote", "v0.2.0", "--no-publish")
        #expect(local.status == 0, "\(local)")
        try refused(team, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate")
        // A hand-written promote claiming "hotfix" for a minor release gets no hotfix rules.
        try reset()
        let tag = try repo.git("rev-parse", "v0.2.0"), commit = try repo.git("rev-parse", "v0.2.0^{commit}")
        let old = try repo.git("rev-parse", "v0.1.0^{commit}")
        try forge(repo, summary: "promote v0.2.0 (hotfix)",
                  json: entryJSON(event: "promote", tag: "v0.2.0", tagObject: tag, commit: commit, previous: old, details: "{\"gate\":\"hotfix\"}"))
        try repo.git("update-ref", "refs/heads/publish", commit)
        try refused(team, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate")

        // A pushed .relflow.toml changes nothing on the server, and a broken one breaks nothing.
        try reset()
        try repo.commit("chore: loosen the gate", files: [".relflow.toml": "[gate]\nauto_paths = [\"**\"]\n[branches]\npublish = \"x\"\n"])
        try repo.git("push", "-q", "--no-verify", "origin", "main")
        try repo.commit("chore: break the config", files: [".relflow.toml": "[gate\nthis is not toml"])
        try repo.git("push", "-q", "--no-verify", "origin", "main")
        let show = runProcess(RelflowBinary.path, ["policy", "show", "-C", team.remote], cwd: repo.root, environment: repo.environment)
        #expect(show.status == 0 && show.stdout.contains("relflow/policy.toml") && show.stdout.contains("timestamp.json"), "\(show)")
        try refused(team, ["origin", "+\(commit):refs/heads/publish"], rule: "publish-unrecorded")
        try repo.commit("chore: the config again", files: [".relflow.toml": honestConfig])
        try repo.git("push", "-q", "--no-verify", "origin", "main")

        // The honest way: someone else approves, the promotion goes through.
        let grace = try team.clone("grace")
        grace.identity = (name: "Grace Hopper", email: "grace@example.com")
        let approve = grace.relflow("approve", "v0.2.0")
        #expect(approve.status == 0, "\(approve)")
        try grace.git("push", "-q", "origin", "refs/relflow/ledger")
        try reset()
        let promote = repo.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish")
        #expect(promote.status == 0, "\(promote)")
        #expect(try repo.git(["rev-parse", "publish"], cwd: team.remote) == commit)
        // Without a signed policy the approval is a name: the push goes in, and says so.
        #expect(promote.stderr.contains("v0.2.0 went out on the approval of grace@example.com: names this server cannot verify"), "\(promote)")
    }

    /// A release tag that is no tag object has no tagger: whoever wrote its release entry is
    /// the releaser, and an approval of theirs counts for nothing (it did, found by red-teaming
    /// this server). Someone else's approval lets it go.
    @Test func theReleaserOfALightweightTagCannotApproveIt() throws {
        let team = try Team()
        let repo = team.repo
        func reset() throws { try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish") }
        try reset()
        let old = try repo.git("rev-parse", "publish")
        let commit = try repo.commit("feat: the app changes", files: ["src/app.txt": "v9\n"])
        try repo.git("update-ref", "refs/tags/v0.3.0", commit)
        try forge(repo, summary: "release v0.3.0", json: entryJSON(event: "release", tag: "v0.3.0", tagObject: commit, commit: commit, previous: nil))
        try repo.git("push", "-q", "--no-verify", "--atomic", "origin", "main", "refs/tags/v0.3.0", "refs/relflow/ledger")
        let released = try repo.git("rev-parse", "refs/relflow/ledger")
        // relflow approve refuses it on the releaser's own clone too.
        let mallory = try team.clone("mallory")
        mallory.identity = (name: "Mallory", email: "mallory@example.com")
        let own = mallory.relflow("approve", "v0.3.0")
        #expect(own.status == 1 && own.stderr.contains("released v0.3.0 and cannot approve it too"), "\(own)")
        func promote(approvedBy name: String, _ email: String) throws {
            try repo.git("update-ref", "refs/relflow/ledger", released)
            try forge(repo, summary: "approve v0.3.0 by \(name)",
                      json: entryJSON(event: "approve", tag: "v0.3.0", tagObject: commit, commit: commit, previous: nil, actor: name, email: email))
            try forge(repo, summary: "promote v0.3.0 (review)",
                      json: entryJSON(event: "promote", tag: "v0.3.0", tagObject: commit, commit: commit, previous: old, details: "{\"gate\":\"review\"}"))
            try repo.git("update-ref", "refs/heads/publish", commit)
        }
        try promote(approvedBy: "Mallory", "MALLORY@example.com")
        try refused(team, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate")
        try promote(approvedBy: "Grace Hopper", "grace@example.com")
        let r = repo.gitResult(["push", "--no-verify", "--atomic", "origin", "publish", "refs/relflow/ledger"])
        #expect(r.status == 0, "\(r)")
        #expect(try repo.git(["rev-parse", "publish"], cwd: team.remote) == commit)
    }

    /// A promotion the server refuses leaves nothing moved in the clone either: status and the
    /// server agree.
    @Test func aRefusedPromotionIsTakenBackLocally() throws {
        let team = try Team()
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish")
        let publish = try repo.git("rev-parse", "publish"), ledger = try repo.git("rev-parse", "refs/relflow/ledger")
        try repo.write(".relflow.toml", "[gate]\nauto_paths = [\"**\"]\n")
        let r = repo.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish")
        #expect(r.status == 1 && r.stderr.contains("[gate]") && r.stderr.contains("set back"), "\(r)")
        #expect(try repo.git("rev-parse", "publish") == publish)
        #expect(try repo.git("rev-parse", "refs/relflow/ledger") == ledger)
    }

    /// v0.2.0 waits at the gate: Grace approves it and it is promoted, pushed, so that the
    /// next release is judged alone. Returns Grace's clone, which the caller keeps (the
    /// clone's folder goes with it).
    func promoteV020Honestly(_ team: Team, sourceLocation: SourceLocation = #_sourceLocation) throws -> TestRepo {
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let grace = try team.clone("grace")
        grace.identity = (name: "Grace Hopper", email: "grace@example.com")
        #expect(grace.relflow("approve", "v0.2.0").status == 0, sourceLocation: sourceLocation)
        try grace.git("push", "-q", "origin", "refs/relflow/ledger")
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        #expect(repo.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish").status == 0, sourceLocation: sourceLocation)
        return grace
    }

    /// Symlinks, submodules and mode changes under an auto glob are judged by what they are.
    @Test func specialPathsAreNeverAutoByName() throws {
        let team = try Team()
        let repo = team.repo
        let grace = try promoteV020Honestly(team)
        defer { withExtendedLifetime(grace) {} }
        // timestamp.json becomes a symlink to the app: auto by name, not by nature.
        try FileManager.default.removeItem(atPath: repo.path + "/timestamp.json")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/timestamp.json", withDestinationPath: "src/app.txt")
        try repo.git("add", "-A")
        try repo.commit("fix: timestamp follows the app")
        #expect(repo.relflow("release").status == 0)
        try repo.git("push", "-q", "--atomic", "origin", "main", "--tags", "refs/relflow/ledger")
        let gate = repo.relflow("gate")
        #expect(gate.status == 1 && gate.stdout.contains("timestamp.json"), "\(gate)")
        try repo.write(".relflow.toml", "[gate]\nauto_paths = [\"timestamp.json\"]\nauto_special = true\nhotfix = \"auto\"\n")
        #expect(repo.relflow("promote", "--no-publish").status == 0)
        try refused(team, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate")
    }

    /// The changelog relflow writes is left out of the gate as text only: made a link (to
    /// anything), it is judged like any other path.
    @Test func aChangelogMadeALinkIsNotLeftOutOfTheGate() throws {
        let team = try Team()
        let repo = team.repo
        let grace = try promoteV020Honestly(team)
        defer { withExtendedLifetime(grace) {} }
        try? FileManager.default.removeItem(atPath: repo.path + "/CHANGELOG.md")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/CHANGELOG.md", withDestinationPath: "/etc/shadow")
        try repo.git("add", "-A")
        try repo.commit("fix: the changelog elsewhere")
        try repo.git("tag", "-a", "-m", "v0.2.1", "v0.2.1", "HEAD")
        try repo.write(".relflow.toml", "[gate]\nauto_paths = [\"timestamp.json\"]\nauto_special = true\n")
        // The same path comparison judges on the server: a link is no changelog text.
        let gate = repo.relflow("gate", "v0.2.1")
        #expect(gate.status == 1 && gate.stdout.contains("CHANGELOG.md"), "\(gate)")
        try repo.git("checkout", "-q", "--", ".relflow.toml")
    }

    // MARK: 3. Rollbacks

    @Test func rollbacksOnlyGoWhereProductionWas() throws {
        let team = try Team()
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let old = try repo.git("rev-parse", "v0.1.0^{commit}")
        let untagged = try repo.git("rev-parse", "v0.1.0^{commit}^")
        // No entry at all, then a forged rollback to a commit that was never production.
        try refused(team, ["origin", "+\(untagged):refs/heads/publish"], rule: "publish-unrecorded")
        try forge(repo, summary: "rollback to v0.1.0",
                  json: entryJSON(event: "rollback", tag: "v0.1.0", tagObject: try repo.git("rev-parse", "v0.1.0"), commit: untagged, previous: old))
        try refused(team, ["--atomic", "origin", "+\(untagged):refs/heads/publish", "refs/relflow/ledger"], rule: "publish-untagged")
        // The honest rollback after an honest promotion.
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        #expect(repo.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        #expect(repo.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish").status == 0)
        // A replay: an older rollback entry exists, a bare non-fast-forward is still refused.
        try refused(team, ["origin", "+\(old):refs/heads/publish"], rule: "publish-unrecorded")
        // A rollback entry whose previous is not where publish is.
        let v2 = try repo.git("rev-parse", "v0.2.0^{commit}")
        try forge(repo, summary: "rollback to v0.1.0",
                  json: entryJSON(event: "rollback", tag: "v0.1.0", tagObject: try repo.git("rev-parse", "v0.1.0"), commit: old, previous: untagged))
        try refused(team, ["--atomic", "origin", "+\(old):refs/heads/publish", "refs/relflow/ledger"], rule: "publish-unrecorded")
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try repo.git("update-ref", "refs/heads/publish", v2)
        let r = repo.relflow("rollback", "--push", "origin", "--no-publish")
        #expect(r.status == 0, "\(r)")
        #expect(try repo.git(["rev-parse", "publish"], cwd: team.remote) == old)
    }

    // MARK: 4. Ledger content

    @Test func everyNewLedgerEntryIsReadStrictly() throws {
        let team = try Team()
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let tag = try repo.git("rev-parse", "v0.2.0"), commit = try repo.git("rev-parse", "v0.2.0^{commit}")
        let base = try repo.git("rev-parse", "refs/relflow/ledger")
        func attempt(_ summary: String, _ json: String, tree: String = "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                     extraParent: String? = nil, rule: String = "ledger-entry") throws {
            try repo.git("update-ref", "refs/relflow/ledger", base)
            try forge(repo, summary: summary, json: json, tree: tree, extraParent: extraParent)
            try refused(team, ["origin", "refs/relflow/ledger"], rule: rule)
        }
        let good = entryJSON(event: "approve", tag: "v0.2.0", tagObject: tag, commit: commit, previous: nil)
        try attempt("approve v0.2.0 by Mallory", good.replacingOccurrences(of: "\"event\":\"approve\"", with: "\"event\":\"approve\",\"event\":\"promote\""))
        try attempt("approve v0.2.0 by Mallory", entryJSON(event: "launch-missiles", tag: "v0.2.0", tagObject: tag, commit: commit, previous: nil))
        try attempt("approve v0.2.0 by Mallory", entryJSON(event: "approve", tag: "v0.2.0", tagObject: tag, commit: commit, previous: nil,
                                                          timestamp: now() + 10 * 365 * 86_400), rule: "ledger-time")
        try attempt("approve v0.2.0 by Mallory", entryJSON(event: "approve", tag: "v0.2.0", tagObject: tag, commit: commit, previous: nil,
                                                          details: "{\"x\":\"\(String(repeating: "a", count: 70_000))\"}"))
        try attempt("promote v0.2.0 (auto)", good)  // the summary line lies about the entry
        try attempt("approve v0.2.0 by Mallory", good, tree: try repo.git("rev-parse", "HEAD^{tree}"))
        try attempt("approve v0.2.0 by Mallory", good, extraParent: try repo.git("rev-parse", "HEAD"), rule: "ledger-linear")
        // Invalid UTF-8 in the message.
        try repo.git("update-ref", "refs/relflow/ledger", base)
        var raw = Data("approve v0.2.0 by Mallory\n\n".utf8)
        raw.append(Data(good.replacingOccurrences(of: "Mallory", with: "Mall\u{1}ory").utf8))
        raw[raw.count - 40] = 0xff
        let bad = try repo.git(["commit-tree", "-p", base, "-F", "-", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"], stdin: raw)
        try repo.git("update-ref", "refs/relflow/ledger", bad)
        try refused(team, ["origin", "refs/relflow/ledger"], rule: "ledger-entry")
        // A rewrite that buries the server's tip as a second parent under many new entries.
        try repo.git("update-ref", "refs/relflow/ledger", "\(base)~1")
        try forge(repo, summary: "approve v0.2.0 by Mallory", json: good, extraParent: base)
        try refused(team, ["origin", "refs/relflow/ledger"], rule: "ledger-linear")
        // The honest entry goes in.
        try repo.git("update-ref", "refs/relflow/ledger", base)
        #expect(repo.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        try repo.git("push", "-q", "origin", "refs/relflow/ledger")
    }

    // MARK: 5. Hotfix branches

    @Test func hotfixBranchesFollowTheHotfixRulesOnTheServer() throws {
        let team = try Team()
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try repo.git("checkout", "-q", "-b", "hotfix/0.1.1", "v0.1.0")
        try repo.commit("feat!: a feature disguised as a hotfix", files: ["src/app.txt": "feature\n"])
        try refused(team, ["origin", "hotfix/0.1.1"], rule: "hotfix-type")
        // A hotfix of a release that never ran in production.
        try repo.git("checkout", "-q", "-b", "hotfix/0.2.1", "v0.2.0")
        try repo.commit("fix: patch an unreleased line", files: ["src/next.txt": "fixed\n"])
        try refused(team, ["origin", "hotfix/0.2.1"], rule: "hotfix-base")
        // Main's later commits inside the hotfix, with main pushed in the same push.
        try repo.git("checkout", "-q", "main")
        try repo.commit("fix: on main after the release", files: ["src/main.txt": "m\n"])
        try repo.git("checkout", "-q", "-b", "hotfix/0.1.2", "v0.1.0")
        try repo.git("merge", "-q", "--no-edit", "main")
        try refused(team, ["--atomic", "origin", "main", "hotfix/0.1.2"], rule: "hotfix-main-commits")
        // The honest hotfix branch is accepted.
        try repo.git("checkout", "-q", "-b", "hotfix/0.1.3", "v0.1.0")
        try repo.commit("fix: the crash", files: ["src/app.txt": "fixed\n"])
        try repo.git("push", "-q", "--no-verify", "origin", "hotfix/0.1.3")
    }

    // MARK: 6. Names and tags

    @Test func namesThatShadowTheModelAreRefused() throws {
        let team = try Team()
        let repo = team.repo
        try refused(team, ["origin", "HEAD:refs/tags/publish"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/heads/Publish"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/remotes/origin/publish"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/heads/v0.1.0"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/relflow/policy"], rule: "policy-root")
        try refused(team, ["origin", "HEAD:refs/relflow/other"], rule: "protected-name")
        // Refs that would keep a protected branch, a release or the ledger from being written
        // (a ref cannot be both a file and a folder): git would fail that update after the
        // hook said yes to the rest of the push.
        try refused(team, ["origin", "HEAD:refs/heads/publish/x"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/tags/v0.3.0/x"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/relflow/ledger/x"], rule: "protected-name")
        try repo.git("push", "-q", "--no-verify", "origin", "HEAD:refs/heads/topic")
        try refused(team, ["origin", "HEAD:refs/heads/topic/x"], rule: "ref-conflict")
        // A deletion in the same push may come after the creation: still a clash.
        try refused(team, ["origin", "HEAD:refs/heads/topic/x", ":refs/heads/topic"], rule: "ref-conflict")
        // Names that read as something else: a line separator (Swift splits lines there; git
        // does not), case variants and remote-like tags of the protected names.
        try refused(team, ["origin", "HEAD:refs/heads/publish\u{2028}x"], rule: "ref-name")
        try refused(team, ["origin", "HEAD:refs/heads/Publish/x"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/tags/MAIN"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/tags/origin/publish"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/tags/V0.3.0"], rule: "protected-name")
        // Branches that stand for something else where the server or a mirror resolves short
        // names: a remote's publish, the pseudo-refs, full-ref spellings.
        for name in ["origin/publish", "upstream/Main", "HEAD", "FETCH_HEAD", "ORIG_HEAD", "refs/heads/publish", "tags/v0.2.0",
                     "heads/x", "remotes/origin/main"] {
            try refused(team, ["origin", "HEAD:refs/heads/\(name)"], rule: "protected-name")
        }
        try refused(team, ["origin", "HEAD:refs/tags/HEAD"], rule: "protected-name")
        try refused(team, ["origin", "HEAD:refs/tags/refs/heads/main"], rule: "protected-name")
        // Their honest neighbours go in.
        try repo.git("push", "-q", "--no-verify", "origin", "HEAD:refs/heads/origin-publish-notes", "HEAD:refs/heads/feature/head-start")
        // Squatting a future release: no release entry records it.
        try repo.git("tag", "-a", "-m", "mine", "v9.0.0", "HEAD")
        try refused(team, ["origin", "v9.0.0"], rule: "tag-unrecorded")
        let blob = try repo.git(["hash-object", "-w", "--stdin"], stdin: Data("x".utf8))
        try refused(team, ["origin", "\(blob):refs/tags/v9.1.0"], rule: "tag-target")
        // A tag and publish split over two pushes: the second still needs its entry.
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try repo.git("tag", "-d", "v9.0.0")
        try repo.commit("feat: more", files: ["src/more.txt": "1\n"])
        #expect(repo.relflow("release").status == 0)
        try repo.git("push", "-q", "--no-verify", "--atomic", "origin", "main", "v0.3.0", "refs/relflow/ledger")
        try refused(team, ["origin", "+v0.3.0^{commit}:refs/heads/publish"], rule: "publish-unrecorded")
    }

    // MARK: 7 and 8: the hook itself

    /// The pusher's environment chooses nothing: not the binary, not the clock.
    @Test func thePushersEnvironmentDoesNotReachTheJudgement() throws {
        let team = try Team(config: "delay = \"1h\"")
        let repo = team.repo
        try repo.write(".relflow.toml", "[gate]\nauto_paths = [\"**\"]\n")
        #expect(repo.relflow("promote", "v0.2.0", "--no-publish").status == 0)
        try refused(team, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate",
                    env: ["RELFLOW_BIN": "/bin/true", "RELFLOW_NOW": "9999999999", "PATH": "/nonexistent:" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
        // The delay counts from when the server received the tag, which the admin can see.
        let receipts = try String(contentsOfFile: team.remote + "/relflow/receipts", encoding: .utf8)
        #expect(receipts.contains(try repo.git("rev-parse", "v0.2.0")) && receipts.contains("v0.2.0"))
        // Once the server has held it for the delay (the admin's clock, here the receipt), it goes.
        let aged = receipts.split(separator: "\n").map { line -> String in
            var parts = line.split(separator: " ").map(String.init)
            parts[0] = String(Int(parts[0])! - 7200)
            return parts.joined(separator: " ")
        }.joined(separator: "\n") + "\n"
        try aged.write(toFile: team.remote + "/relflow/receipts", atomically: true, encoding: .utf8)
        try repo.git("push", "-q", "--no-verify", "--atomic", "origin", "publish", "refs/relflow/ledger")
    }

    @Test func theUpdateHookRefusesInsteadOfJudgingRefsOneByOne() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a")
        let r = repo.relflow("hook", "update", "refs/heads/publish", String(repeating: "0", count: 40), try repo.git("rev-parse", "HEAD"))
        #expect(r.status == 1 && r.stderr.contains("[update-hook]") && r.stderr.contains("pre-receive"), "\(r)")
        #expect(!r.stderr.contains("nothing was updated"))
    }

    /// Over a real network transport (git daemon on 127.0.0.1) as well as file://.
    @Test func theServerRefusesOverTheGitProtocolToo() throws {
        let team = try Team()
        let repo = team.repo
        // git daemon in the foreground, as this test's child, stopped at the end.
        var daemon: Process?
        var port = 0
        for candidate in (0..<20).map({ _ in Int.random(in: 20_000...60_000) }) {
            let process = Process()
            // The daemon binary itself: `git daemon` would leave it running behind a wrapper.
            let execPath = try #require(try? repo.git("--exec-path"))
            process.executableURL = URL(fileURLWithPath: execPath + "/git-daemon")
            process.arguments = ["--reuseaddr", "--listen=127.0.0.1", "--port=\(candidate)", "--base-path=\(repo.root)",
                                 "--export-all", "--enable=receive-pack", repo.root]
            process.environment = repo.environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(300_000)
            if process.isRunning { daemon = process; port = candidate; break }
        }
        let running = try #require(daemon, "git daemon did not start")
        defer {
            kill(running.processIdentifier, SIGKILL)
            running.waitUntilExit()
        }
        let url = "git://127.0.0.1:\(port)/origin.git"
        // The daemon may take a moment to listen.
        var ready = false
        for _ in 0..<50 {
            if repo.gitResult(["ls-remote", url]).status == 0 { ready = true; break }
            usleep(100_000)
        }
        try #require(ready, "git daemon is not answering on \(url)")
        try repo.git("remote", "add", "daemon", url)
        try repo.commit("feat: over the network", files: ["net.txt": "x\n"])
        try refused(team, ["daemon", "+main:publish"], rule: "publish-unrecorded")
        try repo.git("tag", "-a", "-m", "mine", "v9.0.0", "HEAD")
        try refused(team, ["daemon", "v9.0.0"], rule: "tag-unrecorded")
        // An honest release goes in over the same transport.
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try repo.git("tag", "-d", "v9.0.0")
        #expect(repo.relflow("release").status == 0)
        try repo.git("push", "-q", "--atomic", "daemon", "main", "v0.3.0", "refs/relflow/ledger")
    }

    // MARK: Found by attacking the first version of these rules

    /// An entry for a move that did not happen, a squatted release with a forged entry, a
    /// replacement object, a merge on a hotfix branch, a rewrite of main, a flood of entries.
    @Test func entriesTagsAndRefsThatOnlyLookRight() throws {
        let team = try Team(config: "\n[server]\nmax_entries_per_push = 3")
        let repo = team.repo
        try repo.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let base = try repo.git("rev-parse", "refs/relflow/ledger")
        let v1 = try repo.git("rev-parse", "v0.1.0^{commit}")
        // A promote entry pushed without the move it records (to vouch for a rollback later).
        let evil = try repo.git(["commit-tree", "-p", v1, "-m", "fix: evil", try repo.git("rev-parse", "HEAD^{tree}")])
        try repo.git("tag", "-a", "-m", "evil", "v0.1.1", evil)
        let tagObject = try repo.git("rev-parse", "v0.1.1")
        try forge(repo, summary: "release v0.1.1", json: entryJSON(event: "release", tag: "v0.1.1", tagObject: tagObject, commit: evil, previous: "v0.1.0"))
        try forge(repo, summary: "promote v0.1.1 (auto)", json: entryJSON(event: "promote", tag: "v0.1.1", tagObject: tagObject, commit: evil, previous: v1,
                                                                      details: "{\"gate\":\"auto\"}"))
        try refused(team, ["--atomic", "origin", "v0.1.1", "refs/relflow/ledger"], rule: "ledger-unmatched")
        // A release squatted off main with a forged release entry.
        try repo.git("update-ref", "refs/relflow/ledger", base)
        let stray = try repo.git(["commit-tree", "-p", try repo.git("rev-parse", "main"), "-m", "feat: mine", try repo.git("rev-parse", "HEAD^{tree}")])
        try repo.git("tag", "v9.0.0", stray)
        try forge(repo, summary: "release v9.0.0", json: entryJSON(event: "release", tag: "v9.0.0", tagObject: stray, commit: stray, previous: "v0.2.0"))
        try refused(team, ["--atomic", "origin", "v9.0.0", "refs/relflow/ledger"], rule: "tag-place")
        // A tag below a release its commit already contains.
        try repo.git("update-ref", "refs/relflow/ledger", base)
        try repo.git("tag", "v0.0.9", "main")
        try forge(repo, summary: "release v0.0.9", json: entryJSON(event: "release", tag: "v0.0.9", tagObject: try repo.git("rev-parse", "main"),
                                                              commit: try repo.git("rev-parse", "main"), previous: nil))
        try refused(team, ["--atomic", "origin", "v0.0.9", "refs/relflow/ledger"], rule: "tag-version")
        // A replacement object that changes what publish's commit shows.
        try refused(team, ["origin", "\(evil):refs/replace/\(v1)"], rule: "protected-name")
        // A hotfix branch with a merge that brings anything.
        try repo.git("update-ref", "refs/relflow/ledger", base)
        let merge = try repo.git(["commit-tree", "-p", v1, "-p", "\(v1)^", "-m", "Merge branch 'fix'", try repo.git("rev-parse", "main^{tree}")])
        try refused(team, ["origin", "\(merge):refs/heads/hotfix/0.1.1"], rule: "hotfix-type")
        // main is never rewritten.
        try refused(team, ["origin", "+\(v1):refs/heads/main"], rule: "main-non-fast-forward")
        // A flood of entries is refused whole.
        for i in 0..<4 {
            try forge(repo, summary: "approve v0.2.0 by Mallory \(i)",
                      json: entryJSON(event: "approve", tag: "v0.2.0", tagObject: try repo.git("rev-parse", "v0.2.0"),
                                      commit: try repo.git("rev-parse", "v0.2.0^{commit}"), previous: nil, actor: "Mallory \(i)"))
        }
        try refused(team, ["origin", "refs/relflow/ledger"], rule: "ledger-size")
        // Nothing refused left a receipt behind.
        let receipts = (try? String(contentsOfFile: team.remote + "/relflow/receipts", encoding: .utf8)) ?? ""
        #expect(!receipts.contains("v0.1.1") && !receipts.contains("v9.0.0"))
    }

    // MARK: 9. verify

    @Test func verifyFailsWithoutTheLedger() throws {
        let team = try Team()
        let path = team.repo.root + "/plain"
        try team.repo.git("clone", "-q", "file://" + team.remote, path)
        let plain = TestRepo(existing: path, sharing: team.repo)
        try plain.git("branch", "publish", "origin/publish")
        let r = plain.relflow("verify")
        #expect(r.status == 1 && (r.stdout + r.stderr).contains("ledger-missing"), "\(r)")
        #expect((r.stdout + r.stderr).contains("git fetch origin 'refs/relflow/*:refs/relflow/*'"), "\(r)")
    }
}

@Suite("what git gives a hook on stdin")
struct HookInputTests {
    /// Split on the newline byte only: a ref name holding U+2028 or U+0085 is one ref, not a
    /// protected one followed by junk; a line that is not exactly `<old> <new> <ref>` (or not
    /// UTF-8) refuses the push instead of being skipped.
    @Test func linesAreReadExactly() throws {
        let zero = String(repeating: "0", count: 40), id = String(repeating: "a", count: 40)
        let input = Array("\(zero) \(id) refs/heads/publish\u{2028}x\n\(zero) \(id) refs/heads/main\u{85}y\n".utf8)
        let updates = try PushPolicy.Update.parseHookInput(input, prePush: false)
        #expect(updates.map(\.ref) == ["refs/heads/publish\u{2028}x", "refs/heads/main\u{85}y"])
        #expect(updates.allSatisfy { $0.old == nil && $0.new?.hex == id })
        for bad in ["\(zero) \(id)\n", "\(zero) nothex refs/heads/x\n", "\(zero)  \(id) refs/heads/x\n", "\(zero) \(id) refs/heads/a b\n"] {
            #expect(throws: RelflowError.self) { try PushPolicy.Update.parseHookInput(Array(bad.utf8), prePush: false) }
        }
        #expect(throws: RelflowError.self) { try PushPolicy.Update.parseHookInput(Array("\(zero) \(id) refs/heads/".utf8) + [0xFF, 10], prePush: false) }
        // pre-push: the local side is what was typed, spaces and all.
        let typed = try PushPolicy.Update.parseHookInput(Array("main@{1 hour ago} \(id) refs/heads/x \(zero)\n".utf8), prePush: true)
        #expect(typed.map(\.ref) == ["refs/heads/x"] && typed.first?.new?.hex == id && typed.first?.old == nil)
    }
}
