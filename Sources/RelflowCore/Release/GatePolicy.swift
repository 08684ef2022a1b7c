/// The gate: whether promoting `publish` from one release to another may happen now.
public struct GateDecision: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Only low-risk paths changed: goes out at once.
        case auto
        /// Needs recorded approvals.
        case review
        /// Waited long enough: a review release whose tag is older than the configured delay.
        case delay
        /// A hotfix under `[gate] hotfix = "auto"`.
        case hotfix
    }

    public var kind: Kind
    /// May the promotion go now?
    public var allowed: Bool
    /// One sentence for people.
    public var reason: String
    /// The changed paths outside `auto_paths` (what made it a review), or all changed paths
    /// for an auto decision.
    public var decidingPaths: [String]
    public var changedPaths: [String]
    public var approvalsPresent: [String]
    public var approvalsNeeded: Int
    /// Seconds until the delay lets it go, when it will.
    public var delayRemaining: Int64?
    /// What the environment before this one still lacks (delivery, health, soak time), when
    /// something does: the release waits for it whatever this gate says.
    public var waitingFor: String?
    /// When the soak time in the environment before ends, when that is what it waits for.
    public var readyAt: Int64?
}

public enum GatePolicy {
    /// - Parameters:
    ///   - changedPaths: paths that differ between the two releases' trees, the files relflow's
    ///     own release commits write already removed.
    ///   - approvers: emails of the recorded approvals of the candidate tag.
    ///   - releasers: the emails of whoever made the candidate release — its tagger (the
    ///     commit's committer for a tag that is no tag object) and the actor of its release
    ///     entry: with `distinct_approver`, no approval of theirs counts.
    ///   - tagTime / now: seconds since the epoch.
    ///   - specialPaths: changed paths that are symlinks, submodules or mode changes: never
    ///     "auto" by their name alone unless `[gate] auto_special` says so.
    /// The first changed path that git itself would refuse to check out: a part that is empty,
    /// `.`, `..` or `.git` (any case), as a tree entry named `docs/../app.txt` gives. Globs
    /// would judge such a path by its name (`docs/**`) while it stands for another one, so a
    /// release holding one is never judged at all.
    public static func unsafePath(in changedPaths: [String]) -> String? {
        changedPaths.first { path in
            path.split(separator: "/", omittingEmptySubsequences: false).contains { part in
                part.isEmpty || part == "." || part == ".." || part.lowercased() == ".git"
            }
        }
    }

    public static func decide(changedPaths: [String], specialPaths: Set<String> = [], rules: RelflowConfig.Gate, approvers: [String],
                              releasers: [String], tagTime: Int64, now: Int64, hotfix: Bool = false) -> GateDecision {
        let globs = rules.autoPaths.map(PathGlob.init)
        let outside = changedPaths.filter { path in
            (!rules.autoSpecial && specialPaths.contains(path)) || !globs.contains { $0.matches(path) }
        }
        let excluded = rules.distinctApprover ? Set(releasers.map { $0.lowercased() }) : []
        var counted: [String] = []
        for approver in approvers {
            let email = approver.lowercased()
            if excluded.contains(email) { continue }
            if !counted.contains(email) { counted.append(email) }
        }
        if hotfix && rules.hotfix == .auto {
            return GateDecision(kind: .hotfix, allowed: true, reason: "hotfix releases go out at once ([gate] hotfix = \"auto\")",
                                decidingPaths: outside, changedPaths: changedPaths, approvalsPresent: counted,
                                approvalsNeeded: 0, delayRemaining: nil)
        }
        if outside.isEmpty {
            let reason = changedPaths.isEmpty ? "nothing changed between the releases' trees"
                : "every changed path is inside [gate] auto_paths"
            return GateDecision(kind: .auto, allowed: true, reason: reason, decidingPaths: changedPaths,
                                changedPaths: changedPaths, approvalsPresent: counted, approvalsNeeded: 0, delayRemaining: nil)
        }
        let needed = rules.approvals
        if counted.count >= needed {
            return GateDecision(kind: .review, allowed: true,
                                reason: "\(counted.count) of \(needed) approval\(needed == 1 ? "" : "s") recorded",
                                decidingPaths: outside, changedPaths: changedPaths, approvalsPresent: counted,
                                approvalsNeeded: needed, delayRemaining: nil)
        }
        // Hotfixes skip the delay: they wait for approvals only.
        if let delay = rules.delay, !hotfix {
            let age = now.clampedSubtracting(tagTime)
            if age >= delay.seconds {
                return GateDecision(kind: .delay, allowed: true,
                                    reason: "the tag is older than [gate] delay (\(delay.text)) with \(counted.count) of \(needed) approvals",
                                    decidingPaths: outside, changedPaths: changedPaths, approvalsPresent: counted,
                                    approvalsNeeded: needed, delayRemaining: 0)
            }
            let left = delay.seconds.clampedSubtracting(age)
            return GateDecision(kind: .delay, allowed: false,
                                reason: "\(counted.count) of \(needed) approvals; it may go without them in \(ConfigDuration.format(left))",
                                decidingPaths: outside, changedPaths: changedPaths, approvalsPresent: counted,
                                approvalsNeeded: needed, delayRemaining: left)
        }
        return GateDecision(kind: .review, allowed: false,
                            reason: "\(counted.count) of \(needed) approval\(needed == 1 ? "" : "s") recorded; \(outside.count) path\(outside.count == 1 ? "" : "s") outside [gate] auto_paths changed",
                            decidingPaths: outside, changedPaths: changedPaths, approvalsPresent: counted,
                            approvalsNeeded: needed, delayRemaining: nil)
    }
}
