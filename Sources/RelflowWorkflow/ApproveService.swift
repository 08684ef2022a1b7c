import Git
import RelflowCore

/// `relflow approve TAG`: an approval in the ledger, by the git identity.
public struct ApproveService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public enum Outcome: Sendable {
        case recorded(LedgerEntry)
        case already(LedgerEntry)
    }

    public func approve(_ name: String, comment: String?) throws(RelflowError) -> Outcome {
        let repo = context.repository
        let config = context.config
        let identity = try Identity.current(repo)
        let index = try context.releaseTags()
        let tagName = index.resolve(name, prefixes: config.tags.prefixes)
        guard let tag = try index.tag(named: tagName)?.annotated(in: repo) else {
            throw .repository("'\(name)' is not a release tag (\(config.tags.pattern))", hint: "git tag --list '\(config.tags.prefix)*'")
        }
        let tagger: String
        if let email = tag.tagger?.email {
            tagger = email
        } else {
            tagger = try git { () throws(GitError) in try repo.commit(tag.commit) }.committer.email
        }
        if config.gate.distinctApprover, tagger.lowercased() == identity.email.lowercased() {
            throw .refused("\(identity.email) tagged \(tag.name) and cannot approve it too (four-eyes: [gate] distinct_approver)",
                           hint: "ask someone else to run: relflow approve \(tag.name)")
        }
        let ledger = Ledger(repository: repo)
        if let existing = try ledger.entries().first(where: {
            $0.event == .approve && $0.tag == tag.name && $0.actor.email.lowercased() == identity.email.lowercased()
        }) {
            return .already(existing)
        }
        var details: [String: String] = [:]
        if let comment { details["comment"] = comment }
        let entry = LedgerEntry(event: .approve, version: tag.version.description, tag: tag.name, tagObject: tag.target.hex,
                                commit: tag.commit.hex, actor: identity.actor, timestamp: Clock.now(), details: details)
        try ledger.append(entry)
        return .recorded(entry)
    }
}
