import Git
import RelflowCore

/// `relflow verify`: the invariants of SPEC §1 over the whole ledger and repository.
public struct VerifyService {
    public struct Violation: Sendable, Codable, Equatable {
        /// 1 to 5, as SPEC §1 numbers them; 6 for signatures under a signed policy.
        public let invariant: Int
        public let rule: String
        public let message: String
        public let hint: String
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    /// What the ledger proves about who acted, in one sentence for people.
    public func trustStatement() throws(RelflowError) -> String {
        guard let chain = try TrustChain.read(context.repository) else {
            return "this repository has no signed policy: its ledger records what happened, but proves nothing about who acted (start one with relflow policy init)"
        }
        guard let current = chain.current else { return "the signed policy does not validate: " + (chain.problems.first ?? "no version") }
        return "ledger entries are signed under policy version \(current.policy.version) (\(current.policy.people.count) people, \(current.policy.threshold) administrator signature\(current.policy.threshold == 1 ? "" : "s") per change)"
    }

    func signatureViolations(_ records: [Ledger.Record]) throws(RelflowError) -> [Violation] {
        guard let chain = try TrustChain.read(context.repository) else { return [] }
        var out: [Violation] = []
        for problem in chain.problems {
            out.append(.init(invariant: 6, rule: "policy-chain", message: "the signed policy: \(problem)",
                             hint: "policy changes are proposed and signed with relflow policy add-person / remove-person / sign"))
        }
        guard let adoption = chain.versions.first?.since else { return out }
        let signers = CommitSignatures.signers(of: records.map(\.id), in: context.repository, pgpKeys: chain.allPGPKeys)
        for (record, signed) in zip(records, signers) {
            guard let entry = record.entry else { continue }
            switch signed {
            case .failure(let problem):
                // Entries from before the policy stay as they were: unsigned, never trusted as signed.
                if entry.timestamp > adoption {
                    out.append(.init(invariant: 6, rule: "entry-unsigned", message: "ledger commit \(record.id.short()) (\(entry.summary)): \(problem), after the signed policy was adopted",
                                     hint: "only entries signed by a person of the policy count; this one was written by hand or without a key"))
                }
            case .success(let key):
                // The version the entry names (else the one in force at its time); an entry
                // may not name a version that had been replaced before the entry was written.
                let named = entry.details["policy"]?.int.flatMap { n in chain.versions.firstIndex { $0.policy.version == n } }
                guard let index = named ?? chain.versions.lastIndex(where: { $0.since <= entry.timestamp }) ?? (chain.versions.isEmpty ? nil : 0) else { continue }
                let policy = chain.versions[index].policy
                if index + 1 < chain.versions.count, entry.timestamp > chain.versions[index + 1].since + 300 {
                    out.append(.init(invariant: 6, rule: "entry-signer", message: "ledger commit \(record.id.short()) (\(entry.summary)) names policy version \(policy.version), which version \(chain.versions[index + 1].policy.version) had replaced before \(entry.time)",
                                     hint: "an entry is signed under the policy in force; this one was signed with a key after it was rotated or revoked"))
                    continue
                }
                guard let person = policy.person(withKey: key) else {
                    out.append(.init(invariant: 6, rule: "entry-signer", message: "ledger commit \(record.id.short()) (\(entry.summary)) is signed by a key that policy version \(policy.version), in force at \(entry.time), does not name",
                                     hint: "the key was unknown or revoked when the entry says it was written"))
                    continue
                }
                let role = TrustPolicy.role(for: entry.event)
                if !person.roles.contains(role) {
                    out.append(.init(invariant: 6, rule: "entry-role", message: "ledger commit \(record.id.short()) (\(entry.summary)): \(person.name) has no '\(role.rawValue)' role in policy version \(policy.version)",
                                     hint: "grant the role through a policy change, or have someone who holds it record the event"))
                } else if person.email.lowercased() != entry.actor.email.lowercased() {
                    out.append(.init(invariant: 6, rule: "entry-actor", message: "ledger commit \(record.id.short()) claims \(entry.actor.name) <\(entry.actor.email)> but \(person.name) <\(person.email)> signed it",
                                     hint: "an entry's actor is its signer; this one was written by hand"))
                }
            }
        }
        return out
    }

    /// The deploy job's check, where no server hook ran: from the signed policy and the signed
    /// ledger alone, `tag` was released, gated (the policy's own gate rules), approved by other
    /// people's keys, and promoted — by people holding those roles. Each gap is a violation.
    public func verifyRelease(_ name: String) throws(RelflowError) -> [Violation] {
        let repo = context.repository
        func violation(_ rule: String, _ message: String, _ hint: String) -> Violation { .init(invariant: 6, rule: rule, message: message, hint: hint) }
        guard let chain = try TrustChain.read(repo), let current = chain.current else {
            return [violation("no-signed-policy", "this repository has no signed policy (\(TrustChain.reference)), so nothing proves how \(name) got here",
                              "fetch it (git fetch origin 'refs/relflow/*:refs/relflow/*'); a team without one starts with relflow policy init")]
        }
        if let problem = chain.problems.first { return [violation("policy-chain", "the signed policy: \(problem)", "relflow policy verify")] }
        let index = try context.releaseTags()
        let tagName = index.resolve(name, prefixes: context.config.tags.prefixes)
        guard let tag = index.tag(named: tagName) else {
            return [violation("release-unknown", "'\(name)' is not a release tag here", "fetch tags: git fetch origin --tags")]
        }
        let records = try Ledger(repository: repo).records()
        guard !records.isEmpty else {
            return [violation("ledger-missing", "the ledger is not in this repository", "git fetch origin 'refs/relflow/*:refs/relflow/*'")]
        }
        // The person who validly signed a record under the policy version in force at its time.
        func signer(_ record: Ledger.Record) -> TrustPolicy.Person? {
            guard let entry = record.entry, case .success(let key) = CommitSignatures.signer(of: record.id, in: repo, pgpKeys: chain.allPGPKeys) else { return nil }
            let policy = chain.version(at: entry.timestamp)?.policy ?? current.policy
            guard let person = policy.person(withKey: key), person.roles.contains(TrustPolicy.role(for: entry.event)),
                  person.email.lowercased() == entry.actor.email.lowercased() else { return nil }
            return person
        }
        var out: [Violation] = []
        let mine = records.filter { $0.entry?.tag == tag.name && $0.entry?.tagObject == tag.target.hex }
        guard let release = mine.first(where: { $0.entry?.event == .release }), let releaser = signer(release) else {
            return [violation("release-unsigned", "no release entry for \(tag.name) (tag object \(tag.target.short())) is signed by someone with the release role",
                              "release with relflow release under the signed policy")]
        }
        guard let promotion = mine.last(where: { [.promote, .rollback].contains($0.entry?.event) && $0.entry?.commit == tag.commit.hex }),
              signer(promotion) != nil, let move = promotion.entry else {
            return [violation("promote-unsigned", "no promote or rollback of \(tag.name) is signed by someone with that role",
                              "promote it with relflow promote under the signed policy")]
        }
        if move.event == .promote {
            let gate = current.policy.gate
            let special: Set<String>
            let paths: [String]
            (paths, special) = try GateService.changedPathKinds(repo, config: context.config,
                                                                 from: move.previous.flatMap(ObjectID.init(hex:)), to: tag.commit)
            let globs = gate.autoPaths.map(PathGlob.init)
            let outside = paths.filter { path in special.contains(path) || !globs.contains { glob in glob.matches(path) } }
            if !outside.isEmpty {
                let approvers = Set(mine.filter { $0.entry?.event == .approve }.compactMap(signer).map { $0.email.lowercased() })
                    .subtracting([releaser.email.lowercased()])
                if approvers.count < gate.approvals {
                    out.append(violation("gate", "\(tag.name) changed \(outside.count) path(s) outside the signed auto paths (\(outside.prefix(3).joined(separator: ", "))) with \(approvers.count) of \(gate.approvals) signed approval(s) by people other than \(releaser.name), who released it",
                                         "someone with the approve role runs relflow approve \(tag.name); the deploy waits"))
                }
            }
        }
        return out
    }

    public func verify() throws(RelflowError) -> [Violation] {
        let repo = context.repository
        let config = context.config
        var violations: [Violation] = []
        // 5. A ledger that can be read at all …
        if let problem = Ledger(repository: repo).tipProblem() {
            return [.init(invariant: 5, rule: "ledger-unreadable", message: problem,
                          hint: "restore it from a clone or the server: git fetch origin '+\(Ledger.reference):\(Ledger.reference)'")]
        }
        let records = try Ledger(repository: repo).records()
        // … a linear chain whose entries all parse.
        for record in records {
            if record.parents.count > 1 {
                violations.append(.init(invariant: 5, rule: "ledger-linear", message: "ledger commit \(record.id.short()) has \(record.parents.count) parents: the ledger must be a single chain",
                                        hint: "the ledger was merged by hand; restore it from a clone that has the linear chain"))
            }
            if let problem = record.problem {
                violations.append(.init(invariant: 5, rule: "ledger-entry", message: "ledger commit \(record.id.short()) does not parse: \(problem)",
                                        hint: "the ledger was written by hand; only relflow writes it"))
            }
        }
        // 6. Since the repository adopted a signed policy, every entry is signed by a person
        // the policy in force at the entry's time names, with the event's role, as its actor.
        violations += try signatureViolations(records)
        let entries = records.compactMap(\.entry)
        let publishRef = "refs/heads/" + config.branches.publish
        let publishNow = try git { () throws(GitError) in try repo.reference(publishRef) }
        if records.isEmpty, publishNow != nil {
            // Without the ledger nothing can be checked: that is a failure, not a clean bill.
            violations.append(.init(invariant: 5, rule: "ledger-missing",
                                    message: "\(config.branches.publish) exists but the ledger (\(Ledger.reference)) is not in this repository, so no invariant can be checked",
                                    hint: "fetch it: git fetch origin 'refs/relflow/*:refs/relflow/*' (and add that refspec: git config --add remote.origin.fetch '+refs/relflow/*:refs/relflow/*')"))
            return violations
        }
        let index = try context.releaseTags()
        // 3. No release tag moved or deleted since it was recorded.
        for entry in entries where entry.event == .release || entry.event == .hotfixFinish {
            guard let tag = entry.tag, let recorded = entry.tagObject else { continue }
            let now = try git { () throws(GitError) in try repo.reference("refs/tags/" + tag) }
            if now == nil {
                violations.append(.init(invariant: 3, rule: "tag-deleted", message: "release tag \(tag) was deleted (the ledger recorded it at \(recorded.prefix(7)))",
                                        hint: "push it back from a clone whose \(tag) is the tag object \(recorded.prefix(12)) (git -C CLONE push origin refs/tags/\(tag)); check that clone's tag before trusting it"))
            } else if let now, now.hex != recorded {
                violations.append(.init(invariant: 3, rule: "tag-moved", message: "release tag \(tag) was moved: it is \(now.short()) but the ledger recorded \(recorded.prefix(7))",
                                        hint: "release tags are immutable: find out who moved it, then restore it from a clone you trust (git -C CLONE push --force origin refs/tags/\(tag) needs the server's administrator)"))
            }
        }
        // 1 and 2, for each environment's branch, from the entries about it.
        let tagged = Set(index.tags.map(\.commit))
        let allEntries = entries
        for env in config.chain {
            let scoped = context.scoped(to: env)
            let config = scoped.config
            let entries = scoped.scopedEntries(allEntries)
            let publishNow = try git { () throws(GitError) in try repo.reference("refs/heads/" + env.branch) }
            // 1. Every commit publish pointed at carries a release tag.
            var positions: [(commit: String, event: LedgerEntry)] = []
            for entry in entries where [.promote, .rollback].contains(entry.event) || (entry.event == .hotfixFinish && entry.details["promoted"]?.bool == true) {
                if let commit = entry.commit { positions.append((commit, entry)) }
            }
            for (commit, entry) in positions {
                guard let id = ObjectID(hex: commit), tagged.contains(id) else {
                    violations.append(.init(invariant: 1, rule: "publish-untagged", message: "the ledger's \(entry.event.rawValue) of \(entry.tag ?? "?") put \(config.branches.publish) on \(commit.prefix(7)), which no release tag names now",
                                            hint: "restore the release tag \(entry.tag ?? "") at \(commit.prefix(12))"))
                    continue
                }
            }
            if let publish = publishNow {
                if !tagged.contains(publish) {
                    violations.append(.init(invariant: 1, rule: "publish-untagged", message: "\(config.branches.publish) points at \(publish.short()), which carries no release tag",
                                            hint: "roll it back to a release you trust: relflow rollback TAG"))
                }
                // 2. Every move of publish was a fast-forward, or a recorded rollback; and publish
                // is where the ledger last put it.
                if let interrupted = PromoteService.interruptedMove(entries: entries, publish: publish) {
                    let command = interrupted.event == .rollback ? "relflow rollback \(interrupted.tag ?? "")"
                        : interrupted.details["gate"] == "hotfix" ? "relflow hotfix finish (on the hotfix branch)"
                        : "relflow promote \(interrupted.tag ?? "")"
                    violations.append(.init(invariant: 2, rule: "publish-move-interrupted", message: "the \(interrupted.event.rawValue) of \(interrupted.tag ?? "?") was recorded but \(config.branches.publish) was not moved (the run was interrupted; it is still at \(publish.short())): complete it with \(command)",
                                            hint: "complete it: \(command)"))
                } else if let last = positions.last, last.commit != publish.hex {
                    violations.append(.init(invariant: 2, rule: "publish-unrecorded-move", message: "\(config.branches.publish) is at \(publish.short()) but the ledger last put it at \(last.commit.prefix(7)) (\(last.event.event.rawValue) \(last.event.tag ?? ""))",
                                            hint: "someone moved it outside relflow: compare with the server (git fetch origin; git log -1 origin/\(config.branches.publish)) and its reflog before moving anything; then promote or roll back to a release you trust with relflow"))
                }
            } else if let last = positions.last {
                // Only init's own entry, and no branch: init was stopped between the two.
                let interruptedInit = positions.count == 1 && last.event.details["gate"] == "init"
                violations.append(.init(invariant: 2, rule: "publish-deleted", message: "\(config.branches.publish) is gone, but the ledger last put it at \(last.commit.prefix(7))",
                                        hint: interruptedInit
                                            ? "relflow init recorded it and was stopped before it made the branch: run relflow init again to finish (or fetch it if the server has it: git fetch origin \(config.branches.publish):\(config.branches.publish))"
                                            : "fetch it from the server: git fetch origin \(config.branches.publish):\(config.branches.publish); if the server lost it too, its administrator restores it"))
            }
            // A hotfix taken sideways by an environment before production is no rewrite either.
            let sidewaysHotfix = { (entry: LedgerEntry) in entry.details["gate"] == "hotfix" && env.name != config.production.name }
            for (i, (commit, entry)) in positions.enumerated() where entry.event != .rollback && !sidewaysHotfix(entry) {
                guard i > 0, let from = ObjectID(hex: positions[i - 1].commit), let to = ObjectID(hex: commit), from != to else { continue }
                // An object that cannot be read is damage (exit 3, git fsck), not tampering.
                // relflow's own walk, shared by the whole command: libgit2's asked for each move
                // and inflated the commits between them again with zlib (1.5 s of `status` on a
                // long ledger of a 200k-commit history).
                let reach = try context.reach(from: to)
                let forward = try git { () throws(GitError) in try reach.containsExactly(from) }
                if !forward {
                    violations.append(.init(invariant: 2, rule: "publish-not-forward", message: "the \(entry.event.rawValue) of \(entry.tag ?? "?") moved \(config.branches.publish) from \(from.short()) to \(to.short()), which is not a fast-forward, and no rollback names it",
                                            hint: "the ledger was edited by hand or relflow was bypassed"))
                }
            }
        }
        // 4. Hotfix tags descend from the tag they started at and hold no later commit of main.
        let starts = Dictionary(entries.filter { $0.event == .hotfixStart }.compactMap { e in e.version.map { ($0, e) } },
                                uniquingKeysWith: { a, _ in a })
        let main = try context.branchTip(config.branches.main)
        for finish in entries where finish.event == .hotfixFinish {
            guard let version = finish.version, let start = starts[version], let base = start.tag,
                  let baseTag = index.tag(named: base), let tagName = finish.tag, let hotfix = index.tag(named: tagName) else { continue }
            var descends = hotfix.commit == baseTag.commit
            if !descends {
                let reach = try context.reach(from: hotfix.commit)
                descends = try git { () throws(GitError) in try reach.containsExactly(baseTag.commit) }
            }
            if !descends {
                violations.append(.init(invariant: 4, rule: "hotfix-base", message: "hotfix \(tagName) does not descend from \(base), where it started",
                                        hint: "hotfixes start at the production tag: relflow hotfix start"))
            }
            let merged = try main.flatMap { (m: ObjectID) throws(RelflowError) in try git { () throws(GitError) in try repo.mergeBase(hotfix.commit, m) } }
            if let merged, merged != baseTag.commit, merged != hotfix.commit,
               try git({ () throws(GitError) in try repo.isDescendant(merged, of: baseTag.commit) }) {
                violations.append(.init(invariant: 4, rule: "hotfix-main-commits", message: "hotfix \(tagName) contains commits of \(config.branches.main) made after \(base)",
                                        hint: "a hotfix holds only its fixes; main was merged into it"))
            }
        }
        return violations
    }
}
