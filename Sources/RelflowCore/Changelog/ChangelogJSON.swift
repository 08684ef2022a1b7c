import Foundation

/// The JSON changelog written release by release: the same bytes as encoding the whole
/// document with `JSONEncoder` (pretty, sorted keys), without the whole document in memory
/// and with the releases encoded on all cores. A test holds the two equal.
public enum ChangelogJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Everything before the first release.
    public static let head = "{\n  \"releases\" : [\n"

    /// One release, indented to its place in the array.
    public static func release(_ release: ChangelogRelease) throws -> String {
        let text = String(decoding: try encoder().encode(release), as: UTF8.self)
        // JSON strings hold no raw newline, so lines are safe to indent.
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    }

    /// Everything after the last release.
    public static func tail(repository: String?) throws -> String {
        var text = "\n  ]"
        if let repository {
            text += ",\n  \"repository\" : " + String(decoding: try encoder().encode(repository), as: UTF8.self)
        }
        return text + ",\n  \"schemaVersion\" : 1\n}\n"
    }

    /// The whole document, as the streaming writer produces it.
    public static func text(_ document: ChangelogDocument) throws -> String {
        if document.releases.isEmpty { return String(decoding: try encoder().encode(document), as: UTF8.self) + "\n" }
        return head + (try document.releases.map(release).joined(separator: ",\n")) + (try tail(repository: document.repository))
    }
}
