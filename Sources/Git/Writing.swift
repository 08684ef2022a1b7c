import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing objects: blobs, trees, commits and tags go into the object database first; no
/// reference moves until the caller says so with a compare-and-swap update.
extension Repository {
    /// Stores bytes as a blob.
    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        try check(bytes.withUnsafeBytes { git_blob_create_from_buffer(&oid, pointer, $0.baseAddress, $0.count) }, "store a blob")
        return ObjectID(oid)
    }

    /// The empty tree (what ledger commits record: their content is their message).
    public func writeEmptyTree() throws(GitError) -> ObjectID {
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, pointer, nil), "build an empty tree")
        defer { git_treebuilder_free(builder) }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "write an empty tree")
        return ObjectID(oid)
    }

    /// A tree holding one file at the top (`name` → `blob`).
    public func writeTree(file name: String, blob: ObjectID) throws(GitError) -> ObjectID {
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, pointer, nil), "build a tree")
        defer { git_treebuilder_free(builder) }
        var id = blob.gitOID
        try check(git_treebuilder_insert(nil, builder, name, &id, GIT_FILEMODE_BLOB), "add '\(name)' to a tree")
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "write a tree")
        return ObjectID(oid)
    }

    /// The tree of `commit` with the file at `path` (folders created as needed) set to `blob`.
    public func tree(of commit: ObjectID, setting path: String, to blob: ObjectID) throws(GitError) -> ObjectID {
        let base = try commitTree(commit)
        defer { git_tree_free(base) }
        var oid = git_oid()
        var update = git_tree_update()
        update.action = GIT_TREE_UPDATE_UPSERT
        update.id = blob.gitOID
        update.filemode = GIT_FILEMODE_BLOB
        let rc = path.withCString { cPath -> Int32 in
            update.path = cPath
            return git_tree_create_updated(&oid, pointer, base, 1, &update)
        }
        try check(rc, "update '\(path)' in the tree of \(commit.short())")
        return ObjectID(oid)
    }

    /// Writes a commit object; no reference moves.
    public func createCommit(tree: ObjectID, parents: [ObjectID], message: String,
                             author: Signature, committer: Signature) throws(GitError) -> ObjectID {
        var out = git_oid()
        try withCommitInputs(tree: tree, parents: parents, author: author, committer: committer) { (authorSig, committerSig, treeHandle, parentHandles) throws(GitError) in
            try check(git_commit_create(&out, pointer, nil, authorSig, committerSig, "UTF-8", message, treeHandle,
                                        parentHandles.count, parentHandles.baseAddress), "write a commit")
        }
        return ObjectID(out)
    }

    /// The bytes of a commit object as git would write it, for signing before it is written.
    public func commitBuffer(tree: ObjectID, parents: [ObjectID], message: String,
                             author: Signature, committer: Signature) throws(GitError) -> String {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try withCommitInputs(tree: tree, parents: parents, author: author, committer: committer) { (authorSig, committerSig, treeHandle, parentHandles) throws(GitError) in
            try check(git_commit_create_buffer(&buffer, pointer, authorSig, committerSig, "UTF-8", message, treeHandle,
                                               parentHandles.count, parentHandles.baseAddress), "build a commit")
        }
        guard let bytes = buffer.ptr else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: buffer.size), as: UTF8.self)
    }

    /// The libgit2 handles a new commit is made from, freed after `body`.
    private func withCommitInputs(tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature,
                                  _ body: (UnsafeMutablePointer<git_signature>?, UnsafeMutablePointer<git_signature>?, OpaquePointer?,
                                           UnsafeMutableBufferPointer<OpaquePointer?>) throws(GitError) -> Void) throws(GitError) {
        let authorSig = try author.makeGitSignature()
        defer { git_signature_free(authorSig) }
        let committerSig = try committer.makeGitSignature()
        defer { git_signature_free(committerSig) }
        var treeOID = tree.gitOID
        var treeHandle: OpaquePointer?
        try check(git_tree_lookup(&treeHandle, pointer, &treeOID), "read tree \(tree.short())")
        defer { git_tree_free(treeHandle) }
        var parentHandles: [OpaquePointer?] = []
        defer { parentHandles.forEach { git_commit_free($0) } }
        for parent in parents {
            var oid = parent.gitOID
            var handle: OpaquePointer?
            try check(git_commit_lookup(&handle, pointer, &oid), "read parent \(parent.short())")
            parentHandles.append(handle)
        }
        try parentHandles.withUnsafeMutableBufferPointer { (handles) throws(GitError) in
            try body(authorSig, committerSig, treeHandle, handles)
        }
    }

    /// Writes a commit from its bytes and a signature (an armored SSH or OpenPGP block), as
    /// git does for `commit -S`: the signature goes into the `gpgsig` header.
    public func createSignedCommit(buffer: String, signature: String) throws(GitError) -> ObjectID {
        var out = git_oid()
        try check(git_commit_create_with_signature(&out, pointer, buffer, signature, nil), "write a signed commit")
        return ObjectID(out)
    }

    /// A commit's signature and the bytes it signs; nil when the commit is not signed.
    public func commitSignature(_ id: ObjectID) throws(GitError) -> (signature: String, signedData: [UInt8])? {
        var signature = git_buf(), signed = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signed)
        }
        var oid = id.gitOID
        let rc = git_commit_extract_signature(&signature, &signed, pointer, &oid, nil)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "read the signature of \(id.short())")
        let text = signature.ptr.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: signature.size), as: UTF8.self) } ?? ""
        let data = signed.ptr.map { Array(UnsafeRawBufferPointer(start: $0, count: signed.size)) } ?? []
        return (text, data)
    }

    /// The bytes of an annotated tag object, for signing before it is written.
    public func tagBuffer(name: String, target: ObjectID, tagger: Signature, message: String) -> String {
        "object \(target.hex)\ntype commit\ntag \(name)\ntagger \(tagger.gitFormat)\n\n\(message)"
    }

    /// Writes an annotated tag object from its bytes (signed or not); no reference moves.
    public func writeTagObject(_ buffer: String) throws(GitError) -> ObjectID {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "open the object database")
        defer { git_odb_free(odb) }
        var oid = git_oid()
        let bytes = Array(buffer.utf8)
        try check(bytes.withUnsafeBytes { git_odb_write(&oid, odb, $0.baseAddress, $0.count, GIT_OBJECT_TAG) }, "write a tag object")
        return ObjectID(oid)
    }

    /// True when the index and the work tree match HEAD (untracked files do not count).
    public func hasUncommittedChanges() throws(GitError) -> [String] {
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "set up status")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check(git_status_list_new(&list, pointer, &options), "read the status of the work tree")
        defer { git_status_list_free(list) }
        var paths: [String] = []
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i) else { continue }
            let delta = entry.pointee.head_to_index ?? entry.pointee.index_to_workdir
            if let path = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path {
                paths.append(decodeLossy(cString: path))
            }
        }
        return paths
    }

    /// Makes the work tree and the index show HEAD's version of `paths` (after HEAD moved to a
    /// commit relflow wrote, whose only change is in those paths).
    public func checkoutHead(paths: [String]) throws(GitError) {
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "set up checkout")
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH.rawValue
        let cStrings = paths.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var array = cStrings
        let rc = array.withUnsafeMutableBufferPointer { buffer -> Int32 in
            options.paths = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return git_checkout_head(pointer, &options)
        }
        try check(rc, "update \(paths.joined(separator: ", ")) in the work tree")
        // The index entries too: a checkout interrupted after the work tree was written and
        // before the index was leaves the work tree matching HEAD, and a second checkout then
        // sees nothing to do, keeping the stale entry staged (the old file, as a change).
        var head: OpaquePointer?
        try check(git_revparse_single(&head, pointer, "HEAD"), "read HEAD")
        defer { git_object_free(head) }
        let resetRC = cStrings.withUnsafeBufferPointer { buffer -> Int32 in
            var list = git_strarray(strings: UnsafeMutablePointer(mutating: buffer.baseAddress), count: buffer.count)
            return git_reset_default(pointer, head, &list)
        }
        try check(resetRC, "update \(paths.joined(separator: ", ")) in the index")
    }
}

extension Signature {
    /// `Name <email> 1700000000 +0100`, as git writes it in objects.
    public var gitFormat: String {
        let sign = offsetMinutes < 0 ? "-" : "+"
        let minutes = abs(Int(offsetMinutes))
        let hh = minutes / 60, mm = minutes % 60
        return "\(name) <\(email)> \(time) \(sign)\(hh < 10 ? "0" : "")\(hh)\(mm < 10 ? "0" : "")\(mm)"
    }

    func makeGitSignature() throws(GitError) -> UnsafeMutablePointer<git_signature>? {
        var sig: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&sig, name, email, git_time_t(time), offsetMinutes), "make a signature for \(name) <\(email)>")
        return sig
    }
}
