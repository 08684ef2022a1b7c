import Foundation
import Git
import RelflowCore

/// Signs commit buffers the way git does for `gpg.format = ssh`: `ssh-keygen -Y sign -n git`
/// with `user.signingKey` (a key file, a public key whose private half is in ssh-agent, or a
/// `key::ssh-ed25519 …` literal), so agents and hardware keys work as they do for git.
public struct CommitSigner: Sendable {
    public let signingKey: String
    public let program: String

    /// The signer git is set up with, or an error naming the two settings to make.
    public static func configured(_ repository: Repository) throws(RelflowError) -> CommitSigner {
        let format = repository.configString("gpg.format") ?? "openpgp"
        guard format == "ssh", let key = repository.configString("user.signingkey"), !key.isEmpty else {
            throw .usage("this repository has a signed policy (\(TrustChain.reference)), so every ledger entry must be signed, and git is not set up to sign with an SSH key",
                         hint: "git config gpg.format ssh && git config user.signingKey ~/.ssh/id_ed25519.pub (a key listed for you in the policy)")
        }
        return CommitSigner(signingKey: key, program: repository.configString("gpg.ssh.program") ?? "ssh-keygen")
    }

    public init(signingKey: String, program: String = "ssh-keygen") {
        self.signingKey = signingKey
        self.program = program
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
        return (ProcessInfo.processInfo.environment["HOME"] ?? "") + path.dropFirst(1)
    }

    /// An armored SSH signature of `buffer`.
    public func sign(_ buffer: String) throws(RelflowError) -> String {
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
