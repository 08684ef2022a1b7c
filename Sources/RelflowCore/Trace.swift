#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Phase timings on stderr when `RELFLOW_TRACE` is set: for `make bench` and for finding
/// where a slow run spends its time. Costs one getenv when off.
public enum Trace {
    public static let enabled: Bool = getenv("RELFLOW_TRACE") != nil
    nonisolated(unsafe) private static var last: Double = now()
    nonisolated(unsafe) private static var lastCPU: Double = cpuTime()

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Prints the time since the previous mark.
    public static func mark(_ label: @autoclosure () -> String) {
        guard enabled else { return }
        let t = now()
        let cpu = cpuTime()
        let line = "trace: \(label()) \(Int((t - last) * 1000)) ms (CPU \(Int((cpu - lastCPU) * 1000)) ms), \(residentMegabytes()) MB resident\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        last = t
        lastCPU = cpu
    }

    /// The CPU time of every thread so far (a phase on two cores shows twice its wall time).
    static func cpuTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Resident memory now, from /proc/self/statm (0 where there is none).
    static func residentMegabytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
            fscanf_pair(file, s, r) } }) else { return 0 }
        return (resident * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }
}

private func fscanf_pair(_ file: UnsafeMutablePointer<FILE>, _ a: UnsafeMutablePointer<Int>, _ b: UnsafeMutablePointer<Int>) -> Bool {
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, file) != nil else { return false }
    let fields = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let x = Int(fields[0]), let y = Int(fields[1]) else { return false }
    a.pointee = x
    b.pointee = y
    return true
}
