import Foundation
import RelflowCore

/// A throw-away gpg keyring holding the policy's OpenPGP keys, for verifying signatures with
/// `gpg --verify` (argv only; the user's own keyring is never read or changed). Removed when
/// released.
final class PGPKeyring {
    let home: String

    init?(keys: [PGPKey]) {
        guard !keys.isEmpty else { return nil }
        home = NSTemporaryDirectory() + "relflow-gpg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let file = home + "/keys.asc"
            try Data(keys.map(\.armored).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
            guard PGPKeyring.run(["--homedir", home, "--batch", "--quiet", "--import", file]).status == 0 else { return nil }
        } catch {
            return nil
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: home) }

    /// The primary fingerprint of the key that made a good signature of `data`, nil otherwise.
    func verify(signature: String, data: [UInt8]) -> String? {
        let sig = home + "/sig-\(UInt32.random(in: 0...UInt32.max))", message = sig + ".data"
        defer {
            try? FileManager.default.removeItem(atPath: sig)
            try? FileManager.default.removeItem(atPath: message)
        }
        do {
            try Data(signature.utf8).write(to: URL(fileURLWithPath: sig))
            try Data(data).write(to: URL(fileURLWithPath: message))
        } catch {
            return nil
        }
        let result = PGPKeyring.run(["--homedir", home, "--batch", "--status-fd=1", "--verify", sig, message])
        guard result.status == 0 else { return nil }
        // [GNUPG:] VALIDSIG <signing key fpr> <date> <time> <expire> <ver> <rsv> <pk algo> <hash algo> <class> <primary fpr>
        for line in result.output.split(separator: "\n") where line.hasPrefix("[GNUPG:] VALIDSIG ") {
            return line.split(separator: " ").last.map { String($0).uppercased() }
        }
        return nil
    }

    /// The primary fingerprint of an armored public key (for `policy add-person --pgp-key`).
    static func fingerprint(ofArmored armored: String) -> String? {
        guard let ring = PGPKeyring(keys: [PGPKey(fingerprint: "", armored: armored)]) else { return nil }
        let result = run(["--homedir", ring.home, "--batch", "--with-colons", "--list-keys"])
        // The first fpr line follows the pub line: the primary key.
        for line in result.output.split(separator: "\n") where line.hasPrefix("fpr:") {
            return line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(9).first.map { String($0).uppercased() }
        }
        return nil
    }

    static func run(_ arguments: [String], input: String? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gpg"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        do { try process.run() } catch { return (127, "") }
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inputPipe.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
