import CLibGit2

/// A tag reference: lightweight (points at a commit) or annotated (points at a tag object).
public struct Tag: Sendable, Hashable {
    /// The short name, e.g. `v1.2.0`.
    public let name: String
    /// What `refs/tags/<name>` points at: the tag object for annotated tags, else the commit.
    public let target: ObjectID
    /// The commit the tag finally names, nil when it names a tree or a blob.
    public let commit: ObjectID?
    /// The annotation of an annotated tag, nil for a lightweight one.
    public let annotation: Annotation?

    public var isAnnotated: Bool { annotation != nil }

    public struct Annotation: Sendable, Hashable {
        public let tagger: Signature?
        public let message: String
    }
}

extension Repository {
    /// Every tag in `refs/tags/`, peeled to its commit.
    public func tags() throws(GitError) -> [Tag] {
        var out: [Tag] = []
        for (fullName, target) in try references(matching: "refs/tags/*") {
            let name = String(fullName.dropFirst("refs/tags/".count))
            out.append(try tag(named: name, target: target))
        }
        return out
    }

    /// One tag by short name, nil when it does not exist.
    public func tag(named name: String) throws(GitError) -> Tag? {
        guard let target = try reference("refs/tags/" + name) else { return nil }
        return try tag(named: name, target: target)
    }

    private func tag(named name: String, target: ObjectID) throws(GitError) -> Tag {
        var oid = target.gitOID
        var object: OpaquePointer?
        let rc = git_object_lookup(&object, pointer, &oid, GIT_OBJECT_ANY)
        if rc == GIT_ENOTFOUND.rawValue {
            // A tag whose object is missing (a damaged or partial clone): keep it, unpeeled.
            return Tag(name: name, target: target, commit: nil, annotation: nil)
        }
        try check(rc, "read tag '\(name)'")
        defer { git_object_free(object) }
        var annotation: Tag.Annotation?
        if git_object_type(object) == GIT_OBJECT_TAG {
            let tagger = git_tag_tagger(object).map { Signature($0) }
            let message = git_tag_message(object).map { decodeLossy(cString: $0) } ?? ""
            annotation = Tag.Annotation(tagger: tagger, message: message)
        }
        var commit: ObjectID?
        if git_object_type(object) == GIT_OBJECT_COMMIT {
            commit = target
        } else if git_object_type(object) == GIT_OBJECT_TAG, git_tag_target_type(object) == GIT_OBJECT_COMMIT {
            // The usual annotated tag: its target id is the commit; no need to read the commit.
            commit = ObjectID(git_tag_target_id(object))
        } else {
            var peeled: OpaquePointer?
            if git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0 {
                commit = ObjectID(git_object_id(peeled))
                git_object_free(peeled)
            }
        }
        return Tag(name: name, target: target, commit: commit, annotation: annotation)
    }
}
