/// A configured duration, written `"90s"`, `"30m"`, `"24h"`, `"7d"` or `"2w"` (units may be
/// combined: `"1h30m"`).
public struct ConfigDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public var seconds: Int64
    public let text: String

    public init(seconds: Int64) {
        self.seconds = seconds
        self.text = ConfigDuration.format(seconds)
    }

    public init?(_ text: String) {
        var total: Int64 = 0
        var number: Int64? = nil
        var sawUnit = false
        for c in text {
            if let digit = c.wholeNumberValue, c.isASCII {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(digit))
                guard !o1, !o2 else { return nil }
                number = a
                continue
            }
            guard let n = number else { return nil }
            let unit: Int64
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: return nil
            }
            let (v, o) = n.multipliedReportingOverflow(by: unit)
            guard !o, v <= ConfigDuration.maximumSeconds else { return nil }
            total += v
            guard total <= ConfigDuration.maximumSeconds else { return nil }
            number = nil
            sawUnit = true
        }
        guard number == nil, sawUnit else { return nil }
        self.seconds = total
        self.text = text
    }

    public var description: String { text }

    /// The longest duration a setting may hold: 100 years. Anything longer is a typo, and
    /// dates computed from it would leave the calendar.
    public static let maximumSeconds: Int64 = 100 * 36_525 * 864

    /// `1d 2h`, `45m`, `30s`: for people.
    public static func format(_ seconds: Int64) -> String {
        if seconds <= 0 { return "0s" }
        // Written out, not joined from an array of parts: every configuration holds a few of
        // these, and the generic path cost each start of `relflow` 0.3 ms of type lookups.
        var rest = seconds
        var text = ""
        var parts = 0
        func add(_ unit: Int64, _ name: String) {
            guard parts < 2, rest >= unit else { return }
            if parts == 1 { text += " " }
            text += String(rest / unit) + name
            rest %= unit
            parts += 1
        }
        add(86_400, "d")
        add(3600, "h")
        add(60, "m")
        add(1, "s")
        return text
    }
}

extension Int64 {
    /// `self + other`, held at the ends of the range instead of trapping: dates come from commits
    /// and tags anyone can write (a tagger date of 2^63 − 1 is valid to git).
    public func clampedAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self − other`, held at the ends of the range instead of trapping.
    public func clampedSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}
