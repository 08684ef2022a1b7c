import Git
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file; nil when it cannot be read.
public func readFileBytes(_ path: String) -> [UInt8]? { LocalFile.bytes(path) }

public func readFile(_ path: String) -> String? {
    readFileBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

/// Writes a file atomically: a temporary file beside it, then rename(2).
public func writeFileAtomically(_ path: String, _ contents: String, mode: mode_t = 0o644) -> Bool {
    let temp = path + ".relflow-tmp-\(getpid())"
    guard let file = fopen(temp, "wb") else { return false }
    let bytes = Array(contents.utf8)
    let written = bytes.isEmpty ? 0 : fwrite(bytes, 1, bytes.count, file)
    let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
    fclose(file)
    guard written == bytes.count, flushed, chmod(temp, mode) == 0, rename(temp, path) == 0 else {
        unlink(temp)
        return false
    }
    return true
}

public func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

public func isExecutableFile(_ path: String) -> Bool {
    access(path, X_OK) == 0
}

/// The absolute path of the running executable.
public func currentExecutablePath() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func makeDirectories(_ path: String) -> Bool {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST { return false }
    }
    return true
}
