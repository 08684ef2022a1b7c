import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Inputs that must give a clear error or a sane result, never a crash.
@Suite("nasty inputs")
struct NastyInputTests {
    @Test func oddTagNames() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.2.3+build.7")
        try repo.tag("v1.2")
        try repo.tag("vNext", annotated: false)
        try repo.tag("release/v9.0.0")
        try repo.tag("v2.0.0-ünïcode", annotated: false)
        try repo.git("tag", "v8.0.0", "HEAD^{tree}")          // a tag of a tree
        let blob = try repo.git("rev-parse", "HEAD:a")
        try repo.git("tag", "v7.0.0", blob)                     // a tag of a blob
        try repo.commit("fix: b", files: ["a": "2"])
        let version = repo.relflow("version", "--verbose")
        #expect(version.status == 0 && version.stdout == "1.2.3+build.7\n", "\(version)")
        #expect(version.stderr.contains("tag 'v8.0.0' does not name a commit: ignored"))
        #expect(version.stderr.contains("tag 'vNext' is not v<semver>: ignored"))
        #expect(repo.relflow("version", "--next").stdout == "1.2.4\n")
        let changelog = repo.relflow("changelog", "--json")
        #expect(changelog.status == 0, "\(changelog)")
        #expect(changelog.stdout.contains("\"tag\" : \"v1.2.3+build.7\""))
    }

    @Test func aCorruptObjectIsAClearRepositoryError() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        let victim = try repo.commit("fix: b", files: ["b": "1"])
        try repo.commit("fix: c", files: ["c": "1"])
        let path = repo.path + "/.git/objects/" + victim.prefix(2) + "/" + victim.dropFirst(2)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try Data("this is not zlib".utf8).write(to: URL(fileURLWithPath: path))
        for args in [["changelog"], ["version", "--next"], ["lint", "v1.0.0..HEAD"]] {
            let r = repo.relflow(args)
            #expect(r.status == 3, "\(args): \(r)")
            #expect(r.stderr.contains("relflow: error:") && r.stderr.contains("hint:"), "\(args): \(r.stderr)")
        }
    }

    @Test func mergeOnlyHistoryAndEmptyRepository() throws {
        let empty = try TestRepo()
        let none = empty.relflow("changelog")
        #expect(none.status == 3 && none.stderr.contains("has no commits yet"), "\(none)")
        let repo = try TestRepo()
        try repo.commit("Initial import", files: ["a": "1"])
        for i in 0..<3 {
            try repo.git("checkout", "-q", "-b", "b\(i)", "main")
            try repo.commit("work \(i)", files: ["f\(i)": "x"])
            try repo.git("checkout", "-q", "main")
            try repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'b\(i)'", "b\(i)")
        }
        let r = repo.relflow("changelog", "--json")
        #expect(r.status == 0, "\(r)")
        #expect(repo.relflow("version", "--next").stderr.contains("nothing to release"))
    }

    @Test func aReleaseOnADetachedHeadIsRefusedClearly() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.git("checkout", "-q", "--detach")
        let r = repo.relflow("release")
        #expect(r.status == 1 && r.stderr.contains("HEAD is detached"), "\(r)")
    }

    /// libgit2 1.5 loops forever on a truncated loose object; relflow's guard turns that into
    /// a repository error naming the object, well within the timeout.
    @Test func aTruncatedLooseObjectIsAnErrorNotAHang() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        let victim = try repo.commit("fix: b", files: ["b": String(repeating: "b", count: 4000)])
        let path = repo.path + "/.git/objects/" + victim.prefix(2) + "/" + victim.dropFirst(2)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        for args in [["version"], ["version", "--next"], ["lint", "HEAD~1..HEAD"], ["changelog"], ["status"]] {
            let r = runProcess("/usr/bin/timeout", ["60", RelflowBinary.path] + args, cwd: repo.path, environment: repo.environment)
            #expect(r.status == 3, "\(args): \(r)")
            #expect(r.stderr.contains("truncated object") && r.stderr.contains("git fsck"), "\(args): \(r.stderr)")
        }
    }

    /// Versions at the largest number a version holds, and durations past any calendar:
    /// clear errors, never an arithmetic trap.
    @Test func numbersAtTheirLimitsAreClearErrors() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v18446744073709551615.0.0")
        try repo.commit("feat!: b", files: ["a": "2"])
        #expect(repo.relflow("status").status == 0)
        for args in [["version", "--next"], ["notice"], ["release", "--dry-run"], ["version", "--next", "--pre", "rc"]] {
            let r = repo.relflow(args)
            #expect(r.status == 3 && r.stderr.contains("largest a version can hold"), "\(args): \(r)")
        }
        let rc = try TestRepo()
        try rc.commit("feat: a", files: ["a": "1"])
        try rc.tag("v1.0.0-rc.18446744073709551615")
        try rc.commit("fix: b", files: ["a": "2"])
        let pre = rc.relflow("version", "--next", "--pre", "rc")
        #expect(pre.status == 3 && pre.stderr.contains("no next pre-release"), "\(pre)")
        try rc.write(".relflow.toml", "[gate]\ndelay = \"9223372036854775807s\"\n")
        let notice = rc.relflow("notice")
        #expect(notice.status == 2 && notice.stderr.contains("at most 100 years"), "\(notice)")
    }

    /// `-o` and `--prepend` write through a symbolic link to its target, and into a FIFO
    /// plainly; they never replace what is not a regular file.
    @Test func outputFilesGoThroughLinksAndIntoFIFOs() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        try repo.tag("v1.0.0")
        try repo.commit("fix: b", files: ["a": "2"])
        let docs = repo.root + "/docs"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        try "# Changelog\n".write(toFile: docs + "/CHANGES.md", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: docs + "/CHANGES.md")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/CHANGELOG.md", withDestinationPath: "../docs/CHANGES.md")
        let out = repo.relflow("changelog", "-o", "CHANGELOG.md")
        #expect(out.status == 0, "\(out)")
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: repo.path + "/CHANGELOG.md")
        #expect(link == "../docs/CHANGES.md")
        let written = try String(contentsOfFile: docs + "/CHANGES.md", encoding: .utf8)
        #expect(written.contains("1.0.0"), "\(written)")
        let mode = try FileManager.default.attributesOfItem(atPath: docs + "/CHANGES.md")[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let prepend = repo.relflow("changelog", "--unreleased", "--prepend", "CHANGELOG.md")
        #expect(prepend.status == 0, "\(prepend)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: repo.path + "/CHANGELOG.md") == "../docs/CHANGES.md")
        #expect(try String(contentsOfFile: docs + "/CHANGES.md", encoding: .utf8).contains("1.0.0"))
        for args in [["changelog", "-o"], ["notice", "-o"]] {
            let fifo = repo.root + "/pipe-\(args[0])"
            #expect(mkfifo(fifo, 0o600) == 0)
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: "/bin/sh")
            reader.arguments = ["-c", "cat \"$0\" > \"$0.out\"", fifo]
            try reader.run()
            let r = runProcess("/usr/bin/timeout", ["60", RelflowBinary.path] + args + [fifo], cwd: repo.path, environment: repo.environment)
            reader.waitUntilExit()
            #expect(r.status == 0, "\(args): \(r)")
            var st = stat()
            #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "\(args): the FIFO was replaced")
            let got = (try? String(contentsOfFile: fifo + ".out", encoding: .utf8)) ?? ""
            #expect(got.contains(args[0] == "notice" ? "about to ship" : "1.0.0"), "\(args): \(got)")
        }
    }

    /// Errors say what is true, with the exit code of their kind (issue 12, rows 5, 13, 14,
    /// 16, 17, 19, 20).
    @Test func errorsSayWhatIsTrue() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        #expect(repo.relflow("init").status == 0)
        try repo.git("add", "-A")
        try repo.commit("chore: init")
        try repo.commit("feat: b", files: ["b": "1"])
        // Row 5: pre-release identifiers that are not SemVer are refused before anything is written.
        for pre in ["a/b", ""] {
            let r = repo.relflow("release", "--pre", pre)
            #expect(r.status == 2 && r.stderr.contains("is not a pre-release identifier"), "\(pre): \(r)")
        }
        #expect(try repo.git("tag", "--list") == "")
        // Row 13: a tag of a tree, no such tag, a tag whose object is missing.
        try repo.git("tag", "v5.1.0", "HEAD^{tree}")
        for command in ["gate", "approve", "promote"] {
            let r = repo.relflow(command, "v5.1.0")
            #expect(r.status == 3 && r.stderr.contains("names a tree, not a commit"), "\(command): \(r)")
        }
        let none = repo.relflow("gate", "v9.9.9")
        #expect(none.status == 3 && none.stderr.contains("there is no tag 'v9.9.9'"), "\(none)")
        try "1234567890123456789012345678901234567890\n".write(toFile: repo.path + "/.git/refs/tags/v6.0.0", atomically: true, encoding: .utf8)
        let missing = repo.relflow("gate", "v6.0.0")
        #expect(missing.status == 3 && missing.stderr.contains("missing from this repository"), "\(missing)")
        // Row 19: hotfix start names the same errors with the same exit code.
        let hotfix = repo.relflow("hotfix", "start", "nope")
        #expect(hotfix.status == 3 && hotfix.stderr.contains("there is no tag 'nope'"), "\(hotfix)")
        // Row 20: a range with two '..', an absolute template path.
        let range = repo.relflow("lint", "a..b..c")
        #expect(range.status == 2 && range.stderr.contains("is not a range"), "\(range)")
        let template = repo.root + "/my-template.md"
        try "{{#releases}}custom {{version}}\n{{/releases}}".write(toFile: template, atomically: true, encoding: .utf8)
        try repo.write(".relflow.toml", "[changelog]\ntemplate = \"\(template)\"\n")
        let custom = repo.relflow("changelog")
        #expect(custom.status == 0 && custom.stdout.contains("custom"), "\(custom)")
        try repo.git("checkout", "--", ".relflow.toml")
        // Row 16: publish at a commit no release tag names.
        try repo.git("branch", "-f", "publish", "HEAD~1")
        let status = repo.relflow("status")
        #expect(status.stdout.contains("a commit no release tag names"), "\(status)")
        // Row 17: configuration git would refuse, refused when read.
        try repo.write(".relflow.toml", "[branches]\nmain = \"a..b\"\n")
        let branch = repo.relflow("status")
        #expect(branch.status == 2 && branch.stderr.contains("is not a valid branch name"), "\(branch)")
        try repo.git("checkout", "--", ".relflow.toml")
        // Row 14: HEAD's tree missing is a repository error, not "uncommitted changes".
        let tree = try repo.git("rev-parse", "HEAD^{tree}")
        try FileManager.default.removeItem(atPath: repo.path + "/.git/objects/" + tree.prefix(2) + "/" + tree.dropFirst(2))
        let release = repo.relflow("release", "--dry-run")
        #expect(release.status == 3 && release.stderr.contains("the tree of HEAD") && !release.stderr.contains("uncommitted"), "\(release)")
    }

    /// A message of 60,000 footer lines after a malformed header: linear work (it took
    /// minutes when the parser was quadratic; the bound here is only a guard against a hang).
    @Test func aHugeMessageIsLintedInLinearTime() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        let lines = ["feat x: malformed header", " continuation"] + (0..<60_000).map { "Refs #\($0)" }
        let message = Data((lines.joined(separator: "\n") + "\n").utf8)
        let r = runProcess("/usr/bin/timeout", ["30", RelflowBinary.path, "lint", "-"], cwd: repo.path, environment: repo.environment, stdin: message)
        #expect(r.status == 1 && r.stderr.contains("header-format"), "\(r.status) \(r.stderr.prefix(500))")
    }

    /// Row 6: a ledger ref that names a blob stops a release before anything is written, and
    /// verify names invariant 5. Row 15: a commit whose date git cannot parse is read the way
    /// git log shows it, instead of "unknown revision 'HEAD'".
    @Test func aBrokenLedgerStopsAReleaseBeforeItWrites() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        let blob = try repo.git(["hash-object", "-w", "--stdin"], stdin: Data("not a ledger\n".utf8))
        try repo.git("update-ref", "refs/relflow/ledger", blob)
        let head = try repo.git("rev-parse", "HEAD")
        for args in [["release", "--dry-run"], ["release"]] {
            let r = repo.relflow(args)
            #expect(r.status == 3 && r.stderr.contains("refs/relflow/ledger points at"), "\(args): \(r)")
        }
        #expect(try repo.git("rev-parse", "HEAD") == head)
        #expect(try repo.git("tag", "--list").isEmpty)
        let verify = repo.relflow("verify")
        #expect(verify.status == 1 && verify.stderr.contains("invariant 5 [ledger-unreadable]"), "\(verify)")

        let odd = try TestRepo()
        try odd.commit("feat: a", files: ["a": "1"])
        let tree = try odd.git("rev-parse", "HEAD^{tree}")
        let parent = try odd.git("rev-parse", "HEAD")
        let object = "tree \(tree)\nparent \(parent)\nauthor A <a@x> not-a-date\ncommitter A <a@x> 1700000000 +0000\n\nfix: odd date\n"
        let id = try odd.git(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], stdin: Data(object.utf8))
        try odd.git("update-ref", "refs/heads/main", id)
        for args in [["version", "--next"], ["changelog", "--unreleased"], ["lint", "HEAD~1..HEAD"], ["status"]] {
            let r = odd.relflow(args)
            #expect(r.status == 0 && !r.stderr.contains("unknown revision"), "\(args): \(r)")
        }
    }
}
