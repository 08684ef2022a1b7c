import ArgumentParser
import RelflowCore
import RelflowWorkflow

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        _superCommandName: "relflow",
        abstract: "Print the released version, or the next one.",
        discussion: """
        Without --next: the highest release tag reachable from the publish branch (from HEAD \
        when there is no publish branch). With --next: the version the commits since the last \
        release call for (breaking → major, feat → minor, fix/perf → patch; minor for breaking \
        changes while 0.x unless [version] breaking_in_zero = "major"). When nothing \
        releasable happened it says so and exits 0.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Compute the next version from the commits since the last release.")
    var next = false

    @Option(help: ArgumentHelp("With --next: a pre-release with this identifier (rc → 1.4.0-rc.1, then -rc.2…).", valueName: "id"))
    var pre: String?

    func run() throws {
        let context = try global.context()
        let query = VersionQuery(context: context)
        let prefix = context.config.tags.prefix
        if next || pre != nil {
            let result = try query.next(prerelease: pre)
            global.flushNotes(context)
            if global.json {
                Output.printJSON(NextJSON(result, prefix: prefix))
                return
            }
            for d in result.deciding where global.verbose {
                Output.verbose("\(d.id.short()) \(d.bump): \(d.header)")
            }
            if let version = result.version {
                Output.print(version.description)
                Output.info(Output.dim(result.explanation))
            } else {
                Output.info(result.explanation)
            }
            return
        }
        let current = try query.current()
        global.flushNotes(context)
        if global.json {
            Output.printJSON(CurrentJSON(version: current.release?.version.description, tag: current.release?.name,
                                         commit: current.release?.commit.hex, source: current.source))
            return
        }
        guard let release = current.release else {
            throw RelflowError.repository("no release tag (\(context.config.tags.pattern)) is reachable from \(current.source)",
                                          hint: "'relflow version --next' shows the first version; 'relflow release' makes it")
        }
        Output.print(release.version.description)
    }
}

struct CurrentJSON: Encodable {
    let version: String?
    let tag: String?
    let commit: String?
    let source: String
}

struct NextJSON: Encodable {
    struct Decider: Encodable { let commit: String; let header: String; let bump: String }
    let current: String?
    let currentTag: String?
    let next: String?
    let nextTag: String?
    let bump: String
    let commitsWalked: Int
    let releasable: Bool
    let deciding: [Decider]

    init(_ n: VersionQuery.Next, prefix: String) {
        current = n.base?.version.description
        currentTag = n.base?.name
        next = n.version?.description
        nextTag = n.version.map { prefix + $0.description }
        bump = n.bump.description
        commitsWalked = n.commitsWalked
        releasable = n.version != nil
        deciding = n.deciding.map { Decider(commit: $0.id.hex, header: $0.header, bump: $0.bump.description) }
    }
}
