import Foundation
import Testing
import TestSupport

/// relflow's real --json output, held to the JSON Schemas users read in docs/schemas.
@Suite("JSON output against docs/schemas")
struct JSONSchemaTests {
    static let python = ProcessInfo.processInfo.environment["RELFLOW_CYCLONEDX_PYTHON"] ?? RelflowBinary.packageRoot + "/.build/venv-test/bin/python"

    func expectValid(_ result: ProcessResult, _ schema: String, each: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let check = runProcess(Self.python, [RelflowBinary.packageRoot + "/Tests/scripts/validate_json.py", schema] + (each ? ["--each"] : []),
                               stdin: Data(result.stdout.utf8))
        #expect(check.status == 0, "\(schema): \(check.stdout)\(check.stderr)\n--- document\n\(result.stdout)", sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: JSONSchemaTests.python)))
    func everyDocumentMatchesItsSchema() throws {
        let p = try Project()
        let repo = p.repo
        expectValid(repo.relflow("lint", "--json", "HEAD"), "lint")
        expectValid(repo.relflow("version", "--json", "--next"), "version-next")
        expectValid(repo.relflow("release", "--json"), "release")
        expectValid(repo.relflow("init", "--json"), "init")
        try repo.commit("fix: stamp 1", files: ["timestamp.json": "{\"t\": 11}\n"])
        expectValid(repo.relflow("release", "--json"), "release")
        expectValid(repo.relflow("gate", "--json"), "gate")
        expectValid(repo.relflow("promote", "--json"), "promote")
        try repo.commit("feat: more", files: ["src/more.txt": "x\n"])
        expectValid(repo.relflow("version", "--json"), "version")
        expectValid(repo.relflow("changelog", "--json"), "changelog")
        expectValid(repo.relflow("notice", "--json"), "notice")
        expectValid(repo.relflow("status", "--json"), "status")
        expectValid(repo.relflow("history", "--json"), "history")
        expectValid(repo.relflow("metrics", "--format", "json"), "metrics")
        expectValid(repo.relflow("verify", "--json"), "verify")
        expectValid(repo.relflow("bom", "--json"), "bom")
        expectValid(repo.relflow("gate", "--json", "v9.9.9"), "error")
        // Every ledger entry as stored (the JSON after each commit's summary line).
        let bodies = try repo.git("log", "--format=%b%x00", "refs/relflow/ledger").split(separator: "\0")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        #expect(bodies.count >= 5)
        expectValid(ProcessResult(status: 0, stdout: "[" + bodies.joined(separator: ",") + "]", stderr: ""), "ledger-entry", each: true)
    }
}
