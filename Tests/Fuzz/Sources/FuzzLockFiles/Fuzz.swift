import FuzzSupport
import RelflowCore

/// Any bytes as each kind of lock file relflow reads (the first byte picks the kind, so the
/// fuzzer learns each format): components or a warning, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLockFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let names = ["Package.resolved", "package-lock.json", "Cargo.lock", "go.mod", "poetry.lock", "Gemfile.lock", "requirements.txt",
                 "pnpm-lock.yaml", "yarn.lock"]
    let name = names[Int(data[0]) % names.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    _ = LockFiles.read(path: "app/" + name, bytes: bytes)
    return 0
}

@_cdecl("FuzzLockFiles_main")
public func fuzzLockFilesMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzLockFiles)
}
