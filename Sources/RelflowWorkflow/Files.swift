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

/// Where a write to a path the user named really goes.
///
/// A symbolic link is written through (to its target, as a shell's `>` would); a device, a
/// FIFO or a socket is written plainly (no temporary file, never replaced); a regular file
/// or a new path is written beside its final place and renamed over it, keeping its mode.
public struct OutputTarget: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, special }
    public let path: String
    public let kind: Kind
    /// The existing file's permission bits, nil for a new file.
    public let mode: mode_t?

    public static func resolve(_ path: String, followLinks: Bool = true) -> OutputTarget {
        var target = path
        // Follow a chain of links (a dangling one names the file to create), at most 40 deep as the kernel does.
        var hops = 0
        var st = stat()
        while followLinks, hops < 40, lstat(target, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink(target, &buffer, buffer.count - 1)
            guard n > 0 else { break }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                target = link
            } else if let slash = target.lastIndex(of: "/") {
                target = String(target[...slash]) + link
            } else {
                target = link
            }
            hops += 1
        }
        guard stat(target, &st) == 0 else { return OutputTarget(path: target, kind: .regular, mode: nil) }
        let type = st.st_mode & S_IFMT
        return OutputTarget(path: target, kind: type == S_IFREG || type == S_IFDIR ? .regular : .special, mode: st.st_mode & 0o7777)
    }
}

/// Writes a file atomically: a temporary file beside it, then rename(2). Through symbolic
/// links unless `followLinks` is false (then a link is replaced); plainly to a device or FIFO.
public func writeFileAtomically(_ path: String, _ contents: String, mode: mode_t? = nil, followLinks: Bool = true) -> Bool {
    let target = OutputTarget.resolve(path, followLinks: followLinks)
    let bytes = Array(contents.utf8)
    if target.kind == .special {
        let fd = open(target.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return writeAll(fd, bytes)
    }
    let temp = target.path + ".relflow-tmp-\(getpid())"
    unlink(temp)
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    let written = writeAll(fd, bytes)
    let flushed = fsync(fd) == 0
    close(fd)
    guard written, flushed, chmod(temp, mode ?? target.mode ?? 0o644) == 0, rename(temp, target.path) == 0 else {
        unlink(temp)
        return false
    }
    return true
}

/// Writes all of `bytes`, retrying short writes and interruptions.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// `name` as a file name: ASCII letters, digits and `._-` kept, anything else `_` (a branch or
/// tag may hold '/').
func safeFileName(_ name: String) -> String {
    String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
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
