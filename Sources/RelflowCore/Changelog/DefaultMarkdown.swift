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
            if out.count >= 1 << 16 {
                sink(out.string)
                out.removeAll()
            }
        }
        if !out.isEmpty { sink(out.string) }
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
        write(title: release.unreleased ? "Unreleased" : (release.version ?? release.tag ?? ""), compareURL: release.compareUrl,
              date: release.date, breaking: release.breaking, groups: release.groups.map { ($0.title, $0.commits) },
              contributors: release.contributors, links: nil, to: &out)
    }

    /// A release from its parts: those of a `ChangelogRelease`, or those the builder lays out
    /// straight from the commits (`ChangelogBuilder.defaultMarkdownBytes`).
    static func write<Commit: MarkdownCommit>(title: String, compareURL: String?, date: String?, breaking: [Commit],
                                              groups: [(title: String, commits: [Commit])], contributors: [Person],
                                              links: RemoteLinks?, to out: inout ByteText) {
        out += "## "
        if let url = compareURL {
            out += "["; out.append(title); out += "]("; out.append(url); out += ")"
        } else {
            out.append(title)
        }
        if let date { out += " - "; out.append(date) }
        out += "\n\n"
        if !breaking.isEmpty {
            out += "### ⚠ Breaking Changes\n\n"
            for commit in breaking {
                out += "- "
                commit.writeHead(to: &out)
                out += "\n"
                for note in commit.breakingNotes {
                    out += "  "
                    out.appendIndentingNewlines(note)
                    out += "\n"
                }
            }
            out += "\n"
        }
        for group in groups {
            out += "### "; out.append(group.title); out += "\n\n"
            for commit in group.commits {
                out += "- "
                if commit.breaking { out += "**BREAKING** " }
                commit.writeHead(to: &out)
                out += " ("
                commit.writeLink(to: &out, links: links)
                out += ")"
                if !commit.issues.isEmpty {
                    out += ", closes "
                    for (i, issue) in commit.issues.enumerated() {
                        if let url = issue.url {
                            out += "[#"; out.append(String(issue.number)); out += "]("; out.append(url); out += ")"
                        } else {
                            out += "#"; out.append(String(issue.number))
                        }
                        if i < commit.issues.count - 1 { out += " " }
                    }
                }
                if !commit.refs.isEmpty {
                    out += ", refs "
                    for (i, ref) in commit.refs.enumerated() {
                        if i > 0 { out += ", " }
                        out.append(ref)
                    }
                }
                out += "\n"
            }
            out += "\n"
        }
        if groups.isEmpty && breaking.isEmpty { out += "No notable changes.\n\n" }
        if !contributors.isEmpty {
            out += "Contributors: "
            for (i, person) in contributors.enumerated() {
                if i > 0 { out += ", " }
                out.append(person.name)
            }
            out += "\n\n"
        }
    }
}

/// What the default Markdown shows of a commit.
protocol MarkdownCommit {
    var scope: String? { get }
    var description: String { get }
    var breaking: Bool { get }
    var breakingNotes: [String] { get }
    var issues: [IssueReference] { get }
    var refs: [String] { get }
    /// `[abc1234](url)`, or `abc1234` without a forge.
    func writeLink(to out: inout ByteText, links: RemoteLinks?)
    /// `**scope:** description`, or the description alone.
    func writeHead(to out: inout ByteText)
}

extension MarkdownCommit {
    func writeHead(to out: inout ByteText) {
        if let scope { out += "**"; out.append(scope); out += ":** " }
        out.append(description)
    }
}

extension ChangelogCommit: MarkdownCommit {
    func writeLink(to out: inout ByteText, links: RemoteLinks?) {
        if let url {
            out += "["; out.append(shortId); out += "]("; out.append(url); out += ")"
        } else {
            out.append(shortId)
        }
    }
}

/// A commit as the default Markdown lists it, made straight from its source: without the
/// fields the Markdown does not show (date, footers, author, body) and with its link written
/// from the forge's address and the id, not kept as a string (`ChangelogCommit` cost a
/// third of the changelog's build on 30,000 commits).
struct MarkdownEntry: MarkdownCommit {
    let id: String
    let scope: String?
    let description: String
    let breaking: Bool
    let breakingNotes: [String]
    let issues: [IssueReference]
    let refs: [String]

    func writeLink(to out: inout ByteText, links: RemoteLinks?) {
        var id = id
        id.withUTF8 { hex in
            let short = UnsafeBufferPointer(rebasing: hex.prefix(7))
            if let links {
                out += "["; out.append(short); out += "]("
                out.append(links.base); out += links.commitPath; out.append(hex); out += ")"
            } else {
                out.append(short)
            }
        }
    }
}

/// A commit of a `ListedRelease` as the default Markdown lists it: an entry made from its
/// parse, or the plain commit itself, written from its message's bytes (optionals read
/// through `?.`, not an enum's cases: see `ListedCommit`).
struct ListedEntry: MarkdownCommit {
    let entry: MarkdownEntry?
    let plain: PlainCommit?
    let otherType: String?

    // What `DefaultMarkdown.write` reads of a breaking entry, of its issues and of its refs:
    // a plain commit has none of them.
    var scope: String? { entry?.scope }
    var description: String { entry?.description ?? "" }
    var breaking: Bool { entry?.breaking ?? false }
    var breakingNotes: [String] { entry?.breakingNotes ?? [] }
    var issues: [IssueReference] { entry?.issues ?? [] }
    var refs: [String] { entry?.refs ?? [] }
    func writeLink(to out: inout ByteText, links: RemoteLinks?) {
        entry?.writeLink(to: &out, links: links)
        plain?.writeLink(to: &out, links: links)
    }
    func writeHead(to out: inout ByteText) {
        entry?.writeHead(to: &out)
        plain?.writeHead(to: &out, otherType: otherType)
    }
}

extension ChangelogBuilder {
    /// A release in the default Markdown, written from its commits (a plain one straight from
    /// its message): the same bytes as `ChangelogRenderer.defaultMarkdownBytes` of
    /// `build(release, …)`; `ChangelogModelTests` compares them on generated releases.
    public func defaultMarkdownBytes(_ release: ListedRelease) -> [UInt8] {
        // The closure holds the links only: one holding `self` copied the whole configuration
        // for every commit.
        let links = links
        let layout = layout(release.commits, dropping: []) { listed, otherType, _ -> ListedEntry in
            ListedEntry(entry: listed.parsed.map { Self.markdownEntry($0, otherType: otherType, links: links) },
                        plain: listed.plain, otherType: otherType)
        }
        var out = ByteText()
        DefaultMarkdown.write(title: release.tag == nil ? "Unreleased" : (release.version?.description ?? release.tag ?? ""),
                              compareURL: compareURL(tag: release.tag, previousTag: release.previousTag), date: release.date.map(isoDate),
                              breaking: layout.breaking, groups: layout.groups.map { ($0.title, $0.commits) },
                              contributors: layout.contributors, links: links, to: &out)
        return out.bytes
    }

    static func markdownEntry(_ source: SourceCommit, otherType: String?, links: RemoteLinks?) -> MarkdownEntry {
        let parsed = source.parsed
        let commit = parsed.commitBox
        let description = Self.description(of: parsed)
        return MarkdownEntry(id: source.id, scope: commit?.value.scope, description: otherType.map { $0 + ": " + description } ?? description,
                             breaking: commit?.value.isBreaking ?? false, breakingNotes: Self.breakingNotes(of: parsed),
                             issues: Self.issues(of: parsed, description: description, links: links), refs: Self.refs(of: parsed))
    }
}
