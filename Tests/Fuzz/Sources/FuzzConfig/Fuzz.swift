import FuzzSupport
import RelflowCore

/// Any bytes as `.relflow.toml`: loaded (a clear error or a configuration, never a crash),
/// and, when it loads, its durations and prefixes used the way commands use them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let config = try? ConfigLoader.load(bytes: bytes) else { return 0 }
    _ = config.gate.delay.map { Int64(1_700_000_000) + $0.seconds }
    for prefix in config.tags.prefixes { _ = config.tags.version(ofTag: prefix + "1.2.3") }
    return 0
}

@_cdecl("FuzzConfig_main")
public func fuzzConfigMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzConfig)
}
