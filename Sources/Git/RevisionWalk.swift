import CLibGit2

/// A walk over commit history (libgit2's revwalk). Owns its handle.
///
/// Push the tips to start from and hide the commits whose history is not wanted
/// (`A..B` is `hide(A); push(B)`); the walk never goes past a hidden commit.
public final class RevisionWalk {
    let pointer: OpaquePointer
    // Keeps the repository alive as long as the walk that borrows its handle.
    private let repository: Repository

    public struct Order: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Parents after all their children.
        public static let topological = Order(rawValue: GIT_SORT_TOPOLOGICAL.rawValue)
        /// Newest commit time first.
        public static let time = Order(rawValue: GIT_SORT_TIME.rawValue)
        /// Oldest first.
        public static let reverse = Order(rawValue: GIT_SORT_REVERSE.rawValue)
    }

    public init(_ repository: Repository) throws(GitError) {
        var handle: OpaquePointer?
        try check(git_revwalk_new(&handle, repository.pointer), "start a history walk")
        guard let handle else { throw GitError(code: -1, message: "no walk", operation: "start a history walk") }
        pointer = handle
        self.repository = repository
    }

    deinit { git_revwalk_free(pointer) }

    public func push(_ id: ObjectID) throws(GitError) {
        var oid = id.gitOID
        try check(git_revwalk_push(pointer, &oid), "walk from \(id.short())")
    }

    public func hide(_ id: ObjectID) throws(GitError) {
        var oid = id.gitOID
        try check(git_revwalk_hide(pointer, &oid), "exclude the history of \(id.short())")
    }

    /// Pushes a range written as git writes it: `A..B` (B's history without A's).
    public func push(range: String) throws(GitError) {
        try check(git_revwalk_push_range(pointer, range), "walk range '\(range)'")
    }

    public func sort(_ order: Order) throws(GitError) {
        try check(git_revwalk_sorting(pointer, order.rawValue), "order the history walk")
    }

    /// Follow only the first parent of merges (the history of the branch itself).
    public func firstParentOnly() throws(GitError) {
        try check(git_revwalk_simplify_first_parent(pointer), "walk first parents only")
    }

    /// The next commit id, nil at the end.
    public func next() throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let rc = git_revwalk_next(&oid, pointer)
        if rc == GIT_ITEROVER.rawValue { return nil }
        try check(rc, "walk history")
        return ObjectID(oid)
    }

    /// Every remaining commit id, in walk order.
    public func all() throws(GitError) -> [ObjectID] {
        var out: [ObjectID] = []
        while let id = try next() { out.append(id) }
        return out
    }
}
