import Foundation
import Git
import RelflowCore

/// Every clone and every CI job sees the team's truth: what the remote holds, through the
/// remote-tracking refs git fetch keeps (and the refs relflow fetches itself).
extension RepositoryContext {
    /// The refspecs that make `git fetch` bring relflow's refs (ledger, signed policy) beside
    /// the branches, without ever overwriting local entries not pushed yet.
    /// (A pattern, so that a remote without a signed policy yet is no error for git fetch.)
    public static let relflowFetchRefspecs = ["+refs/relflow/*:refs/relflow/remote/*"]

    /// The remote relflow follows: `origin`, when the repository has one.
    public var followedRemote: String? {
        repository.configString("remote.origin.url") != nil ? "origin" : nil
    }

    /// True when `git fetch` of the followed remote brings relflow's ledger.
    public var fetchesRelflowRefs: Bool {
        guard let remote = followedRemote else { return true }
        return repository.configValues("remote.\(remote).fetch").contains(Self.relflowFetchRefspecs[0])
    }

    /// Brings publish and the ledger up to what the remote has, when the local ones are
    /// missing or behind (a fresh clone, a CI checkout, a teammate's promotion fetched since):
    /// a fast-forward of refs only relflow moves. A local move not pushed yet, or a local
    /// state that differs from the remote's, is kept and named under --verbose.
    public func adoptRemoteState() throws(RelflowError) {
        guard repository.workingDirectory != nil, let remote = followedRemote else { return }
        let publish = "refs/heads/" + config.branches.publish
        try fastForward(publish, to: ["refs/remotes/\(remote)/\(config.branches.publish)", "refs/relflow/remote/publish"], what: config.branches.publish)
        try fastForward(Ledger.reference, to: ["refs/relflow/remote/ledger"], what: "the ledger")
    }

    private func fastForward(_ ref: String, to candidates: [String], what: String) throws(RelflowError) {
        let repo = repository
        for candidate in candidates {
            guard let theirs = try git({ () throws(GitError) in try repo.reference(candidate) }) else { continue }
            let ours = try git { () throws(GitError) in try repo.reference(ref) }
            if ours == theirs { return }
            if let ours {
                let behind = try git { () throws(GitError) in try repo.isDescendant(theirs, of: ours) }
                guard behind else {
                    note("\(what) here (\(ours.short())) differs from \(candidate) (\(theirs.short())): kept as it is")
                    return
                }
            }
            do {
                try repo.updateReference(ref, to: theirs, expecting: ours, message: "relflow: \(what) from \(candidate)")
                note("\(what): brought up to \(candidate) (\(theirs.short()))")
            } catch where error.isRetryableRefConflict {
                // Another process moved it meanwhile: its value is at least as new.
            } catch {
                throw gitFailure(error)
            }
            return
        }
    }

    /// Where a configured branch is, as the team sees it: the local branch; else the
    /// remote-tracking one (a fresh clone, a CI checkout without local branches); else HEAD,
    /// when CI says the job runs on that branch (GitLab's CI_COMMIT_BRANCH, GitHub's
    /// GITHUB_REF_NAME on a push). A local branch behind its remote-tracking one gives way to it.
    public func branchTip(_ branch: String) throws(RelflowError) -> ObjectID? {
        let repo = repository
        let local = try git { () throws(GitError) in try repo.reference("refs/heads/" + branch) }
        let tracking = try followedRemote.flatMap { (remote: String) throws(RelflowError) -> ObjectID? in
            try git { () throws(GitError) in try repo.reference("refs/remotes/\(remote)/\(branch)") }
        }
        switch (local, tracking) {
        case (let l?, let t?) where l != t:
            if try git({ () throws(GitError) in try repo.isDescendant(t, of: l) }) {
                note("local \(branch) is behind \(followedRemote ?? "origin")/\(branch): using \(followedRemote ?? "origin")/\(branch)")
                return t
            }
            return l
        case (let l?, _): return l
        case (nil, let t?):
            note("no local \(branch): using \(followedRemote ?? "origin")/\(branch)")
            return t
        case (nil, nil):
            let env = ProcessEnvironment.value
            let ciBranch = env("CI_COMMIT_BRANCH") ?? (env("GITHUB_REF_TYPE") == "branch" ? env("GITHUB_REF_NAME") : nil)
            if ciBranch == branch, let commit = try git({ () throws(GitError) in try repo.head() }).commit {
                note("no \(branch) branch here: using HEAD, where CI runs the \(branch) pipeline")
                return commit
            }
            return nil
        }
    }

    /// `branchTip`, or an error naming the configured branch that exists nowhere.
    public func requireBranchTip(_ branch: String, key: String) throws(RelflowError) -> ObjectID {
        if let tip = try branchTip(branch) { return tip }
        throw .repository("the branch '\(branch)' ([branches] \(key)) exists neither here nor as \(followedRemote ?? "origin")/\(branch)",
                          hint: "fetch it (git fetch origin \(branch)), or set [branches] \(key) in .relflow.toml to the branch your team uses")
    }
}
