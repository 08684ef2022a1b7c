import Mustache

/// Renders a changelog through Mustache templates: the defaults compiled in from
/// `templates/`, or a user's template by name.
public struct ChangelogRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable { case md, json, html }

    public init() {}

    /// The view model templates receive: grouped and sorted already, so templates need no logic.
    /// Keys: `header`, `projectTitle`, `repository`, `releases[]` with `title`, `version`, `tag`,
    /// `date`, `compareUrl`, `unreleased`, `prerelease`, `hasBreaking`, `breaking[]`,
    /// `groups[]` (`title`, `commits[]`), `empty`, `hasContributors`, `contributors[]`; each
    /// commit has `id`, `shortId`, `type`, `scope`, `description`, `body`, `breaking`,
    /// `notes[]`, `hasIssues`, `issues[]` (`number`, `url`), `author`, `date`, `url`.
    public func viewModel(_ document: ChangelogDocument, header: Bool, title: String = "Changelog", indentNotes: Bool) -> [String: Any] {
        func commit(_ c: ChangelogCommit) -> [String: Any] {
            var v: [String: Any] = [
                "id": c.id, "shortId": c.shortId, "description": c.description, "body": c.body,
                "breaking": c.breaking, "hasIssues": !c.issues.isEmpty, "date": c.date,
                "hasRefs": !c.refs.isEmpty, "refs": c.refs,
                "footers": c.footers.map { ["token": $0.token, "value": $0.value] },
                "author": ["name": c.author.name, "email": c.author.email],
                "notes": c.breakingNotes.map { indentNotes ? $0.replacingNewlines(with: "\n  ") : $0 },
                "issues": c.issues.map { i -> [String: Any] in
                    var d: [String: Any] = ["number": i.number]
                    if let url = i.url { d["url"] = url }
                    return d
                },
            ]
            if let t = c.type { v["type"] = t }
            if let s = c.scope { v["scope"] = s }
            if let u = c.url { v["url"] = u }
            return v
        }
        let releases: [[String: Any]] = document.releases.map { r in
            var v: [String: Any] = [
                "title": r.unreleased ? "Unreleased" : (r.version ?? r.tag ?? ""),
                "unreleased": r.unreleased, "prerelease": r.prerelease,
                "hasBreaking": !r.breaking.isEmpty, "breaking": r.breaking.map(commit),
                "groups": r.groups.map { g -> [String: Any] in ["title": g.title, "commits": g.commits.map(commit)] },
                "empty": r.groups.isEmpty && r.breaking.isEmpty,
                "hasContributors": !r.contributors.isEmpty,
                "contributors": r.contributors.map { ["name": $0.name, "email": $0.email] },
            ]
            if let x = r.version { v["version"] = x }
            if let x = r.tag { v["tag"] = x }
            if let x = r.date { v["date"] = x }
            if let x = r.compareUrl { v["compareUrl"] = x }
            return v
        }
        var model: [String: Any] = ["header": header, "projectTitle": title, "releases": releases]
        if let repository = document.repository { model["repository"] = repository }
        return model
    }

    /// The preamble of the default Markdown changelog.
    public static var defaultMarkdownHeader: String { DefaultMarkdown.render(ChangelogDocument(repository: nil, releases: []), header: true) }

    /// The default Markdown of `document`.
    public static func defaultMarkdown(_ document: ChangelogDocument, header: Bool) -> String {
        DefaultMarkdown.render(document, header: header)
    }

    /// The default Markdown of `document`, as UTF-8.
    public static func defaultMarkdownBytes(_ document: ChangelogDocument, header: Bool) -> [UInt8] {
        DefaultMarkdown.bytes(document, header: header)
    }

    /// Renders into `sink` piece by piece (the default Markdown), or in one piece.
    public func render(_ document: ChangelogDocument, format: Format, template: String? = nil, header: Bool = true,
                       to sink: (String) -> Void) throws(RelflowError) {
        if format == .md, (template ?? DefaultTemplates.changelogMarkdown) == DefaultTemplates.changelogMarkdown {
            DefaultMarkdown.render(document, header: header, to: sink)
            return
        }
        sink(try render(document, format: format, template: template, header: header))
    }

    /// Renders with `template` (Mustache source), or the default for the format.
    public func render(_ document: ChangelogDocument, format: Format, template: String? = nil, header: Bool = true,
                       title: String = "Changelog", forceTemplateEngine: Bool = false) throws(RelflowError) -> String {
        var source: String
        switch format {
        case .json:
            preconditionFailure("JSON is encoded, not templated")
        case .md: source = template ?? DefaultTemplates.changelogMarkdown
        case .html: source = template ?? DefaultTemplates.changelogHTML
        }
        // The default Markdown template, compiled to Swift: the same bytes as rendering
        // templates/changelog.md through Mustache (a test holds them equal) at a small
        // fraction of the cost on a history of 100,000s of commits.
        if format == .md, source == DefaultTemplates.changelogMarkdown, !forceTemplateEngine {
            return DefaultMarkdown.render(document, header: header)
        }
        // A Markdown template renders text as written: {{description}} must not come out
        // HTML-escaped (`&amp;`), whether or not the template says {{% CONTENT_TYPE: TEXT }}.
        if format == .md, !source.contains("CONTENT_TYPE") { source = "{{% CONTENT_TYPE: TEXT }}" + source }
        let compiled: MustacheTemplate
        do {
            compiled = try MustacheTemplate(string: source)
        } catch {
            throw .usage("the changelog template does not parse: \(error)", hint: "check its {{tags}}; see templates/changelog.\(format.rawValue)")
        }
        return compiled.render(viewModel(document, header: header, title: title, indentNotes: format == .md))
    }
}

extension String {
    func replacingNewlines(with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
