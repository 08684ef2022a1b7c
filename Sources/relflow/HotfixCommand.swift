import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct HotfixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotfix",
        abstract: "Fix production from its tag: start, finish (tag, promote, carry to main), abort.",
        subcommands: [Start.self, Finish.self, Abort.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create hotfix/<next patch> at the release on publish (or TAG) and switch to it."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The release to fix (default: the one on publish).", valueName: "tag"))
        var tag: String?

        func run() throws {
            let context = try global.context()
            let started = try HotfixService(context: context).start(tag)
            if global.json {
                Output.printJSON(["branch": started.branch, "base": started.base.name, "version": started.version.description])
                return
            }
            Output.info(Output.green("✓") + " on \(started.branch), at \(started.base.name)")
            Output.info("commit the fix (only \(context.config.hotfix.allowedTypes.joined(separator: ", ")); never feat or breaking), then: relflow hotfix finish")
        }
    }

    struct Finish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hotfix, tag the patch, promote it, and carry the fix to main.",
            discussion: """
            Checks, in order: the branch starts at its tag; it holds a commit; every commit is an \
            allowed type; no commit of main after the tag is in it; publish is still at that tag. \
            When the gate wants approvals, it tags, says who must approve, exits 1; run it again \
            after the approval to complete. A conflict carrying the fix to main leaves \
            backport/<version> for a person to merge.
            """
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = try global.context()
            let echo = Output.publisherEcho(json: global.json, quiet: global.quiet)
            switch try await HotfixService(context: context).finish(echo: echo) {
            case .waiting(let tag, let decision):
                if global.json {
                    Output.printJSON(GateJSON(tag: tag, from: nil, decision: decision))
                }
                throw RelflowError.refused("\(tag) is tagged but waits at the gate: \(decision.reason)",
                                           hint: "someone other than the tagger runs: relflow approve \(tag); then run relflow hotfix finish again")
            case .finished(let done):
                if global.json {
                    Output.printJSON(["tag": done.tag, "base": done.base, "backport": done.backport, "backportBranch": done.backportBranch ?? "",
                                      "conflicts": done.conflicts.joined(separator: ", ")])
                } else {
                    Output.info(Output.green("✓") + " \(done.tag) released from \(done.base) and promoted")
                    if let run = done.promotion?.publisher {
                        Output.info((run.succeeded ? Output.green("✓") : Output.red("✗")) + " publisher: \(run.statusText)")
                    }
                    switch done.backport {
                    case "pending":
                        Output.info(Output.yellow("!") + " the fix did not apply to \(context.config.branches.main) cleanly"
                                    + (done.conflicts.isEmpty ? "" : " (conflicts in \(done.conflicts.joined(separator: ", ")))"))
                        Output.info("  carry it by hand: git switch \(context.config.branches.main) && git merge \(done.backportBranch ?? "")"
                                    + ", resolve, git commit, then git branch -d \(done.backportBranch ?? "")")
                    case "present": Output.info("the fix is on \(context.config.branches.main) already")
                    default: Output.info(Output.green("✓") + " the fix is \(done.backport) into \(context.config.branches.main)")
                    }
                }
                if let run = done.promotion?.publisher, !run.succeeded {
                    throw RelflowError(.publisher, "the publisher failed for \(done.tag): \(run.statusText)",
                                       hint: "publish is at \(done.tag); rerun the deploy and record it with relflow deliver --status success")
                }
            }
        }
    }

    struct Abort: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an unfinished hotfix branch, and record it.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = try global.context()
            let branch = try HotfixService(context: context).abort()
            if global.json { Output.printJSON(["aborted": branch]) } else { Output.info(Output.green("✓") + " \(branch) deleted") }
        }
    }
}
