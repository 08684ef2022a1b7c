import Mustache

/// The advance shipping notice: what is about to ship, when, what changed. Field names are
/// the stable JSON schema (the README documents it), for chat bots and mail.
public struct ShippingNotice: Sendable, Codable {
    public struct Production: Sendable, Codable {
        public var tag: String?
        public var version: String?
        /// When it was last delivered successfully, ISO 8601 (from the ledger).
        public var deliveredAt: String?
        /// The commit `publish` is at, when it is set: with no tag, a commit no release names.
        public var commit: String?
        public init(tag: String?, version: String?, deliveredAt: String?, commit: String? = nil) {
            self.tag = tag
            self.version = version
            self.deliveredAt = deliveredAt
            self.commit = commit
        }
    }

    public struct Upcoming: Sendable, Codable {
        public var version: String?
        /// Set when the release is tagged already.
        public var tag: String?
        public var commits: Int
        public init(version: String?, tag: String?, commits: Int) {
            self.version = version
            self.tag = tag
            self.commits = commits
        }
    }

    public struct Expected: Sendable, Codable {
        /// `YYYY-MM-DD`, when one can be said.
        public var date: String?
        /// For people: the date and how it was found, or "on approval".
        public var text: String
        public init(date: String?, text: String) {
            self.date = date
            self.text = text
        }
    }

    /// When one environment of the chain is expected to get the release.
    public struct EnvironmentExpectation: Sendable, Codable {
        public var name: String
        /// What it runs now.
        public var tag: String?
        /// `YYYY-MM-DD`, when one can be said.
        public var date: String?
        public var text: String
        public init(name: String, tag: String?, date: String?, text: String) {
            self.name = name
            self.tag = tag
            self.date = date
            self.text = text
        }
    }

    public struct Gate: Sendable, Codable {
        public var kind: String
        public var allowed: Bool
        public var reason: String
        public var pathsOutsideAutoSet: [String]
        public init(kind: String, allowed: Bool, reason: String, pathsOutsideAutoSet: [String]) {
            self.kind = kind
            self.allowed = allowed
            self.reason = reason
            self.pathsOutsideAutoSet = pathsOutsideAutoSet
        }
    }

    public var schemaVersion = 1
    public var project: String
    public var repository: String?
    public var production: Production
    public var upcoming: Upcoming
    public var expected: Expected
    public var gate: Gate?
    public var breaking: [ChangelogCommit]
    public var groups: [ChangelogGroup]
    public var dependencies: BomDiff?
    public var earlyAccess: String?
    public var contributors: [Person]
    /// Per environment, in the chain's order; nil without `[[environments]]`.
    public var environments: [EnvironmentExpectation]? = nil

    public init(project: String, repository: String?, production: Production, upcoming: Upcoming, expected: Expected, gate: Gate?,
                breaking: [ChangelogCommit], groups: [ChangelogGroup], dependencies: BomDiff?, earlyAccess: String?,
                contributors: [Person]) {
        self.project = project
        self.repository = repository
        self.production = production
        self.upcoming = upcoming
        self.expected = expected
        self.gate = gate
        self.breaking = breaking
        self.groups = groups
        self.dependencies = dependencies
        self.earlyAccess = earlyAccess
        self.contributors = contributors
    }

    /// The view model of `templates/notice.*`: sentences already made.
    func viewModel(indentNotes: Bool) -> [String: Any] {
        func commit(_ c: ChangelogCommit) -> [String: Any] {
            var v: [String: Any] = [
                "description": c.description, "shortId": c.shortId, "hasIssues": !c.issues.isEmpty,
                "issues": c.issues.map { i -> [String: Any] in
                    var d: [String: Any] = ["number": i.number]
                    if let url = i.url { d["url"] = url }
                    return d
                },
                "hasRefs": !c.refs.isEmpty, "refs": c.refs,
                "notes": c.breakingNotes.map { indentNotes ? $0.replacingNewlines(with: "\n  ") : $0 },
            ]
            if let scope = c.scope { v["scope"] = scope }
            if let url = c.url { v["url"] = url }
            return v
        }
        let production = self.production.tag.map { tag in tag + (self.production.deliveredAt.map { ", delivered \($0)" } ?? ", delivery not recorded") }
            ?? self.production.commit.map { "\($0.prefix(7)), a commit no release tag names" }
            ?? "nothing yet"
        let upcoming = (self.upcoming.version.map { "\($0)" + (self.upcoming.tag == nil ? " (not tagged yet)" : "") } ?? "no release due")
            + " — \(self.upcoming.commits) commit\(self.upcoming.commits == 1 ? "" : "s") beyond production"
        let gate = self.gate.map { "\($0.kind)\($0.allowed ? " (may go)" : " (waits)") — \($0.reason)" } ?? "not evaluated"
        var model: [String: Any] = [
            "project": project, "headline": self.upcoming.version.map { "\($0) is about to ship" } ?? "what is coming",
            "production": production, "upcoming": upcoming, "expected": expected.text, "gate": gate,
            "hasGatePaths": !(self.gate?.pathsOutsideAutoSet.isEmpty ?? true), "gatePaths": self.gate?.pathsOutsideAutoSet ?? [],
            "hasBreaking": !breaking.isEmpty, "breaking": breaking.map(commit),
            "hasGroups": !groups.isEmpty,
            "groups": groups.map { g -> [String: Any] in ["title": g.title, "commits": g.commits.map(commit)] },
            "hasDependencies": !(dependencies?.isEmpty ?? true),
            "dependencies": dependencies.map { $0.markdown.split(separator: "\n").map { String($0.dropFirst(2)) } } ?? [],
            "hasContributors": !contributors.isEmpty,
            "contributors": contributors.map { ["name": $0.name] },
        ]
        if let earlyAccess { model["earlyAccess"] = earlyAccess }
        model["hasEnvironments"] = !(environments?.isEmpty ?? true)
        model["environments"] = (environments ?? []).map { ["name": $0.name, "text": $0.text] }
        return model
    }

    /// Markdown (commit text as written) or HTML (everything from commits escaped).
    public func render(html: Bool, template: String? = nil) throws(RelflowError) -> String {
        var source = template ?? (html ? DefaultTemplates.noticeHTML : DefaultTemplates.noticeMarkdown)
        if !html, !source.contains("CONTENT_TYPE") { source = "{{% CONTENT_TYPE: TEXT }}" + source }
        do {
            return try MustacheTemplate(string: source).render(viewModel(indentNotes: !html))
        } catch {
            throw .usage("the notice template does not parse: \(error)", hint: "check its {{tags}}; see templates/notice.\(html ? "html" : "md")")
        }
    }
}
