import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        _superCommandName: "relflow",
        abstract: "Decide whether publish may move to TAG now: auto, review or delay.",
        discussion: "Exit 0 when the promotion may go now, 1 when not. TAG defaults to the latest release on main."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The release tag to promote.", valueName: "tag"))
    var tag: String?
    @OptionGroup var environment: EnvironmentOption

    func run() throws {
        let context = try environment.scope(try global.context())
        let evaluation = try GateService(context: context).evaluate(tag)
        let d = evaluation.decision
        if global.json {
            Output.printJSON(GateJSON(tag: evaluation.candidate.name, from: evaluation.current?.name, decision: d))
        } else {
            let verdict = d.allowed ? Output.green("may go now") : Output.yellow("must wait")
            Output.print("\(evaluation.candidate.name): \(d.kind.rawValue) — \(verdict)")
            Output.print("  from: \(evaluation.current?.name ?? "(publish not set, or at a commit no release tag names)")")
            if context.config.chain.count > 1 { Output.print("  into: \(context.activeEnvironmentName) (\(context.config.branches.publish))") }
            Output.print("  why: \(d.reason)")
            if d.kind != .auto || !d.allowed {
                Output.print("  approvals: \(d.approvalsPresent.count)/\(d.approvalsNeeded)\(d.approvalsPresent.isEmpty ? "" : " (" + d.approvalsPresent.joined(separator: ", ") + ")")")
            }
            if let left = d.delayRemaining, left > 0 { Output.print("  delay: \(ConfigDuration.format(left)) left") }
            let label = d.kind == .auto ? "changed paths" : "paths outside auto_paths"
            if !d.decidingPaths.isEmpty {
                Output.print("  \(label): " + d.decidingPaths.prefix(20).joined(separator: ", ") + (d.decidingPaths.count > 20 ? ", … (\(d.decidingPaths.count) in all)" : ""))
            }
        }
        if !d.allowed { throw ExitCode(1) }
    }
}

struct GateJSON: Encodable {
    let tag: String
    let from: String?
    let decision: GateDecision
}
