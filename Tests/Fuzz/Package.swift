// swift-tools-version: 6.0
// libFuzzer targets for relflow's parsers of untrusted input: commit messages (every hook
// reads them), the configuration, and the lock files a bill of materials reads. Built only
// by `make fuzz` (with -sanitize=fuzzer, which provides main), never by `swift build`.
import PackageDescription

let fuzz: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "relflow-fuzz",
    dependencies: [.package(name: "relflow", path: "../..")],
    targets: [
        .executableTarget(name: "FuzzCommitMessage", dependencies: [.product(name: "RelflowCore", package: "relflow")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzConfig", dependencies: [.product(name: "RelflowCore", package: "relflow")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzLockFiles", dependencies: [.product(name: "RelflowCore", package: "relflow")], swiftSettings: fuzz),
    ]
)
