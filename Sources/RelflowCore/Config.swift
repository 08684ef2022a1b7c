/// `.relflow.toml`: every key optional, every default here (SPEC §3).
public struct RelflowConfig: Sendable, Equatable {
    public var branches = Branches()
    public var tags = Tags()
    public var commits = Commits()
    public var version = VersionRules()
    public var changelog = Changelog()
    public var gate = Gate()
    public var server = Server()
    public var hotfix = Hotfix()
    public var publisher = Publisher()
    public var notice = Notice()
    public var bom = Bom()
    /// `[[environments]]` as configured; empty: production only (see `chain`).
    public var environments: [Environment] = []
    /// `[[notify]]`.
    public var notifications: [Notification] = []
    /// The environment this configuration was scoped to (`scoped(to:)`); nil: production.
    public var activeEnvironment: String? = nil

    public init() {}

    public struct Branches: Sendable, Equatable {
        public var main = "main"
        public var publish = "publish"
    }

    public struct Tags: Sendable, Equatable {
        public enum Signing: String, Sendable, Equatable, CaseIterable { case none, gpg, ssh }
        /// The prefix new release tags are written with: the first of `prefixes`.
        public var prefix: String { prefixes.first ?? "" }
        /// Every prefix a release tag may have when history is read (`["v", ""]` for a project
        /// that moved from `v1.2.3` to `1.2.3`), most preferred first.
        public var prefixes = ["v"]
        public var sign = Signing.none

        public init(prefixes: [String] = ["v"], sign: Signing = .none) {
            self.prefixes = prefixes
            self.sign = sign
        }

        /// The version a tag name stands for under one of the prefixes, nil when it is none.
        /// The longest matching prefix wins, so `v1.2.3` under `["", "v"]` is still 1.2.3.
        public func version(ofTag name: String) -> SemVer? {
            if prefixes.count == 1 {
                let prefix = prefixes[0]
                return name.hasPrefix(prefix) ? SemVer(String(name.dropFirst(prefix.count))) : nil
            }
            for prefix in prefixes.sorted(by: { $0.count > $1.count }) where name.hasPrefix(prefix) {
                if let version = SemVer(String(name.dropFirst(prefix.count))) { return version }
            }
            return nil
        }

        /// True when `prefix` followed by a version makes a valid tag name (git check-ref-format).
        public static func isValidPrefix(_ prefix: String) -> Bool {
            prefix.isEmpty || (RefNames.hasValidCharacters(prefix) && !prefix.hasPrefix("-")
                && RefNames.isValid(prefix + "0.0.0"))
        }

        /// How the prefixes read in messages: `v<semver>`, or `v<semver> or <semver>`.
        public var pattern: String { prefixes.map { "\($0)<semver>" }.joined(separator: " or ") }
    }

    public struct CommitType: Sendable, Equatable {
        public var type: String
        public var title: String
        /// Left out of changelogs (still linted and counted).
        public var hidden: Bool
        public init(type: String, title: String, hidden: Bool = false) {
            self.type = type
            self.title = title
            self.hidden = hidden
        }
    }

    public struct Commits: Sendable, Equatable {
        public enum NonConventional: String, Sendable, Equatable, CaseIterable { case other, drop }
        /// How a type's case is checked. Conventional Commits 1.0.0 (item 15) matches types
        /// case-insensitively, so `Feat` is `feat` whatever this says; `lower` refuses other
        /// spellings, `warn` (the default) accepts them with a warning, `any` says nothing.
        public enum TypeCase: String, Sendable, Equatable, CaseIterable { case lower, warn, any }
        /// Allowed types in changelog order, with their group titles.
        public var types: [CommitType] = [
            CommitType(type: "feat", title: "Features"),
            CommitType(type: "fix", title: "Bug Fixes"),
            CommitType(type: "perf", title: "Performance"),
            CommitType(type: "revert", title: "Reverts"),
            CommitType(type: "docs", title: "Documentation"),
            CommitType(type: "refactor", title: "Refactoring"),
            CommitType(type: "build", title: "Build", hidden: true),
            CommitType(type: "ci", title: "Continuous Integration", hidden: true),
            CommitType(type: "test", title: "Tests", hidden: true),
            CommitType(type: "style", title: "Style", hidden: true),
            CommitType(type: "chore", title: "Miscellaneous", hidden: true),
        ]
        /// Types that make a release: `feat` bumps minor, the others patch. Breaking bumps major.
        public var releasable = ["feat", "fix", "perf"]
        /// Whether `lint` accepts messages that are not Conventional Commits.
        public var allowNonConventional = false
        /// Where non-conventional commits go in changelogs.
        public var nonConventional = NonConventional.other
        /// Title of the group for non-conventional commits.
        public var otherTitle = "Other"
        public var maxSubjectLength = 100
        /// Allowed scopes; empty allows any.
        public var scopes: [String] = []
        public var requireScope = false
        /// A breaking change must explain itself in the body or a `BREAKING CHANGE:` footer.
        public var requireBodyForBreaking = false
        public var typeCase = TypeCase.warn

        public func group(for type: String) -> CommitType? {
            groupIndex(for: type).map { types[$0] }
        }

        /// Where the group of `type` (any case) stands in `types`.
        public func groupIndex(for type: String) -> Int? {
            let lower = asciiLowercased(type)
            return types.firstIndex { $0.type == lower }
        }
    }

    public struct VersionRules: Sendable, Equatable {
        public enum ZeroBreaking: String, Sendable, Equatable, CaseIterable { case minor, major }
        /// The first version, when there is no release tag yet.
        public var initial = SemVer(0, 1, 0)
        /// What a breaking change bumps while the major version is 0.
        public var breakingInZero = ZeroBreaking.minor
    }

    public struct Changelog: Sendable, Equatable {
        public var file = "CHANGELOG.md"
        public var template: String? = nil
        public var includeMerges = false
        /// Base URL of the repository for links (`https://github.com/org/repo`), overriding
        /// what `remote.origin.url` says.
        public var remote: String? = nil
        /// A final release lists the commits of its pre-releases too.
        public var prereleasesInFinal = true

        /// Why `path` cannot be the changelog a release commits (nil when it can): it must
        /// name a file inside the repository, relative to its root, outside `.git`.
        public static func pathProblem(_ path: String) -> String? {
            if path.isEmpty { return "is empty" }
            if path.hasPrefix("/") { return "is an absolute path; the changelog is a file of the repository" }
            if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "holds a control character" }
            if path.contains("\\") { return "holds a backslash, which git refuses to check out on some systems" }
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            if components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
                return "is not a plain path inside the repository (no '.', '..' or empty parts)"
            }
            // git refuses `.git` in any part of a path, in any case, with trailing dots or
            // spaces, and its NTFS short name `git~1`.
            for component in components {
                var name = Substring(component.lowercased())
                while let last = name.last, last == "." || last == " " { name = name.dropLast() }
                if name == ".git" || name == "git~1" { return "is inside .git (or names it the way git refuses)" }
            }
            if path == ConfigLoader.fileName { return "is relflow's own configuration" }
            return nil
        }
    }

    public struct Gate: Sendable, Equatable {
        public enum HotfixPolicy: String, Sendable, Equatable, CaseIterable { case same, auto }
        public var autoPaths: [String] = []
        public var approvals = 1
        public var distinctApprover = true
        public var delay: ConfigDuration? = nil
        public var hotfix = HotfixPolicy.same
        /// Whether a symlink, a submodule or a mode change under `auto_paths` may still go out
        /// at once. By default such a path is judged by what it is, not by its name: review.
        public var autoSpecial = false
    }

    /// What the server hook enforces on top of the model (read from the server's own policy).
    public struct Server: Sendable, Equatable {
        /// How far into the future a pushed ledger entry's time may lie.
        public var clockSkew = ConfigDuration(seconds: 300)
        /// How old a ledger entry may be when it is pushed.
        public var maxEntryAge = ConfigDuration(seconds: 7 * 86_400)
        /// How many ledger entries one push may add.
        public var maxEntriesPerPush = 1000
    }

    public struct Hotfix: Sendable, Equatable {
        public enum Backport: String, Sendable, Equatable, CaseIterable { case merge, cherryPick = "cherry-pick" }
        public var branchPrefix = "hotfix/"
        public var allowedTypes = ["fix", "perf", "revert", "docs", "test", "build", "ci", "chore"]
        public var backport = Backport.merge
    }

    public struct Publisher: Sendable, Equatable {
        public var command: [String] = []
        public var timeout = ConfigDuration(seconds: 1800)
        public var environment = "production"
    }

    public struct Notice: Sendable, Equatable {
        public var earlyAccess: String? = nil
        /// A weekday for a release cadence, e.g. `tuesday`.
        public var expected: String? = nil
    }

    public struct Bom: Sendable, Equatable {
        public var paths: [String] = []
    }
}
