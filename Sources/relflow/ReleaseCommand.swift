import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        _superCommandName: "relflow",
        abstract: "Cut a release on main: version, CHANGELOG.md section, release commit, annotated tag, ledger entry.",
        discussion: """
        Refuses a dirty tree, a branch other than main, a version that does not increase and an \
        existing tag. An interrupted release (a release commit without its tag or ledger entry) \
        is finished first.
        """
    )
    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Release this version instead of the computed one.", valueName: "version"))
    var version: String?

    @Option(help: ArgumentHelp("A pre-release with this identifier (rc → 1.4.0-rc.1).", valueName: "id"))
    var pre: String?

    @Flag(name: .customLong("dry-run"), help: "Print what would be released; write nothing.")
    var dryRun = false

    func run() async throws {
        let context = try global.context()
        let service = ReleaseService(context: context)
        let lock = dryRun ? nil : try service.lock(waiting: { Output.info($0) })
        defer { withExtendedLifetime(lock) {} }
        if !dryRun, let pending = try service.interrupted() {
            Output.info("finishing the interrupted release \(pending.tag) (its \(pending.missing) was missing)")
            if let outcome = try await service.resume(identity: try Identity.current(context.repository)) {
                report(outcome)
                return
            }
        }
        let plan = try service.plan(version: version, prerelease: pre)
        if dryRun {
            if global.json {
                Output.printJSON(ReleaseJSON(version: plan.version.description, tag: plan.tag, previousTag: plan.previousTag,
                                             commit: nil, tagObject: nil, notes: plan.notes, dryRun: true, resumed: false))
            } else {
                Output.info("would release \(plan.tag) (previous: \(plan.previousTag ?? "none")); nothing written")
                Output.print(plan.notes)
            }
            return
        }
        let outcome = try await service.perform(plan, identity: try Identity.current(context.repository))
        report(outcome)
    }

    func report(_ outcome: ReleaseService.Outcome) {
        if global.json {
            Output.printJSON(ReleaseJSON(version: outcome.plan.version.description, tag: outcome.plan.tag,
                                         previousTag: outcome.plan.previousTag, commit: outcome.commit.hex,
                                         tagObject: outcome.tagObject.hex, notes: outcome.plan.notes, dryRun: false,
                                         resumed: outcome.resumed))
            return
        }
        Output.info(Output.green("✓") + " released \(outcome.plan.tag): commit \(outcome.commit.short()), tag object \(outcome.tagObject.short())")
        Output.info("next: relflow gate \(outcome.plan.tag), then relflow promote \(outcome.plan.tag) (push all three together: git push --atomic origin HEAD refs/tags/\(outcome.plan.tag) refs/relflow/ledger)")
    }
}

struct ReleaseJSON: Encodable {
    let version: String
    let tag: String
    let previousTag: String?
    let commit: String?
    let tagObject: String?
    let notes: String
    let dryRun: Bool
    let resumed: Bool
}
