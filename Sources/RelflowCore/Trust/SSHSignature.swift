import Crypto
import Foundation

/// SSH signatures in the SSHSIG format that `ssh-keygen -Y sign` writes and git uses for
/// `gpg.format = ssh`, verified in-process: Ed25519 with swift-crypto, no process started.
/// (Other key types are verified by `ssh-keygen -Y verify`.)
public struct SSHSignature: Sendable, Equatable {
    /// The signer's public key blob (`string key-type, string key`), as in an authorized_keys line.
    public let publicKey: [UInt8]
    public let namespace: String
    public let hashAlgorithm: String
    /// The key type inside the signature, e.g. `ssh-ed25519`.
    public let signatureType: String
    public let signature: [UInt8]

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notArmored, badBase64, badFormat(String), unsupportedKey(String), unsupportedHash(String), namespace(String), invalid

        public var description: String {
            switch self {
            case .notArmored: return "not an SSH signature (-----BEGIN SSH SIGNATURE-----)"
            case .badBase64: return "the SSH signature is not valid base64"
            case .badFormat(let what): return "the SSH signature is malformed: \(what)"
            case .unsupportedKey(let type): return "key type \(type) is not verified in-process"
            case .unsupportedHash(let hash): return "hash algorithm \(hash) is not one SSHSIG allows"
            case .namespace(let ns): return "the signature is for namespace '\(ns)', not 'git'"
            case .invalid: return "the signature does not match the signed data"
            }
        }
    }

    /// Parses an armored signature (`-----BEGIN SSH SIGNATURE-----` … `-----END SSH SIGNATURE-----`).
    public init(armored text: String) throws(Problem) {
        // Bytes, not lines of Strings: verify reads thousands of these.
        let bytes = Array(text.utf8)
        let beginMarker = Array("-----BEGIN SSH SIGNATURE-----".utf8), endMarker = Array("-----END SSH SIGNATURE-----".utf8)
        func find(_ marker: [UInt8], from start: Int) -> Int? {
            guard bytes.count >= marker.count else { return nil }
            var i = start
            while i + marker.count <= bytes.count {
                if bytes[i] == marker[0] && bytes[i..<(i + marker.count)].elementsEqual(marker) { return i }
                i += 1
            }
            return nil
        }
        guard let begin = find(beginMarker, from: 0), let end = find(endMarker, from: begin + beginMarker.count) else { throw .notArmored }
        var base64: [UInt8] = []
        base64.reserveCapacity(end - begin)
        for byte in bytes[(begin + beginMarker.count)..<end] where byte > 32 { base64.append(byte) }
        guard let data = Data(base64Encoded: Data(base64)) else { throw .badBase64 }
        var reader = SSHReader(Array(data))
        guard reader.take(6) == Array("SSHSIG".utf8) else { throw .badFormat("no SSHSIG preamble") }
        guard let version = reader.uint32(), version == 1 else { throw .badFormat("version is not 1") }
        guard let key = reader.string(), let namespace = reader.string(), reader.string() != nil,
              let hash = reader.string(), let sigBlob = reader.string(), reader.atEnd else {
            throw .badFormat("truncated fields")
        }
        var sigReader = SSHReader(sigBlob)
        guard let type = sigReader.string(), let raw = sigReader.string() else { throw .badFormat("truncated signature blob") }
        publicKey = key
        self.namespace = String(decoding: namespace, as: UTF8.self)
        hashAlgorithm = String(decoding: hash, as: UTF8.self)
        signatureType = String(decoding: type, as: UTF8.self)
        signature = raw
    }

    /// The key type of the signer's public key, e.g. `ssh-ed25519`.
    public var keyType: String {
        var reader = SSHReader(publicKey)
        return reader.string().map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Checks that this signature signs `message` in `namespace` with its own public key.
    /// Throws `.unsupportedKey` for key types other than Ed25519 (verify those with ssh-keygen).
    public func verify(_ message: [UInt8], namespace expected: String = "git") throws(Problem) {
        guard namespace == expected else { throw .namespace(namespace) }
        let digest: [UInt8]
        switch hashAlgorithm {
        case "sha512": digest = Array(SHA512.hash(data: message))
        case "sha256": digest = Array(SHA256.hash(data: message))
        default: throw .unsupportedHash(hashAlgorithm)
        }
        guard keyType == "ssh-ed25519", signatureType == "ssh-ed25519" else { throw .unsupportedKey(keyType) }
        var keyReader = SSHReader(publicKey)
        _ = keyReader.string()
        guard let raw = keyReader.string(), raw.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .badFormat("Ed25519 key") }
        var signed = Array("SSHSIG".utf8)
        signed += SSHReader.encode(Array(expected.utf8))
        signed += SSHReader.encode([])
        signed += SSHReader.encode(Array(hashAlgorithm.utf8))
        signed += SSHReader.encode(digest)
        guard key.isValidSignature(signature, for: signed) else { throw .invalid }
    }
}

/// An authorized_keys-style public key: `ssh-ed25519 AAAAC3… comment`.
public struct SSHPublicKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public let type: String
    public let blob: [UInt8]

    public init?(_ line: String) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, let data = Data(base64Encoded: String(parts[1])) else { return nil }
        var reader = SSHReader(Array(data))
        guard let type = reader.string(), String(decoding: type, as: UTF8.self) == String(parts[0]) else { return nil }
        self.type = String(parts[0])
        blob = Array(data)
    }

    /// `ssh-ed25519 AAAA…` (without a comment).
    public var description: String { type + " " + Data(blob).base64EncodedString() }

    /// The SHA-256 fingerprint, as `ssh-keygen -l` prints it.
    public var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

/// The SSH wire format's strings and integers.
struct SSHReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func take(_ n: Int) -> [UInt8]? {
        guard n >= 0, position + n <= bytes.count else { return nil }
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    mutating func uint32() -> UInt32? {
        guard let b = take(4) else { return nil }
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32(), length <= 1 << 20 else { return nil }
        return take(Int(length))
    }

    static func encode(_ value: [UInt8]) -> [UInt8] {
        let n = UInt32(value.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + value
    }
}
