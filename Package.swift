// swift-tools-version: 6.0
// relflow: release orchestration that lives inside git.
//
// Layers, each a target with one job:
//   CLibGit2         the C module map for the system's libgit2 (Debian: libgit2-dev)
//   CLibDeflate      libdeflate 1.26's decompressor, built from its sources: pack reads
//   CZlibGuard       zlib's inflate with a guard against libgit2 1.5's loop on truncated objects; glibc malloc tuning
//   Git              the only module that touches libgit2: safe value types, owned handles
//   RelflowCore      the domain (Conventional Commits, SemVer, config, lint rules); no C
//   RelflowWorkflow  composes Git and RelflowCore into what the commands do
//   relflow          the executable: one file per subcommand, parsing and printing only
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

// `make build` links libgit2 statically (Tests/scripts/static_pkgconfig.sh): libgit2's calls to
// mbedTLS's CA loaders are then wrapped into relflow's (Sources/CZlibGuard/tls_roots.c). A shared
// libgit2 (debug builds, `swift test`) binds to relflow's exported ones instead.
// The same file skips libgit2's TLS and SSH set-up, which only a static libgit2 lets relflow reach.
let caLoaders = ["mbedtls_x509_crt_parse_file", "mbedtls_x509_crt_parse_path"]
let networkSetUp = ["git_mbedtls_stream_global_init", "git_transport_ssh_global_init", "git_mbedtls_stream_new",
                    "git_mbedtls_stream_wrap", "git_mbedtls__set_cert_location", "git_smart_subtransport_ssh"]
let caLoaderFlags = Context.environment["RELFLOW_STATIC_LIBGIT2"] == "1"
    ? (caLoaders + networkSetUp).flatMap { ["-Xlinker", "--wrap=\($0)"] }
    : caLoaders.flatMap { ["-Xlinker", "--export-dynamic-symbol=\($0)"] }

let package = Package(
    name: "relflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "relflow", targets: ["relflow"]),
        // The webhook sender ([[notify]] url): the only program that links libcurl.
        .executable(name: "relflow-webhook", targets: ["relflow-webhook"]),
        // For the fuzz targets in Tests/Fuzz (make fuzz).
        .library(name: "RelflowCore", targets: ["RelflowCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // SSH (SSHSIG) signatures of the ledger and the signed policy, verified in-process.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // Whole-buffer zlib decompression for the history reader's own pack reads: libdeflate
        // 1.26's decompressor, built from its sources (Sources/CLibDeflate/README.md).
        .target(
            name: "CLibDeflate",
            path: "Sources/CLibDeflate",
            exclude: ["README.md", "libdeflate/COPYING"],
            sources: ["libdeflate/lib"],
            cSettings: [.headerSearchPath("libdeflate")]
        ),
        // zlib's inflate, guarded against libgit2 1.5's endless loop on a truncated object; the
        // CA bundle libgit2's mbedTLS would parse on every start, not loaded (tls_roots.c); and
        // GSSAPI, which a static libgit2 would otherwise load for a transport relflow never uses.
        .target(
            name: "CZlibGuard",
            path: "Sources/CZlibGuard",
            linkerSettings: [
                .linkedLibrary("z"),
                .linkedLibrary("dl"),
                .unsafeFlags(["-Xlinker", "--export-dynamic-symbol=inflate"] + caLoaderFlags),
            ]
        ),
        .target(name: "Git", dependencies: ["CLibGit2", "CLibDeflate", "CZlibGuard"], swiftSettings: strict),
        .target(
            name: "RelflowCore",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RelflowWorkflow",
            dependencies: [
                "Git", "RelflowCore", "CZlibGuard",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "relflow",
            dependencies: [
                "RelflowWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "relflow-webhook", swiftSettings: strict),
        // Real repositories in temporary folders, driven by the real git CLI.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "RelflowCoreTests", dependencies: ["RelflowCore"], swiftSettings: strict),
        .testTarget(name: "GitTests", dependencies: ["Git", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "RelflowIntegrationTests",
            dependencies: ["RelflowWorkflow", "Git", "RelflowCore", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
