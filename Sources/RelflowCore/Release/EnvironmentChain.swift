/// What the ledger says about releases in each environment, and whether a release has passed
/// one environment so that the next may take it: delivered there, healthy there (when the
/// environment has a health check), and for long enough (the next one's soak time).
public enum EnvironmentChain {
    public enum Health: String, Sendable, Equatable, Codable {
        case healthy, unhealthy
        /// No check recorded (yet).
        case unknown
    }

    /// One release in one environment, as recorded.
    public struct Record: Sendable, Equatable {
        public var tag: String
        /// When it was put there last (promote, rollback or hotfix).
        public var placedAt: Int64?
        /// The first successful delivery since then.
        public var deliveredAt: Int64?
        /// The newest delivery since then failed.
        public var deliveryFailed = false
        public var health = Health.unknown
        /// When the newest health result was recorded.
        public var healthAt: Int64?
        /// When another release replaced it there (after it was last put there).
        public var leftAt: Int64?
    }

    /// The record of `tag` in `env`, from the entries about that environment.
    public static func record(of tag: String, in env: String, config: RelflowConfig, entries: [LedgerEntry]) -> Record {
        var record = Record(tag: tag)
        for entry in entries where config.entry(entry, isFor: env) {
            guard entry.tag == tag else {
                // Another release put there: this one left (a move is what counts, only a
                // promote or a rollback moves a branch; a hotfix-finish entry records none).
                if [.promote, .rollback].contains(entry.event), record.placedAt != nil, record.leftAt == nil {
                    record.leftAt = entry.timestamp
                }
                continue
            }
            switch entry.event {
            case .promote, .rollback:
                record = Record(tag: tag, placedAt: entry.timestamp)
            case .deliver:
                if entry.details["status"] == "success" {
                    if record.deliveredAt == nil { record.deliveredAt = entry.timestamp }
                    record.deliveryFailed = false
                } else {
                    record.deliveryFailed = true
                }
            case .verify:
                record.health = entry.details["status"] == "healthy" ? .healthy : .unhealthy
                record.healthAt = entry.timestamp
            default:
                break
            }
        }
        return record
    }

    /// Whether `target` may take `tag` as far as the chain goes (its own gate is separate).
    public struct Passage: Sendable, Equatable {
        public var passed: Bool
        /// What is missing, for people; empty when passed.
        public var reason: String
        /// When the soak time ends, when that is all that is missing.
        public var readyAt: Int64?
    }

    public static func passage(of tag: String, into target: RelflowConfig.Environment, config: RelflowConfig,
                               entries: [LedgerEntry], now: Int64, hotfix: Bool) -> Passage {
        guard let before = config.predecessor(of: target) else { return Passage(passed: true, reason: "", readyAt: nil) }
        let r = record(of: tag, in: before.name, config: config, entries: entries)
        // Been there: a recorded move (which a server accepts only with the move itself). A
        // delivery or a health result alone proves nothing; anyone can write those entries.
        guard r.placedAt != nil else {
            return Passage(passed: false, reason: "\(tag) has not been in \(before.name) yet (promote it there first: relflow promote --to \(before.name) \(tag))", readyAt: nil)
        }
        // Delivered: a successful delivery recorded, or, where nothing delivers (no publisher),
        // being there with no failed delivery recorded.
        let delivered: Int64?
        if let at = r.deliveredAt, !r.deliveryFailed {
            delivered = at
        } else if before.publisher.command.isEmpty, !r.deliveryFailed {
            delivered = r.placedAt
        } else {
            delivered = nil
        }
        guard let deliveredAt = delivered else {
            return Passage(passed: false, reason: r.deliveryFailed
                ? "the last delivery of \(tag) to \(before.name) failed"
                : "\(tag) is in \(before.name) but no successful delivery is recorded (relflow deliver --env \(before.name) records one)",
                           readyAt: nil)
        }
        var since = deliveredAt
        if before.health != nil {
            switch r.health {
            case .healthy:
                since = max(deliveredAt, r.healthAt ?? deliveredAt)
            case .unhealthy:
                return Passage(passed: false, reason: "\(tag) is unhealthy in \(before.name) (its last health check failed)", readyAt: nil)
            case .unknown:
                return Passage(passed: false, reason: "\(tag) has no health check result in \(before.name) yet", readyAt: nil)
            }
        }
        if let soak = target.soak, !(hotfix && target.hotfixSkipsSoak) {
            let ready = since.clampedAdding(soak.seconds)
            if let left = r.leftAt, left < ready {
                return Passage(passed: false, reason: "\(tag) left \(before.name) at \(isoDateTime(left)), before its \(soak.text) there were over (promote it there again, or promote what runs there now)",
                               readyAt: nil)
            }
            if now < ready {
                return Passage(passed: false, reason: "\(tag) soaks in \(before.name) until \(isoDateTime(ready)) (\(soak.text) after it was \(before.health == nil ? "delivered" : "healthy"))",
                               readyAt: ready)
            }
        }
        return Passage(passed: true, reason: "", readyAt: nil)
    }
}
