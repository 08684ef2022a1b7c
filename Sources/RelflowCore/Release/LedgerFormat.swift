import Foundation

/// The strict reading of a ledger entry that a server applies to what is pushed: anything a
/// second reader (jq, Python, another relflow) could read differently is refused.
public enum LedgerFormat {
    /// Limits on one entry.
    public static let maxMessageBytes = 64 * 1024
    public static let maxDetails = 64
    public static let maxDetailBytes = 4 * 1024

    /// The entry a raw ledger commit message holds, or why it is refused.
    public static func strictEntry(message bytes: [UInt8]) -> Result<LedgerEntry, Problem> {
        if bytes.count > maxMessageBytes {
            return .failure(.init("the entry is \(bytes.count) bytes; at most \(maxMessageBytes) are allowed"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.init("the entry is not valid UTF-8"))
        }
        guard let split = text.firstRange(of: "\n\n") else {
            return .failure(.init("no JSON object after the summary line"))
        }
        let summary = String(text[..<split.lowerBound])
        let json = String(text[split.upperBound...])
        if let duplicate = duplicateKey(in: json) {
            return .failure(.init("the JSON object has the key \"\(duplicate)\" twice (readers would disagree on its value)"))
        }
        let entry: LedgerEntry
        do {
            entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(json.utf8))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.last?.stringValue == "event" {
            return .failure(.init("unknown event: \(context.debugDescription)"))
        } catch {
            return .failure(.init("the JSON object does not parse as a ledger entry: \(error)"))
        }
        if entry.summary != summary {
            return .failure(.init("the summary line '\(summary.prefix(80))' does not say what the entry says ('\(entry.summary)')"))
        }
        if entry.time != isoDateTime(entry.timestamp) {
            return .failure(.init("time '\(entry.time)' and timestamp \(entry.timestamp) are not the same moment"))
        }
        if entry.details.count > maxDetails || entry.details.values.contains(where: { $0.description.utf8.count > maxDetailBytes }) {
            return .failure(.init("details are larger than allowed (\(maxDetails) keys of at most \(maxDetailBytes) bytes)"))
        }
        return .success(entry)
    }

    public struct Problem: Error, Sendable, Equatable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    /// The first key that appears twice in one JSON object anywhere in `json`, nil when none
    /// does (or when the text is not JSON: the decoder reports that).
    public static func duplicateKey(in json: String) -> String? {
        let bytes = Array(json.utf8)
        var i = 0
        // One entry per open container: the keys seen (nil for an array).
        var stack: [Set<String>?] = []
        var expectKey = false
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"):
                stack.append([])
                expectKey = true
                i += 1
            case UInt8(ascii: "["):
                stack.append(nil)
                expectKey = false
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectKey = false
                i += 1
            case UInt8(ascii: ","):
                expectKey = stack.last.map { $0 != nil } ?? false
                i += 1
            case UInt8(ascii: "\""):
                var j = i + 1
                var raw: [UInt8] = []
                while j < bytes.count && bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") && j + 1 < bytes.count {
                        raw.append(bytes[j])
                        j += 1
                    }
                    raw.append(bytes[j])
                    j += 1
                }
                if expectKey, let top = stack.last, var keys = top {
                    // Compare keys as decoded, so `"event"` and `"\u0065vent"` are one key.
                    let quoted = Data(([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]))
                    let key = (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
                    if !keys.insert(key).inserted { return key }
                    stack[stack.count - 1] = keys
                    expectKey = false
                }
                i = j + 1
            default:
                i += 1
            }
        }
        return nil
    }
}
