import Foundation
import RelflowCore
import Subprocess
import SystemPackage

/// The real `git`, for what must use the user's credentials and transports: push and fetch.
public enum GitCommand {
    public struct Result: Sendable {
        public let ok: Bool
        public let output: String
    }

    public static func run(_ arguments: [String], in directory: String) async throws(RelflowError) -> Result {
        do {
            // git's own words in English (LC_ALL=C): `Sync.isRace` reads them.
            let result = try await Subprocess.run(.name("git"), arguments: Arguments(arguments),
                                                  environment: .inherit.updating(["LC_ALL": "C", "LANGUAGE": "C"]),
                                                  workingDirectory: FilePath(directory),
                                                  input: .none, output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            var ok = false
            if case .exited(0) = result.terminationStatus { ok = true }
            return Result(ok: ok, output: result.standardOutput + result.standardError)
        } catch {
            throw .repository("cannot run git: \(error)", hint: "install git and make sure it is on PATH")
        }
    }
}
