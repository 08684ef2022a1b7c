import Foundation
import RelflowCore

/// Where everything the executable prints goes: results to stdout, messages to stderr.
enum Output {
    nonisolated(unsafe) private static var color = false
    nonisolated(unsafe) private static var quiet = false
    nonisolated(unsafe) private static var showVerbose = false
    nonisolated(unsafe) private(set) static var json = false
    /// A JSON document was written on stdout.
    nonisolated(unsafe) private(set) static var printedDocument = false

    static func configure(noColor: Bool, quiet: Bool, verbose: Bool, json: Bool) {
        color = !noColor && ProcessEnvironment.value("NO_COLOR").map(\.isEmpty) ?? true && isatty(2) == 1
            && ProcessEnvironment.value("TERM") != "dumb"
        self.quiet = quiet
        self.showVerbose = verbose && !quiet
        self.json = json
    }

    /// A result line on stdout.
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Information for a person, on stderr; silenced by --quiet.
    static func info(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func verbose(_ text: String) {
        guard showVerbose else { return }
        FileHandle.standardError.write(Data((paint("note: ", "2") + text + "\n").utf8))
    }

    static func warning(_ text: String) {
        FileHandle.standardError.write(Data((paint("relflow: warning: ", "33") + text + "\n").utf8))
    }

    static func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func red(_ text: String) -> String { paint(text, "31") }
    static func yellow(_ text: String) -> String { paint(text, "33") }
    static func green(_ text: String) -> String { paint(text, "32") }
    static func bold(_ text: String) -> String { paint(text, "1") }
    static func dim(_ text: String) -> String { paint(text, "2") }

    /// Shows `label: N commits` on the terminal while `body` runs, updated in place; nothing
    /// when stderr is not a terminal, under --json or --quiet.
    static func withProgress<T>(_ label: String, _ body: (ProgressCounter?) throws -> T) rethrows -> T {
        guard !json, !quiet, isatty(2) == 1 else { return try body(nil) }
        let counter = ProgressCounter()
        let done = ProgressCounter()
        let thread = Thread {
            var shown = false
            var tick = 0
            while done.value == 0 {
                usleep(10_000)
                tick += 1
                let n = counter.value
                guard tick % 10 == 0, n > 0, done.value == 0 else { continue }
                FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(n) commits".utf8))
                shown = true
            }
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            done.add(1)
        }
        thread.start()
        defer {
            done.add(1)
            while done.value < 2 { usleep(1000) }
        }
        return try body(counter)
    }

    /// Where the publisher's output goes as it arrives: stderr, indented, unless --json or --quiet.
    static func publisherEcho(json: Bool, quiet: Bool) -> (@Sendable (String) -> Void)? {
        guard !json && !quiet else { return nil }
        return { line in FileHandle.standardError.write(Data(("  │ " + line + "\n").utf8)) }
    }

    /// `relflow: error: …` and `hint: …` on stderr, then exit with the error's code.
    static func fail(_ error: RelflowError) -> Never {
        var text = red("relflow: error: ") + error.message + "\n"
        if let hint = error.hint, !hint.isEmpty { text += yellow("hint: ") + hint + "\n" }
        FileHandle.standardError.write(Data(text.utf8))
        // Under --json the error is a document too, so that a script always reads one.
        // (Unless the command's own document went out already, e.g. a promotion whose
        // publisher then failed: one document per run, and the exit code says the rest.)
        if !printedDocument, json || CommandLine.arguments.dropFirst().contains("--json") {
            struct ErrorDocument: Encodable {
                struct Body: Encodable { let message: String; let hint: String?; let exitCode: Int32 }
                let error: Body
            }
            let document = ErrorDocument(error: .init(message: error.message, hint: error.hint, exitCode: error.status.rawValue))
            if let text = try? jsonText(document) { FileHandle.standardOutput.write(Data(text.utf8)) }
        }
        exitProcess(error.status.rawValue)
    }

    /// A JSON document as relflow writes them: pretty, keys sorted, slashes as they are.
    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// Writes a JSON document on stdout.
    static func printJSON<T: Encodable>(_ value: T) {
        do {
            FileHandle.standardOutput.write(Data(try jsonText(value).utf8))
            printedDocument = true
        } catch {
            fail(RelflowError(.usage, "cannot encode the JSON output: \(error)"))
        }
    }
}

func exitProcess(_ code: Int32) -> Never {
    exit(code)
}
