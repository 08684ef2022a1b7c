import Foundation
import TOMLKit

/// Reads the lock files relflow knows, from their bytes (the caller reads them from a tree).
public enum LockFiles {
    /// True for a path whose file name is a lock file relflow reads.
    public static func isLockFile(_ path: String) -> Bool {
        if path.split(separator: "/").contains("node_modules") || path.split(separator: "/").contains("vendor") { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if ["Package.resolved", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "Cargo.lock", "go.mod", "poetry.lock", "Gemfile.lock"].contains(name) { return true }
        return name.hasPrefix("requirements") && name.hasSuffix(".txt")
    }

    /// The components of one lock file, or a warning naming what is wrong with it.
    public static func read(path: String, bytes: [UInt8]) -> Result<[Component], BomWarning> {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            switch name {
            case "Package.resolved": return .success(try packageResolved(text, path: path))
            case "package-lock.json": return .success(try packageLock(text, path: path))
            case "pnpm-lock.yaml": return .success(try pnpmLock(text, path: path))
            case "yarn.lock": return .success(try yarnLock(text, path: path))
            case "Cargo.lock": return .success(try cargoLock(text, path: path))
            case "go.mod": return .success(try goMod(text, path: path))
            case "poetry.lock": return .success(try poetryLock(text, path: path))
            case "Gemfile.lock": return .success(try gemfileLock(text, path: path))
            default:
                if name.hasPrefix("requirements") { return .success(try requirements(text, path: path)) }
                return .failure(BomWarning(file: path, problem: "relflow does not know this kind of manifest"))
            }
        } catch let error as LockFileError {
            return .failure(BomWarning(file: path, problem: error.problem))
        } catch {
            return .failure(BomWarning(file: path, problem: "\(error)"))
        }
    }

    struct LockFileError: Error { let problem: String }

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let dict = object as? [String: Any] else {
            throw LockFileError(problem: "not a JSON object")
        }
        return dict
    }

    // MARK: Swift

    /// `Package.resolved` versions 1, 2 and 3.
    static func packageResolved(_ text: String, path: String) throws -> [Component] {
        let root = try json(text)
        guard let format = root["version"] as? Int else { throw LockFileError(problem: "no \"version\" field") }
        let pins: [[String: Any]]
        switch format {
        case 1:
            guard let object = root["object"] as? [String: Any], let list = object["pins"] as? [[String: Any]] else {
                throw LockFileError(problem: "version 1 without \"object.pins\"")
            }
            pins = list
        case 2, 3:
            guard let list = root["pins"] as? [[String: Any]] else { throw LockFileError(problem: "version \(format) without \"pins\"") }
            pins = list
        default:
            throw LockFileError(problem: "unknown Package.resolved version \(format)")
        }
        return try pins.map { pin in
            let location = (pin["location"] ?? pin["repositoryURL"]) as? String ?? ""
            let identity = (pin["identity"] as? String) ?? (pin["package"] as? String)?.lowercased()
                ?? location.split(separator: "/").last.map { String($0).replacingOccurrences(of: ".git", with: "") }
            guard let name = identity, let state = pin["state"] as? [String: Any] else {
                throw LockFileError(problem: "a pin without identity or state")
            }
            let version = (state["version"] as? String) ?? (state["revision"] as? String) ?? "unknown"
            return Component(ecosystem: .swift, name: name, version: version, source: path, namespace: swiftNamespace(location))
        }
    }

    /// `github.com/apple` for `https://github.com/apple/swift-nio.git`.
    static func swiftNamespace(_ location: String) -> String? {
        var rest = Substring(location)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains("/") { rest = rest[rest.index(after: at)...] }
        let parts = rest.replacingOccurrences(of: ":", with: "/").split(separator: "/")
        guard parts.count >= 2 else { return nil }
        return parts.dropLast().joined(separator: "/")
    }

    // MARK: npm

    /// `package-lock.json` lockfileVersion 2 and 3 (the `packages` map).
    static func packageLock(_ text: String, path: String) throws -> [Component] {
        let root = try json(text)
        let lockVersion = root["lockfileVersion"] as? Int ?? 0
        guard lockVersion >= 2, let packages = root["packages"] as? [String: Any] else {
            throw LockFileError(problem: lockVersion == 1 ? "lockfileVersion 1 is not read; run npm install with npm 7 or later"
                                                         : "no \"packages\" map (lockfileVersion \(lockVersion))")
        }
        var out: [Component] = []
        for (key, value) in packages where !key.isEmpty {
            guard let info = value as? [String: Any], info["link"] as? Bool != true else { continue }
            guard let range = key.range(of: "node_modules/", options: .backwards) else { continue }
            let name = (info["name"] as? String) ?? String(key[range.upperBound...])
            guard let version = info["version"] as? String else { throw LockFileError(problem: "\(key) has no version") }
            out.append(Component(ecosystem: .npm, name: name, version: version, source: path, license: info["license"] as? String))
        }
        return out
    }

    /// Manifests relflow recognises but does not read: named in a warning, never skipped silently.
    public static func unreadManifest(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let known = ["bun.lockb": "bun", "composer.lock": "Composer", "Pipfile.lock": "Pipenv", "mix.lock": "Mix",
                     "pubspec.lock": "pub", "packages.lock.json": "NuGet", "gradle.lockfile": "Gradle", "uv.lock": "uv",
                     "Podfile.lock": "CocoaPods", "flake.lock": "Nix", "conan.lock": "Conan", "npm-shrinkwrap.json": "npm (shrinkwrap)"]
        guard !path.split(separator: "/").contains("node_modules"), let tool = known[name] else { return nil }
        return "a \(tool) lock file, which relflow does not read: its dependencies are not in the bill of materials"
    }

    /// `pnpm-lock.yaml` lockfile versions 5 to 9: the keys of its `packages:` map
    /// (`/name/1.2.3` in v5, `/name@1.2.3(peer@x)` in v6, `name@1.2.3` in v9).
    static func pnpmLock(_ text: String, path: String) throws -> [Component] {
        var inPackages = false
        var sawVersion = false
        var out: [Component] = []
        var seen = Set<String>()
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = Substring(raw)
            if line.hasPrefix("lockfileVersion:") { sawVersion = true }
            if !line.hasPrefix(" ") {
                inPackages = line.trimmingCharacters(in: .whitespaces) == "packages:"
                continue
            }
            guard inPackages, line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") else { continue }
            var key = String(line.dropFirst(2).dropLast())
            if key.count >= 2, let q = key.first, q == "'" || q == "\"", key.last == q { key = String(key.dropFirst().dropLast()) }
            if key.hasPrefix("/") { key.removeFirst() }
            if let paren = key.firstIndex(of: "(") { key = String(key[..<paren]) }
            var name: String, version: String
            if let at = key.lastIndex(of: "@"), at != key.startIndex {
                name = String(key[..<at])
                version = String(key[key.index(after: at)...])
            } else if let slash = key.lastIndex(of: "/"), slash != key.startIndex {
                name = String(key[..<slash])
                version = String(key[key.index(after: slash)...])
            } else {
                continue
            }
            // Links, files and tarballs are not registry packages.
            guard !version.isEmpty, !version.contains(":"), !version.contains("/") else { continue }
            if let underscore = version.firstIndex(of: "_") { version = String(version[..<underscore]) }  // v5 peer suffix
            name = name.trimmingCharacters(in: .whitespaces)
            guard seen.insert(name + "@" + version).inserted else { continue }
            out.append(Component(ecosystem: .npm, name: name, version: version, source: path))
        }
        guard sawVersion else { throw LockFileError(problem: "no lockfileVersion: not a pnpm lock file") }
        return out
    }

    /// `yarn.lock`, classic (v1: `name@range:` then `  version "1.2.3"`) and berry (YAML:
    /// `"name@npm:range":` then `  version: 1.2.3`; the workspace's own entries are left out).
    static func yarnLock(_ text: String, path: String) throws -> [Component] {
        var out: [Component] = []
        var seen = Set<String>()
        var current: String?
        var sawEntry = false
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = Substring(raw)
            if line.hasPrefix("#") { continue }
            if !line.hasPrefix(" ") {
                current = nil
                guard line.hasSuffix(":"), !line.hasPrefix("__metadata") else { continue }
                // The first specifier of `"a@^1", "a@^1.1":` names the package.
                // (berry quotes the whole list, classic each specifier)
                let first = String(line.dropLast().split(separator: ",").first ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                if first.contains("@workspace:") || first.contains("@link:") || first.contains("@portal:") || first.contains("@file:") { continue }
                guard let at = first.dropFirst().firstIndex(of: "@") else { continue }
                current = String(first[..<at])
                sawEntry = true
                continue
            }
            guard let name = current else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            var version: String?
            if trimmed.hasPrefix("version \"") {
                version = String(trimmed.dropFirst("version \"".count).prefix { $0 != "\"" })
            } else if trimmed.hasPrefix("version: ") {
                version = String(trimmed.dropFirst("version: ".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            }
            guard let found = version, !found.isEmpty else { continue }
            current = nil
            guard seen.insert(name + "@" + found).inserted else { continue }
            out.append(Component(ecosystem: .npm, name: name, version: found, source: path))
        }
        guard sawEntry || text.contains("yarn lockfile") || text.contains("__metadata") else {
            throw LockFileError(problem: "no entries: not a yarn lock file")
        }
        return out
    }

    // MARK: Rust

    static func cargoLock(_ text: String, path: String) throws -> [Component] {
        let table: TOMLTable
        do { table = try TOMLDocument.parse(text) } catch {
            throw LockFileError(problem: "not valid TOML\(error.line.map { " (line \($0))" } ?? ""): \(error.message)")
        }
        guard let packages = table["package"]?.array else { return [] }
        var out: [Component] = []
        for entry in packages {
            guard let t = entry.table, let name = t["name"]?.string, let version = t["version"]?.string else {
                throw LockFileError(problem: "a [[package]] without name or version")
            }
            guard t["source"] != nil else { continue }  // the workspace's own crates
            out.append(Component(ecosystem: .cargo, name: name, version: version, source: path))
        }
        return out
    }

    // MARK: Go

    static func goMod(_ text: String, path: String) throws -> [Component] {
        var out: [Component] = []
        var inRequire = false
        var sawModule = false
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingSpaces
            if let comment = line.range(of: "//") { line = String(line[..<comment.lowerBound]).trimmingSpaces }
            if line.isEmpty { continue }
            if line.hasPrefix("module ") { sawModule = true; continue }
            if inRequire {
                if line == ")" { inRequire = false; continue }
            } else if line.hasPrefix("require (") || line == "require(" {
                inRequire = true
                continue
            } else if line.hasPrefix("require ") {
                line = String(line.dropFirst("require ".count)).trimmingSpaces
            } else {
                continue
            }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { throw LockFileError(problem: "cannot read the requirement '\(line)'") }
            out.append(Component(ecosystem: .golang, name: String(parts[0]), version: String(parts[1]), source: path))
        }
        if !sawModule { throw LockFileError(problem: "no module line") }
        if inRequire { throw LockFileError(problem: "a require block is not closed") }
        return out
    }

    // MARK: Python

    /// Pinned lines only (`name==1.2.3`); ranges are not versions.
    static func requirements(_ text: String, path: String) throws -> [Component] {
        var out: [Component] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingSpaces
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]).trimmingSpaces }
            if let marker = line.firstIndex(of: ";") { line = String(line[..<marker]).trimmingSpaces }
            if line.isEmpty || line.hasPrefix("-") { continue }
            if line.hasSuffix("\\") { line = String(line.dropLast()).trimmingSpaces }
            guard let pin = line.range(of: "===") ?? line.range(of: "==") else { continue }
            var name = String(line[..<pin.lowerBound]).trimmingSpaces
            if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
            let version = String(line[pin.upperBound...]).split(separator: " ").first.map(String.init) ?? ""
            guard !name.isEmpty, !version.isEmpty, !version.contains("*") else {
                throw LockFileError(problem: "cannot read the pin '\(line)'")
            }
            out.append(Component(ecosystem: .pypi, name: name, version: version, source: path))
        }
        return out
    }

    static func poetryLock(_ text: String, path: String) throws -> [Component] {
        let table: TOMLTable
        do { table = try TOMLDocument.parse(text) } catch {
            throw LockFileError(problem: "not valid TOML\(error.line.map { " (line \($0))" } ?? ""): \(error.message)")
        }
        guard let packages = table["package"]?.array else { throw LockFileError(problem: "no [[package]] entries") }
        return try packages.map { entry in
            guard let t = entry.table, let name = t["name"]?.string, let version = t["version"]?.string else {
                throw LockFileError(problem: "a [[package]] without name or version")
            }
            return Component(ecosystem: .pypi, name: name, version: version, source: path)
        }
    }

    // MARK: Ruby

    static func gemfileLock(_ text: String, path: String) throws -> [Component] {
        var out: [Component] = []
        var section = ""
        var inSpecs = false
        var sawGem = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if !line.isEmpty, !line.hasPrefix(" ") {
                section = line.trimmingSpaces
                inSpecs = false
                if section == "GEM" { sawGem = true }
                continue
            }
            if line.trimmingSpaces == "specs:" { inSpecs = section == "GEM"; continue }
            guard inSpecs, line.hasPrefix("    "), !line.hasPrefix("      ") else { continue }
            let spec = line.trimmingSpaces
            guard let open = spec.firstIndex(of: "("), let close = spec.lastIndex(of: ")"), open < close else {
                throw LockFileError(problem: "cannot read the spec '\(spec)'")
            }
            let name = String(spec[..<open]).trimmingSpaces
            var version = String(spec[spec.index(after: open)..<close])
            if let dash = version.firstIndex(of: "-"), version[version.index(after: dash)...].contains(where: \.isLetter) {
                version = String(version[..<dash])  // platform suffix: 1.13.10-x86_64-linux
            }
            out.append(Component(ecosystem: .gem, name: name, version: version, source: path))
        }
        if !sawGem { throw LockFileError(problem: "no GEM section") }
        return out
    }
}
