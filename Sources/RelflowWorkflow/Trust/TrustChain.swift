import Foundation
import Git
import RelflowCore

/// The signed policy chain at `refs/relflow/policy`, validated from its first commit: which
/// policy versions took effect, when, and why a commit does not count.
///
/// The first commit is trusted on first use, or must be the one the server's administrator
/// pinned. Every later commit is signed by an administrator of the policy in force; a new
/// version (exactly one higher) takes effect once `threshold` different administrators of the
/// policy in force signed commits carrying it. A version that is not higher never takes effect
/// again, however validly it was signed: the chain only moves forward.
public struct TrustChain: Sendable {
    public static let reference = "refs/relflow/policy"

    public struct Version: Sendable {
        public let commit: ObjectID
        public let policy: TrustPolicy
        /// The committer time of the commit that made it take effect.
        public let since: Int64
    }

    /// The versions that took effect, oldest first.
    public let versions: [Version]
    /// What does not count, commit by commit (the chain stops at the first).
    public let problems: [String]
    /// The chain's tip.
    public let tip: ObjectID

    public var current: Version? { versions.last }

    /// Every OpenPGP key any version named (entries are judged by the version they name).
    public var allPGPKeys: [PGPKey] { Array(Set(versions.flatMap(\.policy.pgpKeys))) }

    /// The version in force at `time` (seconds): the newest that took effect by then.
    public func version(at time: Int64) -> Version? {
        versions.last { $0.since <= time } ?? versions.first
    }

    /// The chain of the repository, nil when it has no signed policy.
    public static func read(_ repository: Repository, pinnedRoot: ObjectID? = nil) throws(RelflowError) -> TrustChain? {
        guard let tip = try git({ () throws(GitError) in try repository.reference(reference) }) else { return nil }
        return try validate(repository, tip: tip, pinnedRoot: pinnedRoot)
    }

    /// Validates the chain ending at `tip`.
    public static func validate(_ repository: Repository, tip: ObjectID, pinnedRoot: ObjectID?) throws(RelflowError) -> TrustChain {
        var commits: [Commit] = []
        var cursor: ObjectID? = tip
        while let id = cursor {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            commits.append(commit)
            if commit.parents.count > 1 {
                return TrustChain(versions: [], problems: ["policy commit \(id.short()) is a merge; the policy is one chain"], tip: tip)
            }
            cursor = commit.parents.first
        }
        commits.reverse()
        var versions: [Version] = []
        var problems: [String] = []
        var pending: (text: String, policy: TrustPolicy, signers: Set<String>)?
        // One commit's verdict: nil when it counts, else why not (the chain stops there).
        func step(_ index: Int, _ commit: Commit) throws(RelflowError) -> String? {
            // A later commit's signature first (refused before its file is even read), then a
            // bounded file, then the parse; the first commit is signed by a key of its own file.
            var signer: [UInt8]?
            if index > 0 {
                switch CommitSignatures.signer(of: commit.id, in: repository, pgpKeys: versions.last?.policy.pgpKeys ?? []) {
                case .failure(let problem): return "policy commit \(commit.id.short()): \(problem)"
                case .success(let key): signer = key
                }
            }
            guard let bytes = try git({ () throws(GitError) in try repository.blob(at: TrustPolicy.fileName, inCommit: commit.id) }),
                  bytes.count <= TrustPolicy.maxBytes, let text = String(validating: bytes, as: UTF8.self) else {
                return "policy commit \(commit.id.short()) has no readable \(TrustPolicy.fileName) of at most \(TrustPolicy.maxBytes / 1024) KiB"
            }
            let policy = try TrustPolicy.parse(text, source: "\(TrustPolicy.fileName) at \(commit.id.short())")
            if signer == nil {
                switch CommitSignatures.signer(of: commit.id, in: repository, pgpKeys: policy.pgpKeys) {
                case .failure(let problem): return "policy commit \(commit.id.short()): \(problem)"
                case .success(let key): signer = key
                }
            }
            guard let signer else { return "policy commit \(commit.id.short()) is not signed" }
            if index == 0 {
                if let pinnedRoot, commit.id != pinnedRoot {
                    return "the policy's first commit \(commit.id.short()) is not the one pinned on this server (\(pinnedRoot.short()))"
                }
                guard let person = policy.person(withKey: signer), person.roles.contains(.admin) else {
                    return "the policy's first commit \(commit.id.short()) is not signed by one of its own administrators"
                }
                versions.append(Version(commit: commit.id, policy: policy, since: commit.committer.time))
                return nil
            }
            guard let current = versions.last else { return "the policy has no first version" }
            guard let admin = current.policy.person(withKey: signer), admin.roles.contains(.admin) else {
                return "policy commit \(commit.id.short()) is not signed by an administrator of policy version \(current.policy.version)"
            }
            if policy == current.policy { return nil }  // a signature of what is in force: no change
            guard policy.version == current.policy.version + 1 else {
                return "policy commit \(commit.id.short()) carries version \(policy.version), but the next version is \(current.policy.version + 1): an older policy never comes back"
            }
            let proposal = policy.text
            if pending?.text != proposal { pending = (proposal, policy, []) }
            pending?.signers.insert(admin.email.lowercased())
            if let p = pending, p.signers.count >= current.policy.threshold {
                versions.append(Version(commit: commit.id, policy: p.policy, since: commit.committer.time))
                pending = nil
            }
            return nil
        }
        for (i, commit) in commits.enumerated() {
            do {
                if let problem = try step(i, commit) {
                    problems.append(problem)
                    break
                }
            } catch {
                problems.append("policy commit \(commit.id.short()): \(error.message)")
                break
            }
        }
        return TrustChain(versions: versions, problems: problems, tip: tip)
    }

    /// The proposal waiting for signatures at the tip, with who signed it so far.
    public static func pendingProposal(_ repository: Repository, chain: TrustChain) throws(RelflowError) -> (policy: TrustPolicy, signers: Int)? {
        guard let current = chain.current, current.commit != chain.tip,
              let bytes = try git({ () throws(GitError) in try repository.blob(at: TrustPolicy.fileName, inCommit: chain.tip) }),
              let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let policy = try TrustPolicy.parse(text)
        guard policy.version == current.policy.version + 1 else { return nil }
        var signers = Set<String>()
        var cursor: ObjectID? = chain.tip
        while let id = cursor, id != current.commit {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            if case .success(let key) = CommitSignatures.signer(of: id, in: repository, pgpKeys: current.policy.pgpKeys), let admin = current.policy.person(withKey: key),
               admin.roles.contains(.admin),
               let b = try git({ () throws(GitError) in try repository.blob(at: TrustPolicy.fileName, inCommit: id) }),
               String(decoding: b, as: UTF8.self) == text {
                signers.insert(admin.email.lowercased())
            }
            cursor = commit.parents.first
        }
        return (policy, signers.count)
    }
}

/// Who signed a commit: the SSH public key blob of a valid SSHSIG signature over it.
public enum CommitSignatures {
    public static func signer(of commit: ObjectID, in repository: Repository, pgpKeys: [PGPKey] = []) -> Result<[UInt8], SignatureProblem> {
        let extracted: (signature: String, signedData: [UInt8])?
        do {
            extracted = try repository.commitSignature(commit)
        } catch {
            return .failure(.init("its signature cannot be read: \(error.message)"))
        }
        if let extracted, extracted.signature.contains("BEGIN PGP SIGNATURE") {
            return verifyPGP(extracted, keyring: PGPKeyring(keys: pgpKeys))
        }
        return verify(extracted)
    }

    /// An OpenPGP signature, by `gpg --verify` against the policy's keys only.
    static func verifyPGP(_ extracted: (signature: String, signedData: [UInt8]), keyring: PGPKeyring?) -> Result<[UInt8], SignatureProblem> {
        guard let keyring else { return .failure(.init("it is signed with OpenPGP, and the signed policy names no OpenPGP key (or gpg cannot run)")) }
        guard let fingerprint = keyring.verify(signature: extracted.signature, data: extracted.signedData) else {
            return .failure(.init("its OpenPGP signature does not verify with a key the policy names"))
        }
        return .success(PGPKey.identity(fingerprint: fingerprint))
    }

    /// The signers of many commits: signatures read in order, verified on all cores, and
    /// remembered in `<git dir>/relflow/verified-signatures` (a commit id names its signature
    /// and content, so a signature verified once stays verified) so that `verify` on an
    /// unchanged ledger does no cryptography at all.
    public static func signers(of commits: [ObjectID], in repository: Repository, pgpKeys: [PGPKey] = []) -> [Result<[UInt8], SignatureProblem>] {
        let cachePath = repository.commonDirectory + "relflow/verified-signatures"
        var known: [String: [UInt8]] = [:]
        for line in (readFile(cachePath) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let blob = Data(base64Encoded: String(parts[1])) { known[String(parts[0])] = Array(blob) }
        }
        var results = [Result<[UInt8], SignatureProblem>?](repeating: nil, count: commits.count)
        var pending: [(index: Int, signature: String, data: [UInt8])] = []
        for (i, commit) in commits.enumerated() {
            if let blob = known[commit.hex] { results[i] = .success(blob); continue }
            do {
                guard let extracted = try repository.commitSignature(commit) else { results[i] = .failure(.init("it is not signed")); continue }
                pending.append((i, extracted.signature, extracted.signedData))
            } catch {
                results[i] = .failure(.init("its signature cannot be read: \(error.message)"))
            }
        }
        // OpenPGP through gpg, one keyring for the whole batch; SSH in-process on all cores.
        var keyring: PGPKeyring?
        var pgpResults: [Int: Result<[UInt8], SignatureProblem>] = [:]
        for (k, item) in pending.enumerated() where item.signature.contains("BEGIN PGP SIGNATURE") {
            if keyring == nil { keyring = PGPKeyring(keys: pgpKeys) }
            pgpResults[k] = verifyPGP((item.signature, item.data), keyring: keyring)
        }
        let sshOnly = pending.enumerated().filter { pgpResults[$0.offset] == nil }.map(\.element)
        let sshVerified = parallelMap(sshOnly, minimumCount: 32) { item in verify((item.signature, item.data)) }
        var sshIterator = sshVerified.makeIterator()
        var verified: [Result<[UInt8], SignatureProblem>] = []
        for k in pending.indices {
            if let r = pgpResults[k] { verified.append(r) } else if let r = sshIterator.next() { verified.append(r) }
        }
        var fresh = ""
        for (item, result) in zip(pending, verified) {
            results[item.index] = result
            if case .success(let blob) = result { fresh += "\(commits[item.index].hex) \(Data(blob).base64EncodedString())\n" }
        }
        if !fresh.isEmpty, makeDirectories(repository.commonDirectory + "relflow") {
            // Best effort: a cache that cannot be written only costs the next run its speed.
            let handle = FileHandle(forWritingAtPath: cachePath) ?? {
                _ = FileManager.default.createFile(atPath: cachePath, contents: nil)
                return FileHandle(forWritingAtPath: cachePath)
            }()
            if let handle {
                handle.seekToEndOfFile()
                handle.write(Data(fresh.utf8))
                try? handle.close()
            }
        }
        return results.map { $0 ?? .failure(.init("not read")) }
    }

    static func verify(_ extracted: (signature: String, signedData: [UInt8])?) -> Result<[UInt8], SignatureProblem> {
        guard let extracted else { return .failure(.init("it is not signed")) }
        if extracted.signature.contains("BEGIN PGP SIGNATURE") {
            return .failure(.init("it is signed with OpenPGP, which needs the policy's OpenPGP keys to verify"))
        }
        let signature: SSHSignature
        do {
            signature = try SSHSignature(armored: extracted.signature)
        } catch {
            return .failure(.init("its signature cannot be read: \(error)"))
        }
        do {
            try signature.verify(extracted.signedData)
            return .success(signature.publicKey)
        } catch .unsupportedKey {
            // ECDSA, RSA, hardware (sk-) keys: OpenSSH's own verifier, with argv only.
        } catch {
            return .failure(.init("its signature does not verify: \(error)"))
        }
        return externalVerify(signature, armored: extracted.signature, data: extracted.signedData)
    }

    /// `ssh-keygen -Y verify` for the key types swift-crypto does not verify in-process.
    static func externalVerify(_ signature: SSHSignature, armored: String, data: [UInt8]) -> Result<[UInt8], SignatureProblem> {
        let dir = NSTemporaryDirectory() + "relflow-verify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let allowed = dir + "/allowed_signers", sig = dir + "/sig", message = dir + "/message"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let line = "signer \(signature.keyType) \(Data(signature.publicKey).base64EncodedString())\n"
            try Data(line.utf8).write(to: URL(fileURLWithPath: allowed))
            try Data(armored.utf8).write(to: URL(fileURLWithPath: sig))
            try Data(data).write(to: URL(fileURLWithPath: message))
        } catch {
            return .failure(.init("cannot write a temporary file to verify its \(signature.keyType) signature"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ssh-keygen", "-Y", "verify", "-f", allowed, "-I", "signer", "-n", "git", "-s", sig]
        process.standardInput = FileHandle(forReadingAtPath: message)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(.init("its \(signature.keyType) signature needs ssh-keygen to verify, which cannot run here"))
        }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? .success(signature.publicKey) : .failure(.init("its \(signature.keyType) signature does not verify"))
    }

    public struct SignatureProblem: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ text: String) { description = text }
    }
}

/// Object ids typed by people (the CLI does not import the Git layer).
public enum ObjectIDText {
    public static func parse(_ text: String) -> ObjectID? { ObjectID(hex: text.lowercased()) }
}
