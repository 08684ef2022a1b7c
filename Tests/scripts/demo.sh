#!/bin/sh
# make demo: relflow's main job on a sample repository generated in a temporary folder.
# RELFLOW names the binary (the Makefile passes the freshly built one).
set -eu
RELFLOW=${RELFLOW:-relflow}
demo=$(mktemp -d "${TMPDIR:-/tmp}/relflow-demo.XXXXXX")
repo="$demo/shop"
export GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL="ada@example.com"
export GIT_COMMITTER_NAME="Ada Lovelace" GIT_COMMITTER_EMAIL="ada@example.com"
export RELFLOW_BIN="$RELFLOW"

if [ -t 1 ]; then bold=$(printf '\033[1m'); plain=$(printf '\033[0m'); else bold=; plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@" || printf '(exit %s)\n' "$?"; }

step "A sample repository: three releases' worth of Conventional Commits"
git init -q -b main "$repo"
cd "$repo"
commit() { git commit -q --allow-empty -m "$1"; }
commit "feat: product catalogue"
commit "feat(cart): add items to the cart"
git tag -a v0.1.0 -m "v0.1.0"
commit "fix(cart): keep quantities when the page reloads"
commit "docs: how to run the shop locally"
git tag -a v0.1.1 -m "v0.1.1"
commit "feat(checkout): pay by card"
commit "perf(catalogue): cache product images"
git log --oneline --decorate | sed 's/^/  /'

step "Which version is released, and which comes next"
show "$RELFLOW" version
show "$RELFLOW" version --next --verbose
show "$RELFLOW" version --next --pre rc

step "Breaking changes bump the minor version while 0.x (configurable)"
commit "feat(api)!: orders are paged

BREAKING CHANGE: GET /orders returns 50 orders a page; follow the next link."
show "$RELFLOW" version --next

step "Lint the commits since the last release"
show "$RELFLOW" lint v0.1.1..HEAD

step "A message that is not a Conventional Commit"
printf 'Fixed the thing.\n' > "$demo/msg"
show "$RELFLOW" lint --message-file "$demo/msg"

step "Install the commit-msg hook; git itself now refuses bad messages"
show "$RELFLOW" hooks install
show git commit --allow-empty -q -m "updated stuff"
show git commit --allow-empty -q -m "fix(checkout): round totals to the cent"
git log --oneline -1 | sed 's/^/  /'

step "Machine output for CI"
show "$RELFLOW" version --next --json

step "The changelog of the whole history (Markdown; also --format json|html)"
show "$RELFLOW" changelog

step "A release: CHANGELOG.md section, release commit, annotated tag, ledger entry"
cat > "$demo/deploy.sh" <<'DEPLOY'
#!/bin/sh
# A sample publisher: relflow runs it as argv, never through a shell, with the release in RELFLOW_*.
echo "deploying $RELFLOW_TAG ($RELFLOW_EVENT, gate $RELFLOW_GATE) from $RELFLOW_COMMIT"
DEPLOY
chmod +x "$demo/deploy.sh"
cat > .relflow.toml <<CONFIG
[gate]
# Only the timestamp changed: out at once. Anything else waits for an approval.
auto_paths = ["timestamp.json"]
approvals = 1

[publisher]
command = ["$demo/deploy.sh"]
timeout = "5m"
CONFIG
echo '{"built": 1}' > timestamp.json
git add .relflow.toml timestamp.json
git commit -q -m "build: configure relflow"
show "$RELFLOW" release
show "$RELFLOW" init
git log --oneline -3 --decorate | sed 's/^/  /'

step "Only timestamp.json changes: the gate lets it out at once"
echo '{"built": 2}' > timestamp.json
git commit -q -am "fix: rebuild with the new timestamp"
show "$RELFLOW" release
show "$RELFLOW" gate
show "$RELFLOW" promote

step "Code changes: the gate wants an approval by someone other than the tagger"
echo 'print("checkout v2")' > checkout.py
git add checkout.py
git commit -q -m "feat(checkout): one-page checkout"
show "$RELFLOW" release
show "$RELFLOW" gate
show "$RELFLOW" approve v0.3.0
GIT_COMMITTER_NAME="Grace Hopper" GIT_COMMITTER_EMAIL="grace@example.com" \
  show "$RELFLOW" approve v0.3.0 --comment "reviewed the checkout"
show "$RELFLOW" gate
show "$RELFLOW" promote

step "Advance shipping notice: what is about to ship, and a bill of materials"
printf 'django==4.2.3\nrequests==2.31.0\n' > requirements.txt
git add requirements.txt
git commit -q -m "build(deps): pin the API client's dependencies"
printf 'django==4.2.4\nrequests==2.31.0\n' > requirements.txt
git commit -q -am "build(deps): django 4.2.4"
git commit -q --allow-empty -m "feat(search)!: search by tag

BREAKING CHANGE: /search?q= now matches tags too; add exact=true for the old behaviour."
show "$RELFLOW" bom
show "$RELFLOW" bom --diff publish..main

step "Something went wrong in production: roll back to the release before"
show "$RELFLOW" rollback

step "Where things stand, and the ledger"
show "$RELFLOW" status
show "$RELFLOW" history
show "$RELFLOW" verify
printf '\nThe ledger is plain git: git log refs/relflow/ledger --oneline\n'
git log refs/relflow/ledger --oneline | sed 's/^/  /'

step "The shipping notice for what main holds beyond production"
show "$RELFLOW" notice
"$RELFLOW" notice --format html -o "$demo/notice.html"
printf '\nThe HTML notice (for mail and browsers) is in %s\n' "$demo/notice.html"

step "Staging before production, each with a health check; an unhealthy production goes back"
cat > "$demo/health.sh" <<'HEALTH'
#!/bin/sh
# A sample health check: relflow runs it after each successful delivery (RELFLOW_EVENT=health).
echo "GET https://$RELFLOW_ENVIRONMENT.shop.example/health for $RELFLOW_TAG"
if [ -f "$(dirname "$0")/broken-$RELFLOW_TAG" ]; then echo "503 Service Unavailable"; exit 1; fi
echo "200 OK"
HEALTH
chmod +x "$demo/health.sh"
cat >> .relflow.toml <<CONFIG

[[environments]]
name = "staging"
auto_paths = ["**"]
approvals = 0
publisher = ["$demo/deploy.sh"]
health = ["$demo/health.sh"]

[[environments]]
name = "production"
soak = "2s"
health = ["$demo/health.sh"]
on_unhealthy = "rollback"
CONFIG
git add .relflow.toml
git commit -q -m "build: staging before production"
echo 'print("checkout v3")' > checkout.py
git add checkout.py
git commit -q -m "feat(checkout): one-click checkout"
"$RELFLOW" release >/dev/null 2>&1
tag=$(git describe --tags --abbrev=0)
show "$RELFLOW" promote --to production "$tag"
show "$RELFLOW" promote --to staging "$tag"
show "$RELFLOW" promote --to production "$tag"
sleep 2
GIT_COMMITTER_NAME="Grace Hopper" GIT_COMMITTER_EMAIL="grace@example.com" "$RELFLOW" approve "$tag" >/dev/null
touch "$demo/broken-$tag"
show "$RELFLOW" promote --to production "$tag"
show "$RELFLOW" status

step "Delivery metrics from the ledger: frequency, lead time, failure rate, time to restore"
show "$RELFLOW" metrics --since 7d
"$RELFLOW" metrics --since 7d --format html -o "$demo/metrics.html"
printf '\nThe metrics page (inline SVG charts) is in %s\n' "$demo/metrics.html"

printf '\nThe sample repository is in %s\n' "$repo"
