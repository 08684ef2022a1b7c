import CLibGit2

extension Repository {
    /// Reads every commit reachable from `tips` but not from `hidden`, calling `body` once per
    /// commit, parents after a child that names them (no time order).
    ///
    /// With nothing hidden it follows parents itself and reads each commit exactly once: the
    /// whole cost is one inflate per commit, as for `git log`. With hidden commits `Ancestry`
    /// decides where to stop (as soon as only hidden history is left, however many commits
    /// are hidden, so a range costs what is in the range). `boundary` holds the commits whose
    /// parents must not be followed: the cut of a shallow clone.
    public func forEachCommit(from tips: [ObjectID], hiding hidden: [ObjectID] = [], boundary: Set<ObjectID> = [],
                              _ body: (Commit) throws -> Void) throws {
        if hidden.isEmpty || !boundary.isEmpty {
            try depthFirst(from: tips, hiding: hidden, boundary: boundary, body)
            return
        }
        for id in try Ancestry(self).commits(from: tips, excluding: hidden) {
            try body(try commit(id))
        }
    }

    private func depthFirst(from tips: [ObjectID], hiding hidden: [ObjectID], boundary: Set<ObjectID>,
                            _ body: (Commit) throws -> Void) throws {
        var seen = Set<ObjectID>()
        // In a shallow clone the hidden side is small too: mark all of it first.
        if !hidden.isEmpty {
            var stack = hidden
            while let id = stack.popLast() {
                guard seen.insert(id).inserted else { continue }
                if boundary.contains(id) { continue }
                stack.append(contentsOf: try parentIDs(of: id))
            }
        }
        var stack = Array(tips.reversed())
        seen.reserveCapacity(1 << 12)
        while let id = stack.popLast() {
            guard seen.insert(id).inserted else { continue }
            let c = try commit(id)
            try body(c)
            if boundary.contains(id) { continue }
            for parent in c.parents.reversed() where !seen.contains(parent) { stack.append(parent) }
        }
    }

    /// The parents of a commit, without copying its message.
    public func parentIDs(of id: ObjectID) throws(GitError) -> [ObjectID] {
        var oid = id.gitOID
        var handle: OpaquePointer?
        try check(git_commit_lookup(&handle, pointer, &oid), "read commit \(id.short())")
        defer { git_commit_free(handle) }
        return (0..<git_commit_parentcount(handle)).compactMap { git_commit_parent_id(handle, $0).map(ObjectID.init) }
    }
}
