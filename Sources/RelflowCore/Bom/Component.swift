/// One dependency read from a lock file.
public struct Component: Sendable, Codable, Hashable {
    public enum Ecosystem: String, Sendable, Codable, CaseIterable {
        case swift, npm, cargo, golang, pypi, gem
    }

    public var ecosystem: Ecosystem
    public var name: String
    public var version: String
    /// The manifest it was read from, a path in the tree.
    public var source: String
    /// Package URL (https://github.com/package-url/purl-spec) of its type.
    public var purl: String
    /// The license the lock file records (an SPDX id or expression), when it records one.
    public var license: String?

    public init(ecosystem: Ecosystem, name: String, version: String, source: String, namespace: String? = nil, license: String? = nil) {
        self.license = license
        self.ecosystem = ecosystem
        self.name = name
        self.version = version
        self.source = source
        self.purl = Component.purl(ecosystem: ecosystem, namespace: namespace, name: name, version: version)
    }

    /// The key a component keeps across versions.
    public var identity: String { "\(ecosystem.rawValue):\(name.lowercased())" }

    static func purl(ecosystem: Ecosystem, namespace: String?, name: String, version: String) -> String {
        var path = ""
        var pkgName = name
        switch ecosystem {
        case .npm:
            if name.hasPrefix("@"), let slash = name.firstIndex(of: "/") {
                path = percentEncode(String(name[..<slash])) + "/"
                pkgName = String(name[name.index(after: slash)...])
            }
        case .pypi:
            pkgName = name.lowercased().replacingCharacters(["_", "."], with: "-")
        case .golang:
            // pkg:golang/github.com/gorilla/mux@v1.8.0: the module path's last element is the name.
            if let slash = name.lastIndex(of: "/") {
                path = name[..<slash].split(separator: "/").map { percentEncode(String($0)) }.joined(separator: "/") + "/"
                pkgName = String(name[name.index(after: slash)...])
            }
        default:
            if let namespace { path = namespace.split(separator: "/").map { percentEncode(String($0)) }.joined(separator: "/") + "/" }
        }
        return "pkg:\(ecosystem.rawValue)/\(path)\(percentEncode(pkgName))@\(percentEncode(version))"
    }
}

/// Percent-encoding for purl segments: unreserved characters stay, the rest is %XX.
func percentEncode(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        let c = Character(Unicode.Scalar(byte))
        if c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_" || c == "~" || c == "+") {
            out.append(c)
        } else {
            out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return out
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }

    func replacingCharacters(_ characters: Set<Character>, with replacement: String) -> String {
        var out = ""
        for c in self { if characters.contains(c) { out += replacement } else { out.append(c) } }
        return out
    }
}

/// A lock file that could not be read: the BOM still comes out, with this warning.
public struct BomWarning: Error, Sendable, Codable, Hashable {
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// A bill of materials: the components of a tree, sorted.
public struct BillOfMaterials: Sendable, Codable {
    public var revision: String
    public var components: [Component]
    public var manifests: [String]
    public var warnings: [BomWarning]

    public init(revision: String, components: [Component], manifests: [String], warnings: [BomWarning]) {
        self.revision = revision
        self.components = components.sorted { ($0.ecosystem.rawValue, $0.name.lowercased(), $0.version, $0.source) < ($1.ecosystem.rawValue, $1.name.lowercased(), $1.version, $1.source) }
        self.manifests = manifests
        self.warnings = warnings
    }
}
