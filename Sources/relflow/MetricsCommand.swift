import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        _superCommandName: "relflow",
        abstract: "The four delivery measures (DORA) of an environment, from the ledger: frequency, lead time, failure rate, time to restore.",
        discussion: """
        Each figure comes with its performance band and the number of events it rests on. \
        --format html writes one self-contained page with charts (inline SVG, no script).
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, html }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: ArgumentHelp("The window: this long up to now (default 90d).", valueName: "duration"))
    var since: String?
    @Option(help: ArgumentHelp("The window's first day (YYYY-MM-DD, UTC).", valueName: "date"))
    var from: String?
    @Option(help: ArgumentHelp("The window's last day (YYYY-MM-DD, UTC; default: today).", valueName: "date"))
    var to: String?
    @Option(help: ArgumentHelp("Figures per week or per month.", valueName: "period"))
    var by: DeliveryMetrics.Period = .week
    @Option(help: ArgumentHelp("md, json or html.", valueName: "format"))
    var format: Format = .md
    @OptionGroup var file: OutputFileOption

    func validate() throws {
        if since != nil && from != nil { throw ValidationError("--since and --from both set the window's start: give one") }
    }

    func run() throws {
        let context = try global.context()
        let now = Clock.now()
        func day(_ text: String, _ option: String) throws(RelflowError) -> Int64 {
            guard let (y, m, d) = isoDateValue(text) else {
                throw .usage("\(option) '\(text)' is not a date", hint: "write it as YYYY-MM-DD, e.g. 2026-09-01")
            }
            return dayStart(year: y, month: m, day: d)
        }
        let end = try to.map { (t: String) throws(RelflowError) in try day(t, "--to") + 86_400 } ?? now + 1
        let start: Int64
        if let from {
            start = try day(from, "--from")
        } else {
            let text = since ?? "90d"
            guard let window = ConfigDuration(text) else {
                throw RelflowError(.usage, "--since '\(text)' is not a duration", hint: "write e.g. 90d, 12w or 30d")
            }
            start = end - window.seconds
        }
        let report = try MetricsService(context: context).report(environment: environment.env, from: start, to: end, period: by)
        let text: String
        switch format {
        case .json: text = try Output.jsonText(report)
        case .md: text = report.markdown()
        case .html: text = report.html()
        }
        let out = try file.open()
        out.write(text)
        try out.finish()
    }
}

extension DeliveryMetrics.Period: ExpressibleByArgument {}
