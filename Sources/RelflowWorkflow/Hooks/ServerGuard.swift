import Git
import RelflowCore

/// The server's judgement of a whole push (`pre-receive`): the trust boundary. It assumes the
/// pusher can push anything with `--no-verify` and plumbing, and reads nothing the push can
/// change as policy: the rules come from `ServerPolicyStore`, the delay from the server's own
/// receipts, the approvals and the rollback history from ledger entries it checked.
///
/// What it costs grows with the push (its new ledger entries, its hotfix commits, the two trees
/// a promotion compares) and with how far back in the ledger a fact lies, never with history.
public struct ServerGuard {
    public typealias Update = PushPolicy.Update
    public typealias Refusal = PushPolicy.Refusal

    let repository: Repository
    let config: RelflowConfig
    let store: ServerPolicyStore
    let now: Int64

    public init(repository: Repository, config: RelflowConfig, store: ServerPolicyStore, now: Int64) {
        self.repository = repository
        self.config = config
        self.store = store
        self.now = now
    }

    /// The refusals (none: the push may go in; post-receive then records what arrived).
    public struct Judgement: Sendable {
        public var refusals: [Refusal] = []
        /// The ledger commits this push brings, when it is accepted: their receipt is recorded
        /// at once, so that a pusher who hangs up before post-receive runs gains nothing.
        var ledgerCommits: [ObjectID] = []
        /// The release tags it creates (a gate `delay` counts from their receipt), likewise.
        var releaseTags: [(name: String, object: ObjectID)] = []
        /// What the pusher should know of an accepted push (printed as `remote:` lines).
        public var notes: [String] = []
    }

    static let emptyTree = ObjectID(hex: "4b825dc642cb6eb9a060e54bf8d69288fbee4904")

    var publishRef: String { "refs/heads/" + config.branches.publish }
    var mainRef: String { "refs/heads/" + config.branches.main }
    var hotfixPrefix: String { "refs/heads/" + config.hotfix.branchPrefix }

    func releaseVersion(ofRef ref: String) -> SemVer? {
        guard ref.hasPrefix("refs/tags/") else { return nil }
        return config.tags.version(ofTag: String(ref.dropFirst("refs/tags/".count)))
    }

    /// The repository a server hook runs for: through git's environment inside a hook (the only
    /// way to see objects git still holds in quarantine), else the one at `path`.
    static func serverRepository(path: String?, fromEnvironment: Bool, hook: String) throws(RelflowError) -> Repository {
        do {
            return fromEnvironment ? try Repository.openFromEnvironment() : try Repository.discover(from: path ?? ".")
        } catch {
            throw .repository("cannot open the repository being pushed to: \(error.message)", hint: "the server runs this from its \(hook) hook")
        }
    }

    /// The pre-receive hook's whole job: opens the repository being pushed to, reads the
    /// server's policy and judges the push.
    public static func judgePush(_ updates: [Update], path: String?, fromEnvironment: Bool) throws(RelflowError) -> (judgement: Judgement, policy: String) {
        let repository = try serverRepository(path: path, fromEnvironment: fromEnvironment, hook: "pre-receive")
        let store = ServerPolicyStore(repository: repository)
        let (config, source) = try store.load()
        let now = Clock.now()
        let judgement = ServerGuard(repository: repository, config: config, store: store, now: now).judge(updates)
        // When each entry arrived counts for soaks: recorded now, not only by post-receive,
        // which git does not run when the pusher has gone (the refs are in by then).
        if judgement.refusals.isEmpty, !(judgement.ledgerCommits.isEmpty && judgement.releaseTags.isEmpty) {
            try store.recordReceipts(judgement.ledgerCommits.map { ("ledger", $0) } + judgement.releaseTags, at: now, again: true)
            try store.compactReceipts(repository: repository, keeping: judgement.ledgerCommits + judgement.releaseTags.map(\.object))
        }
        return (judgement, source)
    }

    /// The post-receive hook: records what the server now holds, after git committed the refs
    /// (a push refused by git after pre-receive leaves no trace): when each release tag arrived,
    /// and each commit publish moved to.
    public static func recordAccepted(_ updates: [Update], path: String?, fromEnvironment: Bool) throws(RelflowError) {
        let repository = try serverRepository(path: path, fromEnvironment: fromEnvironment, hook: "post-receive")
        let store = ServerPolicyStore(repository: repository)
        let (config, _) = try store.load()
        let now = Clock.now()
        var tags: [(name: String, object: ObjectID)] = []
        for update in updates {
            guard let new = update.new else { continue }
            if update.ref.hasPrefix("refs/tags/"), update.old == nil,
               config.tags.version(ofTag: String(update.ref.dropFirst("refs/tags/".count))) != nil {
                tags.append((String(update.ref.dropFirst("refs/tags/".count)), new))
            } else if update.ref == "refs/heads/" + config.branches.publish {
                try store.recordPublish(new, at: now)
            } else if update.ref == Ledger.reference {
                // When each entry arrived: a soak is judged from what the server saw, never
                // from a date written in the entry.
                var cursor: ObjectID? = new
                var count = 0
                while let id = cursor, id != update.old, count < 10_000 {
                    tags.append(("ledger", id))
                    cursor = try git { () throws(GitError) in try repository.commit(id) }.parents.first
                    count += 1
                }
            }
        }
        try store.recordReceipts(tags, at: now)
    }

    public func judge(_ updates: [Update]) -> Judgement {
        var judgement = Judgement()
        // git applies the refs of a push that is not atomic one by one, and a ref whose old
        // value is not the server's fails after this hook said yes to the whole push: a branch
        // would move without its ledger entry, or an entry arrive without its move. So every
        // old value must be the server's own, and then all of them go in or none (a concurrent
        // push can still interleave; --atomic, as relflow pushes, closes that too).
        for update in updates {
            let current = try? repository.reference(update.ref)
            if current ?? nil != update.old {
                judgement.refusals.append(Refusal(ref: update.ref, rule: "stale-update",
                    message: "the push says \(update.ref) is at \(update.old?.short() ?? "nothing"), but on this server it is at \((current ?? nil)?.short() ?? "nothing"); git would update the other refs without it",
                    fix: "fetch, then push again with --atomic (relflow --push does)"))
            }
        }
        if !judgement.refusals.isEmpty { return judgement }
        judgement.refusals += guarded("refs") { () throws(RelflowError) in try checkRefsGitWouldFail(updates) }
        if !judgement.refusals.isEmpty { return judgement }
        var state = PushState(guardian: self, updates: updates)
        // The signed policy first: it says whose signatures every entry needs.
        if let policy = updates.first(where: { $0.ref == TrustChain.reference }) {
            judgement.refusals += guarded(policy.ref) { () throws(RelflowError) in try checkPolicy(policy, state: &state) }
        } else {
            judgement.refusals += guarded(TrustChain.reference) { () throws(RelflowError) in
                if let tip = try git({ () throws(GitError) in try repository.reference(TrustChain.reference) }) {
                    state.trust = try TrustChain.validate(repository, tip: tip, pinnedRoot: store.pinnedRoot())
                } else if let root = store.pinnedRoot(), updates.contains(where: { $0.ref == Ledger.reference }) {
                    // The administrator pinned a policy that has not arrived: until it does,
                    // nothing can be checked, so no entry goes in.
                    return [Refusal(ref: Ledger.reference, rule: "policy-missing",
                                    message: "this server requires the signed policy whose first commit is \(root.short()), and it has not been pushed yet",
                                    fix: "push it first: git push origin refs/relflow/policy")]
                }
                return []
            }
        }
        // The ledger next: every other rule reads the entries it vouches for.
        if let ledger = updates.first(where: { $0.ref == Ledger.reference }) {
            judgement.refusals += guarded(ledger.ref) { () throws(RelflowError) in try checkLedger(ledger, state: &state) }
            if judgement.refusals.isEmpty { judgement.refusals += checkMovesRecorded(ledger, state: state) }
        }
        for update in updates where update.ref != Ledger.reference {
            let names = checkName(update)
            judgement.refusals += names
            if !names.isEmpty { continue }
            if update.ref == mainRef {
                judgement.refusals += guarded(update.ref) { () throws(RelflowError) in try checkMain(update) }
            } else if update.ref.hasPrefix("refs/heads/"), let env = config.environment(onBranch: String(update.ref.dropFirst("refs/heads/".count))) {
                // Every environment's branch is guarded alike, each by its own gate and chain.
                let scoped = ServerGuard(repository: repository, config: config.scoped(to: env), store: store, now: now)
                judgement.refusals += guarded(update.ref) { () throws(RelflowError) in try scoped.checkPublish(update, state: &state) }
            } else if releaseVersion(ofRef: update.ref) != nil {
                judgement.refusals += guarded(update.ref) { () throws(RelflowError) in
                    try checkReleaseTag(update, state: &state)
                }
            } else if update.ref.hasPrefix(hotfixPrefix), update.new != nil {
                judgement.refusals += guarded(update.ref) { () throws(RelflowError) in try checkHotfix(update, state: &state) }
            }
        }
        if judgement.refusals.isEmpty {
            judgement.notes = state.notes
            judgement.ledgerCommits = state.newEntryIDs
            judgement.releaseTags = updates.compactMap { u in
                guard u.old == nil, let new = u.new, releaseVersion(ofRef: u.ref) != nil else { return nil }
                return (String(u.ref.dropFirst("refs/tags/".count)), new)
            }
        }
        return judgement
    }

    func guarded(_ ref: String, _ body: () throws(RelflowError) -> [Refusal]) -> [Refusal] {
        do {
            return try body()
        } catch {
            return [Refusal(ref: ref, rule: "unreadable", message: "relflow could not read what is pushed: \(error.message)",
                            fix: "push the objects this ref needs (the branch, its tags and refs/relflow/ledger together)")]
        }
    }

    // MARK: - Names

    /// Refs git would refuse to write after this hook said yes: a name git rejects, or a name
    /// that clashes with another ref as a file with a folder (`publish-staging` and
    /// `publish-staging/x`). git would then apply the rest of a non-atomic push without it (an
    /// entry recording a move into staging that never happened), or fail an atomic one after
    /// the receipts were taken. Refused here, the whole push goes in or nothing does.
    func checkRefsGitWouldFail(_ updates: [Update]) throws(RelflowError) -> [Refusal] {
        var refusals: [Refusal] = []
        let created = Set(updates.filter { $0.new != nil && $0.old == nil }.map(\.ref))
        // A ref deleted by the same push still counts: git may apply the creation first.
        // A protected name is refused as such (checkName), with the fix that fits it.
        for update in updates where update.new != nil && checkName(update).isEmpty {
            let ref = update.ref
            guard Repository.isValidReferenceName(ref) else {
                refusals.append(Refusal(ref: ref, rule: "ref-name", message: "git does not accept '\(ref)' as a ref name",
                                        fix: "push refs with valid names (git check-ref-format)"))
                continue
            }
            // Characters that show as something else or nothing: line and paragraph
            // separators, other spaces, format and control characters.
            if let odd = ref.unicodeScalars.first(where: { s in
                s.properties.generalCategory == .lineSeparator || s.properties.generalCategory == .paragraphSeparator
                    || s.properties.generalCategory == .format || s.properties.generalCategory == .control
                    || (s.properties.generalCategory == .spaceSeparator) }) {
                refusals.append(Refusal(ref: ref, rule: "ref-name", message: "\(ref.debugDescription) holds U+\(String(odd.value, radix: 16, uppercase: true)), which shows as something else or nothing",
                                        fix: "name refs with visible characters"))
                continue
            }
            guard update.old == nil else { continue }
            // A ref above it (refs/heads/a for refs/heads/a/b), or one below it.
            let parts = ref.split(separator: "/").map(String.init)
            var above: String?
            // refs/heads/a for refs/heads/a/b (from the third part: refs/heads itself is no ref).
            for k in 3..<max(3, parts.count) {
                let prefix = parts[0..<k].joined(separator: "/")
                let exists = try git { () throws(GitError) in try repository.reference(prefix) } != nil
                if created.contains(prefix) || exists { above = prefix }
            }
            let below = (try git { () throws(GitError) in try repository.references(matching: ref + "/*") }).map(\.name)
                + created.filter { $0.hasPrefix(ref + "/") }
            if let clash = above ?? below.first {
                refusals.append(Refusal(ref: ref, rule: "ref-conflict",
                                        message: "\(ref) cannot be created while \(clash) exists (a ref cannot be both a file and a folder)",
                                        fix: "delete \(clash) first (git push origin --delete \(clash.hasPrefix("refs/heads/") ? String(clash.dropFirst("refs/heads/".count)) : clash)), or choose another name"))
            }
        }
        return refusals
    }

    /// Refs that would shadow what the model protects: `git checkout publish` or
    /// `git archive publish` must give production, nothing else.
    func checkName(_ update: Update) -> [Refusal] {
        guard update.new != nil else { return [] }
        let ref = update.ref
        func refuse(_ message: String, _ fix: String) -> [Refusal] { [Refusal(ref: ref, rule: "protected-name", message: message, fix: fix)] }
        if ref.hasPrefix("refs/remotes/") {
            return refuse("a server holds no remote-tracking refs; this one could shadow a branch in clones",
                          "push branches to refs/heads/ (git push origin BRANCH)")
        }
        // Short names git resolves before the branches and tags they look like: `HEAD`,
        // `FETCH_HEAD` and the other pseudo-refs, and names spelled like a full ref
        // (`refs/heads/publish`, `tags/v1.0.0`) or a remote's branch (`origin/publish`, in
        // the checks below), wherever a script or a mirror writes that short name.
        for prefix in ["refs/heads/", "refs/tags/"] where ref.hasPrefix(prefix) {
            let short = String(ref.dropFirst(prefix.count))
            if short.hasSuffix("HEAD"), short.allSatisfy({ ($0 >= "A" && $0 <= "Z") || $0 == "_" }) {
                return refuse("'\(short)' is the name of a git pseudo-ref (HEAD, FETCH_HEAD, ORIG_HEAD…): git and scripts resolve it to something else",
                              "choose another name")
            }
            if let first = short.split(separator: "/").first, ["refs", "heads", "tags", "remotes"].contains(first.lowercased()) {
                return refuse("'\(short)' reads as the full name of another ref ('\(first)/…'), which git resolves first",
                              "choose a name that does not start with refs/, heads/, tags/ or remotes/")
            }
        }
        let lowered = ref.lowercased()
        for protected in config.chain.map(\.branch) + [config.branches.main] {
            let name = protected.lowercased()
            if lowered.hasPrefix("refs/heads/\(name)/") {
                return refuse("a branch under '\(protected)/' (in any case) would keep the protected branch \(protected) from being created or recreated",
                              "choose another branch name")
            }
            if lowered == "refs/heads/" + name && ref != "refs/heads/" + protected {
                return refuse("'\(ref.dropFirst("refs/heads/".count))' differs from the protected branch '\(protected)' only in case (one name on case-insensitive file systems)",
                              "choose another branch name")
            }
            // `origin/publish` as a branch: on the server and its mirrors, git resolves it
            // before the remote-tracking branch it looks like.
            if lowered.hasPrefix("refs/heads/"), case let parts = lowered.dropFirst("refs/heads/".count).split(separator: "/", omittingEmptySubsequences: false),
               parts.count == 2, parts[1] == name {
                return refuse("a branch named like the branch \(protected) of a remote (\(ref.dropFirst("refs/heads/".count))) would stand for it where git resolves names on the server and its mirrors",
                              "choose another branch name")
            }
            // `publish`, `Publish`, `origin/publish`: a tag git resolves before the branch (or
            // before origin's) wherever scripts and people write that name.
            if lowered.hasPrefix("refs/tags/"), lowered == "refs/tags/" + name || lowered.hasSuffix("/" + name) {
                let tag = ref.dropFirst("refs/tags/".count)
                return refuse("a tag named like the branch \(protected) (\(tag)) would shadow it where git resolves names (origin/\(protected) too)",
                              "delete the local tag (git tag -d \(tag)), push the branch instead, and name tags otherwise")
            }
        }
        if ref.hasPrefix("refs/tags/") {
            let name = String(ref.dropFirst("refs/tags/".count))
            if config.tags.version(ofTag: name) == nil, config.tags.version(ofTag: name.lowercased()) != nil {
                return refuse("'\(name)' differs from a release tag name only in case (one name on case-insensitive file systems)",
                              "choose another tag name (release tags are made by relflow release)")
            }
            let parts = name.split(separator: "/")
            for k in 1..<max(1, parts.count) where config.tags.version(ofTag: parts[0..<k].joined(separator: "/")) != nil {
                return refuse("a tag under the release tag name '\(parts[0..<k].joined(separator: "/"))' would keep that release from being tagged",
                              "choose another tag name")
            }
        }
        if ref.hasPrefix("refs/heads/"), config.tags.version(ofTag: String(ref.dropFirst("refs/heads/".count))) != nil {
            return refuse("a branch named like a release tag makes that tag's name ambiguous",
                          "choose another branch name (release tags are made by relflow release)")
        }
        if ref.hasPrefix("refs/relflow/") && ref != Ledger.reference && ref != TrustChain.reference {
            return refuse("refs/relflow/ holds only relflow's own refs", "push only refs/relflow/ledger and refs/relflow/policy there")
        }
        // Only branches, tags and the ledger: refs/replace/ would change what publish's commit
        // shows (git archive, git show) without moving publish; refs/notes/ and others have no
        // place in the model either.
        if !ref.hasPrefix("refs/heads/") && !ref.hasPrefix("refs/tags/") && ref != Ledger.reference && ref != TrustChain.reference {
            return refuse("the server takes only refs/heads/*, refs/tags/* and \(Ledger.reference); \(ref) could change what a commit shows (refs/replace/) or hide data",
                          "push branches and tags only")
        }
        return []
    }

    /// `main` only grows: a rewrite could take back commits a release or a hotfix check relied on.
    func checkMain(_ update: Update) throws(RelflowError) -> [Refusal] {
        guard let old = update.old else { return [] }
        guard let new = update.new else {
            return [Refusal(ref: update.ref, rule: "main-delete", message: "\(config.branches.main) may not be deleted", fix: "keep it")]
        }
        if old != new, try !git({ () throws(GitError) in try repository.isAncestor(old, of: new) }) {
            return [Refusal(ref: update.ref, rule: "main-non-fast-forward",
                            message: "\(config.branches.main) moves from \(old.short()) to \(new.short()), which is not forward: released history would be rewritten",
                            fix: "fetch and rebase onto the server's \(config.branches.main) (git pull --rebase), or revert instead of rewriting")]
        }
        return []
    }

    /// A promote or rollback entry is pushed together with the move of publish it records:
    /// an entry for a move that did not happen would later vouch for a rollback target.
    func checkMovesRecorded(_ ledger: Update, state: PushState) -> [Refusal] {
        let moves = state.newEntries.filter { [.promote, .rollback].contains($0.event) }
        guard !moves.isEmpty else { return [] }
        // Each entry matches the move of its own environment's branch in this push.
        let matching = moves.filter { entry in
            guard let env = config.chain.first(where: { config.entry(entry, isFor: $0.name) }),
                  let move = state.updates.first(where: { $0.ref == "refs/heads/" + env.branch }), let new = move.new else { return false }
            return entry.commit == new.hex && entry.previous == move.old?.hex
        }
        let perEnvironment = Dictionary(grouping: moves) { entry in config.chain.first { config.entry(entry, isFor: $0.name) }?.name ?? "" }
        if perEnvironment.values.contains(where: { $0.count > 1 }) || matching.count != moves.count {
            return [Refusal(ref: ledger.ref, rule: "ledger-unmatched",
                            message: "the push adds \(moves.count) promote/rollback entr\(moves.count == 1 ? "y" : "ies") but \(matching.count == 1 ? "only one matches" : "none matches") the move of \(config.branches.publish) it carries",
                            fix: "record a move with the move itself: relflow promote --push or relflow rollback --push; drop stray entries: git fetch origin +refs/relflow/ledger:refs/relflow/ledger")]
        }
        return []
    }

    // MARK: - Ledger

    func checkLedger(_ update: Update, state: inout PushState) throws(RelflowError) -> [Refusal] {
        guard let new = update.new else {
            return [Refusal(ref: update.ref, rule: "ledger-delete", message: "the ledger may not be deleted: it is the audit log",
                            fix: "keep it; it only ever grows")]
        }
        let reset = "reset your ledger to the server's and let relflow append again: git fetch origin +refs/relflow/ledger:refs/relflow/ledger"
        var entries: [(id: ObjectID, entry: LedgerEntry)] = []
        var cursor: ObjectID? = new
        // Every new entry is read, however many: the walk ends at the server's tip.
        while let id = cursor, id != update.old {
            if entries.count >= config.server.maxEntriesPerPush {
                return [Refusal(ref: update.ref, rule: "ledger-size",
                                message: "the push adds more than [server] max_entries_per_push (\(config.server.maxEntriesPerPush)) ledger entries",
                                fix: "push the ledger as relflow writes it, a few entries at a time; the server's administrator can raise the limit")]
            }
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            if commit.parents.count > 1 {
                return [Refusal(ref: update.ref, rule: "ledger-linear", message: "ledger commit \(id.short()) is a merge; the ledger is one chain", fix: reset)]
            }
            if commit.tree != Self.emptyTree {
                return [Refusal(ref: update.ref, rule: "ledger-entry", message: "ledger commit \(id.short()) carries files; an entry is a message on an empty tree", fix: reset)]
            }
            switch LedgerFormat.strictEntry(message: commit.rawMessage) {
            case .failure(let problem):
                return [Refusal(ref: update.ref, rule: "ledger-entry", message: "ledger commit \(id.short()): \(problem.message)", fix: reset)]
            case .success(let entry):
                if let trust = state.trust, let policy = trust.current?.policy,
                   let problem = signatureProblem(of: id, entry: entry, policy: policy, version: trust.current?.policy.version ?? 0) {
                    return [Refusal(ref: update.ref, rule: "ledger-signature", message: "ledger commit \(id.short()) (\(entry.summary)): \(problem)",
                                    fix: "record it again with a key the signed policy names for this role (git config gpg.format ssh; git config user.signingKey KEY.pub), then \(reset)")]
                }
                entries.append((id, entry))
            }
            cursor = commit.parents.first
            if cursor == nil, update.old != nil {
                return [Refusal(ref: update.ref, rule: "ledger-non-fast-forward",
                                message: "the pushed ledger does not contain the server's (\(update.old?.short() ?? "")): entries would be lost",
                                fix: "let relflow fold them in: relflow promote/approve/deliver --push retries by itself; by hand: git fetch, then any relflow command with --push")]
            }
        }
        entries.reverse()
        for (id, entry) in entries {
            if entry.timestamp > now + config.server.clockSkew.seconds {
                return [Refusal(ref: update.ref, rule: "ledger-time",
                                message: "ledger commit \(id.short()) is dated \(entry.time), ahead of the server's clock (\(isoDateTime(now))) by more than [server] clock_skew (\(config.server.clockSkew.text))",
                                fix: "fix the clock of the machine that wrote it, then \(reset)")]
            }
            if entry.timestamp < now - config.server.maxEntryAge.seconds {
                return [Refusal(ref: update.ref, rule: "ledger-time",
                                message: "ledger commit \(id.short()) is dated \(entry.time), older than [server] max_entry_age (\(config.server.maxEntryAge.text)) when it reaches the server",
                                fix: "record the event again now, then \(reset)")]
            }
        }
        state.newEntries = entries.map(\.entry)
        state.newEntryIDs = entries.map(\.id)
        return []
    }

    // MARK: - Signed policy and signatures

    /// The signed policy only moves forward, and every commit it adds must count: signed by an
    /// administrator of the version in force, each new version one higher, the first commit
    /// the one the administrator pinned (or trusted on first use).
    func checkPolicy(_ update: Update, state: inout PushState) throws(RelflowError) -> [Refusal] {
        guard let new = update.new else {
            return [Refusal(ref: update.ref, rule: "policy-delete", message: "the signed policy may not be deleted", fix: "change it with relflow policy add-person / remove-person")]
        }
        if let old = update.old, old != new, try !git({ () throws(GitError) in try repository.isAncestor(old, of: new) }) {
            return [Refusal(ref: update.ref, rule: "policy-non-fast-forward",
                            message: "the pushed policy does not continue the server's (\(old.short())): an older policy never comes back",
                            fix: "fetch the server's policy (git fetch origin +refs/relflow/policy:refs/relflow/policy) and propose the change on top of it")]
        }
        if update.old == nil, store.pinnedRoot() == nil, !store.trustsFirstPolicy {
            return [Refusal(ref: update.ref, rule: "policy-root",
                            message: "this server has no signed policy, and its administrator has not said which first policy commit to trust (\(new.short()) is what this push offers)",
                            fix: "the server's administrator checks that commit and pins it: relflow hooks install --server --policy-root \(new.hex) (or trusts the first one pushed: --policy-tofu)")]
        }
        if update.old == nil, state.updates.contains(where: { $0.ref != update.ref }) {
            return [Refusal(ref: update.ref, rule: "policy-root",
                            message: "a first signed policy is adopted on its own, never in the push that relies on it",
                            fix: "push refs/relflow/policy alone first, then the rest")]
        }
        let chain = try TrustChain.validate(repository, tip: new, pinnedRoot: store.pinnedRoot())
        if let problem = chain.problems.first {
            return [Refusal(ref: update.ref, rule: "policy-chain", message: problem,
                            fix: "each change is proposed and signed with relflow policy add-person / remove-person / sign by administrators of the version in force")]
        }
        state.trust = chain
        return []
    }

    /// Why a ledger commit does not prove its entry under `policy`, nil when it does: signed,
    /// by a key of a person with the event's role, and naming that person as its actor.
    func signatureProblem(of id: ObjectID, entry: LedgerEntry, policy: TrustPolicy, version: Int) -> String? {
        let key: [UInt8]
        switch CommitSignatures.signer(of: id, in: repository, pgpKeys: policy.pgpKeys) {
        case .failure(let problem): return "\(problem); this repository has a signed policy, so every entry must be signed"
        case .success(let blob): key = blob
        }
        guard let person = policy.person(withKey: key) else {
            return "it is signed by a key that signed policy version \(version) does not name (unknown or revoked)"
        }
        let role = TrustPolicy.role(for: entry.event)
        guard person.roles.contains(role) else {
            return "\(person.name) <\(person.email)> signed it but has no '\(role.rawValue)' role"
        }
        guard entry.actor.email.lowercased() == person.email.lowercased(), entry.actor.name == person.name else {
            return "it claims \(entry.actor.name) <\(entry.actor.email)> but \(person.name) <\(person.email)> signed it"
        }
        return nil
    }

    // MARK: - Release tags

    func checkReleaseTag(_ update: Update, state: inout PushState) throws(RelflowError) -> [Refusal] {
        let name = String(update.ref.dropFirst("refs/tags/".count))
        if update.old != nil { return PushPolicy.immutableTag(update) }
        guard let new = update.new else { return [] }
        guard (try? repository.resolveCommit(new.hex)) != nil else {
            return [Refusal(ref: update.ref, rule: "tag-target", message: "the release tag \(name) does not name a commit",
                            fix: "release tags name commits; make releases with relflow release")]
        }
        let covered = try state.find { entry in
            (entry.event == .release || entry.event == .hotfixFinish) && entry.tag == name && entry.tagObject == new.hex
        }
        guard covered != nil else {
            return [Refusal(ref: update.ref, rule: "tag-unrecorded",
                            message: "no release entry in the ledger records \(name) (tag object \(new.short())): release tags are made by relflow release",
                            fix: "release with relflow release, then push the branch, the tag and the ledger together: git push --atomic origin \(config.branches.main) refs/tags/\(name) refs/relflow/ledger")]
        }
        return try checkReleasePlace(update, name: name, state: &state)
    }

    /// Where a new release tag may stand: on main as this push leaves it, or at the tip of a
    /// hotfix of a release that ran in production; and above every release it contains.
    func checkReleasePlace(_ update: Update, name: String, state: inout PushState) throws(RelflowError) -> [Refusal] {
        guard let new = update.new, let version = config.tags.version(ofTag: name) else { return [] }
        let commit = try git { () throws(GitError) in try repository.resolveCommit(new.hex) }
        let index = try state.releaseIndex()
        let ancestry = Ancestry(repository)
        // Versions only go up along history.
        let below = try git { () throws(GitError) in try ancestry.reach(from: commit) }
        if let higher = try index.highest(in: below, exact: true, where: { $0.name != name && !($0.version < version) }) {
            return [Refusal(ref: update.ref, rule: "tag-version",
                            message: "\(name) does not increase on \(higher.name), which its commit already contains",
                            fix: "release with relflow release, which picks the next version")]
        }
        if let mainTip = try state.mainAfterPush(), try git({ () throws(GitError) in try ancestry.reach(from: mainTip).containsExactly(commit) }) { return [] }
        // A hotfix: a patch of a release that ran in production, on top of it.
        var bases: [ReleaseTag] = []
        for base in index.tags where base.version.major == version.major && base.version.minor == version.minor && base.version < version {
            if try state.wasInProduction(base.commit) { bases.append(base) }
        }
        for base in bases where try git({ () throws(GitError) in try repository.isAncestor(base.commit, of: commit) }) {
            let problem = try hotfixCommitsProblem(from: base.commit, to: commit)
            if let problem {
                return [Refusal(ref: update.ref, rule: "hotfix-type", message: "\(name) is off \(config.branches.main), so it must be a hotfix of \(base.name), but \(problem)",
                                fix: "features and breaking changes go through a normal release from \(config.branches.main)")]
            }
            return []
        }
        return [Refusal(ref: update.ref, rule: "tag-place",
                        message: "\(name) is neither on \(config.branches.main) nor a hotfix of a release that ran in production",
                        fix: "release from \(config.branches.main) with relflow release, or fix production with relflow hotfix start / finish")]
    }

    /// Why the commits between a release and a hotfix tip are not a hotfix, nil when they are:
    /// only the hotfix types, nothing breaking, no merges (a merge could bring anything).
    func hotfixCommitsProblem(from base: ObjectID, to tip: ObjectID) throws(RelflowError) -> String? {
        let ids = try git { () throws(GitError) in try Ancestry(repository).commits(from: [tip], excluding: [base]) }
        let allowed = config.hotfix.allowedTypes
        for id in ids {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            if commit.isMerge { return "\(id.short()) is a merge" }
            let parsed = ConventionalCommitParser.parse(commit.message, keepBody: false)
            guard let cc = parsed.commit, allowed.contains(cc.normalizedType), !cc.isBreaking else {
                return "\(id.short()) '\(commit.summary)' is not an allowed hotfix commit (\(allowed.joined(separator: ", ")), never breaking)"
            }
        }
        return nil
    }

    // MARK: - publish

    func checkPublish(_ update: Update, state: inout PushState) throws(RelflowError) -> [Refusal] {
        let name = config.branches.publish
        let envName = config.activeEnvironment ?? config.production.name
        let ref = update.ref
        guard let new = update.new else {
            return [Refusal(ref: ref, rule: "publish-delete", message: "\(name) may not be deleted: it is what runs in \(envName)",
                            fix: "to go back to an earlier release use relflow rollback")]
        }
        guard let newCommit = try? repository.resolveCommit(new.hex), newCommit == new else {
            return [Refusal(ref: ref, rule: "publish-untagged", message: "\(name) must point at a commit", fix: "promote a release: relflow promote --push")]
        }
        let old = update.old
        // The move must be recorded by an entry of this very push, for exactly this move.
        let recorded = state.newEntries.last { entry in
            [.promote, .rollback].contains(entry.event) && entry.commit == new.hex && entry.previous == old?.hex
                && config.entry(entry, isFor: envName)
        }
        guard let entry = recorded else {
            return [Refusal(ref: ref, rule: "publish-unrecorded",
                            message: "no new ledger entry in this push records moving \(name) from \(old?.short() ?? "nothing") to \(new.short())",
                            fix: "move \(name) only with relflow promote --push or relflow rollback --push (they record the move and push both)")]
        }
        guard let tagName = entry.tag, let tag = try state.releaseTag(named: tagName), tag.commit == new,
              entry.tagObject == nil || entry.tagObject == tag.target.hex else {
            return [Refusal(ref: ref, rule: "publish-untagged",
                            message: "\(name) may only point at a release, and the entry's tag \(entry.tag ?? "(none)") is not a release tag on \(new.short()) (\(config.tags.pattern))",
                            fix: "release it first (relflow release), then relflow promote --push")]
        }
        guard let old else {
            // Creating publish: the first setting up (relflow init), once.
            if try state.find({ [.promote, .rollback, .hotfixFinish].contains($0.event) && $0.previous != nil && config.entry($0, isFor: envName) }) != nil {
                return [Refusal(ref: ref, rule: "publish-recreate", message: "\(name) was deleted or never pushed, but the ledger shows it moved before",
                                fix: "ask the server's administrator to restore \(name) from the ledger's last promote")]
            }
            // Setting up: relflow init records the position it found, trusted once, and only
            // for an environment nothing comes before (a chain's later environments are reached
            // through it, whatever an entry says). Any other first promotion passes the chain
            // and the gate like every later one.
            let isFirst = config.environment(named: envName).map { config.predecessor(of: $0) == nil } ?? true
            if entry.event == .promote && entry.details["gate"] == "init" && isFirst { return [] }
            return try judgeChain(ref: ref, tag: tag, entry: entry, from: nil, state: &state)
                + (try judgeGate(ref: ref, tag: tag, entry: entry, from: nil, state: &state))
        }
        let forward = try git { () throws(GitError) in try repository.isAncestor(old, of: new) }
        if forward {
            guard entry.event == .promote else {
                return [Refusal(ref: ref, rule: "publish-unrecorded", message: "a forward move of \(name) is a promotion, but the entry says \(entry.event.rawValue)",
                                fix: "use relflow promote --push")]
            }
            return try judgeChain(ref: ref, tag: tag, entry: entry, from: old, state: &state)
                + (try judgeGate(ref: ref, tag: tag, entry: entry, from: old, state: &state))
        }
        if entry.event == .promote, envName != config.production.name {
            // A hotfix taken sideways by an environment before production (it runs a newer
            // release): only a real hotfix of what production runs, through the chain and gate.
            let production = try git { () throws(GitError) in try repository.reference("refs/heads/" + config.production.branch) }
            if let production, try isHotfix(tag, entry: entry, from: production, state: &state) {
                return try judgeChain(ref: ref, tag: tag, entry: entry, from: production, state: &state)
                    + (try judgeGate(ref: ref, tag: tag, entry: entry, from: old, state: &state))
            }
        }
        guard entry.event == .rollback else {
            return [Refusal(ref: ref, rule: "publish-non-fast-forward",
                            message: "\(name) moves from \(old.short()) to \(new.short()), which is not forward, and the entry records a \(entry.event.rawValue), not a rollback",
                            fix: "go back with relflow rollback TAG --push (it records the move in the ledger and pushes both)")]
        }
        // A rollback goes back to where the environment was before, as the server itself saw it.
        guard try state.wasIn(environment: config.environment(named: envName) ?? config.production, new) else {
            return [Refusal(ref: ref, rule: "rollback-target",
                            message: "\(tag.name) (\(new.short())) was never on \(name) according to the server's ledger; a rollback only returns to an earlier release of \(envName)",
                            fix: "roll back to a release that ran in production (relflow history lists them), or promote it through the gate")]
        }
        return []
    }

    /// Whether a promotion is the hotfix its entry says: a patch of the release at `old`, made
    /// of fixes only. (The entry's word alone proves nothing.)
    func isHotfix(_ tag: ReleaseTag, entry: LedgerEntry, from old: ObjectID?, state: inout PushState) throws(RelflowError) -> Bool {
        guard entry.details["gate"] == "hotfix", let old, let current = try state.releaseTag(atCommit: old) else { return false }
        let patch = tag.version.major == current.version.major && tag.version.minor == current.version.minor
            && tag.version.patch > current.version.patch && !tag.version.isPrerelease
        guard patch else { return false }
        return try hotfixCommitsProblem(from: old, to: tag.commit) == nil
    }

    /// The environment before this one must have passed the release (delivered, healthy,
    /// soaked), as the ledger records it: the pushed entries and the server's own.
    func judgeChain(ref: String, tag: ReleaseTag, entry: LedgerEntry, from old: ObjectID?, state: inout PushState) throws(RelflowError) -> [Refusal] {
        let envName = config.activeEnvironment ?? config.production.name
        guard let env = config.environment(named: envName), config.predecessor(of: env) != nil else { return [] }
        // Entries about a release come after its release entry: read back to there.
        // Each entry counts from when this server received it, and an entry of this very push
        // (or one the server has no receipt of) from now: a backdated delivery or health
        // result cannot make a soak time pass.
        let received = store.receipts()
        var entries: [LedgerEntry] = []
        try state.forEachExistingCommit { id, e in
            var e = e
            let at = received[id.hex] ?? now
            if at > e.timestamp { e.timestamp = at }
            entries.append(e)
            return !(e.event == .release && e.tag == tag.name)
        }
        entries.reverse()
        entries += state.newEntries.filter { $0 != entry }.map { e in
            var e = e
            e.timestamp = max(e.timestamp, now)
            return e
        }
        let passage = EnvironmentChain.passage(of: tag.name, into: env, config: config, entries: entries, now: now,
                                               hotfix: try isHotfix(tag, entry: entry, from: old, state: &state))
        guard passage.passed else {
            return [Refusal(ref: ref, rule: "environment-chain",
                            message: "\(tag.name) cannot go to \(envName) yet: \(passage.reason)",
                            fix: passage.readyAt.map { "wait until \(isoDateTime($0)), then promote again" }
                                ?? "promote it through the environment before first (relflow promote --to \(config.predecessor(of: env)?.name ?? "") \(tag.name) --push)")]
        }
        return []
    }

    /// The gate, recomputed by the server from its own policy: the paths between the two
    /// trees (symlinks, submodules and mode changes judged by what they are), approvals from
    /// the checked ledger by someone other than the tagger, and the delay from when this server
    /// first received the tag.
    func judgeGate(ref: String, tag: ReleaseTag, entry: LedgerEntry, from old: ObjectID?, state: inout PushState) throws(RelflowError) -> [Refusal] {
        let (paths, special) = try GateService.changedPathKinds(repository, config: config, from: old, to: tag.commit)
        if let bad = GatePolicy.unsafePath(in: paths) {
            return [Refusal(ref: ref, rule: "tree-path",
                            message: "\(tag.name) holds the path '\(bad)', which git cannot check out and no gate can judge by its name",
                            fix: "rebuild the tree with git's own commands; set receive.fsckObjects = true on this server to refuse such objects at once")]
        }
        let annotated = try tag.annotated(in: repository)
        let commit = try git { () throws(GitError) in try repository.commit(tag.commit) }
        // Whoever released it: the tagger (the committer, for a tag that is no tag object) and,
        // below, the actor of its release entry. None of their approvals counts.
        var releasers = [annotated.tagger?.email ?? commit.committer.email]
        var unidentifiedReleaser = false
        var approvals: [(id: ObjectID, entry: LedgerEntry)] = []
        var release: (id: ObjectID, entry: LedgerEntry)?
        for (id, e) in zip(state.newEntryIDs, state.newEntries) where e.tag == tag.name && e.tagObject == tag.target.hex {
            if e.event == .approve { approvals.append((id, e)) }
            if e.event == .release { release = (id, e) }
        }
        try state.forEachExistingCommit { id, e in
            if e.tag == tag.name && e.tagObject == tag.target.hex {
                if e.event == .approve { approvals.append((id, e)) }
                if e.event == .release && release == nil { release = (id, e) }
            }
            // Approvals come after their release: stop there.
            return !(e.event == .release && e.tag == tag.name)
        }
        var approvers = approvals.map(\.entry.actor.email)
        if let policy = state.trust?.current?.policy {
            // Four-eyes by keys: an approval counts only when it is signed by someone with the
            // approve role, and never when that person signed the release.
            approvers = approvals.filter { signatureProblem(of: $0.id, entry: $0.entry, policy: policy, version: policy.version) == nil }
                .map(\.entry.actor.email)
            if let release, signatureProblem(of: release.id, entry: release.entry, policy: policy, version: policy.version) == nil {
                releasers = [release.entry.actor.email]
            } else {
                // Nothing proves who released it (made before the policy, or by a key since
                // revoked): the tagger's name proves nothing, so any approver might be the
                // releaser, and one more approval than the policy asks for is needed.
                releasers = []
                unidentifiedReleaser = true
            }
        } else if let release {
            // Names only, but a release entry's actor approving it is a self-approval too (a
            // tag that is no tag object has no tagger, and a commit's committer is anyone).
            releasers.append(release.entry.actor.email)
        }
        // A hotfix (no delay; approvals as [gate] hotfix says) only when it is one: a patch of
        // the release production runs now.
        let hotfix = try isHotfix(tag, entry: entry, from: old, state: &state)
        let receivedAt = store.receipts()[tag.target.hex] ?? now
        // Under a signed policy its gate rules (approvals, auto paths) are the ones in force.
        var rules = config.gate
        if let signed = state.trust?.current?.policy.gate {
            rules.approvals = signed.approvals
            rules.autoPaths = signed.autoPaths
        }
        if unidentifiedReleaser { rules.approvals += 1 }
        let decision = GatePolicy.decide(changedPaths: paths, specialPaths: special, rules: rules, approvers: approvers,
                                         releasers: releasers, tagTime: receivedAt, now: now, hotfix: hotfix)
        // Without a signed policy, approvals are names anyone can write: let go, but said.
        if decision.allowed, state.trust?.current == nil, !approvers.isEmpty, rules.approvals > 0 {
            state.notes.append("\(tag.name) went out on the approval of \(approvers.joined(separator: ", ")): names this server cannot verify, as it has no signed policy (relflow policy init; see docs/threat-model.md)")
        }
        guard decision.allowed else {
            let fix = decision.kind == .auto ? "" : "have someone other than the tagger and the releaser run relflow approve \(tag.name) --push, then promote again"
            return [Refusal(ref: ref, rule: "gate",
                            message: "the server's gate holds \(tag.name): \(decision.reason) (paths outside the auto set: \(decision.decidingPaths.prefix(5).joined(separator: ", "))\(decision.decidingPaths.count > 5 ? ", …" : ""))",
                            fix: fix.isEmpty ? "wait, then promote again" : fix)]
        }
        return []
    }

    // MARK: - Hotfix branches

    func checkHotfix(_ update: Update, state: inout PushState) throws(RelflowError) -> [Refusal] {
        guard let new = update.new else { return [] }
        let ref = update.ref
        let branch = String(ref.dropFirst("refs/heads/".count))
        guard let version = SemVer(String(ref.dropFirst(hotfixPrefix.count))) else {
            return [Refusal(ref: ref, rule: "hotfix-name", message: "\(branch) is not named \(config.hotfix.branchPrefix)<version>",
                            fix: "start hotfixes with relflow hotfix start")]
        }
        let tip = try git { () throws(GitError) in try repository.resolveCommit(new.hex) }
        // Its base: the highest release of the same line below it that the branch contains.
        let index = try ReleaseTagIndex.read(repository, prefixes: config.tags.prefixes)
        let reach = try git { () throws(GitError) in try Ancestry(repository).reach(from: tip) }
        let line = index.tags.filter { $0.version < version && $0.version.major == version.major && $0.version.minor == version.minor }
        guard let base = try index.highest(in: reach, exact: true, where: { tag in line.contains { $0.name == tag.name } }) else {
            return [Refusal(ref: ref, rule: "hotfix-base", message: "\(branch) does not start at a release tag of \(version.major).\(version.minor)",
                            fix: "start it from the production tag: relflow hotfix start")]
        }
        // The base must be a release that ran in production.
        guard try state.wasInProduction(base.commit) else {
            return [Refusal(ref: ref, rule: "hotfix-base", message: "\(branch) starts at \(base.name), which never ran in production; a hotfix fixes what production runs",
                            fix: "start it from the production tag: relflow hotfix start")]
        }
        // No commit of main after the tag, judged against main as this push leaves it.
        if let mainTip = try state.mainAfterPush(), try HotfixRules.containsMainCommits(repository, tip: tip, base: base.commit, mainTip: mainTip) {
            return [Refusal(ref: ref, rule: "hotfix-main-commits",
                            message: "\(branch) contains commits of \(config.branches.main) made after \(base.name)",
                            fix: "keep only the fixes: git rebase --onto \(base.name) \(config.branches.main) \(branch)")]
        }
        // Every commit since its release: the hotfix types, nothing breaking, no merge.
        if let problem = try hotfixCommitsProblem(from: base.commit, to: tip) {
            return [Refusal(ref: ref, rule: "hotfix-type", message: "\(branch): \(problem)",
                            fix: "features and breaking changes go through a normal release from \(config.branches.main); drop it: git rebase -i \(base.name)")]
        }
        return []
    }
}

/// What one push brings and what the server already holds, read lazily and once.
struct PushState {
    let guardian: ServerGuard
    let updates: [PushPolicy.Update]
    /// The entries this push adds, oldest first, each checked strictly.
    var newEntries: [LedgerEntry] = []
    /// The signed policy as this push leaves it, nil when the repository has none.
    var trust: TrustChain?
    /// Said to the pusher when the push goes in.
    var notes: [String] = []
    private var existing: [LedgerEntry] = []
    /// The ledger commit of each entry read, by position (the same order as `existing`).
    private(set) var existingIDs: [ObjectID] = []
    /// The ledger commits of `newEntries`, in the same order.
    var newEntryIDs: [ObjectID] = []
    private var cursor: ObjectID?
    private var started = false
    private var index: ReleaseTagIndex?

    init(guardian: ServerGuard, updates: [PushPolicy.Update]) {
        self.guardian = guardian
        self.updates = updates
    }

    var repository: Repository { guardian.repository }

    /// Calls `body` with the server's existing entries, newest first, reading further back only
    /// while `body` returns true.
    mutating func forEachExisting(_ body: (LedgerEntry) throws(RelflowError) -> Bool) throws(RelflowError) {
        try forEachExistingCommit { _, entry throws(RelflowError) in try body(entry) }
    }

    /// The same, with each entry's ledger commit.
    mutating func forEachExistingCommit(_ body: (ObjectID, LedgerEntry) throws(RelflowError) -> Bool) throws(RelflowError) {
        if !started {
            started = true
            cursor = try git { () throws(GitError) in try repository.reference(Ledger.reference) }
        }
        for (id, entry) in zip(existingIDs, existing) where try !body(id, entry) { return }
        while let id = cursor {
            let commit = try git { () throws(GitError) in try repository.commit(id) }
            cursor = commit.parents.first
            guard let entry = Ledger.decode(commit).entry else { continue }
            existing.append(entry)
            existingIDs.append(commit.id)
            if try !body(commit.id, entry) { return }
        }
    }

    mutating func findExisting(_ match: (LedgerEntry) -> Bool) throws(RelflowError) -> LedgerEntry? {
        var found: LedgerEntry?
        try forEachExisting { entry in
            if match(entry) { found = entry; return false }
            return true
        }
        return found
    }

    /// A matching entry of this push, else of the server's ledger.
    mutating func find(_ match: (LedgerEntry) -> Bool) throws(RelflowError) -> LedgerEntry? {
        if let entry = newEntries.last(where: match) { return entry }
        return try findExisting(match)
    }

    /// A release tag as it stands after this push: pushed, else already on the server.
    mutating func releaseTag(named name: String) throws(RelflowError) -> ReleaseTag? {
        guard let version = guardian.config.tags.version(ofTag: name) else { return nil }
        let ref = "refs/tags/" + name
        let target: ObjectID?
        if let pushed = updates.first(where: { $0.ref == ref }) {
            target = pushed.new
        } else {
            target = try git { () throws(GitError) in try repository.reference(ref) }
        }
        guard let target, let commit = try? repository.resolveCommit(target.hex) else { return nil }
        let annotation = try git { () throws(GitError) in try repository.annotation(of: target) }
        return ReleaseTag(name: name, version: version, commit: commit, target: target, isAnnotated: annotation != nil,
                          tagger: annotation?.tagger, message: annotation?.message)
    }

    /// Where `main` stands once this push is in.
    func mainAfterPush() throws(RelflowError) -> ObjectID? {
        if let pushed = updates.first(where: { $0.ref == guardian.mainRef }) { return pushed.new }
        return try git { () throws(GitError) in try repository.reference(guardian.mainRef) }
    }

    /// Whether `publish` has been at `commit` on this server: the one rule for rollback targets,
    /// hotfix bases and hotfix tags. The server's own publish log when it has one (written only
    /// after git accepted a move); a server installed before the log existed falls back on its
    /// checked ledger. Where publish is now always counts.
    /// Whether `env`'s branch has been at `commit`: production as `wasInProduction`; another
    /// environment by where its branch is and by the server's checked ledger.
    mutating func wasIn(environment env: RelflowConfig.Environment, _ commit: ObjectID) throws(RelflowError) -> Bool {
        let config = guardian.config
        if env.name == config.production.name { return try wasInProduction(commit) }
        if try git({ () throws(GitError) in try repository.reference("refs/heads/" + env.branch) }) == commit { return true }
        return try findExisting { [.promote, .rollback].contains($0.event) && $0.commit == commit.hex && config.entry($0, isFor: env.name) } != nil
    }

    mutating func wasInProduction(_ commit: ObjectID) throws(RelflowError) -> Bool {
        let store = guardian.store
        if try git({ () throws(GitError) in try repository.reference(guardian.publishRef) }) == commit { return true }
        if fileExists(store.publishLogPath) { return store.publishLog().contains(commit.hex) }
        let config = guardian.config
        let production = config.production.name
        return try findExisting { [.promote, .rollback].contains($0.event) && $0.commit == commit.hex && config.entry($0, isFor: production) } != nil
    }

    /// The server's release tags (before this push), read once.
    mutating func releaseIndex() throws(RelflowError) -> ReleaseTagIndex {
        if let index { return index }
        let read = try ReleaseTagIndex.read(repository, prefixes: guardian.config.tags.prefixes)
        index = read
        return read
    }

    /// The highest release tag on `commit` among the server's tags.
    mutating func releaseTag(atCommit commit: ObjectID) throws(RelflowError) -> ReleaseTag? {
        try releaseIndex().tags.first { $0.commit == commit }
    }
}
