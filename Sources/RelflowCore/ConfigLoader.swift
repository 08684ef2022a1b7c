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
        let lists = ["environments", "notify"]
        var environmentTables: [TOMLTable] = []
        var notifyTables: [TOMLTable] = []
        for key in table.keys.sorted(by: { (locator.line($0) ?? 0) < (locator.line($1) ?? 0) }) {
            if lists.contains(key) {
                guard let array = table[key]?.array, array.allSatisfy({ $0.table != nil }) else {
                    throw .usage("\(source) line \(locator.line(key) ?? 1): '\(key)' must be an array of tables, written [[\(key)]]",
                                 hint: "start each entry with a line '[[\(key)]]'")
                }
                let tables = array.compactMap(\.table)
                if key == "environments" { environmentTables = tables } else { notifyTables = tables }
                continue
            }
            guard known.contains(key) else {
                throw .usage("\(source) line \(locator.line(key) ?? 1): unknown section or key '\(key)'",
                             hint: "the sections are " + known.map { "[\($0)]" }.joined(separator: ", ") + ", [[environments]], [[notify]]")
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
                if let problem = RelflowConfig.Changelog.pathProblem(config.changelog.file) {
                    throw s.error("file", "[changelog] file '\(config.changelog.file)' \(problem)",
                                  hint: "name a file inside the repository, relative to its root, e.g. file = \"CHANGELOG.md\" or \"docs/CHANGELOG.md\"")
                }
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
                if !RefNames.isValidBranch(config.hotfix.branchPrefix + "1.2.3") {
                    throw s.error("branch_prefix", "[hotfix] branch_prefix '\(config.hotfix.branchPrefix)' does not make valid branch names ('\(config.hotfix.branchPrefix)1.2.3')",
                                  hint: "git check-ref-format --branch must accept <prefix><version>: no spaces, '..', '~^:?*[\\', leading '-' or '/', e.g. branch_prefix = \"hotfix/\"")
                }
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
        config.environments = try environments(environmentTables, config: config, locator: locator, source: source)
        if let production = config.environments.last {
            // Unscoped, the configuration is production's.
            config.branches.publish = production.branch
            config.gate = production.gate
            config.publisher = production.publisher
        }
        config.notifications = try notifications(notifyTables, locator: locator, source: source)
        // Hotfix branches must not be, contain or sit under the configured branches.
        let prefix = config.hotfix.branchPrefix
        let branches = [config.branches.main, config.branches.publish] + config.environments.map(\.branch)
        let clash = prefix.isEmpty ? nil : branches.first { $0.hasPrefix(prefix) || (prefix + "x").hasPrefix($0 + "/") }
        if prefix.isEmpty || clash != nil {
            throw .usage("\(source) line \(locator.line("hotfix.branch_prefix") ?? 1): [hotfix] branch_prefix '\(prefix)' \(clash.map { "makes hotfix branches clash with \($0)" } ?? "is empty")",
                         hint: "hotfix branches are <branch_prefix><version>: use a prefix of their own, e.g. branch_prefix = \"hotfix/\"")
        }
        return config
    }

    /// `[[environments]]`, in order: names unique, branches distinct, each `after` an earlier one.
    static func environments(_ tables: [TOMLTable], config: RelflowConfig, locator: KeyLocator,
                             source: String) throws(RelflowError) -> [RelflowConfig.Environment] {
        var out: [RelflowConfig.Environment] = []
        for (index, table) in tables.enumerated() {
            var s = Section(name: "environments", table: table, locator: locator, source: source)
            let isLast = index == tables.count - 1
            guard let name = try s.string("name"), !name.isEmpty,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw s.error("name", "[[environments]] entry \(index + 1) needs a name of letters, digits, '-' or '_'",
                              hint: "write name = \"staging\" (and name = \"production\" for the last)")
            }
            if out.contains(where: { $0.name == name }) {
                throw s.error("name", "[[environments]] names '\(name)' twice", hint: "give each environment its own name")
            }
            let branch = try s.string("branch") ?? (isLast ? config.branches.publish : "\(config.branches.publish)-\(name)")
            guard RefNames.isValidBranch(branch) else {
                throw s.error("branch", "[[environments]] '\(name)': branch '\(branch)' is not a valid branch name",
                              hint: "git check-ref-format --branch must accept it, e.g. branch = \"publish-\(name)\"")
            }
            if branch == config.branches.main || out.contains(where: { $0.branch == branch }) {
                throw s.error("branch", "[[environments]] '\(name)': branch '\(branch)' is already \(branch == config.branches.main ? "main" : "another environment's branch")",
                              hint: "each environment records on a branch of its own, e.g. \"publish-\(name)\"")
            }
            var gate = config.gate
            gate.autoPaths = try s.strings("auto_paths") ?? gate.autoPaths
            gate.approvals = try s.int("approvals", min: 0) ?? gate.approvals
            gate.distinctApprover = try s.bool("distinct_approver") ?? gate.distinctApprover
            if s.raw("delay") != nil { gate.delay = try s.duration("delay") }
            gate.hotfix = try s.choice("hotfix", default: gate.hotfix)
            gate.autoSpecial = try s.bool("auto_special") ?? gate.autoSpecial
            // Production keeps [publisher]; an environment before it runs only its own.
            var publisher = isLast ? config.publisher : RelflowConfig.Publisher()
            publisher.command = try s.strings("publisher") ?? publisher.command
            publisher.timeout = try s.duration("publisher_timeout") ?? publisher.timeout
            publisher.environment = name
            var env = RelflowConfig.Environment(name: name, branch: branch, gate: gate, publisher: publisher)
            if let command = try s.strings("health") {
                guard !command.isEmpty else {
                    throw s.error("health", "[[environments]] '\(name)': health is an empty command", hint: "write health = [\"./scripts/health\", \"--url\", \"https://…\"] or remove it")
                }
                var health = RelflowConfig.Health(command: command)
                health.timeout = try s.duration("health_timeout") ?? health.timeout
                health.retries = try s.int("health_retries", min: 0) ?? health.retries
                health.interval = try s.duration("health_interval") ?? health.interval
                health.onUnhealthy = try s.choice("on_unhealthy", default: health.onUnhealthy)
                env.health = health
            } else {
                for key in ["health_timeout", "health_retries", "health_interval", "on_unhealthy"] where table[key] != nil {
                    throw s.error(key, "[[environments]] '\(name)': \(key) without a health command", hint: "add health = [\"…\"] or remove \(key)")
                }
            }
            if let after = try s.string("after") {
                guard out.contains(where: { $0.name == after }) else {
                    throw s.error("after", "[[environments]] '\(name)': after = '\(after)' is not an environment listed before it",
                                  hint: "list environments in the order releases go through them; after names an earlier one")
                }
                env.after = after
            } else {
                env.after = out.last?.name
            }
            env.soak = try s.duration("soak")
            if env.soak != nil && env.after == nil {
                throw s.error("soak", "[[environments]] '\(name)': soak needs an environment before it", hint: "remove soak from the first environment")
            }
            env.hotfixSkipsSoak = try s.bool("hotfix_skips_soak") ?? env.hotfixSkipsSoak
            try s.finish()
            out.append(env)
        }
        return out
    }

    /// `[[notify]]`: the events and exactly one target, a command or a webhook URL.
    static func notifications(_ tables: [TOMLTable], locator: KeyLocator, source: String) throws(RelflowError) -> [RelflowConfig.Notification] {
        var out: [RelflowConfig.Notification] = []
        let names = RelflowConfig.Notification.Event.allCases.map(\.rawValue)
        for (index, table) in tables.enumerated() {
            var s = Section(name: "notify", table: table, locator: locator, source: source)
            let words = try s.strings("events") ?? names
            var events: [RelflowConfig.Notification.Event] = []
            for word in words {
                guard let event = RelflowConfig.Notification.Event(rawValue: word) else {
                    throw s.error("events", "[[notify]] entry \(index + 1): '\(word)' is not an event",
                                  hint: "the events are " + names.joined(separator: ", "))
                }
                events.append(event)
            }
            let command = try s.strings("command")
            let url = try s.string("url")
            let target: RelflowConfig.Notification.Target
            switch (command, url) {
            case (let command?, nil) where !command.isEmpty:
                target = .command(command)
            case (nil, let url?) where url.hasPrefix("http://") || url.hasPrefix("https://"):
                target = .webhook(url)
            default:
                throw s.error(command == nil ? "url" : "command",
                              "[[notify]] entry \(index + 1) needs exactly one target: command = [argv…] or url = \"https://…\"",
                              hint: "write e.g. url = \"https://hooks.slack.com/services/…\" or command = [\"./scripts/announce\"]")
            }
            var notification = RelflowConfig.Notification(events: events, target: target)
            notification.timeout = try s.duration("timeout") ?? notification.timeout
            try s.finish()
            out.append(notification)
        }
        return out
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
            // Types are not case-sensitive: `Feat` and `feat` are one type, listed once.
            if out.contains(where: { $0.type == type.lowercased() }) {
                throw error(key, "[\(name)] \(key): the type '\(type.lowercased())' is listed twice",
                            hint: "keep one entry for '\(type.lowercased())' (its commits go under one heading)")
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
        "environments": ["name", "branch", "after", "soak", "hotfix_skips_soak", "auto_paths", "approvals", "distinct_approver",
                         "delay", "hotfix", "auto_special", "publisher", "publisher_timeout", "health", "health_timeout",
                         "health_retries", "health_interval", "on_unhealthy"],
        "notify": ["events", "command", "url", "timeout"],
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
