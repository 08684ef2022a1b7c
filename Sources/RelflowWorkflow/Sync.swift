import Git
import RelflowCore

/// Keeping `publish`, the release tags and the ledger in step with a shared remote, through
/// the user's own `git` (credentials, transports). A push that git refuses because the remote
/// moved is answered by fetching, putting our ledger entries on top of the remote's, and
/// trying again; nothing recorded on either side is lost.
enum Sync {
    enum PushResult { case pushed(serverNotes: [String]), retry }

    /// What the server's hook said of an accepted push (`remote: relflow: note: …` lines).
    static func serverNotes(in output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "relflow: note: ") else { return nil }
            return String(line[range.upperBound...]).trimmingSpaces
        }
    }

    static let remotePublish = "refs/relflow/remote/publish"
    static let remoteLedger = "refs/relflow/remote/ledger"

    static func directory(_ context: RepositoryContext) -> String {
        context.repository.workingDirectory ?? context.repository.gitDirectory
    }

    /// Fetches one ref into `local`; false when the remote does not have it.
    static func fetch(_ remote: String, _ ref: String, into local: String, context: RepositoryContext) async throws(RelflowError) -> Bool {
        let result = try await GitCommand.run(["fetch", "--quiet", "--no-tags", remote, "+\(ref):\(local)"], in: directory(context))
        if result.ok { return true }
        if result.output.contains("couldn't find remote ref") { return false }
        throw .repository("git fetch \(remote) \(ref) failed: \(result.output.trimmingSpaces)",
                          hint: "check the remote's name and your access to it (git fetch \(remote))")
    }

    /// Brings in the remote's publish, tags and ledger.
    static func pull(remote: String, context: RepositoryContext, publishRef: String) async throws(RelflowError) {
        let repo = context.repository
        _ = try await GitCommand.run(["fetch", "--quiet", remote, "refs/tags/*:refs/tags/*"], in: directory(context))
        if try await fetch(remote, Ledger.reference, into: remoteLedger, context: context),
           let theirs = try git({ () throws(GitError) in try repo.reference(remoteLedger) }) {
            try reconcileLedger(with: theirs, repo: repo)
        }
        if try await fetch(remote, publishRef, into: remotePublish, context: context),
           let theirs = try git({ () throws(GitError) in try repo.reference(remotePublish) }) {
            let ours = try git { () throws(GitError) in try repo.reference(publishRef) }
            if ours != theirs {
                let ahead = try ours.map { (o: ObjectID) throws(RelflowError) in
                    try git { () throws(GitError) in try repo.isDescendant(o, of: theirs) } } ?? false
                if !ahead {
                    try git { () throws(GitError) in
                        try repo.updateReference(publishRef, to: theirs, expecting: ours, message: "relflow: publish from \(remote)")
                    }
                }
            }
        }
    }

    /// Makes the local ledger hold every entry of `theirs` and then every local entry they lack.
    static func reconcileLedger(with theirs: ObjectID, repo: Repository) throws(RelflowError) {
        let ledger = Ledger(repository: repo)
        guard let ours = try git({ () throws(GitError) in try repo.reference(Ledger.reference) }) else {
            try git { () throws(GitError) in try repo.updateReference(Ledger.reference, to: theirs, expecting: nil, message: "relflow: ledger from remote") }
            return
        }
        if ours == theirs { return }
        if try git({ () throws(GitError) in try repo.isDescendant(ours, of: theirs) }) { return }
        if try git({ () throws(GitError) in try repo.isDescendant(theirs, of: ours) }) {
            try git { () throws(GitError) in try repo.updateReference(Ledger.reference, to: theirs, expecting: ours, message: "relflow: ledger from remote") }
            return
        }
        // Diverged: our entries since the common point go on top of theirs, in order.
        let base = try git { () throws(GitError) in try repo.mergeBase(ours, theirs) }
        var mine: [LedgerEntry] = []
        var cursor: ObjectID? = ours
        while let id = cursor, id != base {
            let commit = try git { () throws(GitError) in try repo.commit(id) }
            if let entry = Ledger.decode(commit).entry { mine.append(entry) }
            cursor = commit.parents.first
        }
        try git { () throws(GitError) in
            try repo.updateReference(Ledger.reference, to: theirs, expecting: ours, message: "relflow: ledger from remote")
        }
        if !mine.isEmpty { try ledger.append(mine.reversed()) }
    }

    /// Pushes publish, the tag and the ledger in one atomic push. On refusal, undoes nothing
    /// that reached the remote (nothing did), brings the remote's state in, and asks to retry.
    static func push(remote: String, tag: String, context: RepositoryContext, publishRef: String) async throws(RelflowError) -> PushResult {
        let repo = context.repository
        let before = try git { () throws(GitError) in try repo.reference(Ledger.reference) }
        let result = try await GitCommand.run(["push", "--atomic", "--quiet", remote,
                                               "\(publishRef):\(publishRef)", "refs/tags/\(tag):refs/tags/\(tag)",
                                               "\(Ledger.reference):\(Ledger.reference)"], in: directory(context))
        if result.ok { return .pushed(serverNotes: serverNotes(in: result.output)) }
        guard isRace(result.output) else {
            // The server refused the move itself: nothing changed there, and nothing stays
            // changed here either, so that status and the server agree.
            try takeBack(.promote, before: before, repo: repo, publishRef: publishRef)
            throw .refused("git push to \(remote) was refused: \(result.output.trimmingSpaces)",
                           hint: "the server's relflow hook names the rule; nothing was changed on \(remote), and the local \(publishRef) and ledger were set back")
        }
        try takeBack(.promote, before: before, repo: repo, publishRef: publishRef)
        try await pull(remote: remote, context: context, publishRef: publishRef)
        return .retry
    }

    /// Takes back the move relflow just recorded here (its entry is the ledger's newest):
    /// the ledger loses that entry and publish goes back to where the entry says it was.
    static func takeBack(_ event: LedgerEntry.Event, before: ObjectID?, repo: Repository, publishRef: String) throws(RelflowError) {
        guard let before else { return }
        let commit = try git { () throws(GitError) in try repo.commit(before) }
        guard let parent = commit.parents.first, let entry = Ledger.decode(commit).entry, entry.event == event else { return }
        try git { () throws(GitError) in try repo.updateReference(Ledger.reference, to: parent, expecting: before, message: "relflow: take back \(event.rawValue)") }
        guard let current = try git({ () throws(GitError) in try repo.reference(publishRef) }) else { return }
        if let previous = entry.previous.flatMap(ObjectID.init(hex:)) {
            if current != previous {
                try git { () throws(GitError) in try repo.updateReference(publishRef, to: previous, expecting: current, message: "relflow: take back \(event.rawValue)") }
            }
        } else if entry.commit == current.hex {
            // The move created the branch (its first promotion): taking it back removes it.
            try git { () throws(GitError) in try repo.deleteReference(publishRef, expecting: current) }
        }
    }

    /// Pushes the ledger alone (after a delivery, an approval), folding in the remote's entries.
    static func pushLedger(remote: String, context: RepositoryContext) async throws(RelflowError) -> Bool {
        for _ in 0..<8 {
            let result = try await GitCommand.run(["push", "--quiet", remote, "\(Ledger.reference):\(Ledger.reference)"], in: directory(context))
            if result.ok { return true }
            guard isRace(result.output) else {
                throw .refused("git push of the ledger to \(remote) was refused: \(result.output.trimmingSpaces)",
                               hint: "the server's relflow hook names the rule")
            }
            if try await fetch(remote, Ledger.reference, into: remoteLedger, context: context),
               let theirs = try git({ () throws(GitError) in try context.repository.reference(remoteLedger) }) {
                try reconcileLedger(with: theirs, repo: context.repository)
            }
        }
        throw .refused("the ledger on \(remote) keeps changing while relflow pushes", hint: "run the same command again: nothing recorded is lost, and entries already on the remote are not sent twice")
    }

    /// A rollback moves publish backwards: pushed with a lease on the value we replaced.
    static func pushRollback(remote: String, tag: String, context: RepositoryContext, publishRef: String) async throws(RelflowError) -> Bool {
        let repo = context.repository
        let lease = try git { () throws(GitError) in try repo.reference(remotePublish) }
        var arguments = ["push", "--atomic", "--quiet"]
        if let lease { arguments.append("--force-with-lease=\(publishRef):\(lease.hex)") }
        arguments += [remote, "+\(publishRef):\(publishRef)", "\(Ledger.reference):\(Ledger.reference)"]
        let before = try git { () throws(GitError) in try repo.reference(Ledger.reference) }
        let result = try await GitCommand.run(arguments, in: directory(context))
        guard result.ok else {
            try takeBack(.rollback, before: before, repo: repo, publishRef: publishRef)
            throw .refused("git push of the rollback to \(remote) was refused: \(result.output.trimmingSpaces)",
                           hint: "nothing changed on \(remote) and the local \(publishRef) and ledger were set back; run relflow status and decide again")
        }
        return true
    }

    /// git's words for "the remote moved since you fetched".
    static func isRace(_ output: String) -> Bool {
        ["non-fast-forward", "fetch first", "stale info", "atomic push failed", "rejected", "cannot lock ref", "failed to update ref"]
            .contains { output.contains($0) } && !output.contains("relflow: ") || output.contains("(fetch first)")
    }
}

/// Pushing the ledger after an approval or a delivery recorded here.
public enum LedgerSync {
    public static func push(remote: String, context: RepositoryContext) async throws(RelflowError) -> Bool {
        try await Sync.pushLedger(remote: remote, context: context)
    }

    /// Brings the remote's publish, tags and ledger in.
    public static func pull(remote: String, context: RepositoryContext) async throws(RelflowError) {
        try await Sync.pull(remote: remote, context: context, publishRef: "refs/heads/" + context.config.branches.publish)
    }
}
