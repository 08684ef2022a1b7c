import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        _superCommandName: "relflow",
        abstract: "Check the invariants of the release model over the whole ledger and repository.",
        discussion: "Exit 1 with each violation named."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("For a deploy job where no server hook runs: check that this release was released, gated, approved and promoted as the signed policy requires, from the signed policy and ledger alone.", valueName: "tag"))
    var release: String?

    func run() throws {
        let context = try global.context()
        let service = VerifyService(context: context)
        let violations = try release.map { try service.verifyRelease($0) } ?? service.verify()
        let trust = try service.trustStatement()
        if global.json {
            Output.printJSON(VerifyJSON(ok: violations.isEmpty, violations: violations, trust: trust))
        } else if violations.isEmpty {
            Output.info(Output.green("✓") + " all invariants hold")
            Output.info(trust)
        } else {
            for v in violations {
                Output.info(Output.red("✗") + " invariant \(v.invariant) [\(v.rule)]: \(v.message)")
                Output.info("    hint: \(v.hint)")
            }
        }
        if !violations.isEmpty { throw ExitCode(1) }
    }
}

struct VerifyJSON: Encodable {
    let ok: Bool
    let violations: [VerifyService.Violation]
    /// What the ledger proves about who acted.
    let trust: String
}
