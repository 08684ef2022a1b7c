import Foundation

/// What changed between two bills of materials.
public struct BomDiff: Sendable, Codable, Equatable {
    public struct Change: Sendable, Codable, Equatable {
        public var ecosystem: Component.Ecosystem
        public var name: String
        public var from: String
        public var to: String
        public var source: String
        public var purl: String
    }

    public var from: String
    public var to: String
    public var added: [Component]
    public var removed: [Component]
    public var upgraded: [Change]
    public var downgraded: [Change]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && upgraded.isEmpty && downgraded.isEmpty }

    public init(from old: BillOfMaterials, to new: BillOfMaterials) {
        func key(_ c: Component) -> String { "\(c.identity)\u{0}\(c.source)" }
        var before: [String: Component] = [:]
        for c in old.components { before[key(c)] = c }
        var after: [String: Component] = [:]
        for c in new.components { after[key(c)] = c }
        from = old.revision
        to = new.revision
        added = new.components.filter { before[key($0)] == nil }
        removed = old.components.filter { after[key($0)] == nil }
        upgraded = []
        downgraded = []
        for c in new.components {
            guard let previous = before[key(c)], previous.version != c.version else { continue }
            let change = Change(ecosystem: c.ecosystem, name: c.name, from: previous.version, to: c.version, source: c.source, purl: c.purl)
            if compareVersions(previous.version, c.version) <= 0 { upgraded.append(change) } else { downgraded.append(change) }
        }
    }

    /// Markdown for notes and notices: one line per change.
    public var markdown: String {
        var out = ""
        for c in upgraded { out += "- \(c.name) \(c.from) → \(c.to) (\(c.ecosystem.rawValue), upgraded)\n" }
        for c in downgraded { out += "- \(c.name) \(c.from) → \(c.to) (\(c.ecosystem.rawValue), downgraded)\n" }
        for c in added { out += "- \(c.name) \(c.version) (\(c.ecosystem.rawValue), added)\n" }
        for c in removed { out += "- \(c.name) \(c.version) (\(c.ecosystem.rawValue), removed)\n" }
        return out
    }
}

/// -1, 0 or 1: SemVer when both are (a leading `v` allowed), else dotted numbers, else text.
public func compareVersions(_ a: String, _ b: String) -> Int {
    func strip(_ s: String) -> String { s.hasPrefix("v") ? String(s.dropFirst()) : s }
    if let x = SemVer(strip(a)), let y = SemVer(strip(b)) { return SemVer.compare(x, y) }
    let xs = strip(a).split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    let ys = strip(b).split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    if !xs.isEmpty, !ys.isEmpty {
        for (x, y) in zip(xs, ys) where x != y { return x < y ? -1 : 1 }
        if xs.count != ys.count { return xs.count < ys.count ? -1 : 1 }
    }
    return a == b ? 0 : (a < b ? -1 : 1)
}

/// CycloneDX 1.5 JSON.
public enum CycloneDX {
    public static func document(_ bom: BillOfMaterials, project: String, toolVersion: String, timestamp: Int64) -> [String: Any] {
        var seen = Set<String>()
        let components: [[String: Any]] = bom.components.compactMap { c in
            let ref = "\(c.purl)#\(c.source)"
            guard seen.insert(ref).inserted else { return nil }
            var component: [String: Any] = [
                "type": "library", "bom-ref": ref, "name": c.name, "version": c.version, "purl": c.purl,
                "properties": [["name": "relflow:manifest", "value": c.source], ["name": "relflow:ecosystem", "value": c.ecosystem.rawValue]],
            ]
            if let license = c.license?.trimmingCharacters(in: .whitespaces), !license.isEmpty {
                component["licenses"] = [licenseChoice(license)]
            }
            return component
        }
        return [
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "serialNumber": "urn:uuid:" + UUID().uuidString.lowercased(),
            "metadata": [
                "timestamp": isoDateTime(timestamp),
                "tools": ["components": [["type": "application", "name": "relflow", "version": toolVersion]]],
                "component": ["type": "application", "bom-ref": "project", "name": project, "version": bom.revision],
            ] as [String: Any],
            "components": components,
        ]
    }

    /// An SPDX id the CycloneDX schema knows, an SPDX expression, or a plain name.
    static func licenseChoice(_ text: String) -> [String: Any] {
        if text.contains(" OR ") || text.contains(" AND ") || text.contains(" WITH ") {
            return ["expression": text.hasPrefix("(") ? text : "(\(text))"]
        }
        if commonSPDX.contains(text) { return ["license": ["id": text]] }
        return ["license": ["name": text]]
    }

    /// The licenses most lock files name, as SPDX ids (CycloneDX validates `id` against SPDX).
    static let commonSPDX: Set<String> = [
        "MIT", "Apache-2.0", "ISC", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "Unlicense", "CC0-1.0", "CC-BY-4.0",
        "CC-BY-3.0", "MPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
        "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only",
        "AGPL-3.0-or-later", "EPL-1.0", "EPL-2.0", "Zlib", "Python-2.0", "Artistic-2.0", "BlueOak-1.0.0", "WTFPL", "BSL-1.0",
    ]

    public static func json(_ bom: BillOfMaterials, project: String, toolVersion: String, timestamp: Int64) -> String {
        let object = document(bom, project: project, toolVersion: toolVersion, timestamp: timestamp)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
