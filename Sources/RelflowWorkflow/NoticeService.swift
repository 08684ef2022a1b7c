import Git
import RelflowCore

/// `relflow notice`: what `main` holds beyond `publish`, told before it ships.
public struct NoticeService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var config: RelflowConfig { context.config }
    var repo: Repository { context.repository }

    /// Everyone whose commits ship: authors and `Co-authored-by` people of every commit,
    /// whatever group (or none) the changelog puts the commit in.
    static func contributors(of commits: [SourceCommit]) -> [Person] {
        var people: [String: Person] = [:]
        for commit in commits {
            let coAuthors = (commit.parsed.commit?.footers ?? []).filter { $0.token.lowercased() == "co-authored-by" }
                .compactMap { person(fromTrailer: $0.value) }
            for person in [commit.author] + coAuthors where people[person.email.lowercased()] == nil {
                people[person.email.lowercased()] = person
            }
        }
        return people.values.sorted { ($0.name.lowercased(), $0.email) < ($1.name.lowercased(), $1.email) }
    }

    public func notice(to revision: String?, date: String?) throws(RelflowError) -> (notice: ShippingNotice, warnings: [BomWarning]) {
        try context.requireFullHistory()
        let gateService = GateService(context: context)
        let index = try context.releaseTags()
        let publish = try gateService.publishCommit()
        let current = try gateService.currentRelease(index: index)
        let target: ObjectID
        if let revision { target = try context.resolve(revision) } else { target = try context.requireBranchTip(config.branches.main, key: "main") }
        let entries = try Ledger(repository: repo).entries()

        // Every commit beyond production, as one section.
        var changelog = ChangelogService(context: context)
        let range = (publish?.hex ?? "") + ".." + target.hex
        let sections = publish == nil ? try changelog.sourceReleases(scope: .full, tip: target.hex)
                                      : try changelog.sourceReleases(scope: .range(range))
        let commits = sections.flatMap(\.commits).sorted { $0.time > $1.time }
        let builder = ChangelogBuilder(config: config, links: changelog.remoteLinks())
        let section = builder.build([SourceRelease(tag: nil, version: nil, date: nil, previousTag: current?.name, commits: commits)]).releases[0]

        // The upcoming version: the latest release tagged beyond production, unless newer
        // releasable commits call for the next one.
        let tagged = try index.highest(in: context.reach(from: target)).flatMap { tag -> ReleaseTag? in
            tag.commit == publish ? nil : tag
        }
        let next = try VersionQuery(context: context).next(revision: target.hex)
        var upcoming = ShippingNotice.Upcoming(version: nil, tag: nil, commits: commits.count)
        if let version = next.version, tagged.map({ $0.version < version }) ?? true, next.commitsWalked > 0, next.bump > .none,
           tagged.map({ t in next.deciding.contains { d in d.id != t.commit } }) ?? true {
            upcoming.version = version.description
        } else if let tagged {
            upcoming.version = tagged.version.description
            upcoming.tag = tagged.name
        }

        // The gate, as it stands.
        var gate: ShippingNotice.Gate?
        var decision: GateDecision?
        if let tagged, upcoming.tag == tagged.name {
            decision = try gateService.evaluate(tagged, index: index, ledger: entries).decision
        } else if !commits.isEmpty {
            // Not tagged yet: judged on everything beyond production, with no approval yet.
            let paths = try gateService.changedPaths(from: publish, to: target)
            decision = GatePolicy.decide(changedPaths: paths, rules: config.gate, approvers: [], releasers: [], tagTime: Clock.now(), now: Clock.now())
        }
        if let decision {
            gate = .init(kind: decision.kind.rawValue, allowed: decision.allowed, reason: decision.reason,
                         pathsOutsideAutoSet: decision.kind == .auto ? [] : decision.decidingPaths)
        }
        let expected = expectedDate(date, decision: decision, tagged: tagged)

        // Dependencies that move.
        var dependencies: BomDiff?
        var warnings: [BomWarning] = []
        if let publish {
            let result = try BomService(context: context).diff(from: publish.hex, to: target.hex)
            dependencies = result.diff
            warnings = result.warnings
        }
        let productionEntries = context.scoped(to: config.production).scopedEntries(entries)
        let deliveredAt = current.flatMap { c in productionEntries.last { $0.event == .deliver && $0.tag == c.name && $0.details["status"] == "success" }?.time }
        var notice = ShippingNotice(
            project: BomService(context: context).projectName(), repository: builder.links?.base,
            production: .init(tag: current?.name, version: current?.version.description, deliveredAt: deliveredAt, commit: publish?.hex),
            upcoming: upcoming, expected: expected, gate: gate, breaking: section.breaking, groups: section.groups,
            dependencies: dependencies, earlyAccess: config.notice.earlyAccess, contributors: Self.contributors(of: commits))
        if config.chain.count > 1 {
            notice.environments = try environmentExpectations(tagged: upcoming.tag.flatMap { index.tag(named: $0) }, index: index,
                                                             entries: entries, date: date)
        }
        return (notice, warnings)
    }

    /// When each environment gets the upcoming release: at once where its gate lets it go and
    /// the one before has passed it, after the one before plus the soak time, or on approval.
    func environmentExpectations(tagged: ReleaseTag?, index: ReleaseTagIndex, entries: [LedgerEntry],
                                 date: String?) throws(RelflowError) -> [ShippingNotice.EnvironmentExpectation] {
        var out: [ShippingNotice.EnvironmentExpectation] = []
        let now = Clock.now()
        // The earliest moment the environment before has (or will have) the release.
        var earliest: Int64? = now
        for env in config.chain {
            let scoped = context.scoped(to: env)
            let gate = GateService(context: scoped)
            let current = try gate.currentRelease(index: index)
            if let tagged, current?.commit == tagged.commit {
                let record = EnvironmentChain.record(of: tagged.name, in: env.name, config: config, entries: entries)
                let since = record.placedAt ?? now
                out.append(.init(name: env.name, tag: current?.name, date: isoDate(since), text: "runs it since \(isoDateTime(since))"))
                earliest = (env.health != nil ? record.healthAt : record.deliveredAt) ?? since
                continue
            }
            var from = earliest.map { $0.clampedAdding(env.soak?.seconds ?? 0) }
            var text: String
            if let tagged {
                let decision = try gate.evaluate(tagged, index: index, ledger: entries).decision
                if let ready = decision.readyAt { from = max(from ?? ready, ready) }
                if decision.allowed {
                    text = "as soon as it is promoted (relflow promote --to \(env.name))"
                    from = now
                } else if decision.kind == .review && decision.approvalsPresent.count < decision.approvalsNeeded {
                    text = "on approval (\(decision.approvalsPresent.count) of \(decision.approvalsNeeded))"
                } else if let left = decision.delayRemaining, left > 0 {
                    from = max(from ?? now, now.clampedAdding(left))
                    text = "when [gate] delay lets it go"
                } else {
                    text = "when the environment before has passed it"
                }
            } else {
                text = env.gate.approvals > 0 && env.gate.autoPaths != ["**"] ? "once released, on approval" : "once released"
            }
            if let soak = env.soak, out.last != nil { text += ", after \(soak.text) in \(out[out.count - 1].name)" }
            if let from, date == nil, tagged != nil, from > now { text += ", not before \(isoDateTime(from))" }
            out.append(.init(name: env.name, tag: current?.name, date: from.map(isoDate), text: text))
            earliest = from
        }
        return out
    }

    /// `--date`, else the release cadence's next weekday, else the gate's delay from the tag,
    /// else at once for an auto release, else "on approval".
    func expectedDate(_ date: String?, decision: GateDecision?, tagged: ReleaseTag?) -> ShippingNotice.Expected {
        if let date { return .init(date: date, text: date) }
        let now = Clock.now()
        if let day = config.notice.expected {
            let names = ["thursday", "friday", "saturday", "sunday", "monday", "tuesday", "wednesday"]  // 1970-01-01 was a Thursday
            if let wanted = names.firstIndex(of: day) {
                let today = Int((now / 86_400) % 7)
                let ahead = (wanted - today + 7) % 7
                let when = isoDate(now + Int64(ahead) * 86_400)
                return .init(date: when, text: "\(when) (the release day, \(day))")
            }
        }
        if let decision {
            if decision.kind == .auto { return .init(date: isoDate(now), text: "as soon as it is promoted: the gate lets it out at once") }
            if decision.allowed { return .init(date: isoDate(now), text: "as soon as it is promoted: the gate allows it (\(decision.reason))") }
            if let left = decision.delayRemaining, left > 0 {
                let when = isoDate(now.clampedAdding(left))
                return .init(date: when, text: "\(when), when [gate] delay lets it go without approvals (or earlier, on approval)")
            }
            if config.gate.delay != nil, tagged == nil, let delay = config.gate.delay {
                let when = isoDate(now.clampedAdding(delay.seconds))
                return .init(date: when, text: "\(when) at the earliest: [gate] delay (\(delay.text)) after it is tagged, or earlier on approval")
            }
        }
        guard let decision else {
            return .init(date: nil, text: tagged == nil ? "once it is released (relflow release) and its gate lets it out" : "when it is promoted")
        }
        return .init(date: nil, text: decision.kind == .review ? "on approval (\(decision.reason))" : "when the gate lets it out (\(decision.reason))")
    }
}
