/// One event of the ledger (`refs/relflow/ledger`): the audit log and proof of delivery.
/// Stored as a commit whose message is a one-line summary, a blank line, and this object as
/// JSON. The field names are the stable schema.
public struct LedgerEntry: Sendable, Codable, Equatable {
    public enum Event: String, Sendable, Codable, CaseIterable {
        case release, approve, promote, deliver, rollback
        case hotfixStart = "hotfix-start", hotfixFinish = "hotfix-finish", hotfixAbort = "hotfix-abort", backport
        /// A health check's result after a delivery (`details.status`: healthy or unhealthy).
        case verify
    }

    public struct Actor: Sendable, Codable, Equatable {
        public var name: String
        public var email: String
        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    public var schema = 1
    public var event: Event
    public var version: String?
    public var tag: String?
    /// The tag object's id (the commit's for a lightweight tag), recorded at release: a tag
    /// that later points elsewhere was moved.
    public var tagObject: String?
    /// The commit the event is about (the release commit; where publish moved to).
    public var commit: String?
    /// What came before: publish's commit before a promote or rollback.
    public var previous: String?
    public var actor: Actor
    /// UTC, ISO 8601, seconds.
    public var time: String
    /// Seconds since the epoch, the same moment as `time`.
    public var timestamp: Int64
    /// Event-specific facts (gate decision, publisher status, comment…): strings, integers
    /// and booleans.
    public var details: [String: LedgerValue]

    public init(event: Event, version: String? = nil, tag: String? = nil, tagObject: String? = nil, commit: String? = nil,
                previous: String? = nil, actor: Actor, timestamp: Int64, details: [String: LedgerValue] = [:]) {
        self.event = event
        self.version = version
        self.tag = tag
        self.tagObject = tagObject
        self.commit = commit
        self.previous = previous
        self.actor = actor
        self.timestamp = timestamp
        self.time = isoDateTime(timestamp)
        self.details = details
    }

    /// The first line of the ledger commit: what `git log refs/relflow/ledger --oneline` shows.
    public var summary: String {
        let what = tag ?? version ?? ""
        switch event {
        case .release: return "release \(what)"
        case .approve: return "approve \(what) by \(actor.name)"
        case .promote: return "promote \(what)" + (details["gate"].map { " (\($0.description))" } ?? "")
        case .deliver: return "deliver \(what): \(details["status"]?.description ?? "?")" + (details["environment"].map { " to \($0.description)" } ?? "")
        case .rollback: return "rollback to \(what)"
        case .hotfixStart: return "hotfix-start \(what)"
        case .hotfixFinish: return "hotfix-finish \(what)"
        case .hotfixAbort: return "hotfix-abort \(what)"
        case .backport: return "backport \(what): \(details["status"]?.description ?? "?")"
        case .verify: return "verify \(what): \(details["status"]?.description ?? "?")" + (details["environment"].map { " in \($0.description)" } ?? "")
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
public func isoDateTime(_ seconds: Int64) -> String {
    let day = isoDate(seconds)
    var rest = seconds % 86_400
    if rest < 0 { rest += 86_400 }
    func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(day)T\(pad(rest / 3600)):\(pad(rest % 3600 / 60)):\(pad(rest % 60))Z"
}
