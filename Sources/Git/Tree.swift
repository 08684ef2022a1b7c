import CLibGit2

extension Repository {
    /// The bytes of the file at `path` in the tree of `commit`, nil when there is no such file.
    /// Reads the object database directly: no checkout, works in bare repositories.
    public func blob(at path: String, inCommit commit: ObjectID) throws(GitError) -> [UInt8]? {
        try withTreeEntry(at: path, inCommit: commit) { (entry) throws(GitError) -> [UInt8]? in
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            var blob: OpaquePointer?
            try check(git_blob_lookup(&blob, pointer, git_tree_entry_id(entry)), "read '\(path)' in \(commit.short())")
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
            return Array(UnsafeRawBufferPointer(start: content, count: size))
        }
    }

    /// `body` with the entry at `path` in the tree of `commit` (freed after it); nil when
    /// there is nothing there.
    private func withTreeEntry<T>(at path: String, inCommit commit: ObjectID,
                                  _ body: (OpaquePointer?) throws(GitError) -> T?) throws(GitError) -> T? {
        let tree = try commitTree(commit)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let rc = git_tree_entry_bypath(&entry, tree, path)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "find '\(path)' in \(commit.short())")
        defer { git_tree_entry_free(entry) }
        return try body(entry)
    }

    /// What a path of a tree holds.
    public enum TreeEntry: Equatable, Sendable {
        case file
        /// A symbolic link, with its text as git stores it.
        case link(String)
        case folder
        case submodule
    }

    /// What `path` is in the tree of `commit`; nil when there is nothing there (or a part of
    /// the path on the way is not a folder).
    public func entry(at path: String, inCommit commit: ObjectID) throws(GitError) -> TreeEntry? {
        let mode = try withTreeEntry(at: path, inCommit: commit) { (entry) throws(GitError) -> git_filemode_t? in git_tree_entry_filemode(entry) }
        switch mode {
        case nil: return nil
        case GIT_FILEMODE_LINK?:
            let bytes = try blob(at: path, inCommit: commit) ?? []
            return .link(String(decoding: bytes, as: UTF8.self))
        case GIT_FILEMODE_TREE?: return .folder
        case GIT_FILEMODE_COMMIT?: return .submodule
        default: return .file
        }
    }

    /// The paths that differ between the trees of two commits (added, removed or changed),
    /// sorted, each once. Renames count as a removal and an addition.
    public func changedPaths(from old: ObjectID, to new: ObjectID) throws(GitError) -> [String] {
        try changedPathKinds(from: old, to: new).paths
    }

    /// The changed paths, and those of them that are not plain files changing content: a
    /// symlink, a submodule, or a change of mode (a file made executable) on either side.
    /// `old` nil: against the empty tree (every path of `new` is added, links and submodules
    /// among them are special).
    public func changedPathKinds(from old: ObjectID?, to new: ObjectID) throws(GitError) -> (paths: [String], special: Set<String>) {
        let oldTree = try old.map { (id) throws(GitError) in try treeHandle(of: id) } ?? nil
        defer { git_tree_free(oldTree) }
        let newTree = try treeHandle(of: new)
        defer { git_tree_free(newTree) }
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, pointer, oldTree, newTree, nil),
                  "compare \(old?.short() ?? "nothing") with \(new.short())")
        defer { git_diff_free(diff) }
        var paths = Set<String>()
        var special = Set<String>()
        let link = UInt16(GIT_FILEMODE_LINK.rawValue), submodule = UInt16(GIT_FILEMODE_COMMIT.rawValue)
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i) else { continue }
            let oldMode = delta.pointee.old_file.mode, newMode = delta.pointee.new_file.mode
            let odd = oldMode == link || newMode == link || oldMode == submodule || newMode == submodule
                || (oldMode != 0 && newMode != 0 && oldMode != newMode)
            for pointer in [delta.pointee.old_file.path, delta.pointee.new_file.path] {
                guard let p = pointer else { continue }
                let path = decodeLossy(cString: p)
                paths.insert(path)
                if odd { special.insert(path) }
            }
        }
        return (paths.sorted(), special)
    }

    /// The tree handle of a commit; the caller frees it with `git_tree_free`.
    func commitTree(_ commit: ObjectID) throws(GitError) -> OpaquePointer? {
        var oid = commit.gitOID
        var commitHandle: OpaquePointer?
        try check(git_commit_lookup(&commitHandle, pointer, &oid), "read commit \(commit.short())")
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commitHandle), "read the tree of \(commit.short())")
        return tree
    }

    private func treeHandle(of commit: ObjectID) throws(GitError) -> OpaquePointer? {
        var oid = commit.gitOID
        var object: OpaquePointer?
        try check(git_object_lookup(&object, pointer, &oid, GIT_OBJECT_ANY), "read \(commit.short())")
        defer { git_object_free(object) }
        var tree: OpaquePointer?
        try check(git_object_peel(&tree, object, GIT_OBJECT_TREE), "read the tree of \(commit.short())")
        return tree
    }
}

extension Repository {
    /// Every file path in the tree of `commit`, sorted.
    public func allPaths(inCommit commit: ObjectID) throws(GitError) -> [String] {
        let tree = try commitTree(commit)
        defer { git_tree_free(tree) }
        let collector = PathCollector()
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        try check(git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
            guard let entry, let payload, git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return 0 }
            let collector = Unmanaged<PathCollector>.fromOpaque(payload).takeUnretainedValue()
            let prefix = root.map { decodeLossy(cString: $0) } ?? ""
            collector.paths.append(prefix + decodeLossy(cString: git_tree_entry_name(entry)))
            return 0
        }, box.toOpaque()), "list the files of \(commit.short())")
        return collector.paths.sorted()
    }
}

private final class PathCollector {
    var paths: [String] = []
}
