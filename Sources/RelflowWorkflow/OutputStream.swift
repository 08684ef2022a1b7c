#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RelflowCore

/// Where a command's document goes: stdout, or a file that appears whole or not at all
/// (written beside its final path, then renamed over it).
public final class DocumentOutput {
    private let fd: Int32
    private let path: String?
    private let temporary: String?
    private var failed = false
    private var finished = false
    private let mode: mode_t

    deinit {
        // Never finished (an error on the way): leave no temporary file behind.
        guard !finished, fd != 1 else { return }
        close(fd)
        if let temporary { unlink(temporary) }
    }

    /// Standard output.
    public init() {
        fd = 1
        path = nil
        temporary = nil
        mode = 0
    }

    /// A file, replaced atomically by `finish()`; a symbolic link is written through, and a
    /// device or FIFO (`-o /dev/stdout`) is written plainly, never replaced.
    public init(path: String) throws(RelflowError) {
        let target = OutputTarget.resolve(path)
        if target.kind == .special {
            let opened = open(target.path, O_WRONLY | O_CLOEXEC)
            guard opened >= 0 else {
                throw .repository("cannot write '\(path)': \(String(cString: strerror(errno)))", hint: "check that it can be opened for writing")
            }
            fd = opened
            self.path = nil
            temporary = nil
            mode = 0
            return
        }
        let temp = target.path + ".relflow-tmp-\(getpid())"
        unlink(temp)
        let opened = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard opened >= 0 else {
            throw .repository("cannot write '\(path)': \(String(cString: strerror(errno)))", hint: "check the folder exists and is writable")
        }
        fd = opened
        self.path = target.path
        temporary = temp
        mode = target.mode ?? 0o644
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    /// Text not written yet: thousands of small releases would otherwise cost a system call
    /// each (10–15 µs on a virtual machine, more than rendering them).
    private var pending: [UInt8] = []
    private static let pendingLimit = 1 << 16

    private func write(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard !failed else { return }
        if pending.count + buffer.count < Self.pendingLimit {
            if pending.capacity < Self.pendingLimit { pending.reserveCapacity(Self.pendingLimit) }
            pending.append(contentsOf: buffer)
            return
        }
        flush()
        writeNow(buffer)
    }

    /// Writes what is pending.
    private func flush() {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBufferPointer { writeNow($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func writeNow(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard !failed, let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failed = true
                return
            }
            offset += n
        }
    }

    /// Closes the file and puts it in place; a failed write leaves the old file untouched.
    public func finish() throws(RelflowError) {
        flush()
        guard let path, let temporary else {
            if fd != 1 {
                close(fd)
                finished = true
                if failed { throw .repository("cannot write the output: \(String(cString: strerror(errno)))") }
                return
            }
            if failed && errno != EPIPE { throw .repository("cannot write to standard output: \(String(cString: strerror(errno)))") }
            return
        }
        let synced = fsync(fd) == 0
        close(fd)
        finished = true
        guard !failed, synced, chmod(temporary, mode) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .repository("cannot write '\(path)'", hint: "check the disk space and the folder's permissions")
        }
    }
}
