import Foundation
import RelflowCore
import Subprocess
import SystemPackage

/// Signs tag objects with the user's own tool, as git does: `gpg --detach-sign --armor` or
/// `ssh-keygen -Y sign -n git`. libgit2 does not sign; relflow writes the signed buffer.
public enum TagSigner {
    public static func sign(_ buffer: String, with method: RelflowConfig.Tags.Signing, signingKey: String?,
                            program: String?) async throws(RelflowError) -> String {
        let executable: String
        var arguments: [String]
        switch method {
        case .none:
            return ""
        case .gpg:
            executable = program ?? "gpg"
            arguments = ["--status-fd=2", "-bsa"]
            if let signingKey { arguments += ["-u", signingKey] }
        case .ssh:
            guard let signingKey else {
                throw .usage("[tags] sign = \"ssh\" needs a key: git config user.signingkey is not set",
                             hint: "git config user.signingkey ~/.ssh/id_ed25519.pub")
            }
            executable = program ?? "ssh-keygen"
            // ssh-keygen signs a file; the buffer goes through a temporary one.
            let dir = NSTemporaryDirectory() + "relflow-sign-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let file = dir + "/tag"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try Data(buffer.utf8).write(to: URL(fileURLWithPath: file))
            } catch {
                throw .repository("cannot write a temporary file to sign the tag: \(error)")
            }
            let key = signingKey.hasPrefix("key::") ? String(signingKey.dropFirst(5)) : signingKey
            let result = try await runSigner(executable, ["-Y", "sign", "-n", "git", "-f", key, file], input: nil)
            guard result.ok, let signature = try? String(contentsOfFile: file + ".sig", encoding: .utf8) else {
                throw .repository("ssh-keygen could not sign the tag: \(result.output)", hint: "check user.signingkey and that the key is usable")
            }
            return signature
        }
        let result = try await runSigner(executable, arguments, input: buffer)
        guard result.ok, result.signature.contains("-----BEGIN PGP SIGNATURE-----") else {
            throw .repository("gpg could not sign the tag: \(result.output)", hint: "check user.signingkey and gpg-agent")
        }
        return result.signature
    }

    static func runSigner(_ executable: String, _ arguments: [String], input: String?) async throws(RelflowError)
        -> (ok: Bool, signature: String, output: String) {
        do {
            let exe: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
            let result = try await Subprocess.run(exe, arguments: Arguments(arguments), input: .string(input ?? ""),
                                                  output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            let ok: Bool
            if case .exited(0) = result.terminationStatus { ok = true } else { ok = false }
            return (ok, result.standardOutput, result.standardError)
        } catch {
            throw .repository("cannot run \(executable) to sign the tag: \(error)", hint: "install it, or set [tags] sign = \"none\"")
        }
    }
}
