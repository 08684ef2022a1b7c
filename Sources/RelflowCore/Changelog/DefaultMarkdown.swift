/// `templates/changelog.md` written out in Swift. Any change to the template must be made
/// here too: `DefaultMarkdownTests` renders both ways and compares the bytes.
enum DefaultMarkdown {
    static func render(_ document: ChangelogDocument, header: Bool) -> String {
        var all = ""
        render(document, header: header) { all += $0 }
        return all
    }

    /// Renders release by release into `sink`, so that a long history is never one string.
    static func render(_ document: ChangelogDocument, header: Bool, to sink: (String) -> Void) {
        var out = ""
        out.reserveCapacity(1 << 16)
        if header {
            out += "# Changelog\n\nAll notable changes to this project are documented in this file. It is written by\n"
            out += "relflow from the project's Conventional Commits.\n\n"
        }
        for release in document.releases {
            let title = release.unreleased ? "Unreleased" : (release.version ?? release.tag ?? "")
            out += "## "
            if let url = release.compareUrl { out += "[\(title)](\(url))" } else { out += title }
            if let date = release.date { out += " - " + date }
            out += "\n\n"
            if !release.breaking.isEmpty {
                out += "### ⚠ Breaking Changes\n\n"
                for commit in release.breaking {
                    out += "- "
                    if let scope = commit.scope { out += "**\(scope):** " }
                    out += commit.description + "\n"
                    for note in commit.breakingNotes {
                        out += "  " + note.replacingNewlines(with: "\n  ") + "\n"
                    }
                }
                out += "\n"
            }
            for group in release.groups {
                out += "### " + group.title + "\n\n"
                for commit in group.commits {
                    out += "- "
                    if commit.breaking { out += "**BREAKING** " }
                    if let scope = commit.scope { out += "**\(scope):** " }
                    out += commit.description + " ("
                    if let url = commit.url { out += "[\(commit.shortId)](\(url))" } else { out += commit.shortId }
                    out += ")"
                    if !commit.issues.isEmpty {
                        out += ", closes "
                        for (i, issue) in commit.issues.enumerated() {
                            if let url = issue.url { out += "[#\(issue.number)](\(url))" } else { out += "#\(issue.number)" }
                            if i < commit.issues.count - 1 { out += " " }
                        }
                    }
                    if !commit.refs.isEmpty { out += ", refs " + commit.refs.joined(separator: ", ") }
                    out += "\n"
                }
                out += "\n"
            }
            if release.groups.isEmpty && release.breaking.isEmpty { out += "No notable changes.\n\n" }
            if !release.contributors.isEmpty {
                out += "Contributors: " + release.contributors.map(\.name).joined(separator: ", ") + "\n\n"
            }
            if out.utf8.count >= 1 << 16 {
                sink(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { sink(out) }
    }
}
