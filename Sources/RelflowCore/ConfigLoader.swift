import TOMLKit

/// Reads `.relflow.toml`. An unknown key or a wrong type is an error naming the key and its line.
public enum ConfigLoader {
    public static let fileName = ".relflow.toml"

    /// Parses `text`; `source` names the file in messages.
    /// Loads a configuration file's bytes: UTF-8 (TOML's encoding) or a clear refusal.
    public static func load(bytes: [UInt8], source: String = fileName) throws(RelflowError) -> RelflowConfig {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            throw .usage("\(source) is not UTF-8 text (byte \(offset) of \(bytes.count) is not valid UTF-8)",
                         hint: "TOML files are UTF-8: convert it, e.g. iconv -f LATIN1 -t UTF-8 \(source)")
        }
        return try load(text: text, source: source)
    }

    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
    }

    public static func load(text: String, source: String = fileName) throws(RelflowError) -> RelflowConfig {
        let table: TOMLTable
        do {
            table = try TOMLDocument.parse(text)
        } catch {
            throw .usage("\(source)\(error.line.map { " line \($0)" } ?? ""): \(error.message)",
                         hint: "fix the TOML syntax at that line (see https://toml.io)")
        }
        let locator = KeyLocator(text: text)
        var config = RelflowConfig()
        let known = ["branches", "tags", "commits", "version", "changelog", "gate", "hotfix", "publisher", "notice", "bom", "server"]
        for key in table.keys.sorted(by: { (locator.line($0) ?? 0) < (locator.line($1) ?? 0) }) {
            guard known.contains(key) else {
                throw .usage("\(source) line \(locator.line(key) ?? 1): unknown section or key '\(key)'",
                             hint: "the sections are " + known.map { "[\($0)]" }.joined(separator: ", "))
            }
            guard let sub = table[key]?.table else {
                throw .usage("\(source) line \(locator.line(key) ?? 1): '\(key)' must be a table, written [\(key)]",
                             hint: "put its keys under a line '[\(key)]'")
            }
            var s = Section(name: key, table: sub, locator: locator, source: source)
            switch key {
            case "branches":
                config.branches.main = try s.string("main") ?? config.branches.main
                config.branches.publish = try s.string("publish") ?? config.branches.publish
                for (key, branch) in [("main", config.branches.main), ("publish", config.branches.publish)] where !RefNames.isValidBranch(branch) {
                    throw s.error(key, "[branches] \(key) '\(branch)' is not a valid branch name",
                                  hint: "git check-ref-format --branch must accept it: no spaces, '..', '~^:?*[\\', leading '-' or '/', e.g. \"\(key == "main" ? "main" : "publish")\"")
                }
                if config.branches.main == config.branches.publish {
                    throw s.error("main", "[branches] main and publish must be different branches", hint: "the defaults are 'main' and 'publish'")
                }
            case "tags":
                if let value = s.raw("prefix"), value.array != nil {
                    let list = try s.strings("prefix") ?? []
                    guard !list.isEmpty else {
                        throw s.error("prefix", "[tags] prefix is an empty list", hint: "write prefix = \"v\" or a list such as [\"v\", \"\"]")
                    }
                    config.tags.prefixes = list
                } else if let prefix = try s.string("prefix") {
                    config.tags.prefixes = [prefix]
                }
                for prefix in config.tags.prefixes where !RelflowConfig.Tags.isValidPrefix(prefix) {
                    throw s.error("prefix", "[tags] prefix '\(prefix)' cannot start a git tag name",
                                  hint: "use letters, digits, '-', '_', '.' or '/' (not '..', a leading '/' or '.', or '@{'), e.g. \"v\"")
                }
                if let value = s.raw("sign") {
                    if let flag = value.bool {
                        config.tags.sign = flag ? .gpg : .none
                    } else {
                        config.tags.sign = try s.choice("sign", default: RelflowConfig.Tags.Signing.none)
                    }
                }
            case "commits":
                if let types = try s.commitTypes("types") { config.commits.types = types }
                config.commits.releasable = try s.strings("releasable") ?? config.commits.releasable
                config.commits.allowNonConventional = try s.bool("allow_non_conventional") ?? config.commits.allowNonConventional
                config.commits.nonConventional = try s.choice("non_conventional", default: config.commits.nonConventional)
                config.commits.otherTitle = try s.string("other_title") ?? config.commits.otherTitle
                config.commits.maxSubjectLength = try s.int("max_subject_length", min: 10) ?? config.commits.maxSubjectLength
                config.commits.scopes = try s.strings("scopes") ?? config.commits.scopes
                config.commits.requireScope = try s.bool("require_scope") ?? config.commits.requireScope
                config.commits.requireBodyForBreaking = try s.bool("require_body_for_breaking") ?? config.commits.requireBodyForBreaking
                config.commits.typeCase = try s.choice("type_case", default: config.commits.typeCase)
                for type in config.commits.releasable where config.commits.group(for: type) == nil {
                    throw s.error("releasable", "[commits] releasable names '\(type)', which is not in [commits] types",
                                  hint: "add it to types or remove it from releasable")
                }
            case "version":
                if let text = try s.string("initial") {
                    guard let v = SemVer(text) else {
                        throw s.error("initial", "[version] initial '\(text)' is not a SemVer version", hint: "write e.g. initial = \"0.1.0\"")
                    }
                    config.version.initial = v
                }
                config.version.breakingInZero = try s.choice("breaking_in_zero", default: config.version.breakingInZero)
            case "changelog":
                config.changelog.file = try s.string("file") ?? config.changelog.file
                config.changelog.template = try s.string("template")
                config.changelog.includeMerges = try s.bool("include_merges") ?? config.changelog.includeMerges
                config.changelog.remote = try s.string("remote")
                config.changelog.prereleasesInFinal = try s.bool("prereleases_in_final") ?? config.changelog.prereleasesInFinal
            case "gate":
                config.gate.autoPaths = try s.strings("auto_paths") ?? config.gate.autoPaths
                config.gate.approvals = try s.int("approvals", min: 0) ?? config.gate.approvals
                config.gate.distinctApprover = try s.bool("distinct_approver") ?? config.gate.distinctApprover
                config.gate.delay = try s.duration("delay")
                config.gate.hotfix = try s.choice("hotfix", default: config.gate.hotfix)
                config.gate.autoSpecial = try s.bool("auto_special") ?? config.gate.autoSpecial
            case "server":
                config.server.clockSkew = try s.duration("clock_skew") ?? config.server.clockSkew
                config.server.maxEntryAge = try s.duration("max_entry_age") ?? config.server.maxEntryAge
                config.server.maxEntriesPerPush = try s.int("max_entries_per_push", min: 1) ?? config.server.maxEntriesPerPush
            case "hotfix":
                config.hotfix.branchPrefix = try s.string("branch_prefix") ?? config.hotfix.branchPrefix
                config.hotfix.allowedTypes = try s.strings("allowed_types") ?? config.hotfix.allowedTypes
                if config.hotfix.allowedTypes.contains("feat") {
                    throw s.error("allowed_types", "[hotfix] allowed_types may not contain 'feat': a hotfix never adds features",
                                  hint: "ship features through a normal release")
                }
                config.hotfix.backport = try s.choice("backport", default: config.hotfix.backport)
            case "publisher":
                config.publisher.command = try s.strings("command") ?? config.publisher.command
                config.publisher.timeout = try s.duration("timeout") ?? config.publisher.timeout
                config.publisher.environment = try s.string("environment") ?? config.publisher.environment
            case "notice":
                config.notice.earlyAccess = try s.string("early_access")
                if let day = try s.string("expected") {
                    let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                    guard days.contains(day.lowercased()) else {
                        throw s.error("expected", "[notice] expected '\(day)' is not a weekday", hint: "write e.g. expected = \"tuesday\"")
                    }
                    config.notice.expected = day.lowercased()
                }
            case "bom":
                config.bom.paths = try s.strings("paths") ?? config.bom.paths
            default:
                break
            }
            try s.finish()
        }
        return config
    }
}

/// One `[section]` being read: typed accessors that remember which keys were used.
struct Section {
    let name: String
    let table: TOMLTable
    let locator: KeyLocator
    let source: String
    private var used: Set<String> = []

    init(name: String, table: TOMLTable, locator: KeyLocator, source: String) {
        self.name = name
        self.table = table
        self.locator = locator
        self.source = source
    }

    func line(_ key: String) -> Int { locator.line(name + "." + key) ?? locator.line(name) ?? 1 }

    func error(_ key: String, _ message: String, hint: String) -> RelflowError {
        .usage("\(source) line \(line(key)): \(message)", hint: hint)
    }

    mutating func raw(_ key: String) -> (any TOMLValueConvertible)? {
        used.insert(key)
        return table[key]
    }

    private func typeError(_ key: String, _ expected: String, _ value: any TOMLValueConvertible, example: String) -> RelflowError {
        error(key, "[\(name)] \(key) must be \(expected), not \(describe(value.type))", hint: "write e.g. \(key) = \(example)")
    }

    mutating func string(_ key: String) throws(RelflowError) -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v.string else { throw typeError(key, "a string", v, example: "\"text\"") }
        return s
    }

    mutating func bool(_ key: String) throws(RelflowError) -> Bool? {
        guard let v = raw(key) else { return nil }
        guard let b = v.bool else { throw typeError(key, "true or false", v, example: "true") }
        return b
    }

    mutating func int(_ key: String, min: Int) throws(RelflowError) -> Int? {
        guard let v = raw(key) else { return nil }
        guard let i = v.int else { throw typeError(key, "an integer", v, example: "\(Swift.max(min, 1))") }
        guard i >= min else { throw error(key, "[\(name)] \(key) must be at least \(min), not \(i)", hint: "write e.g. \(key) = \(Swift.max(min, 1))") }
        return i
    }

    mutating func strings(_ key: String) throws(RelflowError) -> [String]? {
        guard let v = raw(key) else { return nil }
        guard let array = v.array else { throw typeError(key, "an array of strings", v, example: "[\"a\", \"b\"]") }
        var out: [String] = []
        for element in array {
            guard let s = element.string else {
                throw error(key, "[\(name)] \(key) must hold only strings, not \(describe(element.type))", hint: "write e.g. \(key) = [\"a\", \"b\"]")
            }
            out.append(s)
        }
        return out
    }

    mutating func duration(_ key: String) throws(RelflowError) -> ConfigDuration? {
        guard let text = try string(key) else { return nil }
        guard let d = ConfigDuration(text) else {
            throw error(key, "[\(name)] \(key) '\(text)' is not a duration of at most 100 years",
                        hint: "write e.g. \(key) = \"90s\", \"30m\", \"24h\", \"7d\" or \"2w\" (units combine: \"1h30m\")")
        }
        return d
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws(RelflowError) -> T where T.RawValue == String {
        guard let text = try string(key) else { return value }
        guard let choice = T(rawValue: text) else {
            let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw error(key, "[\(name)] \(key) '\(text)' is not one of \(options)", hint: "write e.g. \(key) = \"\(value.rawValue)\"")
        }
        return choice
    }

    mutating func commitTypes(_ key: String) throws(RelflowError) -> [RelflowConfig.CommitType]? {
        guard let v = raw(key) else { return nil }
        let example = "[{ type = \"feat\", title = \"Features\" }]"
        guard let array = v.array else { throw typeError(key, "an array of tables", v, example: example) }
        var out: [RelflowConfig.CommitType] = []
        for element in array {
            guard let t = element.table, let type = t["type"]?.string, !type.isEmpty else {
                throw error(key, "[\(name)] \(key): each entry needs a 'type' string", hint: "write e.g. \(key) = \(example)")
            }
            for k in t.keys where !["type", "title", "hidden"].contains(k) {
                throw error(key, "[\(name)] \(key): unknown key '\(k)' in the entry for '\(type)'", hint: "an entry has type, title and hidden")
            }
            guard type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw error(key, "[\(name)] \(key): '\(type)' is not a valid commit type", hint: "a type holds letters, digits, '-' and '_'")
            }
            if t["title"] != nil, t["title"]?.string == nil {
                throw error(key, "[\(name)] \(key): the title of '\(type)' must be a string", hint: "write title = \"Features\"")
            }
            if t["hidden"] != nil, t["hidden"]?.bool == nil {
                throw error(key, "[\(name)] \(key): hidden of '\(type)' must be true or false", hint: "write hidden = true")
            }
            out.append(.init(type: type.lowercased(), title: t["title"]?.string ?? type, hidden: t["hidden"]?.bool ?? false))
        }
        return out
    }

    /// Every key of the section must have been read: anything else is unknown.
    func finish() throws(RelflowError) {
        for key in table.keys where !used.contains(key) {
            let knownKeys = Section.knownKeys[name] ?? []
            let suggestion = knownKeys.min(by: { editDistance($0, key) < editDistance($1, key) })
            var hint = "the keys of [\(name)] are " + knownKeys.joined(separator: ", ")
            if let suggestion, editDistance(suggestion, key) <= 3 { hint = "did you mean '\(suggestion)'? " + hint }
            throw error(key, "unknown key '\(key)' in [\(name)]", hint: hint)
        }
    }

    static let knownKeys: [String: [String]] = [
        "branches": ["main", "publish"],
        "tags": ["prefix", "sign"],
        "commits": ["types", "releasable", "allow_non_conventional", "non_conventional", "other_title", "max_subject_length",
                    "scopes", "require_scope", "require_body_for_breaking", "type_case"],
        "version": ["initial", "breaking_in_zero"],
        "changelog": ["file", "template", "include_merges", "remote", "prereleases_in_final"],
        "gate": ["auto_paths", "approvals", "distinct_approver", "delay", "hotfix", "auto_special"],
        "server": ["clock_skew", "max_entry_age", "max_entries_per_push"],
        "hotfix": ["branch_prefix", "allowed_types", "backport"],
        "publisher": ["command", "timeout", "environment"],
        "notice": ["early_access", "expected"],
        "bom": ["paths"],
    ]
}

private func describe(_ type: TOMLType) -> String {
    switch type {
    case .table: return "a table"
    case .array: return "an array"
    case .string: return "a string"
    case .int: return "an integer"
    case .double: return "a number"
    case .bool: return "a boolean"
    case .date, .time, .dateTime: return "a date"
    }
}

public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    for i in 1...x.count {
        var current = [i] + Array(repeating: 0, count: y.count)
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[y.count]
}

/// Finds the line where a key is written, for error messages (TOMLKit gives values, not places).
struct KeyLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        var number = 0
        for raw in splitTrimmedLines(text) {
            number += 1
            let line = raw.trimmingSpaces
            if line.hasPrefix("[") {
                let name = line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" }).trimmingSpaces
                table = name.filter { $0 != "\"" && $0 != "'" }
                if lines[table] == nil { lines[table] = number }
                continue
            }
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingSpaces.filter { $0 != "\"" && $0 != "'" }
            guard !key.isEmpty, !key.contains(" "), !key.contains("{") else { continue }
            let full = table.isEmpty ? key : table + "." + key
            if lines[full] == nil { lines[full] = number }
            if table.isEmpty, let dot = key.firstIndex(of: "."), lines[String(key[..<dot])] == nil {
                lines[String(key[..<dot])] = number
            }
        }
    }

    func line(_ dottedKey: String) -> Int? { lines[dottedKey] }
}
