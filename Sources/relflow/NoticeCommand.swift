import ArgumentParser
import Foundation
import RelflowCore
import RelflowWorkflow

struct NoticeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice",
        _superCommandName: "relflow",
        abstract: "The advance shipping notice for what main holds beyond publish.",
        discussion: """
        Production and since when, the upcoming version, the expected deployment date, the gate \
        decision and the paths that decide it, breaking changes with their migration notes, the \
        changes by group, dependency changes, the early-access line and the contributors.
        """
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The expected deployment date to announce (YYYY-MM-DD).", valueName: "date"))
    var date: String?
    @Option(help: ArgumentHelp("What is about to ship (default: main).", valueName: "rev"))
    var to: String?
    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, html }
    @Option(help: ArgumentHelp("md, json or html.", valueName: "format"))
    var format: Format = .md
    @Option(help: ArgumentHelp("A Mustache template to use instead of the default.", valueName: "file"))
    var template: String?
    @OptionGroup var file: OutputFileOption

    func validate() throws {
        if let date, date.count != 10 || isoDateValue(date) == nil { throw ValidationError("--date takes YYYY-MM-DD, not '\(date)'") }
    }

    func run() throws {
        let context = try global.context()
        let (notice, warnings) = try NoticeService(context: context).notice(to: to, date: date)
        warnings.forEach { Output.warning("\($0.file): \($0.problem)") }
        let format: Format = global.json ? .json : self.format
        var text: String
        if format == .json {
            text = try Output.jsonText(notice)
        } else {
            var source: String?
            if let template {
                guard let t = readFile(template) else { throw RelflowError.usage("cannot read the template '\(template)'", hint: "check the path") }
                source = t
            }
            text = try notice.render(html: format == .html, template: source)
        }
        let out = try file.open()
        out.write(text)
        try out.finish()
    }
}

/// YYYY-MM-DD with a real month and day, or nil.
func isoDateValue(_ text: String) -> (Int, Int, Int)? {
    let parts = text.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
    return (parts[0], parts[1], parts[2])
}
