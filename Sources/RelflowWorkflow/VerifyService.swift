import Git
import RelflowCore

/// `relflow verify`: the invariants of SPEC §1 over the whole ledger and repository.
public struct VerifyService {
    public struct Violation: Sendable, Codable, Equatable {
        /// 1 to 5, as SPEC §1 numbers them.
        public let invariant: Int
        public let rule: String
        public let message: String
        public let hint: String
    }

    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func verify() throws(RelflowError) -> [Violation] {
        let repo = context.repository
        let config = context.config
        var violations: [Violation] = []
        let records = try Ledger(repository: repo).records()
        // 5. A linear chain whose entries all parse.
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
        // 1. Every commit publish pointed at carries a release tag.
        let tagged = Set(index.tags.map(\.commit))
        var positions: [(commit: String, event: LedgerEntry)] = []
        for entry in entries where [.promote, .rollback].contains(entry.event) || (entry.event == .hotfixFinish && entry.details["promoted"] == "true") {
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
            if let last = positions.last, last.commit != publish.hex {
                violations.append(.init(invariant: 2, rule: "publish-unrecorded-move", message: "\(config.branches.publish) is at \(publish.short()) but the ledger last put it at \(last.commit.prefix(7)) (\(last.event.event.rawValue) \(last.event.tag ?? ""))",
                                        hint: "someone moved it outside relflow: compare with the server (git fetch origin; git log -1 origin/\(config.branches.publish)) and its reflog before moving anything; then promote or roll back to a release you trust with relflow"))
            }
        } else if let last = positions.last {
            violations.append(.init(invariant: 2, rule: "publish-deleted", message: "\(config.branches.publish) is gone, but the ledger last put it at \(last.commit.prefix(7))",
                                    hint: "fetch it from the server: git fetch origin \(config.branches.publish):\(config.branches.publish); if the server lost it too, its administrator restores it"))
        }
        for (i, (commit, entry)) in positions.enumerated() where entry.event != .rollback {
            guard i > 0, let from = ObjectID(hex: positions[i - 1].commit), let to = ObjectID(hex: commit), from != to else { continue }
            let forward = (try? repo.isDescendant(to, of: from)) ?? false
            if !forward {
                violations.append(.init(invariant: 2, rule: "publish-not-forward", message: "the \(entry.event.rawValue) of \(entry.tag ?? "?") moved \(config.branches.publish) from \(from.short()) to \(to.short()), which is not a fast-forward, and no rollback names it",
                                        hint: "the ledger was edited by hand or relflow was bypassed"))
            }
        }
        // 4. Hotfix tags descend from the tag they started at and hold no later commit of main.
        let starts = Dictionary(entries.filter { $0.event == .hotfixStart }.compactMap { e in e.version.map { ($0, e) } },
                                uniquingKeysWith: { a, _ in a })
        let mainRef = "refs/heads/" + config.branches.main
        let main = try git { () throws(GitError) in try repo.reference(mainRef) }
        for finish in entries where finish.event == .hotfixFinish {
            guard let version = finish.version, let start = starts[version], let base = start.tag,
                  let baseTag = index.tag(named: base), let tagName = finish.tag, let hotfix = index.tag(named: tagName) else { continue }
            let descends = hotfix.commit == baseTag.commit || ((try? repo.isDescendant(hotfix.commit, of: baseTag.commit)) ?? false)
            if !descends {
                violations.append(.init(invariant: 4, rule: "hotfix-base", message: "hotfix \(tagName) does not descend from \(base), where it started",
                                        hint: "hotfixes start at the production tag: relflow hotfix start"))
            }
            if let main, let merged = try? repo.mergeBase(hotfix.commit, main), merged != baseTag.commit, merged != hotfix.commit,
               (try? repo.isDescendant(merged, of: baseTag.commit)) ?? false {
                violations.append(.init(invariant: 4, rule: "hotfix-main-commits", message: "hotfix \(tagName) contains commits of \(config.branches.main) made after \(base)",
                                        hint: "a hotfix holds only its fixes; main was merged into it"))
            }
        }
        return violations
    }
}
