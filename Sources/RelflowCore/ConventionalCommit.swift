/// A footer of a Conventional Commit: `Token: value` or `Token #value`.
public struct Footer: Sendable, Hashable, Codable {
    public var token: String
    /// `": "` or `" #"`.
    public var separator: String
    public var value: String
    /// Line of the token in the message.
    public var line: Int

    public var isBreakingChange: Bool { token == "BREAKING CHANGE" || token == "BREAKING-CHANGE" }
}

/// A message that follows Conventional Commits 1.0.0.
public struct ConventionalCommit: Sendable, Hashable, Codable {
    /// The type as written (`feat`, `FEAT`); compare with `normalizedType`.
    public var type: String
    public var scope: String?
    /// `!` before the colon.
    public var bang: Bool
    public var description: String
    /// Body paragraphs between the header and the footers, joined with blank lines; "" if none.
    public var body: String
    public var footers: [Footer]
    /// The texts of the `BREAKING CHANGE:` / `BREAKING-CHANGE:` notes.
    public var breakingNotes: [String]

    /// The type in lowercase: types are not case-sensitive (Conventional Commits §15).
    public var normalizedType: String { asciiLowercased(type) }

    /// `type(scope)!: description`, as written.
    public var headerText: String {
        var text = type
        if let scope { text += "(" + scope + ")" }
        if bang { text += "!" }
        return text + ": " + description
    }
    public var isBreaking: Bool { bang || !breakingNotes.isEmpty }

    public init(type: String, scope: String? = nil, bang: Bool = false, description: String,
                body: String = "", footers: [Footer] = [], breakingNotes: [String] = []) {
        self.type = type
        self.scope = scope
        self.bang = bang
        self.description = description
        self.body = body
        self.footers = footers
        self.breakingNotes = breakingNotes
    }
}

/// What a commit message is, once parsed.
public struct ParsedMessage: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A Conventional Commit (`commit` is set).
        case conventional
        /// A merge commit message as git and forges write them (`Merge branch 'x'`).
        case merge
        /// `Revert "…"` as `git revert` writes it (`commit` is set, with type `revert`).
        case gitRevert
        /// `fixup! …`, `squash! …`, `amend! …`: meant to be squashed by `rebase --autosquash`.
        case autosquash
        /// Anything else.
        case nonConventional
        /// No text at all.
        case empty
    }

    public var kind: Kind
    /// The first line. For a Conventional Commit it is rebuilt from the parts (the parser
    /// accepts exactly one spelling of each), so that a history's worth of parsed messages
    /// does not hold every header twice.
    public var header: String {
        if kind == .conventional, let commit { return commit.headerText }
        return storedHeader
    }
    private var storedHeader: String
    /// The parts of a Conventional Commit (also set for `git revert`'s messages).
    public var commit: ConventionalCommit? {
        get { box?.value }
        set { box = newValue.map(CommitBox.init) }
    }
    // Held by reference: a history's parsed messages are copied between stages, and the
    // parts would make each copy five times larger.
    private var box: CommitBox?
    /// The parts in their box: reading a field through it copies that field only, where
    /// `commit` copies all seven (a changelog reads them for every commit).
    var commitBox: CommitBox? { box }
    /// Problems against the Conventional Commits specification itself.
    public var problems: [LintProblem]
    /// Commits this one reverts (`This reverts commit <id>.`, or `Refs:` of a `revert:` commit).
    public var revertedCommits: [String]
    /// Commits this one was cherry-picked from (`(cherry picked from commit <id>)`).
    public var cherryPickedFrom: [String]

    /// A Conventional Commit whose parts were made straight into their box (no copy of them).
    init(conventional box: CommitBox, problems: [LintProblem], cherryPickedFrom: [String]) {
        kind = .conventional
        storedHeader = ""
        self.box = box
        self.problems = problems
        revertedCommits = []
        self.cherryPickedFrom = cherryPickedFrom
    }

    public init(kind: Kind, header: String, commit: ConventionalCommit?, problems: [LintProblem],
                revertedCommits: [String], cherryPickedFrom: [String]) {
        self.kind = kind
        // Moved into its box, not copied.
        switch consume commit {
        case .some(let value):
            storedHeader = kind == .conventional ? "" : header
            box = CommitBox(value)
        case .none:
            storedHeader = header
            box = nil
        }
        self.problems = problems
        self.revertedCommits = revertedCommits
        self.cherryPickedFrom = cherryPickedFrom
    }
}

final class CommitBox: Sendable, Hashable {
    let value: ConventionalCommit
    init(_ value: consuming ConventionalCommit) { self.value = value }
    /// The parts made straight into the box (no commit built beside it and copied in).
    init(type: String, scope: String?, bang: Bool, description: String, body: String, footers: [Footer]) {
        value = ConventionalCommit(type: type, scope: scope, bang: bang, description: description, body: body, footers: footers)
    }
    static func == (a: CommitBox, b: CommitBox) -> Bool { a.value == b.value }
    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// A problem found in a commit message.
public struct LintProblem: Error, Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable { case error, warning }
    /// 1-based line in the message (for a hook: in the file the user edited).
    public var line: Int
    /// 1-based column, when it points at a place in the line.
    public var column: Int?
    /// A stable rule id, e.g. `header-format`, `type-enum`.
    public var rule: String
    public var severity: Severity
    public var message: String
    public var hint: String?

    public init(line: Int, column: Int? = nil, rule: String, severity: Severity = .error, message: String, hint: String? = nil) {
        self.line = line
        self.column = column
        self.rule = rule
        self.severity = severity
        self.message = message
        self.hint = hint
    }
}

/// The Conventional Commits 1.0.0 parser. Never fails: what does not parse is described.
public enum ConventionalCommitParser {
    /// Parses a message as stored in a commit.
    /// `keepBody: false` leaves `body` empty (the footers are still read): for a history's
    /// worth of commits whose bodies will not be shown.
    public static func parse(_ message: String, keepBody: Bool = true) -> ParsedMessage {
        if let quick = parsePlain(message, keepBody: keepBody) { return quick }
        if let merge = parseMerge(message) { return merge }
        return parse(MessageLines(committed: message), keepBody: keepBody)
    }

    /// The parse of a message whose header is a merge's (`isMergeHeader`): its kind, header and
    /// `git cherry-pick -x` marks are all the full parse keeps of it, read here on the bytes
    /// (the full parse made a `String` of every line, 14,000 instructions for each of the
    /// thousands of merges in a changelog). Nil for any other message.
    static func parseMerge(_ message: String) -> ParsedMessage? {
        var copy = message
        let header: String? = copy.withUTF8 { bytes in
            // The header as `MessageLines(committed:)` makes it: the first line with text.
            var lines = TrimmedLines(bytes)
            while let line = lines.next() {
                guard line.stop > line.start else { continue }
                let text = UnsafeBufferPointer(rebasing: bytes[line.start..<line.stop])
                guard text.starts(with: mergeWord) else { return nil }
                let header = String(decoding: text, as: UTF8.self)
                return isMergeHeader(header) ? header : nil
            }
            return nil
        }
        guard let header else { return nil }
        return ParsedMessage(kind: .merge, header: header, commit: nil, problems: [], revertedCommits: [],
                             cherryPickedFrom: cherryPickSources(in: message))
    }

    private static let mergeWord = Array("Merge".utf8)

    /// The parse of the usual committed message — a well-formed header, body lines that are
    /// nothing but text, and a last paragraph of plain footers (`Closes #12`,
    /// `Co-authored-by: …`), with `git cherry-pick -x`'s marks anywhere after the header — on
    /// its bytes, without a `String` per line; nil for anything else (a breaking change, a
    /// revert mark, a footer in the body, a footer that runs on over lines, another line in
    /// parentheses), which the full parse decides. Equal to the full parse
    /// wherever it answers: a test holds them equal on generated messages.
    static func parsePlain(_ message: String, keepBody: Bool) -> ParsedMessage? {
        var message = message
        return message.withUTF8 { bytes -> ParsedMessage? in
            func text(_ a: Int, _ b: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self) }
            guard var walk = PlainWalk(bytes), let header = wellFormedHeader(bytes: walk.header) else { return nil }
            let headerNumber = walk.headerNumber
            // The lines after the header that hold text, with where each paragraph starts.
            var body: [PlainLine] = []
            // Room for the usual body at once, not grown from one line.
            if walk.hasMore { body.reserveCapacity(12) }
            var picks: [String] = []
            while let step = walk.next() {
                switch step {
                case .pick(let source): picks.append(source)
                case .line(let plain): body.append(plain)
                case .other: return nil
                }
            }
            let secondLineIsText = walk.secondLineIsText
            let lines = body
            // The footers: the last paragraph when its first line is one, and then every one of
            // its lines must be (a line that is not would continue the footer before it).
            var bodyEnd = lines.count
            if let last = lines.lastIndex(where: \.startsParagraph), lines[last].isFooter {
                guard lines[last...].allSatisfy(\.isFooter) else { return nil }
                bodyEnd = last
            }
            // A footer inside the body (a warning), or a footer paragraph before the last one:
            // the full parse.
            guard !lines[..<bodyEnd].contains(where: \.isFooter) else { return nil }
            var footers: [Footer] = []
            if bodyEnd < lines.count {
                // `revert:` commits name what they revert in `Refs:`: the full parse.
                guard asciiLowercased(header.type) != "revert" else { return nil }
                footers.reserveCapacity(lines.count - bodyEnd)
                for line in lines[bodyEnd...] {
                    footers.append(Footer(token: text(line.start, line.tokenEnd), separator: line.colon ? ": " : " #",
                                          value: text(line.valueStart, line.stop), line: line.number))
                }
            }
            var bodyText = ""
            if keepBody && bodyEnd > 0 {
                // Written once into the string's own storage, at its final size.
                var size = 0
                for k in 0..<bodyEnd { size += lines[k].stop - lines[k].start + (k == 0 ? 0 : lines[k].startsParagraph ? 2 : 1) }
                bodyText = String(unsafeUninitializedCapacity: size) { out in
                    var at = 0
                    for k in 0..<bodyEnd {
                        if k > 0 {
                            out[at] = 0x0A; at += 1
                            if lines[k].startsParagraph { out[at] = 0x0A; at += 1 }
                        }
                        for b in lines[k].start..<lines[k].stop { out[at] = bytes[b]; at += 1 }
                    }
                    return at
                }
            }
            var problems: [LintProblem] = []
            if secondLineIsText {
                problems.append(LintProblem(line: headerNumber + 1, rule: "body-leading-blank",
                                            message: "the body must begin one blank line after the header",
                                            hint: "leave line \(headerNumber + 1) empty"))
            }
            return ParsedMessage(conventional: CommitBox(type: header.type, scope: header.scope, bang: header.bang,
                                                         description: header.description, body: bodyText, footers: footers),
                                 problems: problems, cherryPickedFrom: picks)
        }
    }

    /// The lines of a message as the quick parse reads them: the header (the first line with
    /// text, as `MessageLines(committed:)` finds it), then each later line with text — a
    /// `git cherry-pick -x` mark's source, a plain line (`PlainLine`, with where its paragraph
    /// starts), or one that only the full parse can read.
    struct PlainWalk {
        enum Step { case pick(String), line(PlainLine), other }

        private let bytes: UnsafeBufferPointer<UInt8>
        private var scanner: TrimmedLines
        private var number = 0
        private var sawFirst = false
        private var blankBefore = false
        private var sawLine = false
        let headerStart: Int
        let header: UnsafeBufferPointer<UInt8>
        let headerNumber: Int
        let hasMore: Bool
        /// The line after the header holds text (no blank line between them).
        private(set) var secondLineIsText = false

        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            scanner = TrimmedLines(bytes)
            var found: (start: Int, stop: Int, end: Int)?
            while let line = scanner.next() {
                number += 1
                if line.stop > line.start {
                    found = line
                    break
                }
            }
            guard let found else { return nil }
            headerStart = found.start
            header = UnsafeBufferPointer(rebasing: bytes[found.start..<found.stop])
            headerNumber = number
            hasMore = bytes.count > found.end + 1
        }

        mutating func next() -> Step? {
            while let line = scanner.next() {
                number += 1
                if !sawFirst {
                    sawFirst = true
                    secondLineIsText = line.stop > line.start
                }
                guard line.stop > line.start else {
                    blankBefore = true
                    continue
                }
                let text = UnsafeBufferPointer(rebasing: bytes[line.start..<line.stop])
                if text[0] == UInt8(ascii: "(") {
                    // `git cherry-pick -x`'s mark: neither body nor footer, as in the full
                    // parse, which takes it out before finding paragraphs. Any other line in
                    // parentheses: the full parse.
                    guard let source = cherryPickSource(String(decoding: text, as: UTF8.self)) else { return .other }
                    return .pick(source)
                }
                guard var plain = PlainLine(text, offset: line.start, number: number) else { return .other }
                plain.startsParagraph = blankBefore || !sawLine
                sawLine = true
                blankBefore = false
                return .line(plain)
            }
            return nil
        }
    }

    /// The header of a message that the parse reads as a Conventional Commit without `!`,
    /// footers or revert marks — so neither breaking nor naming issues, refs or co-authors,
    /// and listed as its header says — with its parts as offsets into the message's UTF-8;
    /// nil for any other message. What the changelog lists of most commits, read without
    /// the parse's strings, box and arrays.
    static func listedHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderParts? {
        guard var walk = PlainWalk(bytes), let parts = wellFormedHeaderParts(walk.header), !parts.bang else { return nil }
        while let step = walk.next() {
            switch step {
            case .pick: continue
            case .line(let line): if line.isFooter { return nil }
            case .other: return nil
            }
        }
        return parts.moved(by: walk.headerStart)
    }

    /// A line after the header, as the quick parse sees it: text, or a footer that the full
    /// parse would read the same way. Nil when it might be anything else (`BREAKING CHANGE`
    /// in any case, a cherry-pick or revert mark, a footer whose value starts oddly).
    struct PlainLine {
        var start: Int
        var stop: Int
        var number: Int
        var startsParagraph = false
        /// For a footer: where its token ends and its value starts, and its separator.
        var tokenEnd = -1
        var valueStart = -1
        var colon = false
        var isFooter: Bool { valueStart >= 0 }

        init?(_ line: UnsafeBufferPointer<UInt8>, offset: Int, number: Int) {
            start = offset
            stop = offset + line.count
            self.number = number
            guard let first = line.first else { return }
            if first == UInt8(ascii: "b") || first == UInt8(ascii: "B") || first == UInt8(ascii: "(") { return nil }
            if first == UInt8(ascii: "T"), line.starts(with: "This reverts commit ".utf8) { return nil }
            // A footer's token, then ': ' or ' #'.
            guard let i = ConventionalCommitParser.footerTokenEnd(line) else { return }
            // Anything else after the token (`http://`, `word #`, `x:` at the end) is text.
            guard i + 2 < line.count else { return }
            let isColon = line[i] == 58
            guard (isColon && line[i + 1] == 32) || (line[i] == 32 && line[i + 1] == 35) else { return }
            // Its value must start with a visible ASCII character: then it is not blank, and it
            // is a footer for the full parse too. Anything else: the full parse decides.
            guard line[i + 2] > 0x20, line[i + 2] < 0x7F else { return nil }
            tokenEnd = offset + i
            valueStart = offset + i + 2
            colon = isColon
        }
    }

    public static func parse(_ message: MessageLines, keepBody: Bool = true) -> ParsedMessage {
        let lines = message.lines
        guard let headerLine = lines.first else {
            return ParsedMessage(kind: .empty, header: "", commit: nil,
                                 problems: [LintProblem(line: 1, rule: "message-empty", message: "the commit message is empty",
                                                        hint: "write a header such as 'fix(parser): handle empty input'")],
                                 revertedCommits: [], cherryPickedFrom: [])
        }
        let header = headerLine.text
        var problems: [LintProblem] = []
        let rest = Array(lines.dropFirst())
        if let second = rest.first, !second.text.isEmpty {
            problems.append(LintProblem(line: second.number, rule: "body-leading-blank",
                                        message: "the body must begin one blank line after the header",
                                        hint: "leave line \(headerLine.number + 1) empty"))
        }
        // A message of one line (most of them) has no body to split.
        let sections = rest.isEmpty ? Sections.none : splitBodyAndFooters(rest, problems: &problems)
        let reverted = rest.isEmpty ? [] : revertedCommitIDs(in: rest)

        if isMergeHeader(header) {
            return ParsedMessage(kind: .merge, header: header, commit: nil, problems: [],
                                 revertedCommits: [], cherryPickedFrom: sections.cherryPicks)
        }
        for prefix in ["fixup! ", "squash! ", "amend! "] where header.hasPrefix(prefix) {
            return ParsedMessage(kind: .autosquash, header: header, commit: nil, problems: [],
                                 revertedCommits: [], cherryPickedFrom: sections.cherryPicks)
        }
        if header.hasPrefix("Revert \""), header.hasSuffix("\""), header.count >= 10 {
            let inner = String(header.dropFirst("Revert \"".count).dropLast())
            let commit = ConventionalCommit(type: "revert", description: inner, body: keepBody ? sections.body : "",
                                            footers: sections.footers, breakingNotes: [])
            return ParsedMessage(kind: .gitRevert, header: header, commit: commit, problems: problems,
                                 revertedCommits: reverted, cherryPickedFrom: sections.cherryPicks)
        }
        switch parseHeader(header, line: headerLine.number) {
        case .failure(let problem):
            problems.insert(problem, at: 0)
            return ParsedMessage(kind: .nonConventional, header: header, commit: nil, problems: problems,
                                 revertedCommits: reverted, cherryPickedFrom: sections.cherryPicks)
        case .success(let h):
            var notes = sections.footers.filter(\.isBreakingChange).map(\.value)
            notes.append(contentsOf: sections.bodyBreakingNotes)
            problems.append(contentsOf: sections.footerProblems)
            var reverted = reverted
            if asciiLowercased(h.type) == "revert" { reverted += referencedCommitIDs(in: sections.footers) }
            let commit = ConventionalCommit(type: h.type, scope: h.scope, bang: h.bang, description: h.description,
                                            body: keepBody ? sections.body : "", footers: sections.footers, breakingNotes: notes)
            return ParsedMessage(kind: .conventional, header: header, commit: commit, problems: problems,
                                 revertedCommits: reverted, cherryPickedFrom: sections.cherryPicks)
        }
    }

    // MARK: - Header

    struct Header { var type: String; var scope: String?; var bang: Bool; var description: String }

    static let example = "write it as 'type(scope): description', e.g. 'fix(parser): handle empty input'"

    static func parseHeader(_ header: String, line: Int) -> Result<Header, LintProblem> {
        if let header = wellFormedHeader(header) { return .success(header) }
        let chars = Array(header)
        func problem(_ column: Int, _ rule: String, _ message: String, _ hint: String) -> Result<Header, LintProblem> {
            .failure(LintProblem(line: line, column: column, rule: rule, message: message, hint: hint))
        }
        var i = 0
        while i < chars.count, isTypeCharacter(chars[i]) { i += 1 }
        let type = String(chars[0..<i])
        guard !type.isEmpty, chars[0].isLetter else {
            if chars.first?.isWhitespace == true {
                return problem(1, "header-format", "the header starts with white space", "remove the leading spaces")
            }
            if chars.first == ":" || chars.first == "(" || chars.first == "!" {
                return problem(1, "type-empty", "the type is missing before '\(chars[0])'", "start with a type such as 'feat' or 'fix'")
            }
            return problem(1, "header-format", "the header does not start with a type", example)
        }
        guard i < chars.count else {
            return problem(i + 1, "header-format", "the header has no ': ' after the type '\(type)'", example)
        }
        var scope: String?
        if chars[i] == "(" {
            guard let close = chars[(i + 1)...].firstIndex(of: ")") else {
                return problem(i + 1, "scope-format", "the scope opened at column \(i + 1) is not closed", "add ')' after the scope")
            }
            let inner = String(chars[(i + 1)..<close])
            if inner.contains("(") {
                return problem(i + 2, "scope-format", "the scope contains '('", "a scope is one word or path, e.g. 'feat(parser): …'")
            }
            if inner.trimmingSpaces.isEmpty {
                return problem(i + 1, "scope-empty", "the scope between '(' and ')' is empty", "name the scope, or drop the parentheses")
            }
            if inner != inner.trimmingSpaces {
                return problem(i + 2, "scope-format", "the scope '\(inner)' has white space around it", "write '(\(inner.trimmingSpaces))'")
            }
            scope = inner
            i = close + 1
        }
        var bang = false
        if i < chars.count, chars[i] == "!" { bang = true; i += 1 }
        guard i < chars.count, chars[i] == ":" else {
            if i < chars.count, chars[i].isWhitespace, let colon = chars[i...].firstIndex(of: ":"),
               chars[i..<colon].allSatisfy(\.isWhitespace) {
                return problem(i + 1, "header-format", "white space before ':'", "write '\(String(chars[0..<i])):' with no space before the colon")
            }
            if scope == nil, !bang, i < chars.count, !chars[i].isWhitespace, chars[i] != ":" {
                return problem(i + 1, "type-format", "the type '\(type)\(chars[i])…' may only hold letters, digits, '-' and '_'", example)
            }
            if scope == nil, !bang, !chars[i...].contains(":") {
                return problem(1, "header-format", "the header does not start with 'type: ' or 'type(scope): '", example)
            }
            return problem(i + 1, "header-format", "the header has no ': ' after the type", example)
        }
        i += 1
        guard i < chars.count else {
            return problem(i + 1, "subject-empty", "the description after ': ' is missing", "describe the change after the colon")
        }
        guard chars[i] == " " else {
            return problem(i + 1, "header-format", "the colon must be followed by a space", "write '\(String(chars[0..<i])) \(String(chars[i...]))'")
        }
        i += 1
        let description = String(chars[i...])
        if description.trimmingSpaces.isEmpty {
            return problem(i + 1, "subject-empty", "the description after ': ' is missing", "describe the change after the colon")
        }
        if chars[i].isWhitespace {
            return problem(i + 1, "header-format", "more than one space after ':'", "the description follows ': ' directly")
        }
        return .success(Header(type: type, scope: scope, bang: bang, description: description))
    }

    /// `type(scope)!: description` that breaks no rule, on the header's UTF-8.
    static func wellFormedHeader(bytes: UnsafeBufferPointer<UInt8>) -> Header? {
        guard let parts = wellFormedHeaderParts(bytes) else { return nil }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        return Header(type: text(parts.type), scope: parts.scope.map(text), bang: parts.bang, description: text(parts.description))
    }

    /// Where the parts of a well-formed header are in its bytes.
    struct HeaderParts: Sendable {
        var type: Range<Int>
        var scope: Range<Int>?
        var bang: Bool
        var description: Range<Int>

        /// The same parts `offset` bytes further on (in the whole message).
        func moved(by offset: Int) -> HeaderParts {
            HeaderParts(type: type.lowerBound + offset..<type.upperBound + offset,
                        scope: scope.map { $0.lowerBound + offset..<$0.upperBound + offset }, bang: bang,
                        description: description.lowerBound + offset..<description.upperBound + offset)
        }
    }

    static func wellFormedHeaderParts(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderParts? {
        let n = bytes.count
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        var i = 0
        guard i < n, isLetter(bytes[i]) else { return nil }
        while i < n {
            let b = bytes[i]
            guard isLetter(b) || (b >= 48 && b <= 57) || b == 45 || b == 95 else { break }
            i += 1
        }
        let typeEnd = i
        guard i < n else { return nil }
        var scope: Range<Int>?
        if bytes[i] == 40 {  // (
            let open = i + 1
            var j = open
            while j < n, bytes[j] != 41, bytes[j] != 40 { j += 1 }
            guard j < n, bytes[j] == 41, j > open else { return nil }
            let first = bytes[open], last = bytes[j - 1]
            guard first != 32, first != 9, last != 32, last != 9 else { return nil }
            scope = open..<j
            i = j + 1
        }
        var bang = false
        if i < n, bytes[i] == 33 { bang = true; i += 1 }
        guard i < n, bytes[i] == 58 else { return nil }  // :
        i += 1
        guard i < n, bytes[i] == 32 else { return nil }
        i += 1
        guard i < n, bytes[i] != 32, bytes[i] != 9 else { return nil }
        return HeaderParts(type: 0..<typeEnd, scope: scope, bang: bang, description: i..<n)
    }

    /// The common case, on bytes: `type(scope)!: description` that breaks no rule. Anything
    /// else goes through the character-by-character path that explains what is wrong.
    static func wellFormedHeader(_ header: String) -> Header? {
        var header = header
        return header.withUTF8 { wellFormedHeader(bytes: $0) }
    }

    static func isTypeCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }

    /// Merge messages as git and the forges write them.
    public static func isMergeHeader(_ header: String) -> Bool {
        guard header.hasPrefix("Merge") else { return false }
        let prefixes = ["Merge branch ", "Merge branches ", "Merge remote-tracking branch ", "Merge pull request ",
                        "Merge tag ", "Merge commit ", "Merge remote branch ", "Merge '", "Merged in ", "Merged PR ",
                        "Merge request "]
        return prefixes.contains { header.hasPrefix($0) } || header == "Merge"
    }

    // MARK: - Body and footers

    struct Sections {
        var body: String
        var footers: [Footer]
        var bodyBreakingNotes: [String]
        var cherryPicks: [String]
        var footerProblems: [LintProblem]

        /// What `splitBodyAndFooters([])` returns.
        static let none = Sections(body: "", footers: [], bodyBreakingNotes: [], cherryPicks: [], footerProblems: [])
    }

    static func splitBodyAndFooters(_ lines: [MessageLines.Line], problems: inout [LintProblem]) -> Sections {
        // Paragraphs: runs of non-empty lines.
        var paragraphs: [[MessageLines.Line]] = []
        var current: [MessageLines.Line] = []
        var cherryPicks: [String] = []
        for line in lines {
            if let id = cherryPickSource(line.text) {
                cherryPicks.append(id)
                continue
            }
            if line.text.isEmpty {
                if !current.isEmpty { paragraphs.append(current); current = [] }
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }

        // Footers: the trailing paragraphs that each start with a footer token.
        var firstFooter = paragraphs.count
        while firstFooter > 0, footerMatch(paragraphs[firstFooter - 1][0].text) != nil { firstFooter -= 1 }
        var footerProblems: [LintProblem] = []
        var footers: [Footer] = []
        for paragraph in paragraphs[firstFooter...] {
            for line in paragraph {
                if let match = footerMatch(line.text) {
                    footers.append(Footer(token: match.token, separator: match.separator, value: match.value, line: line.number))
                } else if !footers.isEmpty {
                    if let spaced = spacedToken(line.text) {
                        footerProblems.append(LintProblem(line: line.number, column: 1, rule: "footer-token", severity: .warning,
                                                          message: "the footer token '\(spaced)' has a space, so it reads as part of the previous footer",
                                                          hint: "write '\(spaced.replacingSpaces(with: "-")):'"))
                    }
                    footers[footers.count - 1].value += "\n" + line.text
                }
            }
        }
        var bodyBreaking: [String] = []
        let bodyParagraphs = paragraphs[..<firstFooter]
        for (index, paragraph) in bodyParagraphs.enumerated() {
            // Each line matched once; `footersFrom[k]`: every line from k on is a footer. Linear
            // in the lines, whatever their number (a hook reads messages anyone can write).
            let matches = paragraph.map { footerMatch($0.text) }
            var footersFrom = [Bool](repeating: true, count: paragraph.count + 1)
            for k in stride(from: paragraph.count - 1, through: 0, by: -1) { footersFrom[k] = matches[k] != nil && footersFrom[k + 1] }
            for (offset, line) in paragraph.enumerated() {
                let match = matches[offset]
                if let match, match.token.hasPrefix("BREAKING") {
                    bodyBreaking.append(match.value)
                    footerProblems.append(LintProblem(line: line.number, column: 1, rule: "footer-position", severity: .warning,
                                                      message: "'\(match.token):' stands in the body, not in the footers",
                                                      hint: "put it in the last paragraph, after a blank line"))
                } else if index == bodyParagraphs.count - 1, offset > 0, match != nil, footersFrom[offset],
                          !paragraph[offset - 1].text.isEmpty, matches[offset - 1] == nil {
                    footerProblems.append(LintProblem(line: line.number, column: 1, rule: "footer-leading-blank", severity: .warning,
                                                      message: "footers must be separated from the body by a blank line",
                                                      hint: "insert an empty line before line \(line.number)"))
                }
            }
        }
        for line in lines where line.text.first == "b" || line.text.first == "B" {
            let lower = line.text.lowercased()
            if lower.hasPrefix("breaking change:") || lower.hasPrefix("breaking-change:") {
                let token = String(line.text.prefix("breaking change".count))
                if token != "BREAKING CHANGE" && token != "BREAKING-CHANGE" {
                    problems.append(LintProblem(line: line.number, column: 1, rule: "breaking-change-case",
                                                message: "'\(token)' must be written in uppercase",
                                                hint: "write 'BREAKING CHANGE: <what breaks and how to migrate>'"))
                } else if line.text.dropFirst(token.count + 1).trimmingSpaces.isEmpty {
                    problems.append(LintProblem(line: line.number, column: token.count + 2, rule: "breaking-change-description",
                                                message: "'\(token):' needs a description of what breaks",
                                                hint: "write '\(token): <what breaks and how to migrate>'"))
                }
            }
        }
        let body = bodyParagraphs.map { $0.map(\.text).joined(separator: "\n") }.joined(separator: "\n\n")
        return Sections(body: body, footers: footers, bodyBreakingNotes: bodyBreaking, cherryPicks: cherryPicks,
                        footerProblems: footerProblems)
    }

    struct FooterMatch { var token: String; var separator: String; var value: String }

    /// `Token: value`, `Token #value`, `BREAKING CHANGE: value` (Conventional Commits §8–§10, §16).
    static func footerMatch(_ line: String) -> FooterMatch? {
        // On bytes: this runs for every body line of every commit of a history.
        var line = line
        return line.withUTF8 { utf8 -> FooterMatch? in
            func text(_ from: Int, _ to: Int? = nil) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: utf8[from..<(to ?? utf8.count)]), as: UTF8.self)
            }
            for token in ["BREAKING CHANGE", "BREAKING-CHANGE"] where utf8.starts(with: token.utf8) {
                let i = token.utf8.count
                guard i + 1 < utf8.count, utf8[i] == 58, utf8[i + 1] == 32 else { break }
                let value = text(i + 2)
                return value.trimmingSpaces.isEmpty ? nil : FooterMatch(token: token, separator: ": ", value: value)
            }
            guard let end = footerTokenEnd(utf8), end + 2 < utf8.count else { return nil }
            if utf8[end] == 58, utf8[end + 1] == 32 {  // ": "
                let value = text(end + 2)
                return value.trimmingSpaces.isEmpty ? nil : FooterMatch(token: text(0, end), separator: ": ", value: value)
            }
            if utf8[end] == 32, utf8[end + 1] == 35, utf8[end + 2] != 32, utf8[end + 2] != 9 {  // " #"
                return FooterMatch(token: text(0, end), separator: " #", value: text(end + 2))
            }
            return nil
        }
    }

    /// Where a footer token at the start of `line` ends (an ASCII letter, then letters, digits
    /// and '-'); nil when the line does not start with one.
    static func footerTokenEnd(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        guard let first = line.first, isLetter(first) else { return nil }
        var i = 1
        while i < line.count, isLetter(line[i]) || (line[i] >= 48 && line[i] <= 57) || line[i] == 45 { i += 1 }
        return i
    }

    static func isTokenCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-")
    }

    /// `Reviewed by: x`: looks like a footer whose token has spaces.
    static func spacedToken(_ line: String) -> String? {
        guard let colon = line.firstIndex(of: ":"), line[colon...].hasPrefix(": ") else { return nil }
        let token = line[..<colon]
        let words = token.split(separator: " ")
        guard words.count >= 2, words.count <= 3, token.allSatisfy({ ($0.isASCII && $0.isLetter) || $0 == " " || $0 == "-" }) else { return nil }
        return String(token)
    }

    /// What `parse(message).cherryPickedFrom` holds, without the rest of the parse: every
    /// `(cherry picked from commit <id>)` line after the header.
    public static func cherryPickSources(in message: String) -> [String] {
        // The lines of `MessageLines(committed:)` after the header, on the message's bytes: a
        // string is made only for a line that starts as the mark does (a `String` per line
        // cost 9,000 instructions a message; this runs before any release is built).
        var message = message
        return message.withUTF8 { bytes in
            var lines = TrimmedLines(bytes)
            var sawHeader = false
            var out: [String] = []
            while let line = lines.next() {
                guard sawHeader else {
                    sawHeader = line.stop > line.start
                    continue
                }
                guard line.stop - line.start > 2, bytes[line.start] == UInt8(ascii: "("), bytes[line.start + 1] == UInt8(ascii: "c") else { continue }
                if let source = cherryPickSource(String(decoding: UnsafeBufferPointer(rebasing: bytes[line.start..<line.stop]), as: UTF8.self)) {
                    out.append(source)
                }
            }
            return out
        }
    }

    private static let cherryPickPrefix = Array("(cherry picked from commit ".utf8)

    static func cherryPickSource(_ line: String) -> String? {
        let prefix = "(cherry picked from commit "
        // On bytes first: nearly every line fails on its first bytes, and an ASCII line
        // (every real one) is decided here; the rest by the `Character` rules below.
        var copy = line
        let quick: String?? = copy.withUTF8 { bytes in
            let mark = cherryPickPrefix
            guard bytes.count > mark.count, bytes[0] == mark[0], bytes[1] == mark[1] else { return .some(nil) }
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            guard bytes.starts(with: mark), bytes[bytes.count - 1] == UInt8(ascii: ")") else { return .some(nil) }
            let id = UnsafeBufferPointer(rebasing: bytes[mark.count..<(bytes.count - 1)])
            guard id.count >= 7, id.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }) else {
                return .some(nil)
            }
            return .some(String(decoding: id, as: UTF8.self))
        }
        if let quick { return quick }
        guard line.hasPrefix(prefix), line.hasSuffix(")") else { return nil }
        let id = line.dropFirst(prefix.count).dropLast()
        return id.count >= 7 && id.allSatisfy(\.isHexDigit) ? String(id) : nil
    }

    static func revertedCommitIDs(in lines: [MessageLines.Line]) -> [String] {
        var out: [String] = []
        let marker = "This reverts commit "
        for line in lines where line.text.hasPrefix(marker) {
            let id = line.text.dropFirst(marker.count).prefix(while: \.isHexDigit)
            if id.count >= 7 { out.append(String(id)) }
        }
        return out
    }

    /// Commit ids named by `Refs:` footers (how a `revert:` commit names what it reverts).
    static func referencedCommitIDs(in footers: [Footer]) -> [String] {
        var out: [String] = []
        for footer in footers where asciiLowercased(footer.token) == "refs" || asciiLowercased(footer.token) == "reverts" {
            for word in footer.value.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where word.count >= 7 && word.allSatisfy(\.isHexDigit) {
                out.append(String(word))
            }
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        // ASCII: every byte is a character, and the whitespace characters are 9–13 and 32
        // ("\r\n", one character, is two of them): the same answer without grapheme walks.
        var s = Substring(self)
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
            guard let first = s.utf8.firstIndex(where: { !isSpace($0) }),
                  let last = s.utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
            return String(s[first...last])
        }
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func replacingSpaces(with replacement: String) -> String {
        split(separator: " ").joined(separator: replacement)
    }
}
