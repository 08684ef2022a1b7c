import Foundation
import Testing
import TestSupport

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
}
