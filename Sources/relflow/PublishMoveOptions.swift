import ArgumentParser

/// What `promote` and `rollback` share: the remote to push to, and the publisher. (Each
/// names its own tag argument, with its own default.)
struct PublishMoveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Push publish, the tag and the ledger to this remote.", valueName: "remote"))
    var push: String?

    @Flag(name: .customLong("no-publish"), help: "Do not run the publisher.")
    var noPublish = false
}
