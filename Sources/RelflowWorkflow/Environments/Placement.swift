import Git
import RelflowCore

/// How a deployment recovers from an interruption: the ledger records each move of publish
/// before the move is made (write-ahead), and each delivery after the publisher reports.
extension PromoteService {
    /// An entry that put publish somewhere.
    static func isPlacement(_ entry: LedgerEntry) -> Bool {
        entry.event == .promote || entry.event == .rollback || (entry.event == .hotfixFinish && entry.details["promoted"]?.bool == true)
    }

    /// The last recorded move, when it was recorded but not made: publish is still exactly
    /// where that entry says it came from (a kill between the two writes). Nil otherwise.
    static func interruptedMove(entries: [LedgerEntry], publish: ObjectID?) -> LedgerEntry? {
        guard let last = entries.last(where: { $0.event == .promote || $0.event == .rollback }),
              let commit = last.commit, commit != publish?.hex else { return nil }
        // The move after it never happened; an entry that came from elsewhere is not this case.
        if let later = entries.last(where: isPlacement), later.commit != commit { return nil }
        return last.previous == publish?.hex ? last : nil
    }

    /// Makes the move an interrupted run recorded but did not make; a note saying so, or none.
    ///
    /// Only a move recorded here and never pushed is completed: an entry that came from the
    /// remote's ledger (where the server judges every move with its entry) is not taken as an
    /// order to move publish, so a ledger entry pushed alone cannot steer a maintainer's next
    /// promote. Such an entry stays a violation that verify and status name.
    func completeInterruptedMove() throws(RelflowError) -> [String] {
        let records = try Ledger(repository: repo).records()
        let entries = context.scopedEntries(records.compactMap(\.entry))
        let publish = try git { () throws(GitError) in try repo.reference(publishRef) }
        guard let entry = Self.interruptedMove(entries: entries, publish: publish),
              let target = entry.commit.flatMap(ObjectID.init(hex:)),
              let record = records.last(where: { $0.entry == entry }) else { return [] }
        let fromRemote = try git { () throws(GitError) -> Bool in
            guard let remote = try repo.reference(Sync.remoteLedger) else { return false }
            if remote == record.id { return true }
            return try repo.isDescendant(remote, of: record.id)
        }
        if fromRemote {
            return ["the ledger's \(entry.event.rawValue) of \(entry.tag ?? target.short()) came from the remote, but \(config.branches.publish) never moved there: not completed here (relflow verify names it)"]
        }
        do {
            try repo.updateReference(publishRef, to: target, expecting: publish,
                                     message: "relflow: complete the interrupted \(entry.event.rawValue) of \(entry.tag ?? target.short())")
        } catch where error.isLocked {
            throw lockedFailure(publishRef, error)
        } catch {
            throw gitFailure(error)
        }
        return ["completed the interrupted \(entry.event.rawValue) of \(entry.tag ?? target.short()) (recorded, but \(config.branches.publish) had not moved)"]
    }

    /// True when a successful delivery of `tag` is recorded since publish last moved to it.
    func isDelivered(_ tag: ReleaseTag) throws(RelflowError) -> Bool {
        let entries = context.scopedEntries(try Ledger(repository: repo).entries())
        // The move that put it there (a hotfix-finish entry records a move, it is not one).
        let placed = entries.lastIndex { ($0.event == .promote || $0.event == .rollback) && $0.commit == tag.commit.hex } ?? entries.startIndex
        return entries[placed...].contains { $0.event == .deliver && $0.tag == tag.name && $0.details["status"] == "success" }
    }

    /// Takes back the entry just recorded when the move it announces could not be made (only
    /// while it is still the ledger's newest; otherwise status names it and a rerun completes it).
    func retract(_ recorded: ObjectID) throws(RelflowError) {
        let commit = try git { () throws(GitError) in try repo.commit(recorded) }
        guard let parent = commit.parents.first else { return }
        do {
            try repo.updateReference(Ledger.reference, to: parent, expecting: recorded, message: "relflow: take back an entry whose move failed")
        } catch {
            // Something was appended on top meanwhile: the entry stays, and a rerun completes it.
        }
    }
}

/// A ref whose lock file exists: what is true (a lock file, maybe left by a killed process)
/// instead of "someone else moved it".
func lockedFailure(_ ref: String, _ error: GitError) -> RelflowError {
    .repository("cannot update \(ref): it is locked (\(error.message))",
                hint: "another git or relflow command is running on it, or one was killed and left its lock file; if none is running, relflow status names the file to remove")
}
