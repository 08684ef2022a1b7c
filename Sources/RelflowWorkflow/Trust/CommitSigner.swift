import Foundation
import Git
import RelflowCore

/// Signs commit buffers the way git does for `gpg.format = ssh`: `ssh-keygen -Y sign -n git`
/// with `user.signingKey` (a key file, a public key whose private half is in ssh-agent, or a
/// `key::ssh-ed25519 …` literal), so agents and hardware keys work as they do for git.
public struct CommitSigner: Sendable {
    public enum Format: Sendable { case ssh, openpgp }
    public let signingKey: String
    public let program: String
    public let format: Format

    /// The signer git is set up with, or an error naming the two settings to make.
    public static func configured(_ repository: Repository) throws(RelflowError) -> CommitSigner {
        let format = repository.configString("gpg.format") ?? "openpgp"
        guard let key = repository.configString("user.signingkey"), !key.isEmpty, format == "ssh" || format == "openpgp" else {
            throw .usage("this repository has a signed policy (\(TrustChain.reference)), so every ledger entry must be signed, and git is not set up to sign (gpg.format \(format), user.signingKey unset)",
                         hint: "git config gpg.format ssh && git config user.signingKey ~/.ssh/id_ed25519.pub — or, for OpenPGP, git config gpg.format openpgp && git config user.signingKey <fingerprint> (a key listed for you in the policy)")
        }
        if format == "openpgp" {
            return CommitSigner(signingKey: key, program: repository.configString("gpg.program") ?? "gpg", format: .openpgp)
        }
        return CommitSigner(signingKey: key, program: repository.configString("gpg.ssh.program") ?? "ssh-keygen", format: .ssh)
    }

    public init(signingKey: String, program: String = "ssh-keygen", format: Format = .ssh) {
        self.signingKey = signingKey
        self.program = program
        self.format = format
    }

    /// The identity this signer signs as, in `TrustPolicy.person(withKey:)`'s terms.
    public func identity() -> [UInt8]? {
        switch format {
        case .ssh: return publicKey()?.blob
        case .openpgp: return pgpFingerprint().map(PGPKey.identity(fingerprint:))
        }
    }

    /// The primary fingerprint of the OpenPGP signing key, from the user's own keyring.
    func pgpFingerprint() -> String? {
        let result = PGPKeyring.run(["--batch", "--with-colons", "--list-keys", signingKey])
        for line in result.output.split(separator: "\n") where line.hasPrefix("fpr:") {
            return line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(9).first.map { String($0).uppercased() }
        }
        return nil
    }

    /// The OpenPGP public key, exported armored from the user's keyring.
    public func pgpKey() -> PGPKey? {
        guard let fingerprint = pgpFingerprint() else { return nil }
        let exported = PGPKeyring.run(["--batch", "--armor", "--export", fingerprint])
        guard exported.status == 0, exported.output.contains("BEGIN PGP PUBLIC KEY BLOCK") else { return nil }
        return PGPKey(fingerprint: fingerprint, armored: exported.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The public key this signer signs with (read from the key file or the literal).
    public func publicKey() -> SSHPublicKey? {
        if signingKey.hasPrefix("key::") { return SSHPublicKey(String(signingKey.dropFirst(5))) }
        let path = expand(signingKey)
        let pub = path.hasSuffix(".pub") ? path : path + ".pub"
        return readFile(pub).flatMap { SSHPublicKey($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func expand(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessEnvironment.value("HOME") ?? "") + path.dropFirst(1)
    }

    /// An armored signature of `buffer` (SSH or OpenPGP, as git is set up).
    public func sign(_ buffer: String) throws(RelflowError) -> String {
        if format == .openpgp {
            let result = PGPKeyring.run(["--batch", "-bsau", signingKey], input: buffer)
            guard result.status == 0, result.output.contains("BEGIN PGP SIGNATURE") else {
                throw .repository("gpg could not sign with user.signingKey \(signingKey)", hint: "check gpg --list-secret-keys \(signingKey) and gpg-agent")
            }
            return result.output
        }
        let dir = NSTemporaryDirectory() + "relflow-sign-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/commit"
        var keyFile = expand(signingKey)
        var arguments = ["-Y", "sign", "-n", "git"]
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(buffer.utf8).write(to: URL(fileURLWithPath: file))
            if signingKey.hasPrefix("key::") {
                // A literal public key: its private half is in ssh-agent.
                keyFile = dir + "/key.pub"
                try Data(String(signingKey.dropFirst(5)).utf8).write(to: URL(fileURLWithPath: keyFile))
                arguments.append("-U")
            }
        } catch {
            throw .repository("cannot write a temporary file to sign with: \(error)", hint: "check the temporary folder (TMPDIR)")
        }
        arguments += ["-f", keyFile, file]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .repository("cannot run \(program) to sign: \(error)", hint: "install OpenSSH's ssh-keygen, or set gpg.ssh.program")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let signature = readFile(file + ".sig") else {
            throw .repository("\(program) could not sign: \(message.trimmingCharacters(in: .whitespacesAndNewlines))",
                              hint: "check user.signingKey (\(signingKey)) and that its private key is usable (ssh-add -l)")
        }
        return signature
    }
}
