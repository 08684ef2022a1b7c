import Testing
import Git
import RelflowCore
@testable import RelflowWorkflow

@Suite("release order")
struct ReleaseOrderTests {
    /// The full changelog orders its releases lowest first from the index's highest-first list
    /// without sorting it again: the same order as a stable sort, equal versions included
    /// (`1.0.0` under two prefixes, build metadata that SemVer ignores).
    @Test func ascendingIsAStableSortOfTheIndex() throws {
        let names = ["v1.0.0", "1.0.0", "v1.0.0+b2", "v0.9.0", "v2.0.0-rc.1", "v2.0.0", "v0.1.0", "release/0.9.0",
                     "v2.0.0-rc.1+x", "v10.0.0", "v1.10.0", "v1.2.0", "v2.0.0-alpha"]
        let commit = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let tags = try names.map { name in
            let version = try #require(SemVer(name.split(separator: "/").last.map { $0.hasPrefix("v") ? String($0.dropFirst()) : String($0) } ?? name))
            return ReleaseTag(name: name, version: version, commit: commit, target: commit, isAnnotated: false, tagger: nil, message: nil)
        }
        func stable(_ tags: [ReleaseTag]) -> [String] { tags.sorted { SemVer.compare($0.version, $1.version) < 0 }.map(\.name) }
        let index = ReleaseTagIndex(tags: tags, ignored: [])
        #expect(ChangelogService.ascending(index.tags).map(\.name) == stable(index.tags))
        // Any other order: sorted as before.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let shuffled = tags.shuffled(using: &generator)
            #expect(ChangelogService.ascending(shuffled).map(\.name) == stable(shuffled))
        }
        #expect(ChangelogService.ascending([]).isEmpty)
    }
}
