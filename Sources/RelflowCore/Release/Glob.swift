/// Path globs as `[gate] auto_paths` writes them: `*` and `?` within one path segment,
/// `**` across segments, `[abc]` classes; a pattern without `/` matches the file name at
/// any depth (as in .gitignore), one with `/` matches from the repository root.
public struct PathGlob: Sendable, Equatable {
    public let pattern: String
    private let segments: [Substring]
    private let anchored: Bool

    public init(_ pattern: String) {
        self.pattern = pattern
        var p = Substring(pattern)
        if p.hasPrefix("/") { p = p.dropFirst() }
        if p.hasSuffix("/") { p = p + "**" }
        anchored = pattern.contains("/") && !(pattern.hasSuffix("/") && !pattern.dropLast().contains("/"))
        segments = p.split(separator: "/", omittingEmptySubsequences: true)
    }

    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if anchored { return match(segments[...], parts[...]) }
        // Unanchored: the pattern may start at any folder.
        for start in 0..<max(parts.count, 1) where match(segments[...], parts[start...]) { return true }
        return false
    }

    private func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var p = path
            while true {
                if match(rest, p) { return true }
                guard !p.isEmpty else { return false }
                p = p.dropFirst()
            }
        }
        guard let segment = path.first, matchSegment(Array(head), Array(segment)) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private func matchSegment(_ p: [Character], _ s: [Character]) -> Bool {
        var pi = 0, si = 0, starP = -1, starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == "[", let (matched, next) = matchClass(p, pi, s[si]) {
                if matched { pi = next; si += 1; continue }
            } else if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == s[si]) {
                pi += 1; si += 1; continue
            } else if pi < p.count, p[pi] == "*" {
                starP = pi; starS = si; pi += 1; continue
            }
            if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
            return false
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// `[abc]`, `[a-z]`, `[!abc]` at `start`: whether `c` matches, and where the class ends.
    private func matchClass(_ p: [Character], _ start: Int, _ c: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count, p[i] != "]" || first {
            first = false
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                if p[i] <= c && c <= p[i + 2] { matched = true }
                i += 3
            } else {
                if p[i] == c { matched = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }
        return (matched != negate, i + 1)
    }
}
