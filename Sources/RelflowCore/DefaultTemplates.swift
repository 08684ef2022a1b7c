// The default templates, compiled in so that an installed relflow needs no source tree.
// Generated from templates/ by `make templates`; a test keeps the two equal.

public enum DefaultTemplates {
    public static let changelogMarkdown = """
    {{% CONTENT_TYPE: TEXT }}
    {{#header}}
    # Changelog

    All notable changes to this project are documented in this file. It is written by
    relflow from the project's Conventional Commits.

    {{/header}}
    {{#releases}}
    ## {{#compareUrl}}[{{title}}]({{compareUrl}}){{/compareUrl}}{{^compareUrl}}{{title}}{{/compareUrl}}{{#date}} - {{date}}{{/date}}

    {{#hasBreaking}}
    ### ⚠ Breaking Changes

    {{#breaking}}
    - {{#scope}}**{{scope}}:** {{/scope}}{{description}}
    {{#notes}}
      {{{.}}}
    {{/notes}}
    {{/breaking}}

    {{/hasBreaking}}
    {{#groups}}
    ### {{title}}

    {{#commits}}
    - {{#breaking}}**BREAKING** {{/breaking}}{{#scope}}**{{scope}}:** {{/scope}}{{description}} ({{#url}}[{{shortId}}]({{url}}){{/url}}{{^url}}{{shortId}}{{/url}}){{#hasIssues}}, closes {{#issues}}{{#url}}[#{{number}}]({{url}}){{/url}}{{^url}}#{{number}}{{/url}}{{^last()}} {{/last()}}{{/issues}}{{/hasIssues}}{{#hasRefs}}, refs {{#refs}}{{.}}{{^last()}}, {{/last()}}{{/refs}}{{/hasRefs}}
    {{/commits}}

    {{/groups}}
    {{#empty}}
    No notable changes.

    {{/empty}}
    {{#hasContributors}}
    Contributors: {{#contributors}}{{name}}{{^last()}}, {{/last()}}{{/contributors}}

    {{/hasContributors}}
    {{/releases}}

    """

    public static let changelogHTML = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{projectTitle}}</title>
    <style>
    body { font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
    h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
    h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
    h2 small { font-weight: normal; color: #57606a; }
    .breaking { background: #fff5f5; border-left: 4px solid #cf222e; padding: .25rem 1rem; }
    .note { color: #57606a; white-space: pre-wrap; }
    code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 85%; }
    .scope { font-weight: 600; }
    .contributors { color: #57606a; }
    </style>
    </head>
    <body>
    <h1>{{projectTitle}}</h1>
    {{#releases}}
    <section class="release">
    <h2>{{#compareUrl}}<a href="{{compareUrl}}">{{title}}</a>{{/compareUrl}}{{^compareUrl}}{{title}}{{/compareUrl}}{{#date}} <small>{{date}}</small>{{/date}}</h2>
    {{#hasBreaking}}
    <div class="breaking">
    <h3>⚠ Breaking Changes</h3>
    <ul>
    {{#breaking}}
    <li>{{#scope}}<span class="scope">{{scope}}:</span> {{/scope}}{{description}}{{#notes}}<div class="note">{{.}}</div>{{/notes}}</li>
    {{/breaking}}
    </ul>
    </div>
    {{/hasBreaking}}
    {{#groups}}
    <h3>{{title}}</h3>
    <ul>
    {{#commits}}
    <li>{{#breaking}}<strong>BREAKING</strong> {{/breaking}}{{#scope}}<span class="scope">{{scope}}:</span> {{/scope}}{{description}} ({{#url}}<a class="hash" href="{{url}}">{{shortId}}</a>{{/url}}{{^url}}<span class="hash">{{shortId}}</span>{{/url}}){{#hasIssues}}, closes {{#issues}}{{#url}}<a href="{{url}}">#{{number}}</a>{{/url}}{{^url}}#{{number}}{{/url}}{{^last()}} {{/last()}}{{/issues}}{{/hasIssues}}{{#hasRefs}}, refs {{#refs}}{{.}}{{^last()}}, {{/last()}}{{/refs}}{{/hasRefs}}</li>
    {{/commits}}
    </ul>
    {{/groups}}
    {{#empty}}
    <p>No notable changes.</p>
    {{/empty}}
    {{#hasContributors}}
    <p class="contributors">Contributors: {{#contributors}}{{name}}{{^last()}}, {{/last()}}{{/contributors}}</p>
    {{/hasContributors}}
    </section>
    {{/releases}}
    </body>
    </html>

    """

    public static let relflowToml = """
    # .relflow.toml — relflow's configuration. Every key is optional; the values shown are the
    # defaults. Durations are written "90s", "30m", "24h", "7d".

    [branches]
    # The integration branch: every commit on it is a Conventional Commit.
    main = "main"
    # The deployed branch: it only ever points at a release tag.
    publish = "publish"

    [tags]
    # Release tags are <prefix><semver>, e.g. v1.4.0 or v1.4.0-rc.1. A list, e.g. ["v", ""], reads
    # every style a project has used (new tags take the first).
    prefix = "v"
    # Sign release tags: "none", "gpg" or "ssh" (through your own gpg / ssh-keygen).
    sign = "none"

    [commits]
    # Allowed types, in changelog order, with their group titles. hidden = true keeps a type
    # out of changelogs (it is still linted).
    types = [
      { type = "feat", title = "Features" },
      { type = "fix", title = "Bug Fixes" },
      { type = "perf", title = "Performance" },
      { type = "revert", title = "Reverts" },
      { type = "docs", title = "Documentation" },
      { type = "refactor", title = "Refactoring" },
      { type = "build", title = "Build", hidden = true },
      { type = "ci", title = "Continuous Integration", hidden = true },
      { type = "test", title = "Tests", hidden = true },
      { type = "style", title = "Style", hidden = true },
      { type = "chore", title = "Miscellaneous", hidden = true },
    ]
    # Types that make a release: feat bumps the minor version, the others the patch version.
    # A breaking change ("!" or a BREAKING CHANGE footer) bumps the major version.
    releasable = ["feat", "fix", "perf"]
    # Accept messages that are not Conventional Commits in `relflow lint`.
    allow_non_conventional = false
    # Where non-conventional commits go in changelogs: "other" (a group) or "drop".
    non_conventional = "other"
    other_title = "Other"
    # The longest header (first line) allowed.
    max_subject_length = 100
    # Allowed scopes; empty allows any. require_scope = true makes one mandatory.
    scopes = []
    require_scope = false
    # A breaking change must explain itself in a BREAKING CHANGE footer or the body.
    require_body_for_breaking = false
    # Types match whatever their case (Conventional Commits 1.0.0, item 15): Feat is feat.
    # "warn": other spellings pass with a warning; "lower": they are refused; "any": silent.
    type_case = "warn"

    [version]
    # The first version, when there is no release tag yet.
    initial = "0.1.0"
    # What a breaking change bumps while the major version is 0: "minor" or "major".
    breaking_in_zero = "minor"

    [changelog]
    file = "CHANGELOG.md"
    # A Mustache template replacing the default changelog.md.
    # template = "docs/changelog.mustache"
    include_merges = false
    # Base URL for links, overriding what remote.origin.url says.
    # remote = "https://github.com/example/project"
    # A final release lists the commits of its pre-releases too.
    prereleases_in_final = true

    [gate]
    # Changes only inside these globs go out at once ("auto"); anything else waits for review.
    auto_paths = []
    # Recorded approvals (`relflow approve TAG`) a review release needs.
    approvals = 1
    # The approver must not be the tagger (four-eyes).
    distinct_approver = true
    # A review release with too few approvals may go once its tag is this old; unset: never.
    # delay = "24h"
    # Hotfixes: "same" (the release rules without the delay) or "auto".
    hotfix = "same"
    # A symlink, a submodule or a mode change under auto_paths still needs review unless true.
    auto_special = false

    [server]
    # Read only from a server's own policy (relflow hooks install --server --policy FILE).
    # How far ahead of the server's clock a pushed ledger entry may be dated.
    clock_skew = "5m"
    # How old a ledger entry may be when it reaches the server.
    max_entry_age = "7d"
    # How many ledger entries one push may add.
    max_entries_per_push = 1000

    [hotfix]
    branch_prefix = "hotfix/"
    # Types a hotfix may hold; never feat, never breaking.
    allowed_types = ["fix", "perf", "revert", "docs", "test", "build", "ci", "chore"]
    # How the fix goes back to main: "merge" (of the hotfix tag) or "cherry-pick".
    backport = "merge"

    [publisher]
    # Your own deploy command, run as argv (never through a shell) after publish moves.
    command = []
    timeout = "30m"
    environment = "production"

    # Environments a release goes through, in order (the last is production, on [branches]
    # publish). Without any, there is one: production, with [gate] and [publisher] above.
    # [[environments]]
    # name = "staging"                     # its branch: publish-staging unless `branch` says
    # auto_paths = ["**"]                  # its own gate: auto_paths, approvals, delay, ...
    # approvals = 0
    # publisher = ["./scripts/deploy", "--staging"]
    # health = ["./scripts/health", "https://staging.example.com"]
    # health_timeout = "2m"
    # health_retries = 2
    # health_interval = "15s"
    # on_unhealthy = "hold"                # or "rollback": back to what ran before
    #
    # [[environments]]
    # name = "production"
    # soak = "24h"                         # delivered and healthy in staging that long first
    # hotfix_skips_soak = true             # a hotfix waits for no soak (never for health)
    # health = ["./scripts/health", "https://example.com"]
    # on_unhealthy = "rollback"

    # Who hears about each step: a webhook (JSON POST with a Slack-compatible "text") or a
    # command (argv; the event as JSON on stdin, the release notes in RELFLOW_NOTES_FILE).
    # [[notify]]
    # events = ["release", "promote", "deliver", "health", "rollback", "hotfix", "approve"]
    # url = "https://hooks.slack.com/services/..."
    # timeout = "10s"

    [notice]
    # A line for the shipping notice, e.g. where to try the release early.
    # early_access = "Try it on https://staging.example.com before it ships."
    # The weekday releases usually ship on, e.g. "tuesday".
    # expected = "tuesday"

    [bom]
    # Extra lock files or manifests to read, besides the ones relflow finds itself.
    paths = []

    """

    public static let noticeMarkdown = """
    {{% CONTENT_TYPE: TEXT }}
    # {{project}}: {{headline}}

    - **In production:** {{production}}
    - **Upcoming:** {{upcoming}}
    - **Expected:** {{expected}}
    {{#hasEnvironments}}{{#environments}}  - {{name}}: {{text}}
    {{/environments}}{{/hasEnvironments}}- **Gate:** {{gate}}
    {{#hasGatePaths}}
    - **Paths outside the auto set:** {{#gatePaths}}`{{.}}`{{^last()}}, {{/last()}}{{/gatePaths}}
    {{/hasGatePaths}}

    {{#hasBreaking}}
    ## ⚠ Breaking changes

    {{#breaking}}
    - {{#scope}}**{{scope}}:** {{/scope}}{{description}}
    {{#notes}}
      {{.}}
    {{/notes}}
    {{/breaking}}

    {{/hasBreaking}}
    {{#hasGroups}}
    ## What changes

    {{#groups}}
    ### {{title}}

    {{#commits}}
    - {{#scope}}**{{scope}}:** {{/scope}}{{description}} ({{#url}}[{{shortId}}]({{url}}){{/url}}{{^url}}{{shortId}}{{/url}}){{#hasIssues}}, closes {{#issues}}{{#url}}[#{{number}}]({{url}}){{/url}}{{^url}}#{{number}}{{/url}}{{^last()}} {{/last()}}{{/issues}}{{/hasIssues}}{{#hasRefs}}, refs {{#refs}}{{.}}{{^last()}}, {{/last()}}{{/refs}}{{/hasRefs}}
    {{/commits}}

    {{/groups}}
    {{/hasGroups}}
    {{^hasGroups}}
    Nothing to ship: main holds nothing beyond production.

    {{/hasGroups}}
    {{#hasDependencies}}
    ## Dependency changes

    {{#dependencies}}
    - {{.}}
    {{/dependencies}}

    {{/hasDependencies}}
    {{#earlyAccess}}
    ## Early access

    {{earlyAccess}}

    {{/earlyAccess}}
    {{#hasContributors}}
    Contributors: {{#contributors}}{{name}}{{^last()}}, {{/last()}}{{/contributors}}
    {{/hasContributors}}

    """

    public static let noticeHTML = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{project}}: {{headline}}</title>
    </head>
    <body style="font: 15px/1.5 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2328; max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem;">
    <h1 style="font-size: 1.5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem;">{{project}}: {{headline}}</h1>
    <table style="border-collapse: collapse; margin: .5rem 0 1rem;">
    <tr><td style="padding: 2px 12px 2px 0; color: #57606a;">In production</td><td>{{production}}</td></tr>
    <tr><td style="padding: 2px 12px 2px 0; color: #57606a;">Upcoming</td><td>{{upcoming}}</td></tr>
    <tr><td style="padding: 2px 12px 2px 0; color: #57606a;">Expected</td><td>{{expected}}{{#hasEnvironments}}<ul style="margin: 4px 0 0 0; padding-left: 18px;">{{#environments}}<li><strong>{{name}}</strong>: {{text}}</li>{{/environments}}</ul>{{/hasEnvironments}}</td></tr>
    <tr><td style="padding: 2px 12px 2px 0; color: #57606a;">Gate</td><td>{{gate}}</td></tr>
    {{#hasGatePaths}}
    <tr><td style="padding: 2px 12px 2px 0; color: #57606a;">Outside the auto set</td><td>{{#gatePaths}}<code>{{.}}</code>{{^last()}}, {{/last()}}{{/gatePaths}}</td></tr>
    {{/hasGatePaths}}
    </table>
    {{#hasBreaking}}
    <div style="background: #fff5f5; border-left: 4px solid #cf222e; padding: .25rem 1rem; margin: 1rem 0;">
    <h2 style="font-size: 1.2rem;">⚠ Breaking changes</h2>
    <ul>
    {{#breaking}}
    <li>{{#scope}}<strong>{{scope}}:</strong> {{/scope}}{{description}}{{#notes}}<div style="color: #57606a; white-space: pre-wrap;">{{.}}</div>{{/notes}}</li>
    {{/breaking}}
    </ul>
    </div>
    {{/hasBreaking}}
    {{#hasGroups}}
    <h2 style="font-size: 1.2rem;">What changes</h2>
    {{#groups}}
    <h3 style="font-size: 1rem;">{{title}}</h3>
    <ul>
    {{#commits}}
    <li>{{#scope}}<strong>{{scope}}:</strong> {{/scope}}{{description}} {{#url}}<a href="{{url}}"><code>{{shortId}}</code></a>{{/url}}{{^url}}<code>{{shortId}}</code>{{/url}}{{#hasIssues}}, closes {{#issues}}{{#url}}<a href="{{url}}">#{{number}}</a>{{/url}}{{^url}}#{{number}}{{/url}}{{^last()}} {{/last()}}{{/issues}}{{/hasIssues}}{{#hasRefs}}, refs {{#refs}}{{.}}{{^last()}}, {{/last()}}{{/refs}}{{/hasRefs}}</li>
    {{/commits}}
    </ul>
    {{/groups}}
    {{/hasGroups}}
    {{^hasGroups}}
    <p>Nothing to ship: main holds nothing beyond production.</p>
    {{/hasGroups}}
    {{#hasDependencies}}
    <h2 style="font-size: 1.2rem;">Dependency changes</h2>
    <ul>
    {{#dependencies}}
    <li>{{.}}</li>
    {{/dependencies}}
    </ul>
    {{/hasDependencies}}
    {{#earlyAccess}}
    <h2 style="font-size: 1.2rem;">Early access</h2>
    <p>{{earlyAccess}}</p>
    {{/earlyAccess}}
    {{#hasContributors}}
    <p style="color: #57606a;">Contributors: {{#contributors}}{{name}}{{^last()}}, {{/last()}}{{/contributors}}</p>
    {{/hasContributors}}
    </body>
    </html>

    """

    public static let hookCommitMsg = """
    #!/bin/sh
    # relflow-hook-shim: commit-msg
    # Lints the commit message before git records the commit. All logic lives in relflow
    # (`relflow hook commit-msg`); `relflow hooks install` put this file here.
    # A hook that was here before relflow is kept as commit-msg.relflow-chained and runs first.
    relflow_bin=${RELFLOW_BIN:-relflow}
    command -v "$relflow_bin" >/dev/null 2>&1 || relflow_bin=relflow
    chained="$(dirname "$0")/commit-msg.relflow-chained"
    if [ -x "$chained" ]; then
        "$chained" "$@" || exit $?
    fi
    if ! command -v "$relflow_bin" >/dev/null 2>&1; then
        echo "relflow: cannot find the relflow command; install it (make install) or set RELFLOW_BIN" >&2
        exit 1
    fi
    exec "$relflow_bin" hook commit-msg "$@"

    """

    public static let hookPrePush = #"""
    #!/bin/sh
    # relflow-hook-shim: pre-push
    # Refuses a push that would put anything but a recorded release on publish, move or delete a
    # release tag, rewrite the ledger, or base a hotfix branch elsewhere than on a release tag.
    # All logic lives in relflow (`relflow hook pre-push`); `relflow hooks install` put this file
    # here. A hook that was here before relflow is kept as pre-push.relflow-chained and runs first.
    relflow_bin=${RELFLOW_BIN:-relflow}
    command -v "$relflow_bin" >/dev/null 2>&1 || relflow_bin=relflow
    input=$(cat)
    chained="$(dirname "$0")/pre-push.relflow-chained"
    if [ -x "$chained" ]; then
        printf '%s\n' "$input" | "$chained" "$@" || exit $?
    fi
    if ! command -v "$relflow_bin" >/dev/null 2>&1; then
        echo "relflow: cannot find the relflow command; install it (make install) or set RELFLOW_BIN" >&2
        exit 1
    fi
    printf '%s\n' "$input" | "$relflow_bin" hook pre-push "$@"

    """#

    public static let hookPreReceive = #"""
    #!/bin/sh
    # relflow-hook-shim: pre-receive
    # On the server: judges every push as a whole against the server's own policy (kept in
    # <repository>/relflow/policy.toml, never read from a pushed branch): nothing reaches publish
    # but a released, gated, recorded release; release tags are recorded and never move; the
    # ledger only grows, entry by strictly checked entry; hotfix branches follow the hotfix rules.
    # All logic lives in relflow (`relflow hook pre-receive`); installed with
    # `relflow hooks install --server`, which writes the absolute path of the relflow it was run
    # with below. Nothing in the pusher's environment chooses the binary. A hook that was here
    # before is kept as pre-receive.relflow-chained and runs first.
    relflow_bin=relflow
    unset RELFLOW_BIN RELFLOW_NOW RELFLOW_TRACE
    input=$(cat)
    chained="$(dirname "$0")/pre-receive.relflow-chained"
    if [ -x "$chained" ]; then
        printf '%s\n' "$input" | "$chained" "$@" || exit $?
    fi
    if [ ! -x "$relflow_bin" ]; then
        echo "relflow: the relflow binary this hook was installed with ($relflow_bin) is missing; push refused" >&2
        echo "relflow:   fix: the server's administrator reinstalls it: relflow hooks install --server --repo PATH" >&2
        exit 1
    fi
    printf '%s\n' "$input" | "$relflow_bin" hook pre-receive "$@"

    """#

    public static let hookPostReceive = #"""
    #!/bin/sh
    # relflow-hook-shim: post-receive
    # On the server, after git has updated the refs of an accepted push: records when each release
    # tag arrived (the clock a gate delay counts from) and each commit publish moved to (where a
    # rollback may return), in <repository>/relflow/. Installed with `relflow hooks install --server`
    # beside pre-receive, with the absolute path of the relflow it was run with. A hook that was
    # here before is kept as post-receive.relflow-chained and runs first.
    relflow_bin=relflow
    unset RELFLOW_BIN RELFLOW_NOW RELFLOW_TRACE
    input=$(cat)
    chained="$(dirname "$0")/post-receive.relflow-chained"
    if [ -x "$chained" ]; then
        printf '%s\n' "$input" | "$chained" "$@"
    fi
    if [ ! -x "$relflow_bin" ]; then
        echo "relflow: the relflow binary this hook was installed with ($relflow_bin) is missing; the push's receipts were not recorded" >&2
        exit 1
    fi
    printf '%s\n' "$input" | "$relflow_bin" hook post-receive "$@"

    """#
}
