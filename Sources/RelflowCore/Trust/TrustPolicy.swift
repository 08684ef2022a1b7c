import Foundation
import TOMLKit

/// The signed policy (`refs/relflow/policy`, the file `policy.toml` in each commit's tree):
/// who may do what, by key, and how many administrators must sign the next policy.
///
/// ```toml
/// version = 1            # each change one higher; an older policy never comes back
/// threshold = 1          # administrator signatures the next change needs
///
/// [[person]]
/// name = "Ada Lovelace"
/// email = "ada@example.com"
/// keys = ["ssh-ed25519 AAAA…"]
/// roles = ["admin", "release", "approve", "promote", "rollback", "deliver"]
/// ```
public struct TrustPolicy: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable, Codable {
        case admin, release, approve, promote, rollback, deliver
    }

    public struct Person: Sendable, Equatable {
        public var name: String
        public var email: String
        public var keys: [SSHPublicKey]
        /// OpenPGP keys: the primary key's fingerprint and the armored public key, in pairs.
        public var pgpKeys: [PGPKey]
        public var roles: Set<Role>

        public init(name: String, email: String, keys: [SSHPublicKey], pgpKeys: [PGPKey] = [], roles: Set<Role>) {
            self.name = name
            self.email = email
            self.keys = keys
            self.pgpKeys = pgpKeys
            self.roles = roles
        }
    }

    public static let fileName = "policy.toml"
    /// The largest policy file read (a policy is a few people and keys, not megabytes).
    public static let maxBytes = 256 * 1024

    /// The gate rules that matter for safety, signed with the people: what a deploy job checks
    /// a release against when no server hook ran (`relflow verify --release TAG`).
    public struct Gate: Sendable, Equatable {
        public var approvals: Int
        public var autoPaths: [String]
        public init(approvals: Int = 1, autoPaths: [String] = []) {
            self.approvals = approvals
            self.autoPaths = autoPaths
        }
    }

    public var version: Int
    public var threshold: Int
    public var people: [Person]
    public var gate: Gate

    public init(version: Int, threshold: Int, people: [Person], gate: Gate = Gate()) {
        self.version = version
        self.threshold = threshold
        self.people = people
        self.gate = gate
    }

    /// The role an event needs from the person who signs its ledger entry.
    public static func role(for event: LedgerEntry.Event) -> Role {
        switch event {
        case .release, .hotfixStart, .hotfixFinish, .hotfixAbort, .backport: return .release
        case .approve: return .approve
        case .promote: return .promote
        case .rollback: return .rollback
        case .deliver, .verify: return .deliver
        }
    }

    /// The person a key belongs to.
    public func person(withKey blob: [UInt8]) -> Person? {
        if let fingerprint = PGPKey.fingerprint(ofIdentity: blob) {
            return people.first { $0.pgpKeys.contains { $0.fingerprint == fingerprint } }
        }
        return people.first { $0.keys.contains { $0.blob == blob } }
    }

    /// Every OpenPGP public key the policy names (for a keyring to verify with).
    public var pgpKeys: [PGPKey] { people.flatMap(\.pgpKeys) }

    public var administrators: [Person] { people.filter { $0.roles.contains(.admin) } }

    public static func parse(_ text: String, source: String = fileName) throws(RelflowError) -> TrustPolicy {
        let table: TOMLTable
        do {
            table = try TOMLDocument.parse(text)
        } catch {
            throw .usage("\(source): the policy does not parse\(error.line.map { " (line \($0))" } ?? ""): \(error.message)",
                         hint: "fix the TOML; see 'relflow policy --help'")
        }
        guard let version = table["version"]?.int, version >= 1 else {
            throw .usage("\(source): 'version' must be a whole number from 1", hint: "write version = 1")
        }
        guard let threshold = table["threshold"]?.int, threshold >= 1 else {
            throw .usage("\(source): 'threshold' must be a whole number from 1", hint: "write threshold = 1")
        }
        var people: [Person] = []
        for element in table["person"]?.array ?? [] {
            guard let p = element.table, let name = p["name"]?.string, let email = p["email"]?.string else {
                throw .usage("\(source): every [[person]] needs a name and an email", hint: "add name = \"…\" and email = \"…\"")
            }
            var keys: [SSHPublicKey] = []
            for k in p["keys"]?.array ?? [] {
                guard let line = k.string, let key = SSHPublicKey(line) else {
                    throw .usage("\(source): a key of \(email) is not an SSH public key line", hint: "paste the .pub file: ssh-ed25519 AAAA…")
                }
                keys.append(key)
            }
            var pgpKeys: [PGPKey] = []
            let fingerprints = (p["pgp"]?.array ?? []).compactMap(\.string)
            let armored = (p["pgp_keys"]?.array ?? []).compactMap(\.string)
            guard fingerprints.count == armored.count else {
                throw .usage("\(source): \(email) has \(fingerprints.count) pgp fingerprint(s) but \(armored.count) pgp_keys", hint: "give one armored key per fingerprint, in the same order")
            }
            for (fingerprint, key) in zip(fingerprints, armored) {
                pgpKeys.append(PGPKey(fingerprint: fingerprint.uppercased(), armored: key))
            }
            var roles = Set<Role>()
            for r in p["roles"]?.array ?? [] {
                guard let text = r.string, let role = Role(rawValue: text) else {
                    throw .usage("\(source): \(email) has an unknown role", hint: "roles are " + Role.allCases.map(\.rawValue).joined(separator: ", "))
                }
                roles.insert(role)
            }
            people.append(Person(name: name, email: email, keys: keys, pgpKeys: pgpKeys, roles: roles))
        }
        var gate = Gate()
        if let g = table["gate"]?.table {
            if let n = g["approvals"]?.int { gate.approvals = max(0, n) }
            gate.autoPaths = (g["auto_paths"]?.array ?? []).compactMap(\.string)
        }
        let policy = TrustPolicy(version: version, threshold: threshold, people: people, gate: gate)
        guard policy.administrators.count >= threshold else {
            throw .usage("\(source): threshold \(threshold) needs at least that many people with the admin role (there are \(policy.administrators.count))",
                         hint: "lower threshold or give more people the admin role")
        }
        return policy
    }

    /// The policy as `policy.toml` text (stable order, so equal policies are equal bytes).
    public var text: String {
        var out = "# relflow's signed policy: who may do what, by key. Changes need \(threshold) administrator signature\(threshold == 1 ? "" : "s").\n"
        out += "version = \(version)\nthreshold = \(threshold)\n"
        out += "\n[gate]\napprovals = \(gate.approvals)\nauto_paths = [" + gate.autoPaths.map(quoted).joined(separator: ", ") + "]\n"
        for person in people {
            out += "\n[[person]]\nname = \(quoted(person.name))\nemail = \(quoted(person.email))\n"
            out += "keys = [" + person.keys.map { quoted($0.description) }.joined(separator: ", ") + "]\n"
            if !person.pgpKeys.isEmpty {
                out += "pgp = [" + person.pgpKeys.map { quoted($0.fingerprint) }.joined(separator: ", ") + "]\n"
                out += "pgp_keys = [" + person.pgpKeys.map { quoted($0.armored) }.joined(separator: ", ") + "]\n"
            }
            out += "roles = [" + Role.allCases.filter { person.roles.contains($0) }.map { quoted($0.rawValue) }.joined(separator: ", ") + "]\n"
        }
        return out
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "") + "\""
    }
}

/// An OpenPGP key a person of the policy signs with.
public struct PGPKey: Sendable, Hashable {
    /// The primary key's fingerprint, upper-case hexadecimal.
    public let fingerprint: String
    /// The armored public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----` …).
    public let armored: String

    public init(fingerprint: String, armored: String) {
        self.fingerprint = fingerprint
        self.armored = armored
    }

    /// How a verified OpenPGP signer is named where an SSH key blob would be: one identity type
    /// for `TrustPolicy.person(withKey:)`, whatever signed.
    public static func identity(fingerprint: String) -> [UInt8] { Array(("openpgp:" + fingerprint.uppercased()).utf8) }

    public static func fingerprint(ofIdentity blob: [UInt8]) -> String? {
        let text = String(decoding: blob, as: UTF8.self)
        return text.hasPrefix("openpgp:") ? String(text.dropFirst("openpgp:".count)) : nil
    }
}
