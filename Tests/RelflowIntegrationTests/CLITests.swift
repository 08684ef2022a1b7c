import Foundation
import Testing
import TestSupport

/// The command line as people and scripts meet it.
@Suite("the command line")
struct CLITests {
    @Test func aMistypedCommandOrOptionGetsASuggestion() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        for (typed, meant) in [("chnagelog", "changelog"), ("versoin", "version"), ("promot", "promote")] {
            let r = repo.relflow(typed, "--next")
            #expect(r.status == 2 && r.stderr.contains("'\(typed)' is not a relflow command") && r.stderr.contains("did you mean '\(meant)'?"), "\(r)")
        }
        for (command, typed, meant) in [("version", "--nxt", "--next"), ("changelog", "--formt", "--format"), ("promote", "--no-publsh", "--no-publish")] {
            let r = repo.relflow(command, typed)
            #expect(r.status == 2 && r.stderr.contains("Unknown option '\(typed)'. Did you mean '\(meant)'?"), "\(r)")
        }
        #expect(repo.relflow("--version").stdout == "0.1.0\n")
        let help = repo.relflow("release", "--help").stdout
        #expect(help.components(separatedBy: "--version <version>").count == 3, "usage line and option, once: \(help)")
        #expect(!help.contains("Show the version"))
        #expect(repo.relflow("rollback", "--help").stdout.contains("The release to go back to"))
        #expect(repo.relflow("promote", "--help").stdout.contains("The release to put in production"))
    }

    /// Under --json an error is one JSON document on stdout (and the text on stderr).
    @Test func jsonErrorsAreDocuments() throws {
        let repo = try TestRepo()
        try repo.commit("feat: a", files: ["a": "1"])
        for args in [["--json", "gate", "v9.9.9"], ["gate", "--json", "v9.9.9"]] {
            let r = repo.relflow(args)
            #expect(r.status == 3 && r.stderr.contains("relflow: error:"), "\(r)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let error = try #require(json["error"] as? [String: Any])
            #expect(error["exitCode"] as? Int == 3 && (error["message"] as? String)?.contains("v9.9.9") == true && error["hint"] is String)
        }
    }

    /// A custom Markdown template prints commit text as written, not HTML-escaped.
    @Test func customMarkdownTemplatesAreNotHTMLEscaped() throws {
        let repo = try TestRepo()
        try repo.commit("feat: support <T> & \"quotes\"", files: ["a": "1"])
        try repo.write("my.md", "{{#releases}}{{#groups}}{{#commits}}- {{description}}\n{{/commits}}{{/groups}}{{/releases}}")
        let r = repo.relflow("changelog", "--template", "my.md")
        #expect(r.status == 0 && r.stdout.contains("- support <T> & \"quotes\""), "\(r)")
    }

    /// A command that printed its document and then failed (the publisher) prints no second one.
    @Test func oneJSONDocumentPerRun() throws {
        let p = try Project.released(after: "fix: stamp 1", files: ["timestamp.json": "{\"t\": 11}\n"])
        let r = p.relflow("promote", "--json", env: ["DEPLOY_EXIT": "3"])
        #expect(r.status == 4, "\(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(json["tag"] as? String == "v0.1.1" && json["error"] == nil)
    }

    /// The CI templates users copy: valid for GitHub Actions and GitLab CI (check-jsonschema's
    /// built-in schemas), and no finding in zizmor's offline audit of the GitHub workflow.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: JSONSchemaTests.python)))
    func theCITemplatesPassTheirSchemasAndZizmor() throws {
        let bin = URL(fileURLWithPath: JSONSchemaTests.python).deletingLastPathComponent().path
        let root = RelflowBinary.packageRoot
        for (file, schema) in [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")] {
            let r = runProcess(bin + "/check-jsonschema", ["--builtin-schema", schema, root + "/templates/ci/" + file])
            #expect(r.status == 0, "\(file): \(r)")
        }
        let audit = runProcess(bin + "/zizmor", ["--offline", "--no-progress", root + "/templates/ci/github-actions.yml"])
        #expect(audit.status == 0 && (audit.stdout + audit.stderr).contains("No findings"), "\(audit)")
        for file in ["github-actions.yml", "gitlab-ci.yml"] {
            let text = try String(contentsOfFile: root + "/templates/ci/" + file, encoding: .utf8)
            #expect(!text.contains("|| true"), "\(file) hides a failing fetch")
        }
    }

    /// Help paragraphs wrap by themselves at the terminal's width: no line ends early in the
    /// middle of a paragraph (hard-wrapped source text came out ragged).
    @Test func helpTextWrapsByItself() throws {
        let repo = try TestRepo()
        for command in [[], ["release"], ["promote"], ["hooks", "install"], ["hotfix"], ["lint"], ["bom"], ["changelog"],
                        ["notice"], ["version"], ["policy"], ["hook"]] {
            let help = repo.relflow(command + ["--help"]).stdout
            let prose = help.components(separatedBy: "USAGE:").first ?? ""
            for paragraph in prose.components(separatedBy: "\n\n") {
                let lines = paragraph.split(separator: "\n").map(String.init)
                for line in lines.dropLast() where !line.hasPrefix(" ") {
                    #expect(line.count >= 50, "\(command): a ragged line '\(line)' in\n\(paragraph)")
                }
            }
        }
    }
}
