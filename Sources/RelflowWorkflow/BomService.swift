import Foundation
import Git
import RelflowCore

/// `relflow bom`: the dependencies of a tree, read from its lock files through libgit2 (no
/// checkout, any depth, bare repositories too).
public struct BomService {
    let context: RepositoryContext
    public init(context: RepositoryContext) { self.context = context }

    public func read(_ revision: String) throws(RelflowError) -> BillOfMaterials {
        let repo = context.repository
        let commit = try context.resolve(revision)
        let paths = try git { () throws(GitError) in try repo.allPaths(inCommit: commit) }
        let extra = Set(context.config.bom.paths)
        var components: [Component] = []
        var manifests: [String] = []
        var warnings: [BomWarning] = []
        for path in paths {
            if let problem = LockFiles.unreadManifest(path), !extra.contains(path) { warnings.append(BomWarning(file: path, problem: problem)) }
        }
        for path in paths where LockFiles.isLockFile(path) || extra.contains(path) {
            guard let bytes = try git({ () throws(GitError) in try repo.blob(at: path, inCommit: commit) }) else { continue }
            manifests.append(path)
            switch LockFiles.read(path: path, bytes: bytes) {
            case .success(let found): components += found
            case .failure(let warning): warnings.append(warning)
            }
        }
        for path in extra where !paths.contains(path) {
            warnings.append(BomWarning(file: path, problem: "named in [bom] paths but not in the tree at \(revision)"))
        }
        return BillOfMaterials(revision: revision, components: components, manifests: manifests, warnings: warnings)
    }

    public func diff(from a: String, to b: String) throws(RelflowError) -> (diff: BomDiff, warnings: [BomWarning]) {
        let old = try read(a)
        let new = try read(b)
        return (BomDiff(from: old, to: new), old.warnings + new.warnings)
    }

    /// The project's name: the forge path's last part, else the work tree's folder.
    public func projectName() -> String {
        if let links = ChangelogService(context: context).remoteLinks(), let last = links.base.split(separator: "/").last {
            return String(last)
        }
        let dir = context.repository.workingDirectory ?? context.repository.gitDirectory
        let parts = dir.split(separator: "/").filter { $0 != ".git" }
        return parts.last.map { String($0).replacingOccurrences(of: ".git", with: "") } ?? "project"
    }
}
