import CLibGit2

/// Merges and cherry-picks computed in memory: the result is a tree or the conflicting
/// paths; nothing in the work tree or the references changes.
extension Repository {
    public enum MergeResult: Sendable, Equatable {
        case clean(tree: ObjectID)
        case conflicts([String])
    }

    /// The merge of `theirs` into `ours`.
    public func merge(_ ours: ObjectID, with theirs: ObjectID) throws(GitError) -> MergeResult {
        let ourCommit = try lookupCommit(ours)
        defer { git_commit_free(ourCommit) }
        let theirCommit = try lookupCommit(theirs)
        defer { git_commit_free(theirCommit) }
        var index: OpaquePointer?
        try check(git_merge_commits(&index, pointer, ourCommit, theirCommit, nil), "merge \(theirs.short()) into \(ours.short())")
        defer { git_index_free(index) }
        return try result(of: index)
    }

    /// `commit` applied on top of `onto` (its changes against its first parent).
    public func cherryPick(_ commit: ObjectID, onto: ObjectID) throws(GitError) -> MergeResult {
        let picked = try lookupCommit(commit)
        defer { git_commit_free(picked) }
        let base = try lookupCommit(onto)
        defer { git_commit_free(base) }
        var index: OpaquePointer?
        try check(git_cherrypick_commit(&index, pointer, picked, base, 0, nil), "cherry-pick \(commit.short()) onto \(onto.short())")
        defer { git_index_free(index) }
        return try result(of: index)
    }

    private func result(of index: OpaquePointer?) throws(GitError) -> MergeResult {
        if git_index_has_conflicts(index) == 1 {
            var iterator: OpaquePointer?
            try check(git_index_conflict_iterator_new(&iterator, index), "list conflicts")
            defer { git_index_conflict_iterator_free(iterator) }
            var paths = Set<String>()
            var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?, theirs: UnsafePointer<git_index_entry>?
            while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
                for entry in [ancestor, ours, theirs] {
                    if let path = entry?.pointee.path { paths.insert(decodeLossy(cString: path)) }
                }
            }
            return .conflicts(paths.sorted())
        }
        var tree = git_oid()
        try check(git_index_write_tree_to(&tree, index, pointer), "write the merged tree")
        return .clean(tree: ObjectID(tree))
    }

    func lookupCommit(_ id: ObjectID) throws(GitError) -> OpaquePointer? {
        var oid = id.gitOID
        var handle: OpaquePointer?
        try check(git_commit_lookup(&handle, pointer, &oid), "read commit \(id.short())")
        return handle
    }

    /// Switches the work tree and HEAD to `branch` (`refs/heads/…`); refuses to overwrite
    /// local changes, as `git switch` does.
    public func switchTo(branch: String) throws(GitError) {
        guard let target = try reference(branch) else {
            throw GitError(code: GIT_ENOTFOUND.rawValue, message: "no branch \(branch)", operation: "switch to \(branch)")
        }
        let commit = try lookupCommit(target)
        defer { git_commit_free(commit) }
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "set up checkout")
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        try check(git_checkout_tree(pointer, commit, &options), "check out \(branch)")
        try setHead(toBranch: branch)
    }
}
