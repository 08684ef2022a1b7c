import RelflowCore

/// `--prepend CHANGELOG.md`: new sections go after the file's preamble (everything before
/// its first `## ` heading); every other byte stays as it was. A release whose heading is
/// already there is not added again; an `Unreleased` section is replaced.
public enum ChangelogFile {
    /// `sections` are the rendered release sections with their release titles
    /// (`Unreleased`, `1.4.0`), newest first.
    public static func prepend(_ sections: [(title: String, text: String)], into existing: String, header: String) -> String {
        let lines = existing.split(separator: "\n", omittingEmptySubsequences: false)
        var offsets: [String.Index] = []
        var index = existing.startIndex
        for line in lines {
            offsets.append(index)
            index = existing.index(index, offsetBy: line.count, limitedBy: existing.endIndex) ?? existing.endIndex
            if index < existing.endIndex { index = existing.index(after: index) }
        }
        var headings: [(title: String, start: String.Index)] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("## ") {
            headings.append((headingTitle(String(line)), offsets[i]))
        }
        let existingTitles = Set(headings.map { normalize($0.title) })
        var output = existing
        var toInsert = ""
        for section in sections {
            let key = normalize(section.title)
            if key == "unreleased", let old = headings.firstIndex(where: { normalize($0.title) == "unreleased" }) {
                let start = headings[old].start
                let end = old + 1 < headings.count ? headings[old + 1].start : existing.endIndex
                // Replace in place, keeping everything around it.
                let before = String(existing[..<start]), after = String(existing[end...])
                output = before + section.text + after
                return insert(toInsert, into: output)
            }
            if existingTitles.contains(key) { continue }
            toInsert += section.text
        }
        if existing.isEmpty { return header + toInsert }
        return insert(toInsert, into: output)
    }

    /// The release section `after` has and `before` has not: the first `## ` section that is new.
    public static func addedSection(before: String, after: String) -> String {
        let old = Set(sections(of: before).map(\.text))
        return sections(of: after).first { !old.contains($0.text) }?.text ?? ""
    }

    /// The `## ` sections of a Markdown changelog, with their titles.
    static func sections(of text: String) -> [(title: String, text: String)] {
        var out: [(title: String, text: String)] = []
        var current: (title: String, text: String)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                if let c = current { out.append(c) }
                current = (headingTitle(String(line)), String(line) + "\n")
            } else if let c = current {
                current = (c.title, c.text + line + "\n")
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    static func insert(_ text: String, into document: String) -> String {
        guard !text.isEmpty else { return document }
        if let first = firstHeading(document) {
            return String(document[..<first]) + text + String(document[first...])
        }
        var base = document
        if !base.isEmpty, !base.hasSuffix("\n\n") { base += base.hasSuffix("\n") ? "\n" : "\n\n" }
        return base + text
    }

    static func firstHeading(_ document: String) -> String.Index? {
        if document.hasPrefix("## ") { return document.startIndex }
        guard let r = document.firstRange(of: "\n## ") else { return nil }
        return document.index(after: r.lowerBound)
    }

    /// `## [1.4.0](url) - 2024-05-01` → `1.4.0`; `## Unreleased` → `Unreleased`.
    static func headingTitle(_ line: String) -> String {
        var rest = Substring(line.dropFirst(3))
        if rest.first == "[" { rest = rest.dropFirst().prefix { $0 != "]" } }
        return String(rest.prefix { $0 != " " })
    }

    static func normalize(_ title: String) -> String {
        let lower = title.lowercased()
        return lower.hasPrefix("v") && lower.dropFirst().first?.isNumber == true ? String(lower.dropFirst()) : lower
    }
}
