import Foundation
import Testing
@testable import RelflowCore

@Suite("Ledger entry details")
struct LedgerValueTests {
    func entry(_ details: String) throws -> LedgerEntry {
        let json = "{\"actor\":{\"email\":\"a@example.com\",\"name\":\"A\"},\"details\":\(details),\"event\":\"deliver\","
            + "\"schema\":1,\"tag\":\"v1.0.0\",\"time\":\"1970-01-01T00:00:00Z\",\"timestamp\":0}"
        return try JSONDecoder().decode(LedgerEntry.self, from: Data(json.utf8))
    }

    @Test func typedValuesRoundTripAsJSONScalars() throws {
        let e = try entry("{\"exitCode\":3,\"durationMs\":1200,\"promoted\":true,\"status\":\"failure\"}")
        #expect(e.details["exitCode"] == .int(3) && e.details["promoted"] == .bool(true) && e.details["status"] == "failure")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(e), as: UTF8.self)
        #expect(text.contains("\"details\":{\"durationMs\":1200,\"exitCode\":3,\"promoted\":true,\"status\":\"failure\"}"), "\(text)")
        #expect(e.summary == "deliver v1.0.0: failure")
    }

    /// Entries recorded before details were typed say "3" and "true": read the same.
    @Test func entriesFromBeforeTypedValuesAnswerTheSame() throws {
        let old = try entry("{\"exitCode\":\"3\",\"promoted\":\"true\",\"policy\":\"2\",\"status\":\"failure\"}")
        #expect(old.details["exitCode"]?.int == 3 && old.details["policy"]?.int == 2)
        #expect(old.details["promoted"]?.bool == true && old.details["status"]?.bool == nil)
        #expect(old.details["exitCode"]?.description == "3" && LedgerValue.int(3).description == "3")
        #expect(LedgerValue.bool(false).bool == false && LedgerValue.string("false").bool == false)
    }

    @Test func otherJSONValuesAreRefused() {
        for bad in ["{\"x\":null}", "{\"x\":1.5}", "{\"x\":[1]}", "{\"x\":{\"y\":1}}"] {
            #expect(throws: (any Error).self, "\(bad)") { try entry(bad) }
        }
    }
}
