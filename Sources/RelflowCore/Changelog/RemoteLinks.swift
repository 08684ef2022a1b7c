/// Links to commits, compare views and issues on the forge that hosts the repository.
public struct RemoteLinks: Sendable, Equatable {
    public enum Forge: String, Sendable, Codable { case github, gitlab, gitea, bitbucket }

    public let forge: Forge
    /// `https://host/owner/name`.
    public let base: String

    public init(forge: Forge, base: String) {
        self.forge = forge
        self.base = base
    }

    /// From `remote.origin.url` in any of git's forms: `git@host:o/r.git`,
    /// `ssh://git@host:22/o/r.git`, `https://user@host/o/r.git`, `git://host/o/r`.
    /// Nil when the host is not a known forge.
    public init?(remoteURL: String) {
        guard let (host, path) = RemoteLinks.hostAndPath(remoteURL), let forge = RemoteLinks.forge(forHost: host) else { return nil }
        self.init(forge: forge, base: "https://\(host)/\(path)")
    }

    /// From `[changelog] remote`: a web address; the forge is guessed from the host
    /// (GitHub-style links for an unknown one, as Gitea and Forgejo use).
    public init?(override: String) {
        guard let (host, path) = RemoteLinks.hostAndPath(override) else { return nil }
        let scheme = override.hasPrefix("http://") ? "http" : "https"
        self.init(forge: RemoteLinks.forge(forHost: host) ?? .gitea, base: "\(scheme)://\(host)/\(path)")
    }

    static func forge(forHost host: String) -> Forge? {
        let h = host.lowercased()
        if h.contains("github") { return .github }
        if h.contains("gitlab") { return .gitlab }
        if h.contains("bitbucket") { return .bitbucket }
        if h.contains("gitea") || h.contains("forgejo") || h.contains("codeberg") { return .gitea }
        return nil
    }

    static func hostAndPath(_ url: String) -> (String, String)? {
        var rest = Substring(url.trimmingSpaces)
        var isScp = false
        if let scheme = rest.firstRange(of: "://") {
            rest = rest[scheme.upperBound...]
        } else if let colon = rest.firstIndex(of: ":"), rest.firstIndex(of: "/").map({ colon < $0 }) ?? true {
            isScp = true
        } else {
            return nil
        }
        if let at = rest.firstIndex(of: "@"), rest[..<at].allSatisfy({ $0 != "/" }) { rest = rest[rest.index(after: at)...] }
        let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == ":" }) ?? rest.endIndex
        let host = String(rest[..<hostEnd])
        var path = rest[hostEnd...]
        if path.first == ":" {
            path = path.dropFirst()
            if !isScp { path = path.drop(while: \.isNumber) }   // ssh://host:22/path
        }
        path = path.drop(while: { $0 == "/" })
        while path.hasSuffix("/") { path = path.dropLast() }
        if path.hasSuffix(".git") { path = path.dropLast(4) }
        guard !host.isEmpty, !path.isEmpty else { return nil }
        return (host, String(path))
    }

    public func commit(_ id: String) -> String {
        // Joined into one buffer of the right size: this runs for every commit listed.
        joined(base, commitPath.description, id)
    }

    /// What comes between `base` and a commit's id in its address.
    var commitPath: StaticString {
        switch forge {
        case .github, .gitea: "/commit/"
        case .gitlab: "/-/commit/"
        case .bitbucket: "/commits/"
        }
    }

    public func compare(_ from: String, _ to: String) -> String {
        switch forge {
        case .github, .gitea: return "\(base)/compare/\(from)...\(to)"
        case .gitlab: return "\(base)/-/compare/\(from)...\(to)"
        case .bitbucket: return "\(base)/branches/compare/\(to)%0D\(from)"
        }
    }

    public func issue(_ number: Int) -> String {
        switch forge {
        case .github, .gitea, .bitbucket: return "\(base)/issues/\(number)"
        case .gitlab: return "\(base)/-/issues/\(number)"
        }
    }

    public func tag(_ name: String) -> String {
        switch forge {
        case .github: return "\(base)/releases/tag/\(name)"
        case .gitea: return "\(base)/releases/tag/\(name)"
        case .gitlab: return "\(base)/-/tags/\(name)"
        case .bitbucket: return "\(base)/src/\(name)"
        }
    }
}

/// The strings one after the other, copied once into a string of the right size (appending
/// to a `String` three times cost 1,400 instructions a link).
func joined(_ a: String, _ b: String, _ c: String) -> String {
    var a = a, b = b, c = c
    return a.withUTF8 { x in
        b.withUTF8 { y in
            c.withUTF8 { z in
                String(unsafeUninitializedCapacity: x.count + y.count + z.count) { buffer in
                    var i = buffer[...].initialize(fromContentsOf: x)
                    i = buffer[i...].initialize(fromContentsOf: y)
                    return buffer[i...].initialize(fromContentsOf: z)
                }
            }
        }
    }
}

/// Issue numbers a commit names: `#12` and `GH-12` in the description and in the footers
/// (`Closes #12`, `Fixes: #3`, `Refs: #1, #2`), each once, in order.
public func issueNumbers(in commit: ConventionalCommit?, header: @autoclosure () -> String) -> [Int] {
    issueNumbers(description: commit?.description, footers: commit?.footers ?? [], header: header())
}

/// `issueNumbers(in:header:)` from the parts: the description and footers of a Conventional
/// Commit, or (`description` nil) the header of any other message.
func issueNumbers(description: String?, footers: [Footer], header: @autoclosure () -> String) -> [Int] {
    // A commit names a handful at most: a search of the list, not a set to allocate.
    var out: [Int] = []
    func scan(_ text: String) {
        var text = text
        text.withUTF8 { scan(bytes: $0) }
    }
    func scan(bytes chars: UnsafeBufferPointer<UInt8>) {
        var i = 0
        while i < chars.count {
            var start = -1
            if chars[i] == UInt8(ascii: "#") {
                let before = i == 0 ? UInt8(ascii: " ") : chars[i - 1]
                if before == 32 || before == 9 || before == 10 || before == UInt8(ascii: "(") || before == UInt8(ascii: ",") || before == UInt8(ascii: "[") {
                    start = i + 1
                }
            } else if chars[i] == UInt8(ascii: "G"), i + 3 < chars.count, chars[i + 1] == UInt8(ascii: "H"), chars[i + 2] == UInt8(ascii: "-"),
                      i == 0 || !(chars[i - 1] >= 65 && chars[i - 1] <= 122) {
                start = i + 3
            }
            if start >= 0 {
                var j = start
                var n = 0
                while j < chars.count, chars[j] >= 48, chars[j] <= 57, j - start < 9 { n = n * 10 + Int(chars[j] - 48); j += 1 }
                let after = j < chars.count ? chars[j] : 32
                let isWordChar = (after >= 65 && after <= 90) || (after >= 97 && after <= 122) || after == UInt8(ascii: "_")
                if j > start, !isWordChar, !out.contains(n) { out.append(n) }
                i = max(j, i + 1)
                continue
            }
            i += 1
        }
    }
    if let description {
        scan(description)
        for footer in footers where !footer.isBreakingChange {
            if footer.separator == " #" { scan("#" + footer.value) } else { scan(footer.value) }
        }
    } else {
        scan(header())
    }
    return out
}
