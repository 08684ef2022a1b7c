import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The ledger, newest first: time, event, version, actor, result."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Show at most N entries.", valueName: "n"))
    var limit: Int?

    func run() throws {
        let context = try global.context()
        var entries = Array(try Ledger(repository: context.repository).entries().reversed())
        if let limit { entries = Array(entries.prefix(max(limit, 0))) }
        if global.json {
            Output.printJSON(entries)
            return
        }
        if entries.isEmpty { Output.info("the ledger is empty: nothing released yet") }
        for e in entries {
            let result = e.details["status"] ?? e.details["gate"] ?? e.details["comment"] ?? ""
            Output.print("\(e.time)  \(e.event.rawValue.padding(13))  \((e.tag ?? e.version ?? "").padding(14))  \(e.actor.name) <\(e.actor.email)>\(result.isEmpty ? "" : "  " + result)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
