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

printf '\nThe sample repository is in %s\n' "$repo"
