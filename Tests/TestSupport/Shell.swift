import Foundation

/// What a finished process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public let command: String
    public let result: ProcessResult
    public var description: String { "\(command) failed: \(result)" }
}

/// Runs a program with argv (no shell), capturing output through files (no pipe deadlocks).
public func runProcess(_ executable: String, _ arguments: [String], cwd: String? = nil,
                       environment: [String: String]? = nil, stdin: Data? = nil) -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let environment { process.environment = environment }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("relflow-proc-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let outHandle = try! FileHandle(forWritingTo: out), errHandle = try! FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    if let stdin {
        let input = scratch.appendingPathComponent("in")
        _ = FileManager.default.createFile(atPath: input.path, contents: stdin)
        process.standardInput = FileHandle(forReadingAtPath: input.path)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    do {
        try process.run()
    } catch {
        return ProcessResult(status: 127, stdout: "", stderr: "cannot run \(executable): \(error)")
    }
    process.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    // A process killed by a signal reads as a shell shows it, 128 + the signal: Foundation
    // reports the bare signal number, and SIGILL (a Swift trap) would pass for exit 4.
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(status: status, stdout: stdout, stderr: stderr)
}

/// Finds a program on PATH.
public func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// A fresh temporary folder, removed by `remove()`.
public func makeTemporaryDirectory(_ label: String = "relflow-test") -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    // Resolve symlinks so paths compare equal with what git and libgit2 report.
    return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}
