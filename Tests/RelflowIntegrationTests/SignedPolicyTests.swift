import Foundation
import Testing
import TestSupport

/// Who did it, provably: a signed policy at refs/relflow/policy, ledger entries signed with
/// the keys git signs with (real ed25519 keys made by ssh-keygen), four-eyes by keys, and a
/// server that checks every signature. Two clones and a bare server, as a team has.
@Suite("signed policy and signed ledger", .serialized)
struct SignedPolicyTests {
    static let emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

    /// A new ed25519 key pair; returns the private key's path (its `.pub` beside it).
    static func keygen(_ root: String, _ name: String, type: String = "ed25519") throws -> String {
        let dir = root + "/keys"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        let r = runProcess(which("ssh-keygen") ?? "/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", path])
        #expect(r.status == 0, "\(r)")
        return path
    }

    static func signWith(_ repo: TestRepo, key: String) throws {
        try repo.git("config", "gpg.format", "ssh")
        try repo.git("config", "user.signingKey", key)
    }

    /// A ledger entry written with plumbing, signed by git itself with `key`.
    static func forgeSigned(_ repo: TestRepo, key: String, summary: String, json: String) throws {
        let id = try repo.git(["-c", "gpg.format=ssh", "-c", "user.signingKey=\(key)", "commit-tree", "-S", "-p", "refs/relflow/ledger",
                               "-F", "-", emptyTree], stdin: Data((summary + "\n\n" + json + "\n").utf8))
        try repo.git("update-ref", "refs/relflow/ledger", id)
    }

    static func approveJSON(_ repo: TestRepo, tag: String, name: String, email: String, policy: Int? = nil) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return "{\"actor\":{\"email\":\"\(email)\",\"name\":\"\(name)\"},\"commit\":\"\(try repo.git("rev-parse", tag + "^{commit}"))\",\"details\":{\(policy.map { "\"policy\":\"\($0)\"" } ?? "")},"
            + "\"event\":\"approve\",\"schema\":1,\"tag\":\"\(tag)\",\"tagObject\":\"\(try repo.git("rev-parse", tag))\","
            + "\"time\":\"\(f.string(from: Date(timeIntervalSince1970: TimeInterval(now))))\",\"timestamp\":\(now),\"version\":\"\(tag.dropFirst())\"}"
    }

    func refusedPush(_ team: Team, _ repo: TestRepo, _ args: [String], rule: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try team.serverRefs()
        let r = repo.gitResult(["push", "--no-verify"] + args)
        #expect(r.status != 0 && r.stderr.contains("[\(rule)]"), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(try team.serverRefs() == before, sourceLocation: sourceLocation)
    }

    @Test func aTeamAdoptsSigningAndTheServerChecksEveryKey() throws {
        let team = try Team()
        let ada = team.repo
        let root = ada.root
        // Without a policy relflow says plainly what its ledger does not prove.
        let plain = ada.relflow("verify")
        #expect(plain.stderr.contains("proves nothing about who acted"), "\(plain)")

        // Day one: Ada starts the policy with her key and pushes it (trusted on first use).
        let adaKey = try Self.keygen(root, "ada")
        try Self.signWith(ada, key: adaKey)
        let initialized = ada.relflow("policy", "init")
        #expect(initialized.status == 0, "\(initialized)")
        // The server trusts no first policy its administrator has not pinned.
        try refusedPush(team, ada, ["origin", "refs/relflow/policy"], rule: "policy-root")
        let policyRoot = try ada.git("rev-parse", "refs/relflow/policy")
        let pin = runProcess(RelflowBinary.path, ["hooks", "install", "--server", "-C", team.remote, "--policy-root", policyRoot],
                             cwd: ada.root, environment: ada.environment)
        #expect(pin.status == 0, "\(pin)")
        try ada.git("push", "-q", "origin", "refs/relflow/policy")
        // Grace approves: a policy change Ada alone may sign (threshold 1).
        let graceKey = try Self.keygen(root, "grace")
        let added = ada.relflow("policy", "add-person", "--name", "Grace Hopper", "--email", "grace@example.com", "--key", graceKey + ".pub", "--role", "approve")
        #expect(added.status == 0 && added.stderr.contains("in force"), "\(added)")
        try ada.git("push", "-q", "origin", "refs/relflow/policy")

        // Ada approves her own release under another name: signed by her, counted for nobody.
        let selfApproval = ada.relflow("approve", "v0.2.0", env: ["GIT_COMMITTER_NAME": "Bob", "GIT_COMMITTER_EMAIL": "bob@example.com"])
        #expect(selfApproval.status == 0, "\(selfApproval)")
        #expect(try ada.git("log", "-1", "--format=%s", "refs/relflow/ledger") == "approve v0.2.0 by Ada Lovelace")
        try ada.git("push", "-q", "origin", "refs/relflow/ledger")
        let early = ada.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish")
        #expect(early.status != 0 && (early.stdout + early.stderr).contains("gate"), "\(early)")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish")
        // Past her own relflow: a promote entry she signs (she may promote) with publish moved.
        // The server counts her own approval for nobody, whatever name it carries.
        let old = try ada.git("rev-parse", "publish"), new = try ada.git("rev-parse", "v0.2.0^{commit}")
        var promoteJSON = try Self.approveJSON(ada, tag: "v0.2.0", name: "Ada Lovelace", email: "ada@example.com", policy: 2)
        promoteJSON = promoteJSON.replacingOccurrences(of: "\"event\":\"approve\"", with: "\"event\":\"promote\",\"previous\":\"\(old)\"")
            .replacingOccurrences(of: "\"details\":{\"policy\":\"2\"}", with: "\"details\":{\"gate\":\"review\",\"policy\":\"2\"}")
        try Self.forgeSigned(ada, key: adaKey, summary: "promote v0.2.0 (review)", json: promoteJSON)
        try ada.git("update-ref", "refs/heads/publish", new)
        try refusedPush(team, ada, ["--atomic", "origin", "publish", "refs/relflow/ledger"], rule: "gate")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+publish:publish")

        // An approval signed by a key the policy does not name, and one claiming Grace but
        // signed by Ada: both refused by the server.
        let malloryKey = try Self.keygen(root, "mallory")
        try Self.forgeSigned(ada, key: malloryKey, summary: "approve v0.2.0 by Grace Hopper",
                             json: try Self.approveJSON(ada, tag: "v0.2.0", name: "Grace Hopper", email: "grace@example.com"))
        try refusedPush(team, ada, ["origin", "refs/relflow/ledger"], rule: "ledger-signature")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try Self.forgeSigned(ada, key: adaKey, summary: "approve v0.2.0 by Grace Hopper",
                             json: try Self.approveJSON(ada, tag: "v0.2.0", name: "Grace Hopper", email: "grace@example.com"))
        try refusedPush(team, ada, ["origin", "refs/relflow/ledger"], rule: "ledger-signature")
        // An unsigned entry is refused too.
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let unsigned = try ada.git(["commit-tree", "-p", "refs/relflow/ledger", "-F", "-", Self.emptyTree],
                                   stdin: Data(("approve v0.2.0 by Ada Lovelace\n\n" + (try Self.approveJSON(ada, tag: "v0.2.0", name: "Ada Lovelace", email: "ada@example.com")) + "\n").utf8))
        try ada.git("update-ref", "refs/relflow/ledger", unsigned)
        try refusedPush(team, ada, ["origin", "refs/relflow/ledger"], rule: "ledger-signature")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")

        // Grace, in her own clone with her own key, approves; the promotion goes through.
        let grace = try team.clone("grace")
        grace.identity = (name: "Grace Hopper", email: "grace@example.com")
        try grace.git("fetch", "-q", "origin", "refs/relflow/policy:refs/relflow/policy")
        try Self.signWith(grace, key: graceKey)
        let approve = grace.relflow("approve", "v0.2.0")
        #expect(approve.status == 0, "\(approve)")
        try grace.git("push", "-q", "origin", "refs/relflow/ledger")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let promote = ada.relflow("promote", "v0.2.0", "--push", "origin", "--no-publish")
        #expect(promote.status == 0, "\(promote)")
        // Signed approvals are proof: no word about names that cannot be verified.
        #expect(!promote.stderr.contains("cannot verify"), "\(promote)")

        // Two administrators from now on: Bob joins as admin, changes need both.
        let bobKey = try Self.keygen(root, "bob")
        #expect(ada.relflow("policy", "add-person", "--name", "Bob", "--email", "bob@example.com", "--key", bobKey + ".pub",
                            "--role", "admin", "--role", "approve", "--threshold", "2").status == 0)
        try ada.git("push", "-q", "origin", "refs/relflow/policy")
        // Revoking Grace needs Bob's signature too: with Ada's alone it is not in force.
        let proposed = ada.relflow("policy", "remove-person", "--email", "grace@example.com")
        #expect(proposed.status == 0 && proposed.stderr.contains("1 of 2"), "\(proposed)")
        try ada.git("push", "-q", "origin", "refs/relflow/policy")
        try grace.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger", "+refs/relflow/policy:refs/relflow/policy")
        // Still in force: an entry Grace signs is accepted.
        try Self.forgeSigned(grace, key: graceKey, summary: "approve v0.2.0 by Grace Hopper",
                             json: try Self.approveJSON(grace, tag: "v0.2.0", name: "Grace Hopper", email: "grace@example.com", policy: 3))
        try grace.git("push", "-q", "origin", "refs/relflow/ledger")
        // Bob signs in his clone; the revocation is in force, and Grace's new entries are refused.
        let bob = try team.clone("bob")
        bob.identity = (name: "Bob", email: "bob@example.com")
        try bob.git("fetch", "-q", "origin", "refs/relflow/policy:refs/relflow/policy")
        try Self.signWith(bob, key: bobKey)
        let signed = bob.relflow("policy", "sign")
        #expect(signed.status == 0 && signed.stderr.contains("in force"), "\(signed)")
        try bob.git("push", "-q", "origin", "refs/relflow/policy")
        try grace.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        try Self.forgeSigned(grace, key: graceKey, summary: "approve v0.2.0 by Grace Hopper",
                             json: try Self.approveJSON(grace, tag: "v0.2.0", name: "Grace Hopper", email: "grace@example.com"))
        try refusedPush(team, grace, ["origin", "refs/relflow/ledger"], rule: "ledger-signature")

        // An older policy never comes back: not by a rewind, not by a validly signed commit.
        try ada.git("fetch", "-q", "origin", "+refs/relflow/policy:refs/relflow/policy")
        try refusedPush(team, ada, ["origin", "+refs/relflow/policy~2:refs/relflow/policy"], rule: "policy-non-fast-forward")
        let oldTree = try ada.git("rev-parse", "refs/relflow/policy~2^{tree}")
        let replay = try ada.git(["-c", "gpg.format=ssh", "-c", "user.signingKey=\(adaKey)", "commit-tree", "-S", "-p", "refs/relflow/policy",
                                  "-m", "policy: the good old days", oldTree])
        try refusedPush(team, ada, ["origin", "\(replay):refs/relflow/policy"], rule: "policy-chain")

        // verify in a clone with everything: Grace's old approvals still verify, history shows signers.
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let verify = ada.relflow("verify")
        #expect(verify.status == 0 && verify.stderr.contains("signed under policy version"), "\(verify)")
        let policyVerify = ada.relflow("policy", "verify")
        #expect(policyVerify.status == 0 && policyVerify.stdout.contains("version 4"), "\(policyVerify)")
    }

    /// Where no server hook runs (a forge): the deploy job's `verify --release` is the check.
    @Test func theDeployJobVerifiesAReleaseFromTheSignedRecordsAlone() throws {
        let p = try Project(publisher: false)
        let ada = p.repo
        let adaKey = try Self.keygen(ada.root, "ada")
        try Self.signWith(ada, key: adaKey)
        #expect(ada.relflow("policy", "init").status == 0)
        // Grace's key is ECDSA: verified by ssh-keygen -Y verify rather than in-process.
        let graceKey = try Self.keygen(ada.root, "grace", type: "ecdsa")
        #expect(ada.relflow("policy", "add-person", "--name", "Grace Hopper", "--email", "grace@example.com", "--key", graceKey + ".pub", "--role", "approve").status == 0)
        #expect(ada.relflow("policy", "set-gate", "--approvals", "1", "--auto-path", "timestamp.json").status == 0)
        #expect(ada.relflow("release").status == 0)
        #expect(ada.relflow("init").status == 0)
        try ada.commit("feat: new checkout", files: ["src/app.txt": "v2\n"])
        #expect(ada.relflow("release").status == 0)
        // A promotion written by hand, signed by Ada (who may promote), with no approval.
        let old = try ada.git("rev-parse", "v0.1.0^{commit}"), new = try ada.git("rev-parse", "v0.2.0^{commit}")
        let now = Int(Date().timeIntervalSince1970)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        let json = "{\"actor\":{\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\"},\"commit\":\"\(new)\",\"details\":{\"gate\":\"auto\",\"policy\":\"3\"},"
            + "\"event\":\"promote\",\"previous\":\"\(old)\",\"schema\":1,\"tag\":\"v0.2.0\",\"tagObject\":\"\(try ada.git("rev-parse", "v0.2.0"))\","
            + "\"time\":\"\(f.string(from: Date(timeIntervalSince1970: TimeInterval(now))))\",\"timestamp\":\(now),\"version\":\"0.2.0\"}"
        try Self.forgeSigned(ada, key: adaKey, summary: "promote v0.2.0 (auto)", json: json)
        try ada.git("update-ref", "refs/heads/publish", new)
        var check = ada.relflow("verify", "--release", "v0.2.0")
        #expect(check.status == 1 && check.stderr.contains("[gate]") && check.stderr.contains("0 of 1"), "\(check)")
        // Grace's signed approval makes it provable.
        let graceClone = TestRepo(existing: ada.path, sharing: ada)
        graceClone.identity = (name: "Grace Hopper", email: "grace@example.com")
        try Self.signWith(graceClone, key: graceKey)
        #expect(graceClone.relflow("approve", "v0.2.0").status == 0)
        try Self.signWith(ada, key: adaKey)
        check = ada.relflow("verify", "--release", "v0.2.0")
        #expect(check.status == 0, "\(check)")
        // A repository without a signed policy proves nothing: the check fails.
        let bare = try TestRepo(label: "plain")
        try bare.commit("feat: a")
        try bare.tag("v1.0.0")
        check = bare.relflow("verify", "--release", "v1.0.0")
        #expect(check.status == 1 && check.stderr.contains("no-signed-policy"), "\(check)")
    }

    /// A person whose git signs with OpenPGP: her entries are signed with gpg and verified by
    /// the server and by verify against the key the policy names (skipped where gpg is missing).
    @Test func openPGPKeysSignAndVerifyToo() throws {
        guard which("gpg") != nil else {
            print("SKIPPED openPGPKeysSignAndVerifyToo: gpg is not installed here")
            return
        }
        let team = try Team()
        let ada = team.repo
        let adaKey = try Self.keygen(ada.root, "ada")
        try Self.signWith(ada, key: adaKey)
        #expect(ada.relflow("policy", "init").status == 0)
        // This server trusts the first policy pushed (its administrator said so).
        let tofu = runProcess(RelflowBinary.path, ["hooks", "install", "--server", "-C", team.remote, "--policy-tofu"],
                              cwd: ada.root, environment: ada.environment)
        #expect(tofu.status == 0, "\(tofu)")
        // Even so, a first policy is adopted alone, never with entries that rely on it.
        try ada.commit("feat: rides along", files: ["src/ride.txt": "1\n"])
        try refusedPush(team, ada, ["--atomic", "origin", "main", "refs/relflow/policy"], rule: "policy-root")
        try ada.git("reset", "-q", "--hard", "HEAD~1")
        // Grace's OpenPGP key, made in her own keyring (HOME is the test's own).
        let gnupg = ada.root + "/grace-gnupg"
        try FileManager.default.createDirectory(atPath: gnupg, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var env = ada.environment
        env["GNUPGHOME"] = gnupg
        let gen = runProcess(which("gpg") ?? "/usr/bin/gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Grace Hopper <grace@example.com>", "ed25519", "sign", "never"],
                             environment: env)
        #expect(gen.status == 0, "\(gen)")
        let exported = runProcess(which("gpg") ?? "/usr/bin/gpg", ["--batch", "--armor", "--export", "grace@example.com"], environment: env)
        try exported.stdout.write(toFile: ada.root + "/grace.asc", atomically: true, encoding: .utf8)
        let added = ada.relflow("policy", "add-person", "--name", "Grace Hopper", "--email", "grace@example.com", "--pgp-key", ada.root + "/grace.asc", "--role", "approve")
        #expect(added.status == 0, "\(added)")
        try ada.git("push", "-q", "origin", "refs/relflow/policy")
        // Grace approves from her clone, signing with gpg.
        let grace = try team.clone("grace")
        grace.identity = (name: "Grace Hopper", email: "grace@example.com")
        try grace.git("fetch", "-q", "origin", "refs/relflow/policy:refs/relflow/policy")
        try grace.git("config", "gpg.format", "openpgp")
        try grace.git("config", "user.signingKey", "grace@example.com")
        let approve = grace.relflow("approve", "v0.2.0", env: ["GNUPGHOME": gnupg])
        #expect(approve.status == 0, "\(approve)")
        #expect(try grace.git("cat-file", "-p", "refs/relflow/ledger").contains("BEGIN PGP SIGNATURE"))
        let push = grace.gitResult(["push", "origin", "refs/relflow/ledger"])
        #expect(push.status == 0, "\(push)")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let verify = ada.relflow("verify")
        #expect(verify.status == 0, "\(verify)")
        #expect(ada.relflow("history").stdout.contains("signed by Grace Hopper"))
    }

    /// A release from before the policy proves nobody released it: its tagger's name is
    /// whatever was typed, so it needs one approval more than the policy asks for.
    @Test func aReleaseWithoutASignedReleaserNeedsOneMoreApproval() throws {
        let team = try Team()
        let ada = team.repo
        try ada.commit("feat: quietly", files: ["src/quiet.txt": "1\n"])
        let asGrace = ["GIT_COMMITTER_NAME": "Grace Hopper", "GIT_COMMITTER_EMAIL": "grace@example.com"]
        #expect(ada.relflow("release", env: asGrace).status == 0)
        try ada.git("push", "-q", "--atomic", "origin", "main", "v0.3.0", "refs/relflow/ledger")
        let adaKey = try Self.keygen(ada.root, "ada"), graceKey = try Self.keygen(ada.root, "grace")
        try Self.signWith(ada, key: adaKey)
        #expect(ada.relflow("policy", "init").status == 0)
        #expect(ada.relflow("policy", "add-person", "--name", "Grace Hopper", "--email", "grace@example.com", "--key", graceKey + ".pub", "--role", "approve").status == 0)
        let pin = runProcess(RelflowBinary.path, ["hooks", "install", "--server", "-C", team.remote, "--policy-root", try ada.git("rev-parse", "refs/relflow/policy~1")],
                             cwd: ada.root, environment: ada.environment)
        #expect(pin.status == 0, "\(pin)")
        try ada.git("push", "-q", "origin", "refs/relflow/policy")
        // Ada approves "Grace's" release: her own client lets her, the server does not.
        #expect(ada.relflow("approve", "v0.3.0").status == 0)
        try ada.git("push", "-q", "origin", "refs/relflow/ledger")
        let alone = ada.relflow("promote", "v0.3.0", "--push", "origin", "--no-publish")
        #expect(alone.status != 0 && alone.stderr.contains("[gate]"), "\(alone)")
        // With Grace's signed approval too, two people approved: one of them is not the releaser.
        let grace = try team.clone("grace")
        grace.identity = (name: "Grace Hopper", email: "grace@example.com")
        try grace.git("fetch", "-q", "origin", "refs/relflow/policy:refs/relflow/policy", "+refs/relflow/ledger:refs/relflow/ledger")
        try Self.signWith(grace, key: graceKey)
        let approve = grace.relflow("approve", "v0.3.0", "--push", "origin")
        #expect(approve.status == 0, "\(approve)")
        try ada.git("fetch", "-q", "origin", "+refs/relflow/ledger:refs/relflow/ledger")
        let both = ada.relflow("promote", "v0.3.0", "--push", "origin", "--no-publish")
        #expect(both.status == 0, "\(both)")
    }
}
