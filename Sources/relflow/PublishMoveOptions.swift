import ArgumentParser

/// What `promote` and `rollback` share: the tag, the remote to push to, and the publisher.
struct PublishMoveOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The release tag (default: the latest release on main; for rollback, the one before).", valueName: "tag"))
    var tag: String?

    @Option(help: ArgumentHelp("Push publish, the tag and the ledger to this remote.", valueName: "remote"))
    var push: String?

    @Flag(name: .customLong("no-publish"), help: "Do not run the publisher.")
    var noPublish = false
}
