import Foundation
import Testing
import TestSupport
@testable import RelflowWorkflow

@Suite("commit-msg hook")
struct CommitMsgHookTests {
    func installed() throws -> TestRepo {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        let install = repo.relflow("hooks", "install")
        #expect(install.status == 0, "\(install)")
        return repo
    }

    @Test func realCommitIsRefusedWithTheLintMessage() throws {
        let repo = try installed()
        let before = try repo.git("rev-parse", "HEAD")
        let refused = repo.gitResult(["commit", "--allow-empty", "-m", "added stuff"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("[header-format]") && refused.stderr.contains("commit refused"))
        #expect(try repo.git("rev-parse", "HEAD") == before)
        let accepted = repo.gitResult(["commit", "--allow-empty", "-m", "fix(api): handle empty body"])
        #expect(accepted.status == 0, "\(accepted)")
        #expect(try repo.git("log", "-1", "--format=%s") == "fix(api): handle empty body")
    }

    @Test func editorMessagesWithCommentsAndScissorsPass() throws {
        let repo = try installed()
        // An "editor" that writes a conventional message above git's own comments.
        let editor = repo.root + "/editor.sh"
        try "#!/bin/sh\nprintf 'feat: from the editor\\n\\nbody\\n' | cat - \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        try repo.git("config", "core.editor", "sh " + editor)
        let result = repo.gitResult(["commit", "--allow-empty", "-v"])
        #expect(result.status == 0, "\(result)")
        #expect(try repo.git("log", "-1", "--format=%s") == "feat: from the editor")
    }

    @Test func customCommentCharacterIsHonoured() throws {
        let repo = try installed()
        try repo.git("config", "core.commentChar", ";")
        let editor = repo.root + "/editor.sh"
        try "#!/bin/sh\nprintf 'fix: semicolons\\n; a comment git will strip\\n' > \"$1\"\n"
            .write(toFile: editor, atomically: true, encoding: .utf8)
        try repo.git("config", "core.editor", "sh " + editor)
        let result = repo.gitResult(["commit", "--allow-empty"])
        #expect(result.status == 0, "\(result)")
        #expect(try repo.git("log", "-1", "--format=%B") == "fix: semicolons")
    }

    @Test func linkedWorkTreeOnAHotfixBranch() throws {
        let repo = try installed()
        let tree = repo.root + "/hotfix-tree"
        try repo.git("worktree", "add", "-q", "-b", "hotfix/2.0.1", tree)
        let feat = repo.gitResult(["commit", "--allow-empty", "-m", "feat: not here"], cwd: tree)
        #expect(feat.status != 0 && feat.stderr.contains("on hotfix branch 'hotfix/2.0.1'"), "\(feat)")
        #expect(repo.gitResult(["commit", "--allow-empty", "-m", "fix: here"], cwd: tree).status == 0)
    }

    @Test func hotfixBranchRefusesFeatures() throws {
        let repo = try installed()
        try repo.git("checkout", "-q", "-b", "hotfix/1.0.1")
        let feat = repo.gitResult(["commit", "--allow-empty", "-m", "feat: sneak a feature in"])
        #expect(feat.status != 0 && feat.stderr.contains("on hotfix branch 'hotfix/1.0.1'"))
        #expect(repo.gitResult(["commit", "--allow-empty", "-m", "fix: the real fix"]).status == 0)
    }

    @Test func foreignHookIsChainedAndRestored() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        let hook = repo.path + "/.git/hooks/commit-msg"
        let foreign = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/foreign-ran\"\n"
        try foreign.write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        let install = repo.relflow("hooks", "install")
        #expect(install.status == 0 && install.stderr.contains("kept as"), "\(install)")
        #expect(try String(contentsOfFile: hook + ".relflow-chained", encoding: .utf8) == foreign)
        #expect(repo.gitResult(["commit", "--allow-empty", "-m", "bad"]).status != 0)
        #expect(repo.gitResult(["commit", "--allow-empty", "-m", "fix: good"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/foreign-ran"))
        // Installing again changes nothing; a second foreign hook is refused without --force.
        #expect(repo.relflow("hooks", "install").stderr.contains("already installed"))
        try "#!/bin/sh\nexit 0\n".write(toFile: hook, atomically: true, encoding: .utf8)
        let refused = repo.relflow("hooks", "install")
        #expect(refused.status == 1 && refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: hook, encoding: .utf8) == "#!/bin/sh\nexit 0\n")
        #expect(repo.relflow("hooks", "install", "--force").status == 0)
        let uninstall = repo.relflow("hooks", "uninstall")
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(try String(contentsOfFile: hook, encoding: .utf8) == foreign)
    }

    @Test func respectsCoreHooksPath() throws {
        let repo = try TestRepo()
        try repo.commit("feat: base")
        try repo.git("config", "core.hooksPath", "githooks")
        #expect(repo.relflow("hooks", "install").status == 0)
        #expect(FileManager.default.isExecutableFile(atPath: repo.path + "/githooks/commit-msg"))
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/hooks/commit-msg"))
        #expect(repo.gitResult(["commit", "--allow-empty", "-m", "nope"]).status != 0)
    }

    @Test(arguments: ["commit-msg", "pre-push", "pre-receive", "post-receive"])
    func shippedShimsEqualTheCompiledInOnes(_ name: String) throws {
        let file = try String(contentsOfFile: RelflowBinary.packageRoot + "/hooks/" + name, encoding: .utf8)
        #expect(file == HookShims.text(for: name), "run make templates")
        #expect(FileManager.default.isExecutableFile(atPath: RelflowBinary.packageRoot + "/hooks/" + name))
    }
}

@Suite("Cherry-pick marks")
struct CherryPickMarkTests {
    /// The history reader's quick look for `git cherry-pick -x`'s mark never misses one, at any
    /// place in a message, beside any bytes, and finds none where the parse finds none.
    @Test func quickLookNeverMissesAMark() {
        let mark = "cherry picked from commit "
        let around = ["", "k", "kk", "(", "fix: x\n\n(", "picked ", "cherry picke", "é", "\n", "cherry picked from commi", "kkkkkkkkkk"]
        for before in around {
            for after in around {
                let with = before + mark + after
                #expect(HistoryGraph.Record.mentionsCherryPick(with), "\(with.debugDescription)")
                let broken = before + String(mark.dropLast()) + after
                #expect(HistoryGraph.Record.mentionsCherryPick(broken) == broken.contains(mark), "\(broken.debugDescription)")
            }
        }
        for message in ["", "k", "cherry picked from commit", "cherry pickEd from commit ", "fix: picked\n\nkeeps"] {
            #expect(!HistoryGraph.Record.mentionsCherryPick(message), "\(message.debugDescription)")
        }
    }
}
