import Testing
@testable import Git

/// The signature line parse that every commit read goes through, against the forward parse
/// it replaced, on generated lines around every edge of the shape `Name <email> 1700000000 +0100`.
@Suite("Signature lines")
struct SignatureLineTests {
    /// The parse before it read from the end: the last `<` and `>` of the line, then ` time
    /// +zone` after the `>`.
    static func forward(_ line: UnsafeRawBufferPointer) -> (open: Int, close: Int, time: Int64, offset: Int32)? {
        guard let open = line.lastIndex(of: UInt8(ascii: "<")), let close = line.lastIndex(of: UInt8(ascii: ">")),
              open >= 1, open < close, line[open - 1] == 32 else { return nil }
        var j = close + 1
        guard j < line.count, line[j] == 32 else { return nil }
        j += 1
        var time: Int64 = 0
        var digits = 0
        while j < line.count, line[j] >= 48, line[j] <= 57 {
            guard digits < 18 else { return nil }
            time = time * 10 + Int64(line[j] - 48)
            j += 1
            digits += 1
        }
        guard digits > 0, line.count - j == 6, line[j] == 32, line[j + 1] == UInt8(ascii: "+") || line[j + 1] == UInt8(ascii: "-") else { return nil }
        var zone: Int32 = 0
        for k in (j + 2)..<(j + 6) {
            guard line[k] >= 48, line[k] <= 57 else { return nil }
            zone = zone * 10 + Int32(line[k] - 48)
        }
        let hours = zone / 100, minutes = zone % 100
        guard minutes < 60 else { return nil }
        return (open, close, time, (hours * 60 + minutes) * (line[j + 1] == UInt8(ascii: "-") ? -1 : 1))
    }

    @Test func fromTheEndAgreesWithTheForwardParse() {
        let names = ["A U Thor", "", " ", "x>y", "a<b", "<", ">", "Ünï", "a b "]
        let emails = ["<a@b>", "<>", "<a>b>", "<a<b>", "a@b>", "<a@b", "<<a@b>>", "< a@b >", ""]
        let times = [" 1700000000", " 0", " 123456789012345678", " 1234567890123456789", "  17", " ", "1700000000", " 17x0", " -5"]
        let zones = [" +0100", " -0130", " +0060", " +9999", " +010", " +01000", " 0100", "+0100", " +01a0", "", " -0000", " +0159"]
        var parsed = 0
        var total = 0
        for name in names {
            for email in emails {
                for time in times {
                    for zone in zones {
                        for glue in ["", " ", ">", "<"] {
                            let text = name + (name.isEmpty ? "" : " ") + email + glue + time + zone
                            var bytes = Array(text.utf8)
                            bytes.withUnsafeMutableBytes { raw in
                                let line = UnsafeRawBufferPointer(raw)
                                let new = Signature.strictParts(line), old = Self.forward(line)
                                total += 1
                                #expect(new?.open == old?.open && new?.close == old?.close && new?.time == old?.time
                                        && new?.offset == old?.offset, "\(text.debugDescription)")
                                if new != nil { parsed += 1 }
                            }
                        }
                    }
                }
            }
        }
        #expect(total > 20_000 && parsed > 100)
    }
}
