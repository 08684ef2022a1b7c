/// Reference names as `git check-ref-format` defines them: what relflow accepts for the
/// branch and tag names it is configured with, before any git command sees them.
public enum RefNames {
    /// A name under `refs/` (e.g. `v1.2.0`, `release/1.x`) that git accepts.
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name != "@", hasValidCharacters(name) else { return false }
        if name.hasPrefix("/") || name.hasSuffix("/") || name.hasSuffix(".") { return false }
        if name.contains("..") || name.contains("//") || name.contains("@{") { return false }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component.hasPrefix(".") || component.hasSuffix(".lock") { return false }
        }
        return true
    }

    /// A branch name (`git check-ref-format --branch`): a valid name that is not an option.
    public static func isValidBranch(_ name: String) -> Bool {
        isValid(name) && !name.hasPrefix("-") && name != "HEAD"
    }

    /// No control characters, space, DEL or any of `~^:?*[\`.
    public static func hasValidCharacters(_ name: String) -> Bool {
        name.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7f && !"~^:?*[\\".unicodeScalars.contains(scalar)
        }
    }
}
