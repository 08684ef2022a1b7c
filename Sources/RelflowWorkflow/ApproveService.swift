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

    /// Records an approval of `name`, for every environment or (`onlyFor`) for one.
    public func approve(_ name: String, comment: String?, onlyFor environment: String? = nil) throws(RelflowError) -> Outcome {
        let repo = context.repository
        let config = context.config
        let identity = try Identity.current(repo)
        let index = try context.releaseTags()
        let tag = try context.release(named: name, in: index).annotated(in: repo)
        // Who released it: none of them may approve it (the server counts none of theirs).
        var releasers: [String] = []
        if let chain = try TrustChain.read(repo), let policy = chain.current?.policy {
            // Under a signed policy the releaser is whoever signed the release entry; a tagger's
            // name proves nothing (the server then asks for one approval more instead).
            let records = try Ledger(repository: repo).records().filter { $0.entry?.event == .release && $0.entry?.tag == tag.name }
            if let record = records.last, case .success(let key) = CommitSignatures.signer(of: record.id, in: repo, pgpKeys: policy.pgpKeys),
               let person = policy.person(withKey: key) {
                releasers = [person.email]
            }
        } else {
            // The tagger (the committer, for a tag that is no tag object), and the actor of the
            // tag's release entry.
            if let email = tag.tagger?.email {
                releasers = [email]
            } else {
                releasers = [try git { () throws(GitError) in try repo.commit(tag.commit) }.committer.email]
            }
            if let release = try Ledger(repository: repo).entries().last(where: { $0.event == .release && $0.tag == tag.name }) {
                releasers.append(release.actor.email)
            }
        }
        if config.gate.distinctApprover, releasers.contains(where: { $0.lowercased() == identity.email.lowercased() }) {
            throw .refused("\(identity.email) released \(tag.name) and cannot approve it too (four-eyes: [gate] distinct_approver)",
                           hint: "ask someone else to run: relflow approve \(tag.name)")
        }
        let ledger = Ledger(repository: repo)
        // Already approved: this tag object, by this person (a tag made again under the same
        // name is another object, and the gates count only approvals of the one they judge).
        if let existing = try ledger.entries().first(where: {
            $0.event == .approve && $0.tag == tag.name && $0.tagObject == tag.target.hex
                && $0.actor.email.lowercased() == identity.email.lowercased()
                && ($0.details["environment"] == nil || $0.details["environment"]?.description == environment)
        }) {
            return .already(existing)
        }
        var details: [String: LedgerValue] = [:]
        if let comment { details["comment"] = .string(comment) }
        if let environment { details["environment"] = .string(environment) }
        let entry = LedgerEntry(event: .approve, version: tag.version.description, tag: tag.name, tagObject: tag.target.hex,
                                commit: tag.commit.hex, actor: identity.actor, timestamp: Clock.now(), details: details)
        try ledger.append(entry)
        return .recorded(entry)
    }
}
