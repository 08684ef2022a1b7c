import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        _superCommandName: "relflow",
        abstract: "The ledger, newest first: time, event, version, actor, result."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Show at most N entries.", valueName: "n"))
    var limit: Int?

    func run() throws {
        let context = try global.context()
        var rows = Array(try LedgerSigners.read(context: context).reversed())
        if let limit { rows = Array(rows.prefix(max(limit, 0))) }
        if global.json {
            Output.printJSON(rows.map(\.entry))
            return
        }
        if rows.isEmpty { Output.info("the ledger is empty: nothing released yet") }
        for (e, signer) in rows {
            let result = (e.details["status"] ?? e.details["gate"] ?? e.details["comment"])?.description ?? ""
            let proof: String
            switch signer {
            case .verified(let name, _): proof = Output.green("signed by \(name)")
            case .unverified(let why): proof = Output.red("UNVERIFIED: \(why)")
            case .beforePolicy: proof = Output.dim("unsigned (before policy)")
            case .unsigned: proof = Output.dim("unsigned")
            }
            Output.print("\(e.time)  \(e.event.rawValue.padding(13))  \((e.tag ?? e.version ?? "").padding(14))  \(e.actor.name) <\(e.actor.email)>  [\(proof)]\(result.isEmpty ? "" : "  " + result)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
