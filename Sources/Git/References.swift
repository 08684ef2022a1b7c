import CLibGit2

extension Repository {
    /// The commit or object a reference points to (following symbolic references), nil when the
    /// reference does not exist.
    public func reference(_ name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, pointer, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "read reference '\(name)'")
        return ObjectID(oid)
    }

    /// Every reference whose full name matches `glob` (e.g. `refs/tags/*`), with its direct target.
    public func references(matching glob: String) throws(GitError) -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, pointer, glob), "list references '\(glob)'")
        defer { git_reference_iterator_free(iterator) }
        var out: [(name: String, target: ObjectID)] = []
        while true {
            var ref: OpaquePointer?
            let rc = git_reference_next(&ref, iterator)
            if rc == GIT_ITEROVER.rawValue { break }
            try check(rc, "list references '\(glob)'")
            defer { git_reference_free(ref) }
            let name = decodeLossy(cString: git_reference_name(ref))
            if let target = git_reference_target(ref) {
                out.append((name, ObjectID(target)))
            } else {
                var resolved: OpaquePointer?
                if git_reference_resolve(&resolved, ref) == 0, let target = git_reference_target(resolved) {
                    out.append((name, ObjectID(target)))
                }
                git_reference_free(resolved)
            }
        }
        return out
    }

    /// Points `name` at `target` only if it still holds `expected` (nil: only if it does not
    /// exist yet). Throws `GitError` with `isModified`/`isExists`/`isLocked` when it lost the race;
    /// the reference is then left as the other writer left it.
    public func updateReference(_ name: String, to target: ObjectID, expecting expected: ObjectID?,
                                message: String) throws(GitError) {
        var ref: OpaquePointer?
        var newID = target.gitOID
        if let expected {
            var oldID = expected.gitOID
            try check(git_reference_create_matching(&ref, pointer, name, &newID, 1, &oldID, message),
                      "update '\(name)' from \(expected.short()) to \(target.short())")
        } else {
            try check(git_reference_create(&ref, pointer, name, &newID, 0, message),
                      "create '\(name)' at \(target.short())")
        }
        git_reference_free(ref)
    }

    /// Deletes `name` only if it still holds `expected`.
    public func deleteReference(_ name: String, expecting expected: ObjectID) throws(GitError) {
        var ref: OpaquePointer?
        try check(git_reference_lookup(&ref, pointer, name), "look up '\(name)'")
        defer { git_reference_free(ref) }
        guard let current = git_reference_target(ref), ObjectID(current) == expected else {
            throw GitError(code: GIT_EMODIFIED.rawValue, message: "reference '\(name)' moved since it was read",
                           operation: "delete '\(name)'")
        }
        try check(git_reference_delete(ref), "delete '\(name)'")
    }

    /// Points HEAD at a branch (`refs/heads/…`), as `git symbolic-ref HEAD` does.
    public func setHead(toBranch fullName: String) throws(GitError) {
        try check(git_repository_set_head(pointer, fullName), "point HEAD at '\(fullName)'")
    }

    /// True when `name` is a well-formed reference name (`git check-ref-format`).
    public static func isValidReferenceName(_ name: String) -> Bool {
        LibGit2.ensure()
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }
}
