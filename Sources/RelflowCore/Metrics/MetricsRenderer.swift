/// `relflow metrics` as Markdown and as one self-contained HTML page with inline SVG charts
/// (no script, nothing loaded from elsewhere).
extension MetricsReport {
    var rows: [(String, Figure)] {
        [("Deployment frequency", deploymentFrequency), ("Lead time for changes", leadTime),
         ("Change failure rate", changeFailureRate), ("Time to restore service", timeToRestore)]
    }

    public func markdown() -> String {
        var out = "# Delivery metrics: \(environment)\n\n\(from) to \(to), by \(period.rawValue)\n\n"
        out += "| measure | value | band | based on |\n|---|---|---|---:|\n"
        let units = ["deployment", "commit", "deployment", "incident"]
        for ((name, figure), unit) in zip(rows, units) {
            out += "| \(name) | \(figure.text) | \(figure.band?.rawValue ?? "—") | \(figure.count) \(unit)\(figure.count == 1 ? "" : "s") |\n"
        }
        out += "\nPending: \(pendingCommits) commit\(pendingCommits == 1 ? "" : "s") not deployed"
            + (oldestPendingSeconds.map { ", the oldest for \(MetricsReport.human($0))" } ?? "") + ".\n"
        out += "\n## By \(period.rawValue)\n\n| \(period.rawValue) of | deployments | failed | commits | lead time (median) | lead time (10th–90th) |\n|---|---:|---:|---:|---|---|\n"
        for p in periods {
            let spread = p.leadTimeP10.flatMap { low in p.leadTimeP90.map { "\(MetricsReport.human(low))–\(MetricsReport.human($0))" } } ?? "—"
            out += "| \(p.start) | \(p.deployments) | \(p.failures) | \(p.commits) | \(p.leadTimeMedian.map(MetricsReport.human) ?? "—") | \(spread) |\n"
        }
        out += "\n## Incidents\n\n"
        if incidents.isEmpty {
            out += "None.\n"
        } else {
            out += "| started | what | release | restored | by | took |\n|---|---|---|---|---|---|\n"
            for i in incidents {
                out += "| \(i.startedAt) | \(i.kind) | \(i.tag ?? "—") | \(i.restoredAt ?? "not yet") | \(i.restoredBy ?? "—") | \(i.seconds.map(MetricsReport.human) ?? "—") |\n"
            }
        }
        return out
    }

    public func html() -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let colors: [DeliveryMetrics.Band: String] = [.elite: "#1a7f37", .high: "#2da44e", .medium: "#bf8700", .low: "#cf222e"]
        var cards = ""
        for ((name, figure), unit) in zip(rows, ["deployment", "commit", "deployment", "incident"]) {
            let color = figure.band.flatMap { colors[$0] } ?? "#57606a"
            cards += """
            <div class="card"><div class="name">\(esc(name))</div><div class="value">\(esc(figure.text))</div>\
            <div><span class="band" style="background:\(color)">\(figure.band?.rawValue ?? "no data")</span> \
            <span class="count">\(figure.count) \(unit)\(figure.count == 1 ? "" : "s")</span></div></div>
            """
        }
        var incidentRows = ""
        for i in incidents {
            incidentRows += "<tr><td>\(esc(i.startedAt))</td><td>\(esc(i.kind))</td><td>\(esc(i.tag ?? "—"))</td><td>\(esc(i.restoredAt ?? "not yet"))</td>"
                + "<td>\(esc(i.restoredBy ?? "—"))</td><td>\(i.seconds.map(MetricsReport.human) ?? "—")</td></tr>\n"
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Delivery metrics: \(esc(environment))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 2em auto; max-width: 980px; padding: 0 1em; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; margin: 1em 0 2em; }
        .card { border: 1px solid #d0d7de; border-radius: 8px; padding: 12px; }
        .name { color: #57606a; font-size: 13px; } .value { font-size: 17px; font-weight: 600; margin: 4px 0 8px; }
        .band { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 12px; } .count { color: #57606a; font-size: 12px; }
        table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left; font-size: 13px; }
        svg text { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #57606a; }
        </style></head><body>
        <h1>Delivery metrics: \(esc(environment))</h1>
        <p>\(esc(from)) to \(esc(to)), by \(period.rawValue). Pending: \(pendingCommits) commit\(pendingCommits == 1 ? "" : "s") not deployed\(oldestPendingSeconds.map { ", the oldest for \(MetricsReport.human($0))" } ?? "").</p>
        <div class="cards">\(cards)</div>
        <h2>Deployments per \(period.rawValue)</h2>
        \(deploymentChart())
        <h2>Lead time for changes per \(period.rawValue)</h2>
        \(leadTimeChart())
        <h2>Incidents</h2>
        \(incidents.isEmpty ? "<p>None.</p>" : "<table id=\"incidents\"><tr><th>started</th><th>what</th><th>release</th><th>restored</th><th>by</th><th>took</th></tr>\n\(incidentRows)</table>")
        </body></html>

        """
    }

    /// Bars: deployments per period, the failed part in red.
    func deploymentChart() -> String {
        let width = 940.0, height = 220.0, left = 36.0, bottom = 28.0, top = 10.0
        let most = max(1, periods.map(\.deployments).max() ?? 1)
        let slot = (width - left) / Double(max(1, periods.count))
        var bars = ""
        for (i, p) in periods.enumerated() {
            let x = left + Double(i) * slot + slot * 0.15, w = slot * 0.7
            let scale = (height - bottom - top) / Double(most)
            let good = Double(p.deployments - p.failures) * scale, bad = Double(p.failures) * scale
            let base = height - bottom
            bars += "<rect class=\"ok\" x=\"\(r(x))\" y=\"\(r(base - good - bad))\" width=\"\(r(w))\" height=\"\(r(good))\" fill=\"#2da44e\"><title>\(p.start): \(p.deployments) deployments</title></rect>"
            if p.failures > 0 {
                bars += "<rect class=\"failed\" x=\"\(r(x))\" y=\"\(r(base - bad))\" width=\"\(r(w))\" height=\"\(r(bad))\" fill=\"#cf222e\"><title>\(p.start): \(p.failures) failed</title></rect>"
            }
            if periods.count <= 26 || i % max(1, periods.count / 13) == 0 {
                bars += "<text x=\"\(r(x + w / 2))\" y=\"\(r(height - 10))\" text-anchor=\"middle\">\(p.start.dropFirst(5))</text>"
            }
        }
        return "<svg id=\"deployments\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"deployments per \(period.rawValue)\">"
            + "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"#d0d7de\"/>"
            + "<text x=\"4\" y=\"\(r(top + 8))\">\(most)</text><text x=\"4\" y=\"\(r(height - bottom))\">0</text>" + bars + "</svg>"
    }

    /// A line: median lead time per period, with the 10th–90th percentile band around it.
    func leadTimeChart() -> String {
        let width = 940.0, height = 220.0, left = 52.0, bottom = 28.0, top = 10.0
        let points = periods.enumerated().compactMap { i, p in p.leadTimeMedian.map { (i, p, $0) } }
        guard !points.isEmpty else { return "<p>No commit was deployed in this window.</p>" }
        let most = Double(max(1, points.map { $0.1.leadTimeP90 ?? $0.2 }.max() ?? 1))
        let slot = (width - left) / Double(max(1, periods.count))
        func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * slot }
        func y(_ v: Int64) -> Double { height - bottom - Double(v) / most * (height - bottom - top) }
        let upper = points.map { "\(r(x($0.0))),\(r(y($0.1.leadTimeP90 ?? $0.2)))" }
        let lower = points.reversed().map { "\(r(x($0.0))),\(r(y($0.1.leadTimeP10 ?? $0.2)))" }
        let line = points.map { "\(r(x($0.0))),\(r(y($0.2)))" }.joined(separator: " ")
        var dots = ""
        for (i, p, v) in points {
            dots += "<circle cx=\"\(r(x(i)))\" cy=\"\(r(y(v)))\" r=\"3\" fill=\"#0969da\"><title>\(p.start): median \(MetricsReport.human(v))</title></circle>"
        }
        return "<svg id=\"leadtime\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"lead time per \(period.rawValue)\">"
            + "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"#d0d7de\"/>"
            + "<text x=\"4\" y=\"\(r(top + 8))\">\(MetricsReport.human(Int64(most)))</text><text x=\"4\" y=\"\(r(height - bottom))\">0</text>"
            + "<polygon class=\"spread\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"#0969da\" fill-opacity=\"0.15\"/>"
            + "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>" + dots + "</svg>"
    }

    func r(_ v: Double) -> String { String(Double(Int((v * 10).rounded())) / 10) }
}
