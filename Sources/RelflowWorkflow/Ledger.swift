import Foundation
import Git
import RelflowCore

/// The ledger at `refs/relflow/ledger`: one commit per event, each the child of the one
/// before. Appending is a compare-and-swap of the ref, retried when another process won the
/// race, so concurrent relflow processes never lose an entry.
public struct Ledger {
    public static let reference = "refs/relflow/ledger"

    /// One ledger commit: its entry, or why it does not parse.
    public struct Record: Sendable {
        public let id: ObjectID
        public let parents: [ObjectID]
        public let entry: LedgerEntry?
        public let problem: String?
    }

    let repository: Repository
    let reference: String

    public init(repository: Repository, reference: String = Ledger.reference) {
        self.repository = repository
        self.reference = reference
    }

    /// Why the ledger cannot be read or extended (its ref names a blob, a tree, a missing
    /// object), or nil. One object read: cheap enough to check before writing anything.
    public func tipProblem() -> String? {
        let tip: ObjectID?
        do { tip = try repository.reference(reference) } catch { return "\(reference) cannot be read: \(error.message)" }
        guard let tip else { return nil }
        do {
            _ = try repository.commit(tip)
            return nil
        } catch {
            return "\(reference) points at \(tip.short()), which is not a readable commit (\(error.message))"
        }
    }

    /// Refuses to go on when the ledger cannot take an entry: checked before a command writes
    /// anything else, so nothing is left half-done.
    public func requireWritable() throws(RelflowError) {
        if let problem = tipProblem() {
            throw .repository(problem, hint: "restore the ledger from a clone or the server (git fetch origin '+\(reference):\(reference)'); relflow verify names what is wrong")
        }
    }

    /// Every record, oldest first (following first parents from the tip).
    public func records() throws(RelflowError) -> [Record] {
        // Read in order (one libgit2 handle), decoded on all cores (JSON decoding is the cost).
        parallelMap(try chain().reversed(), minimumCount: 256) { Ledger.decode($0) }
    }

    /// The ledger's commits, newest first (first parents from the tip, each once: a chain that
    /// comes back to itself ends there), at most `limit`.
    func chain(limit: Int = .max) throws(RelflowError) -> [Commit] {
        var commits: [Commit] = []
        var next = try git { () throws(GitError) in try repository.reference(reference) }
        var seen = Set<ObjectID>()
        while let id = next, commits.count < limit, seen.insert(id).inserted {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            commits.append(commit)
            next = commit.parents.first
        }
        return commits
    }

    /// The entries that parse, oldest first.
    public func entries() throws(RelflowError) -> [LedgerEntry] {
        try records().compactMap(\.entry)
    }

    static func decode(_ commit: Commit) -> Record {
        let message = commit.message
        guard let split = message.firstRange(of: "\n\n") else {
            return Record(id: commit.id, parents: commit.parents, entry: nil, problem: "no JSON object after the summary line")
        }
        let json = message[split.upperBound...]
        do {
            let entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(json.utf8))
            return Record(id: commit.id, parents: commit.parents, entry: entry, problem: nil)
        } catch {
            return Record(id: commit.id, parents: commit.parents, entry: nil, problem: "the JSON object does not parse: \(error)")
        }
    }

    static func message(for entry: LedgerEntry) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return entry.summary + "\n\n" + json + "\n"
    }

    /// Appends `entries` in order on top of whatever the ledger holds when the write happens.
    /// Returns the new tip.
    @discardableResult
    public func append(_ entries: [LedgerEntry]) throws(RelflowError) -> ObjectID {
        guard let tip = try append(entries, unlessRecent: nil) else { throw .usage("nothing to append to the ledger") }
        return tip
    }

    /// Appends `entries` unless one of the newest entries (checked again on every attempt, so
    /// two processes finishing the same job record it once) satisfies `duplicate`. Returns the
    /// new tip, nil when nothing was appended.
    @discardableResult
    public func append(_ entries: [LedgerEntry], unlessRecent duplicate: ((LedgerEntry) -> Bool)?) throws(RelflowError) -> ObjectID? {
        let tree = try git { () throws(GitError) in try repository.writeEmptyTree() }
        // Once the repository has a signed policy, every entry is signed, and its actor is the
        // person the policy names for the signing key (never just a git identity).
        var entries = entries
        var signer: CommitSigner?
        if let chain = try TrustChain.read(repository), let policy = chain.current?.policy {
            let configured = try CommitSigner.configured(repository)
            guard let key = configured.identity(), let person = policy.person(withKey: key) else {
                throw .refused("the key git signs with (user.signingKey = \(configured.signingKey)) is not in the signed policy (version \(policy.version)), so relflow cannot record this as anyone",
                               hint: "an administrator adds it: relflow policy add-person --name NAME --email EMAIL --key KEY.pub --role ROLE")
            }
            for i in entries.indices {
                entries[i].actor = LedgerEntry.Actor(name: person.name, email: person.email)
                // The policy version the entry is signed under: verify judges the key by it.
                entries[i].details["policy"] = .int(Int64(policy.version))
                let role = TrustPolicy.role(for: entries[i].event)
                guard person.roles.contains(role) else {
                    throw .refused("\(person.name) <\(person.email)> has no '\(role.rawValue)' role in the signed policy, which \(entries[i].event.rawValue) needs",
                                   hint: "ask an administrator to grant it (relflow policy add-person … --role \(role.rawValue)), or let someone who has it do this")
                }
            }
            signer = configured
        }
        var attempt = 0
        while true {
            attempt += 1
            let base = try git { () throws(GitError) in try repository.reference(reference) }
            if let duplicate, try recentEntries(from: base, limit: 64).contains(where: duplicate) { return nil }
            var tip = base
            for entry in entries {
                let signature = Signature(name: entry.actor.name, email: entry.actor.email, time: entry.timestamp)
                let parents = tip.map { [$0] } ?? []
                if let signer {
                    let buffer = try git { () throws(GitError) in
                        try repository.commitBuffer(tree: tree, parents: parents, message: Ledger.message(for: entry), author: signature, committer: signature)
                    }
                    let armored = try signer.sign(buffer)
                    tip = try git { () throws(GitError) in try repository.createSignedCommit(buffer: buffer, signature: armored) }
                } else {
                    tip = try git { () throws(GitError) in
                        try repository.createCommit(tree: tree, parents: parents, message: Ledger.message(for: entry),
                                                    author: signature, committer: signature)
                    }
                }
            }
            guard let newTip = tip else { throw .usage("nothing to append to the ledger") }
            do {
                try repository.updateReference(reference, to: newTip, expecting: base,
                                               message: "relflow: \(entries.last?.summary ?? "append")")
                Notifications.recorded(entries, in: repository)
                return newTip
            } catch where (error.isRetryableRefConflict || error.isExists) && attempt < 200 {
                // Another process appended first: build on its entry and try again, after a
                // short random pause so that the contenders do not collide in step.
                usleep(UInt32.random(in: 1_000...(5_000 + UInt32(min(attempt, 20)) * 2_000)))
            } catch where error.isLocked {
                throw lockedFailure(reference, error)
            } catch {
                throw .repository("cannot append to \(reference): \(error.message)",
                                  hint: "run 'relflow history' to see the ledger, then retry")
            }
        }
    }

    @discardableResult
    public func append(_ entry: LedgerEntry) throws(RelflowError) -> ObjectID { try append([entry]) }

    func recentEntries(from tip: ObjectID?, limit: Int) throws(RelflowError) -> [LedgerEntry] {
        var out: [LedgerEntry] = []
        var cursor = tip
        while let id = cursor, out.count < limit {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            if let entry = Ledger.decode(commit).entry { out.append(entry) }
            cursor = commit.parents.first
        }
        return out
    }
}

/// Who is acting: git's identity (GIT_COMMITTER_*/GIT_AUTHOR_* when set, else user.name and
/// user.email), and now.
public struct Identity: Sendable {
    public let name: String
    public let email: String

    public static func current(_ repository: Repository) throws(RelflowError) -> Identity {
        let env = ProcessEnvironment.value
        if let name = env("GIT_COMMITTER_NAME") ?? env("GIT_AUTHOR_NAME"), let email = env("GIT_COMMITTER_EMAIL") ?? env("GIT_AUTHOR_EMAIL") {
            return Identity(name: name, email: email)
        }
        do {
            let signature = try repository.defaultSignature()
            return Identity(name: signature.name, email: signature.email)
        } catch {
            throw .usage("git does not know who you are: \(error.message)",
                         hint: "run: git config user.name 'Your Name' && git config user.email you@example.com")
        }
    }

    public var actor: LedgerEntry.Actor { .init(name: name, email: email) }

    public func signature(at time: Int64 = Clock.now()) -> Signature {
        Signature(name: name, email: email, time: time)
    }
}

public enum Clock {
    /// Seconds since the epoch. `RELFLOW_NOW` (seconds) stands in for the clock in tests of
    /// delays.
    public static func now() -> Int64 {
        if let fixed = ProcessEnvironment.value("RELFLOW_NOW"), let value = Int64(fixed) { return value }
        return Int64(Date().timeIntervalSince1970)
    }

    /// The time for a commit or tag relflow writes into the project's history: git's own
    /// `GIT_COMMITTER_DATE` when set (`@<seconds> <zone>` or plain seconds, as git writes it), so
    /// that relflow's commits keep the dates git would give them; else `now()`.
    public static func commitTime() -> Int64 {
        if let text = ProcessEnvironment.value("GIT_COMMITTER_DATE") {
            let first = text.split(separator: " ").first.map(String.init) ?? ""
            let digits = first.hasPrefix("@") ? String(first.dropFirst()) : first
            if let value = Int64(digits) { return value }
        }
        return now()
    }
}
