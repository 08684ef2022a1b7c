// swift-tools-version: 6.0
// libFuzzer targets for relflow's parsers of untrusted input: commit messages (every hook
// reads them), the configuration, and the lock files a bill of materials reads. Built only
// by `make fuzz` (with -sanitize=fuzzer, which provides main), never by `swift build`.
import PackageDescription

let fuzz: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let core: [Target.Dependency] = ["FuzzSupport", .product(name: "RelflowCore", package: "relflow")]

let package = Package(
    name: "relflow-fuzz",
    dependencies: [.package(name: "relflow", path: "../..")],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: fuzz),
        .executableTarget(name: "FuzzCommitMessage", dependencies: core, swiftSettings: fuzz),
        .executableTarget(name: "FuzzConfig", dependencies: core, swiftSettings: fuzz),
        .executableTarget(name: "FuzzLockFiles", dependencies: core, swiftSettings: fuzz),
    ]
)
