import Git
import RelflowCore

/// `relflow policy init|add-person|remove-person|sign|verify`: the signed policy chain at
/// `refs/relflow/policy`, written from a clone and pushed like any ref.
public struct PolicyService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    var repo: Repository { context.repository }

    public struct Outcome: Sendable, Encodable {
        public let commit: String
        public let version: Int
        /// Administrator signatures the proposal has, and how many it needs.
        public let signatures: Int
        public let needed: Int
        public let inForce: Bool
    }

    /// The first policy: you, with every role, signing with your own key.
    public func initialize(name: String?, email: String?, threshold: Int) throws(RelflowError) -> Outcome {
        if try git({ () throws(GitError) in try repo.reference(TrustChain.reference) }) != nil {
            throw .refused("this repository has a signed policy already", hint: "change it with relflow policy add-person / remove-person, then push refs/relflow/policy")
        }
        let signer = try CommitSigner.configured(repo)
        let identity = try Identity.current(repo)
        var me = TrustPolicy.Person(name: name ?? identity.name, email: email ?? identity.email, keys: [], roles: Set(TrustPolicy.Role.allCases))
        switch signer.format {
        case .ssh:
            guard let key = signer.publicKey() else {
                throw .usage("cannot read the public key of user.signingKey (\(signer.signingKey))", hint: "point user.signingKey at a .pub file or a key:: literal")
            }
            me.keys = [key]
        case .openpgp:
            guard let key = signer.pgpKey() else {
                throw .usage("gpg cannot export the public key of user.signingKey (\(signer.signingKey))", hint: "check gpg --list-secret-keys \(signer.signingKey)")
            }
            me.pgpKeys = [key]
        }
        // The gate rules that matter for safety start as the team's own.
        let gate = TrustPolicy.Gate(approvals: context.config.gate.approvals, autoPaths: context.config.gate.autoPaths)
        let policy = TrustPolicy(version: 1, threshold: threshold, people: [me], gate: gate)
        guard threshold == 1 else {
            throw .usage("the first policy has one administrator, so its threshold is 1", hint: "add administrators, then raise the threshold in a later version")
        }
        let commit = try write(policy, parent: nil, message: "policy v1: \(me.name) administers")
        return Outcome(commit: commit.hex, version: 1, signatures: 1, needed: 1, inForce: true)
    }

    /// Proposes the next version with `change` applied to the policy in force (or to the
    /// proposal waiting at the tip), signed by you.
    public func propose(_ summary: String, _ change: (inout TrustPolicy) throws(RelflowError) -> Void) throws(RelflowError) -> Outcome {
        let chain = try requireChain()
        guard let current = chain.current else { throw .repository("the signed policy has no version in force") }
        var next = try TrustChain.pendingProposal(repo, chain: chain)?.policy ?? current.policy
        next.version = current.policy.version + 1
        try change(&next)
        guard next.administrators.count >= next.threshold else {
            throw .usage("the new policy would have \(next.administrators.count) administrator(s) for a threshold of \(next.threshold)", hint: "keep enough administrators, or lower --threshold")
        }
        let commit = try write(next, parent: chain.tip, message: "policy v\(next.version): \(summary)")
        return try outcome(after: commit)
    }

    /// Adds your signature to the proposal at the tip.
    public func sign() throws(RelflowError) -> Outcome {
        let chain = try requireChain()
        guard let proposal = try TrustChain.pendingProposal(repo, chain: chain) else {
            throw .refused("no policy change is waiting for signatures", hint: "relflow policy show lists the policy in force")
        }
        let commit = try write(proposal.policy, parent: chain.tip, message: "policy v\(proposal.policy.version): signed")
        return try outcome(after: commit)
    }

    func outcome(after commit: ObjectID) throws(RelflowError) -> Outcome {
        let chain = try requireChain()
        if let problem = chain.problems.first { throw .refused("the policy chain does not validate: \(problem)") }
        let current = chain.current
        if let pending = try TrustChain.pendingProposal(repo, chain: chain), let current {
            return Outcome(commit: commit.hex, version: pending.policy.version, signatures: pending.signers,
                           needed: current.policy.threshold, inForce: false)
        }
        return Outcome(commit: commit.hex, version: current?.policy.version ?? 0, signatures: current?.policy.threshold ?? 0,
                       needed: current?.policy.threshold ?? 0, inForce: true)
    }

    func requireChain() throws(RelflowError) -> TrustChain {
        guard let chain = try TrustChain.read(repo) else {
            throw .usage("this repository has no signed policy yet", hint: "start one with: relflow policy init (then git push origin refs/relflow/policy)")
        }
        return chain
    }

    /// Writes a policy commit signed with your key and moves the ref to it (compare-and-swap).
    func write(_ policy: TrustPolicy, parent: ObjectID?, message: String) throws(RelflowError) -> ObjectID {
        let signer = try CommitSigner.configured(repo)
        let identity = try Identity.current(repo)
        let now = Clock.now()
        let buffer = try git { () throws(GitError) -> String in
            let blob = try repo.writeBlob(Array(policy.text.utf8))
            let tree = try repo.writeTree(file: TrustPolicy.fileName, blob: blob)
            let signature = identity.signature(at: now)
            return try repo.commitBuffer(tree: tree, parents: parent.map { [$0] } ?? [], message: message + "\n",
                                         author: signature, committer: signature)
        }
        let armored = try signer.sign(buffer)
        return try git { () throws(GitError) -> ObjectID in
            let commit = try repo.createSignedCommit(buffer: buffer, signature: armored)
            try repo.updateReference(TrustChain.reference, to: commit, expecting: parent, message: "relflow: \(message)")
            return commit
        }
    }
}

/// What `relflow policy verify` prints.
public struct PolicyChainView: Sendable, Encodable {
    public struct Version: Sendable, Encodable {
        public let version: Int
        public let commit: String
        public let since: String
        public let threshold: Int
        public let people: [String]
    }
    public let versions: [Version]
    public let problems: [String]

    public static func read(context: RepositoryContext) throws(RelflowError) -> PolicyChainView {
        guard let chain = try TrustChain.read(context.repository) else {
            throw .usage("this repository has no signed policy", hint: "start one with relflow policy init, or fetch it: git fetch origin refs/relflow/policy:refs/relflow/policy")
        }
        let versions = chain.versions.map { v in
            Version(version: v.policy.version, commit: v.commit.hex, since: isoDateTime(v.since), threshold: v.policy.threshold,
                    people: v.policy.people.map { p in
                        "\(p.name) <\(p.email)> [\(TrustPolicy.Role.allCases.filter { p.roles.contains($0) }.map(\.rawValue).joined(separator: ","))] "
                            + p.keys.map(\.fingerprint).joined(separator: " ")
                    })
        }
        return PolicyChainView(versions: versions, problems: chain.problems)
    }
}

/// Who signed each ledger entry, as `history` shows it.
public struct LedgerSigners {
    public enum Signer: Sendable, Equatable {
        /// Signed by a person of the policy in force.
        case verified(name: String, email: String)
        /// Signed, but by a key the policy does not name for it (or the signature is bad).
        case unverified(String)
        /// No signature, written before the repository adopted its signed policy.
        case beforePolicy
        /// No signature, and no signed policy in the repository at all.
        case unsigned
    }

    public static func read(context: RepositoryContext) throws(RelflowError) -> [(entry: LedgerEntry, signer: Signer)] {
        let records = try Ledger(repository: context.repository).records()
        let chain = try TrustChain.read(context.repository)
        let adoption = chain?.versions.first?.since
        let signers = CommitSignatures.signers(of: records.map(\.id), in: context.repository, pgpKeys: chain?.allPGPKeys ?? [])
        return zip(records, signers).compactMap { record, signed in
            guard let entry = record.entry else { return nil }
            switch signed {
            case .failure(let problem):
                guard let adoption else { return (entry, .unsigned) }
                return (entry, entry.timestamp <= adoption ? .beforePolicy : .unverified(problem.description))
            case .success(let key):
                guard let chain, let policy = chain.version(at: entry.timestamp)?.policy ?? chain.current?.policy,
                      let person = policy.person(withKey: key) ?? chain.current?.policy.person(withKey: key) else {
                    return (entry, .unverified("signed by a key no policy version names"))
                }
                guard person.email.lowercased() == entry.actor.email.lowercased() else {
                    return (entry, .unverified("signed by \(person.name), not by \(entry.actor.name)"))
                }
                return (entry, .verified(name: person.name, email: person.email))
            }
        }
    }
}

/// OpenPGP public keys given to `relflow policy add-person --pgp-key FILE`.
public enum PGPKeyFile {
    public static func load(_ path: String) -> PGPKey? {
        guard let text = readFile(path), text.contains("BEGIN PGP PUBLIC KEY BLOCK"),
              let fingerprint = PGPKeyring.fingerprint(ofArmored: text) else { return nil }
        return PGPKey(fingerprint: fingerprint, armored: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
