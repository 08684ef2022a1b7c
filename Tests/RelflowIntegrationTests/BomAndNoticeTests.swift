import Foundation
import Testing
import TestSupport
@testable import RelflowCore

/// Copies the lock-file fixtures (Tests/Fixtures/bom) into a repository, as a project would
/// have them at different depths.
func addFixtures(_ names: [String], to repo: TestRepo, under folder: String = "deps") throws {
    let source = RelflowBinary.packageRoot + "/Tests/Fixtures/bom/"
    for name in names {
        let dir = source + name
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file != ".gitignore" {
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            try repo.write("\(folder)/\(name)/\(file)", text)
            try repo.git("add", "-f", "\(folder)/\(name)/\(file)")
        }
    }
}

@Suite("relflow bom and relflow notice")
struct BomAndNoticeTests {
    static let all = ["swift-v1", "swift-v2", "swift-v3", "npm-v2", "npm-v3", "pnpm-v6", "pnpm-v9", "yarn-classic", "yarn-berry",
                      "cargo", "go", "pip", "poetry", "gem"]

    func components(_ result: ProcessResult) throws -> Set<String> {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        let list = try #require(json["components"] as? [[String: Any]])
        return Set(list.map { "\($0["purl"] as? String ?? "?") \($0["source"] as? String ?? "?")" })
    }

    @Test func everyFormatGivesItsExactComponents() throws {
        let repo = try TestRepo()
        try addFixtures(Self.all, to: repo)
        try repo.git("commit", "-qm", "build: lock files")
        let result = repo.relflow("bom", "--json")
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
        let expected: Set<String> = [
            "pkg:swift/github.com/apple/swift-argument-parser@1.2.0 deps/swift-v1/Package.resolved",
            "pkg:swift/github.com/jpsim/yams@5.0.1 deps/swift-v1/Package.resolved",
            "pkg:swift/github.com/apple/swift-nio@2.54.0 deps/swift-v2/Package.resolved",
            "pkg:swift/github.com/apple/swift-log@1.5.2 deps/swift-v2/Package.resolved",
            "pkg:swift/github.com/LebJe/tomlkit@0.6.0 deps/swift-v3/Package.resolved",
            "pkg:swift/github.com/hummingbird-project/swift-mustache@2.1.1 deps/swift-v3/Package.resolved",
            "pkg:npm/lodash@4.17.21 deps/npm-v2/package-lock.json",
            "pkg:npm/%40babel/core@7.22.5 deps/npm-v2/package-lock.json",
            "pkg:npm/semver@6.3.0 deps/npm-v2/package-lock.json",
            "pkg:npm/express@4.18.2 deps/npm-v3/package-lock.json",
            "pkg:npm/js-tokens@4.0.0 deps/pnpm-v6/pnpm-lock.yaml",
            "pkg:npm/%40babel/runtime@7.23.2 deps/pnpm-v6/pnpm-lock.yaml",
            "pkg:npm/react@18.2.0 deps/pnpm-v6/pnpm-lock.yaml",
            "pkg:npm/styled-jsx@5.1.1 deps/pnpm-v6/pnpm-lock.yaml",
            "pkg:npm/%40types/node@20.11.5 deps/pnpm-v9/pnpm-lock.yaml",
            "pkg:npm/lodash@4.17.21 deps/pnpm-v9/pnpm-lock.yaml",
            "pkg:npm/%40babel/code-frame@7.22.13 deps/yarn-classic/yarn.lock",
            "pkg:npm/lodash@4.17.21 deps/yarn-classic/yarn.lock",
            "pkg:npm/left-pad@1.3.0 deps/yarn-berry/yarn.lock",
            "pkg:npm/%40scope/thing@2.0.1 deps/yarn-berry/yarn.lock",
            "pkg:cargo/serde@1.0.164 deps/cargo/Cargo.lock",
            "pkg:cargo/tokio@1.28.2 deps/cargo/Cargo.lock",
            "pkg:golang/github.com/gorilla/mux@v1.8.0 deps/go/go.mod",
            "pkg:golang/github.com/stretchr/testify@v1.8.4 deps/go/go.mod",
            "pkg:golang/golang.org/x/net@v0.12.0 deps/go/go.mod",
            "pkg:pypi/django@4.2.3 deps/pip/requirements-prod.txt",
            "pkg:pypi/requests@2.31.0 deps/pip/requirements-prod.txt",
            "pkg:pypi/typing-extensions@4.7.1 deps/pip/requirements-prod.txt",
            "pkg:pypi/certifi@2023.5.7 deps/poetry/poetry.lock",
            "pkg:pypi/pydantic@1.10.9 deps/poetry/poetry.lock",
            "pkg:gem/nokogiri@1.15.2 deps/gem/Gemfile.lock",
            "pkg:gem/racc@1.7.1 deps/gem/Gemfile.lock",
            "pkg:gem/rails@7.0.5 deps/gem/Gemfile.lock",
        ]
        #expect(try components(result) == expected)
        // Read from the object database: a bare clone gives the same.
        let bare = repo.root + "/server.git"
        try repo.git("clone", "-q", "--bare", repo.path, bare)
        let fromBare = runProcess(RelflowBinary.path, ["-C", bare, "bom", "--json"], cwd: repo.root, environment: repo.environment)
        #expect(try components(fromBare) == expected)
    }

    @Test func malformedLockFilesWarnAndTheRestComesOut() throws {
        let repo = try TestRepo()
        try addFixtures(["cargo"], to: repo)
        try addFixtures(["swift", "npm", "cargo", "go", "pip", "poetry", "gem"].map { "malformed/" + $0 }, to: repo)
        try repo.git("commit", "-qm", "build: lock files")
        let result = repo.relflow("bom", "--json")
        #expect(result.status == 0, "\(result)")
        for file in ["malformed/swift/Package.resolved", "malformed/npm/package-lock.json", "malformed/cargo/Cargo.lock",
                     "malformed/go/go.mod", "malformed/pip/requirements.txt", "malformed/poetry/poetry.lock", "malformed/gem/Gemfile.lock"] {
            #expect(result.stderr.contains("relflow: warning: deps/\(file): "), "\(file): \(result.stderr)")
        }
        #expect(try components(result) == ["pkg:cargo/serde@1.0.164 deps/cargo/Cargo.lock", "pkg:cargo/tokio@1.28.2 deps/cargo/Cargo.lock"])
    }

    @Test func cycloneDXValidatesAgainstTheOfficialSchema() throws {
        let python = ProcessInfo.processInfo.environment["RELFLOW_CYCLONEDX_PYTHON"] ?? RelflowBinary.packageRoot + "/.build/venv-test/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "the validator venv is missing: run make test")
        let repo = try TestRepo()
        var files: [String] = []
        for fixture in Self.all {
            try addFixtures([fixture], to: repo, under: fixture)
        }
        try repo.git("commit", "-qm", "build: lock files")
        for fixture in Self.all + ["all"] {
            let out = repo.root + "/\(fixture).cdx.json"
            let args = ["bom", "--format", "cyclonedx", "-o", out]
            #expect(repo.relflow(args).status == 0)
            files.append(out)
            if fixture != "all" {
                // One document per fixture too: a tree holding only that lock file.
                let single = try TestRepo(label: "single")
                try addFixtures([fixture], to: single)
                try single.git("commit", "-qm", "build: \(fixture)")
                let path = repo.root + "/\(fixture)-alone.cdx.json"
                #expect(single.relflow("bom", "--format", "cyclonedx", "-o", path).status == 0)
                files.append(path)
            }
        }
        let validation = runProcess(python, [RelflowBinary.packageRoot + "/Tests/scripts/validate_cyclonedx.py"] + files)
        #expect(validation.status == 0, "\(validation)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files.last!))) as? [String: Any])
        #expect(doc["specVersion"] as? String == "1.5" && doc["bomFormat"] as? String == "CycloneDX")
    }

    /// Licenses the lock file records reach the JSON and CycloneDX (an SPDX id, an expression,
    /// or a name); a lock file relflow recognises but does not read is named, never skipped.
    @Test func licensesAndUnreadManifests() throws {
        let repo = try TestRepo()
        try addFixtures(["npm-v3"], to: repo)
        try repo.write("php/composer.lock", "{}\n")
        try repo.git("add", "-A")
        try repo.git("commit", "-qm", "build: lock files")
        let json = repo.relflow("bom", "--json")
        #expect(json.status == 0 && json.stdout.contains("\"license\" : \"MIT\""), "\(json)")
        #expect(json.stderr.contains("php/composer.lock") && json.stderr.contains("a Composer lock file, which relflow does not read"), "\(json)")
        let cdx = repo.relflow("bom", "--format", "cyclonedx")
        #expect(cdx.stdout.contains("\"id\" : \"MIT\""), "\(cdx.stdout)")
        #expect(CycloneDXProbe.choice("(MIT OR Apache-2.0)") == "expression" && CycloneDXProbe.choice("SEE LICENSE IN LICENSE.md") == "name")
    }

    @Test func diffListsAddedRemovedUpgradedAndDowngraded() throws {
        let repo = try TestRepo()
        try repo.commit("build: deps", files: ["requirements.txt": "django==4.2.3\nflask==2.3.0\nsix==1.16.0\n"])
        try repo.tag("v1.0.0")
        try repo.commit("build: bump", files: ["requirements.txt": "django==4.2.4\nflask==2.2.0\nrequests==2.31.0\n"])
        let result = repo.relflow("bom", "--diff", "v1.0.0..HEAD", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        func names(_ key: String) -> [String] { (json[key] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? [] }
        #expect(names("added") == ["requests"] && names("removed") == ["six"])
        #expect(names("upgraded") == ["django"] && names("downgraded") == ["flask"])
        #expect(repo.relflow("bom", "--diff", "v1.0.0..HEAD").stdout.contains("- django 4.2.3 → 4.2.4 (pypi, upgraded)"))
    }

    /// A notice on a real release flow: a breaking change with its note, a dependency upgrade,
    /// a message that must come out escaped in HTML and intact in Markdown.
    @Test func noticeTellsWhatShipsAndWhen() throws {
        let p = try Project(publisher: false, extraConfig: "[notice]\nearly_access = \"Try it on https://staging.example.com\"")
        try p.repo.commit("build: deps", files: ["requirements.txt": "django==4.2.3\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        #expect(p.relflow("deliver", "--status", "success").status == 0)
        try p.repo.commit("feat(api)!: paginate orders\n\nBREAKING CHANGE: GET /orders returns 50 per page; follow the next link.",
                          files: ["src/api.txt": "paged\n"])
        try p.repo.commit("build(deps): django 4.2.4", files: ["requirements.txt": "django==4.2.4\n"])
        try p.repo.commit("fix: escape <img src=x onerror=alert(1)> in titles", files: ["src/app.txt": "v2\n"])
        var r = p.relflow("notice", "--json")
        #expect(r.status == 0, "\(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["production"] as? [String: Any])?["tag"] as? String == "v0.1.0")
        #expect((json["production"] as? [String: Any])?["deliveredAt"] is String)
        #expect((json["upcoming"] as? [String: Any])?["version"] as? String == "0.2.0")
        #expect((json["upcoming"] as? [String: Any])?["commits"] as? Int == 3)
        let gate = try #require(json["gate"] as? [String: Any])
        #expect(gate["kind"] as? String == "review" && gate["pathsOutsideAutoSet"] as? [String] == ["requirements.txt", "src/api.txt", "src/app.txt"])
        #expect(((json["expected"] as? [String: Any])?["text"] as? String)?.hasPrefix("on approval (0 of 1 approval") == true)
        let breaking = try #require((json["breaking"] as? [[String: Any]])?.first)
        #expect(breaking["breakingNotes"] as? [String] == ["GET /orders returns 50 per page; follow the next link."])
        #expect(((json["dependencies"] as? [String: Any])?["upgraded"] as? [[String: Any]])?.first?["name"] as? String == "django")
        #expect(json["earlyAccess"] as? String == "Try it on https://staging.example.com")
        r = p.relflow("notice", "--date", "2030-01-15")
        #expect(r.stdout.contains("# shop: 0.2.0 is about to ship") || r.stdout.contains(": 0.2.0 is about to ship"), "\(r)")
        #expect(r.stdout.contains("- **Expected:** 2030-01-15"))
        #expect(r.stdout.contains("## ⚠ Breaking changes\n\n- **api:** paginate orders\n  GET /orders returns 50 per page; follow the next link."))
        #expect(r.stdout.contains("- django 4.2.3 → 4.2.4 (pypi, upgraded)"))
        #expect(r.stdout.contains("escape <img src=x onerror=alert(1)> in titles"))
        let html = p.relflow("notice", "--format", "html")
        #expect(html.stdout.contains("escape &lt;img src=x onerror=alert(1)&gt; in titles") && !html.stdout.contains("<img"), "\(html)")
        // The release notes carry the dependency changes too.
        #expect(p.relflow("release").status == 0)
        #expect(try p.repo.git("tag", "-l", "--format=%(contents)", "v0.2.0").contains("### Dependencies\n\n- django 4.2.3 → 4.2.4 (pypi, upgraded)"))
    }

    @Test func aTimestampOnlyChangeIsAnnouncedAsAuto() throws {
        let p = try Project(publisher: false)
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("init").status == 0)
        try p.repo.commit("fix: new timestamp", files: ["timestamp.json": "{\"t\": 42}\n"])
        let r = p.relflow("notice", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
        #expect((json["gate"] as? [String: Any])?["kind"] as? String == "auto")
        #expect(((json["expected"] as? [String: Any])?["text"] as? String)?.contains("at once") == true)
        #expect((json["upcoming"] as? [String: Any])?["version"] as? String == "0.1.1")
    }
}

/// How CycloneDX output names a license.
enum CycloneDXProbe {
    static func choice(_ text: String) -> String {
        let choice = CycloneDX.licenseChoice(text)
        if choice["expression"] != nil { return "expression" }
        return ((choice["license"] as? [String: Any])?["id"] != nil) ? "id" : "name"
    }
}
