/// `templates/changelog.md` written out in Swift. Any change to the template must be made
/// here too: `DefaultMarkdownTests` renders both ways and compares the bytes.
enum DefaultMarkdown {
    static func render(_ document: ChangelogDocument, header: Bool) -> String {
        String(decoding: bytes(document, header: header), as: UTF8.self)
    }

    /// Renders release by release into `sink`, so that a long history is never one string.
    static func render(_ document: ChangelogDocument, header: Bool, to sink: (String) -> Void) {
        var out = ByteText()
        if header { writeHeader(&out) }
        for release in document.releases {
            write(release, to: &out)
            if out.bytes.count >= 1 << 16 {
                sink(String(decoding: out.bytes, as: UTF8.self))
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        if !out.bytes.isEmpty { sink(String(decoding: out.bytes, as: UTF8.self)) }
    }

    /// The UTF-8 of the whole document: text is copied into one byte buffer (appending to a
    /// `String` cost more than building the releases on a history of 100,000s of commits).
    static func bytes(_ document: ChangelogDocument, header: Bool) -> [UInt8] {
        var out = ByteText()
        if header { writeHeader(&out) }
        for release in document.releases { write(release, to: &out) }
        return out.bytes
    }

    private static func writeHeader(_ out: inout ByteText) {
        out += "# Changelog\n\nAll notable changes to this project are documented in this file. It is written by\n"
        out += "relflow from the project's Conventional Commits.\n\n"
    }

    private static func write(_ release: ChangelogRelease, to out: inout ByteText) {
        let title = release.unreleased ? "Unreleased" : (release.version ?? release.tag ?? "")
        out += "## "
        if let url = release.compareUrl {
            out += "["; out += title; out += "]("; out += url; out += ")"
        } else {
            out += title
        }
        if let date = release.date { out += " - "; out += date }
        out += "\n\n"
        if !release.breaking.isEmpty {
            out += "### ⚠ Breaking Changes\n\n"
            for commit in release.breaking {
                out += "- "
                if let scope = commit.scope { out += "**"; out += scope; out += ":** " }
                out += commit.description
                out += "\n"
                for note in commit.breakingNotes {
                    out += "  "
                    out.appendIndentingNewlines(note)
                    out += "\n"
                }
            }
            out += "\n"
        }
        for group in release.groups {
            out += "### "; out += group.title; out += "\n\n"
            for commit in group.commits {
                out += "- "
                if commit.breaking { out += "**BREAKING** " }
                if let scope = commit.scope { out += "**"; out += scope; out += ":** " }
                out += commit.description
                out += " ("
                if let url = commit.url {
                    out += "["; out += commit.shortId; out += "]("; out += url; out += ")"
                } else {
                    out += commit.shortId
                }
                out += ")"
                if !commit.issues.isEmpty {
                    out += ", closes "
                    for (i, issue) in commit.issues.enumerated() {
                        if let url = issue.url {
                            out += "[#"; out += String(issue.number); out += "]("; out += url; out += ")"
                        } else {
                            out += "#"; out += String(issue.number)
                        }
                        if i < commit.issues.count - 1 { out += " " }
                    }
                }
                if !commit.refs.isEmpty {
                    out += ", refs "
                    for (i, ref) in commit.refs.enumerated() {
                        if i > 0 { out += ", " }
                        out += ref
                    }
                }
                out += "\n"
            }
            out += "\n"
        }
        if release.groups.isEmpty && release.breaking.isEmpty { out += "No notable changes.\n\n" }
        if !release.contributors.isEmpty {
            out += "Contributors: "
            for (i, person) in release.contributors.enumerated() {
                if i > 0 { out += ", " }
                out += person.name
            }
            out += "\n\n"
        }
    }
}

/// Text built as UTF-8 bytes.
struct ByteText {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 12) }

    static func += (text: inout ByteText, piece: String) {
        // A native string lends its bytes: one copy (appending the UTF-8 view cost 10 M more
        // instructions on 30,000 commits).
        if piece.utf8.withContiguousStorageIfAvailable({ text.bytes.append(contentsOf: $0) }) == nil {
            text.bytes.append(contentsOf: piece.utf8)
        }
    }

    /// `text` with each newline followed by two spaces (a note's lines under its list item),
    /// as `replacingNewlines(with: "\n  ")` does: a `\r\n` pair is one `Character`, not split.
    mutating func appendIndentingNewlines(_ text: String) {
        var text = text
        text.withUTF8 { source in
            var previous: UInt8 = 0
            for byte in source {
                bytes.append(byte)
                if byte == 0x0A && previous != 0x0D { bytes.append(0x20); bytes.append(0x20) }
                previous = byte
            }
        }
    }
}
