/// One value of a ledger entry's `details`: a string, an integer or a boolean, written as the
/// JSON scalar it is (`"exitCode": 3`, `"promoted": true`). Entries written before values were
/// typed hold every value as a string; `int` and `bool` read those too, so old and new entries
/// answer the same.
public enum LedgerValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int64)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// The value as text: what `history` prints and what string comparisons see.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// The value as a string, nil for a typed number or boolean.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, also from a string of decimal digits (entries from before typed values).
    public var int: Int64? {
        switch self {
        case .int(let n): return n
        case .string(let s): return Int64(s)
        case .bool: return nil
        }
    }

    /// The boolean, also from the strings "true" and "false" (entries from before typed values).
    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .string("true"): return true
        case .string("false"): return false
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Int64.self) {
            self = .int(n)
        } else {
            do {
                self = .string(try container.decode(String.self))
            } catch {
                throw DecodingError.dataCorruptedError(in: container,
                    debugDescription: "a detail is a string, an integer or a boolean")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .int(let n): try container.encode(n)
        case .bool(let b): try container.encode(b)
        }
    }
}
