import Git
import RelflowCore

/// `--prepend CHANGELOG.md`: new sections go after the file's preamble (everything before
/// its first `## ` heading); every other byte stays as it was. A release whose heading is
/// already there is not added again; an `Unreleased` section is replaced.
public enum ChangelogFile {
    /// `sections` are the rendered release sections with their release titles
    /// (`Unreleased`, `1.4.0`), newest first.
    public static func prepend(_ sections: [(title: String, text: String)], into existing: String, header: String) -> String {
        if existing.isEmpty { return header + sections.map(\.text).joined() }
        // The file as preamble + sections, each section's bytes kept as they are.
        let start = firstHeading(existing) ?? existing.endIndex
        var preamble = String(existing[..<start])
        var old: [(title: String, text: String)] = []
        var cursor = start
        while cursor < existing.endIndex {
            let rest = existing[existing.index(after: cursor)...]
            let next = rest.firstRange(of: "\n## ").map { existing.index(after: $0.lowerBound) } ?? existing.endIndex
            let text = String(existing[cursor..<next])
            old.append((headingTitle(String(text.prefix { $0 != "\n" })), text))
            cursor = next
        }
        let known = Set(old.map { normalize($0.title) })
        let newUnreleased = sections.first { normalize($0.title) == "unreleased" }
        let newReleases = sections.filter { normalize($0.title) != "unreleased" && !known.contains(normalize($0.title)) }
        // Unreleased stays on top (the new one replaces the old), new releases follow it.
        var top: [String] = []
        if let newUnreleased {
            top.append(newUnreleased.text)
            old.removeAll { normalize($0.title) == "unreleased" }
        } else if let first = old.first, normalize(first.title) == "unreleased" {
            top.append(first.text)
            old.removeFirst()
        }
        top += newReleases.map(\.text)
        if old.isEmpty, !top.isEmpty, !preamble.isEmpty, !preamble.hasSuffix("\n\n") {
            preamble += preamble.hasSuffix("\n") ? "\n" : "\n\n"
        }
        return preamble + top.joined() + old.map(\.text).joined()
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

extension ChangelogFile {
    /// The file a release writes its changelog to: `path`, or where it leads when the
    /// repository stores it (or a folder on its way) as a symbolic link
    /// (`CHANGELOG.md -> docs/CHANGELOG.md`), so the release writes through the link as an
    /// editor would, and the link stays a link. A link that leads out of the repository, into
    /// `.git`, to a folder, or round in circles is refused (exit 2), as is a path that is a
    /// folder or a submodule.
    static func resolvedPath(_ path: String, in repo: Repository, commit: ObjectID) throws(RelflowError) -> String {
        func refuse(_ what: String) -> RelflowError {
            .usage("[changelog] file '\(path)' \(what)", hint: "point [changelog] file at a file of the repository (or a link to one inside it)")
        }
        var parts = path.split(separator: "/").map(String.init)
        var hops = 0
        var i = 0
        while i < parts.count {
            let prefix = parts[0...i].joined(separator: "/")
            let entry = try git { () throws(GitError) in try repo.entry(at: prefix, inCommit: commit) }
            switch entry {
            case .link(let target)?:
                hops += 1
                guard hops <= 8 else { throw refuse("leads through more than 8 links") }
                guard !target.hasPrefix("/") else { throw refuse("leads to '\(target)', an absolute path: a release writes its changelog only inside the repository") }
                var resolved = Array(parts[0..<i])
                for part in target.split(separator: "/") where part != "." {
                    if part == ".." {
                        guard !resolved.isEmpty else { throw refuse("leads to '\(target)', outside the repository") }
                        resolved.removeLast()
                    } else {
                        resolved.append(String(part))
                    }
                }
                parts = resolved + parts[(i + 1)...]
                if let problem = RelflowConfig.Changelog.pathProblem(parts.joined(separator: "/")) {
                    throw refuse("leads to '\(parts.joined(separator: "/"))', which \(problem)")
                }
                i = 0
                continue
            case .folder?:
                if i == parts.count - 1 { throw refuse("is a folder in the repository" + (prefix == path ? "" : " ('\(prefix)')")) }
            case .submodule?:
                throw refuse("is in a submodule ('\(prefix)')")
            case .file?:
                if i < parts.count - 1 { throw refuse("goes through '\(prefix)', which is a file") }
            case nil:
                break
            }
            i += 1
        }
        return parts.joined(separator: "/")
    }
}
