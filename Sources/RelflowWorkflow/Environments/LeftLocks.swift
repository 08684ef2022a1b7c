import Foundation
import Git

/// The `*.lock` files git (and relflow through libgit2) create while they write a ref, the
/// index or packed-refs. A process killed at the wrong moment leaves one behind, and every
/// later write of that file fails; status names them with the one safe way to clear them.
public struct LeftLock: Sendable, Codable, Equatable {
    /// The path, relative to the repository's git folder (`refs/heads/main.lock`).
    public let path: String
    public let ageSeconds: Int64

    /// Every lock file in the git folder and under refs/.
    public static func find(in repository: Repository) -> [LeftLock] {
        let common = repository.commonDirectory
        var found: [LeftLock] = []
        let now = Date()
        func add(_ relative: String, base: String) {
            let full = base + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                  let modified = attributes[.modificationDate] as? Date else { return }
            found.append(LeftLock(path: relative, ageSeconds: max(0, Int64(now.timeIntervalSince(modified)))))
        }
        for name in ["index.lock", "HEAD.lock", "packed-refs.lock", "config.lock", "shallow.lock"] where fileExists(common + name) {
            add(name, base: common)
        }
        if repository.gitDirectory != common {
            for name in ["index.lock", "HEAD.lock"] where fileExists(repository.gitDirectory + name) { add(name, base: repository.gitDirectory) }
        }
        if let walker = FileManager.default.enumerator(atPath: common + "refs") {
            while let item = walker.nextObject() as? String {
                if item.hasSuffix(".lock") { add("refs/" + item, base: common) }
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// `refs/heads/main.lock (3 min old)`.
    public var description: String {
        let age = ageSeconds < 120 ? "\(ageSeconds) s" : ageSeconds < 7200 ? "\(ageSeconds / 60) min" : "\(ageSeconds / 3600) h"
        return "\(path) (\(age) old)"
    }
}
