import Foundation
import RelflowCore
import Testing
import TestSupport

/// Headless Chromium, when installed (make test installs Debian's chromium).
let chromium: String? = which("chromium") ?? which("chromium-browser")
let browserRequired = ProcessInfo.processInfo.environment["RELFLOW_REQUIRE_BROWSER"] == "1"

@Suite("relflow metrics")
struct MetricsTests {
    let day: Int64 = 86_400

    /// Three promotions at known times (the clock is injectable), one failed delivery and a
    /// rollback: every figure checked against times git reports.
    func history() throws -> (Project, t: Int64) {
        let p = try Project()
        let t = Int64(Date().timeIntervalSince1970) + 3_600
        func at(_ offset: Int64) -> [String: String] { ["RELFLOW_NOW": String(t + offset)] }
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("approve", "v0.1.0", env: Project.grace).status == 0)
        #expect(p.repo.relflow(["promote"], env: at(0)).status == 0)
        try p.repo.commit("fix: stamp 1", files: ["timestamp.json": "{\"t\": 1}\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.repo.relflow(["promote"], env: at(2 * day)).status == 0)
        try p.repo.commit("feat: checkout v2", files: ["src/app.txt": "v2\n"])
        #expect(p.relflow("release").status == 0)
        #expect(p.relflow("approve", "v0.2.0", env: Project.grace).status == 0)
        #expect(p.repo.relflow(["promote"], env: at(3 * day).merging(["DEPLOY_EXIT": "3"]) { a, _ in a }).status == 4)
        #expect(p.repo.relflow(["rollback"], env: at(3 * day + 600)).status == 0)
        return (p, t)
    }

    func relflow(_ p: Project, _ args: [String], t: Int64) -> ProcessResult {
        p.repo.relflow(args, env: ["RELFLOW_NOW": String(t + 4 * day)])
    }

    @Test func everyFigureFromAKnownHistory() throws {
        let (p, t) = try history()
        let args = ["metrics", "--format", "json", "--from", isoDate(t - day), "--to", isoDate(t + 4 * day)]
        let r = relflow(p, args, t: t)
        #expect(r.status == 0, "\(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        func figure(_ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }
        // Deployments: v0.1.0 and v0.1.1 delivered, v0.2.0's delivery failed.
        #expect(figure("deploymentFrequency")["count"] as? Int == 2)
        let deployments = try #require(json["deployments"] as? [[String: Any]])
        #expect(deployments.map { $0["tag"] as? String } == ["v0.1.0", "v0.1.1", "v0.2.0"])
        #expect(deployments.map { $0["failed"] as? Bool } == [false, false, true])
        #expect(figure("changeFailureRate")["count"] as? Int == 3)
        #expect(abs((figure("changeFailureRate")["value"] as? Double ?? 0) - 1.0 / 3) < 1e-9)
        // Time to restore: the failed delivery at t+3d, restored by the rollback's delivery.
        let incidents = try #require(json["incidents"] as? [[String: Any]])
        #expect(incidents.count == 1 && incidents[0]["kind"] as? String == "failed delivery" && incidents[0]["seconds"] as? Int == 600, "\(incidents)")
        #expect(figure("timeToRestore")["value"] as? Double == 600 && figure("timeToRestore")["band"] as? String == "elite")
        // Lead time: each commit from its commit time (as git reports it) to its first deployment.
        func times(_ range: String) throws -> [Int64] {
            try p.repo.git("log", "--format=%ct", range).split(separator: "\n").compactMap { Int64($0) }
        }
        let leads = try times("v0.1.0").map { t - $0 } + (try times("v0.1.0..v0.1.1")).map { t + 2 * day - $0 }
        let expected = try #require(DeliveryMetrics.percentiles(leads))
        #expect(figure("leadTime")["count"] as? Int == leads.count)
        #expect(figure("leadTime")["value"] as? Double == Double(expected.median))
        #expect(json["leadTimeP90"] as? Int == Int(expected.p90))
        // v0.2.0 never delivered: its commits are pending, not slow.
        #expect(json["pendingCommits"] as? Int == (try times("v0.1.1..main")).count)

        let md = relflow(p, ["metrics", "--from", isoDate(t - day), "--to", isoDate(t + 4 * day)], t: t).stdout
        #expect(md.contains("| Change failure rate | 33% (1 of 3 deployments) | medium | 3 deployments |"), "\(md)")
        #expect(md.contains("| Time to restore service | median 10m, worst 10m | elite | 1 incident |"), "\(md)")
        #expect(md.contains("| Deployment frequency | 0.33 a day (2.3 a week) | high | 2 deployments |"), "6 days, 2 delivered: \(md)")
        let bad = relflow(p, ["metrics", "--from", "2026-13-01"], t: t)
        #expect(bad.status == 2 && bad.stderr.contains("--from '2026-13-01' is not a date"), "\(bad)")
        let unknown = relflow(p, ["metrics", "--env", "staging"], t: t)
        #expect(unknown.status == 2 && unknown.stderr.contains("'staging' is not an environment"), "\(unknown)")
    }

    /// The page loads in a real browser with no error, and shows both charts and the incidents.
    @Test(.enabled(if: chromium != nil || browserRequired))
    func theHTMLPageRendersInHeadlessChromium() throws {
        let browser = try #require(chromium, "make test installs chromium (apt-get install chromium)")
        let (p, t) = try history()
        let page = p.repo.root + "/metrics.html"
        let r = relflow(p, ["metrics", "--format", "html", "--by", "month", "--since", "30d", "-o", page], t: t)
        #expect(r.status == 0, "\(r)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "self-contained")
        // The DOM after loading, as Chromium built it: the SVG charts are there, with bars.
        let dump = runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(p.repo.root)/chromium",
                                        "--dump-dom", "file://" + page], cwd: p.repo.root)
        #expect(dump.status == 0, "\(dump)")
        #expect(dump.stdout.contains("<svg id=\"deployments\"") && dump.stdout.contains("<svg id=\"leadtime\""), "\(dump.stdout.prefix(500))")
        #expect(dump.stdout.contains("class=\"failed\"") && dump.stdout.contains("<table id=\"incidents\">"))
        // And a screenshot: it renders, at a size a person reads.
        let shot = p.repo.root + "/metrics.png"
        let render = runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(p.repo.root)/chromium",
                                          "--window-size=1100,1400", "--screenshot=\(shot)", "file://" + page], cwd: p.repo.root)
        #expect(render.status == 0, "\(render)")
        let png = (try? Data(contentsOf: URL(fileURLWithPath: shot))) ?? Data()
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a PNG of the page (\(png.count) bytes)")
    }
}
