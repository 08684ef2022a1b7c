#!/usr/bin/env python3
"""Writes a git fast-import stream of a realistic Conventional Commits history.

    gen_history.py COMMITS TAG_EVERY [SEED] | git fast-import

main gets COMMITS commits (features, fixes, docs…, a few non-conventional ones), a merge of a
three-commit topic branch about every 50 commits, an annotated release tag about every
TAG_EVERY commits, and now and then a hotfix branch cut from the last release, tagged with a
patch release and merged back into main. Side branches are built on refs/heads/side (delete
it afterwards). Deterministic for a given seed.
"""
import random
import sys

commits = int(sys.argv[1])
tag_every = int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
out = sys.stdout.buffer

authors = [(f"Dev {i}", f"dev{i}@example.com") for i in range(60)]
scopes = ["api", "ui", "db", "auth", "cart", "search", "build", None, None]
kinds = (["feat"] * 20 + ["fix"] * 30 + ["docs"] * 8 + ["chore"] * 10 + ["refactor"] * 8 +
         ["perf"] * 4 + ["test"] * 8 + ["ci"] * 3 + ["other"] * 3)
words = "cache order invoice user session token page query index limit retry timeout header payload".split()

mark = 0
clock = 1_500_000_000
main_tip = None
version = [0, 1, 0]
last_tag_mark = None
issue = 0


def emit(data):
    out.write(data if isinstance(data, bytes) else data.encode())


def message():
    global issue
    kind = rng.choice(kinds)
    what = " ".join(rng.choice(words) for _ in range(rng.randint(2, 5)))
    if kind == "other":
        return f"Update {what}\n"
    scope = rng.choice(scopes)
    head = f"{kind}({scope})" if scope else kind
    breaking = rng.random() < 0.004
    text = f"{head}{'!' if breaking else ''}: {what}\n"
    if rng.random() < 0.3:
        text += f"\nThis changes how {what} works.\nIt was slow before.\n"
    footers = []
    if rng.random() < 0.2:
        issue += 1
        footers.append(f"Closes #{issue}")
    if breaking:
        footers.append(f"BREAKING CHANGE: {what} is gone")
    if rng.random() < 0.05:
        name, email = rng.choice(authors)
        footers.append(f"Co-authored-by: {name} <{email}>")
    if footers:
        text += "\n" + "\n".join(footers) + "\n"
    return text


def commit(ref, parents, msg=None):
    global mark, clock
    mark += 1
    clock += rng.randint(30, 600)
    name, email = rng.choice(authors)
    body = (msg or message()).encode()
    emit(f"commit {ref}\nmark :{mark}\nauthor {name} <{email}> {clock} +0000\n"
         f"committer {name} <{email}> {clock} +0000\ndata {len(body)}\n")
    emit(body)
    if parents:
        emit(f"from :{parents[0]}\n")
        for p in parents[1:]:
            emit(f"merge :{p}\n")
    content = f"{mark}\n".encode()
    emit(f"M 644 inline src/file{mark % 97}.txt\ndata {len(content)}\n")
    emit(content)
    emit("\n")
    return mark


def tag(name, at):
    global clock
    clock += 1
    body = f"Release {name}\n".encode()
    emit(f"tag {name}\nfrom :{at}\ntagger Release Bot <release@example.com> {clock} +0000\ndata {len(body)}\n")
    emit(body)
    emit("\n")


made = 0
since_merge = 0
since_tag = 0
topic = 0
while made < commits:
    main_tip = commit("refs/heads/main", [main_tip] if main_tip else [])
    made += 1
    since_merge += 1
    since_tag += 1
    if since_merge >= rng.randint(40, 60) and made + 4 <= commits:
        topic += 1
        base = main_tip
        side = base
        for _ in range(3):
            side = commit("refs/heads/side", [side])
        main_tip = commit("refs/heads/main", [main_tip, side], f"Merge branch 'topic/{topic}'\n")
        made += 4
        since_merge = 0
    if since_tag >= tag_every:
        since_tag = 0
        if rng.random() < 0.03:
            version = [version[0] + 1, 0, 0]
        elif rng.random() < 0.7:
            version = [version[0], version[1] + 1, 0]
        else:
            version = [version[0], version[1], version[2] + 1]
        tag("v%d.%d.%d" % tuple(version), main_tip)
        last_tag_mark = main_tip
        if rng.random() < 0.1 and made + 4 <= commits:
            # A hotfix from the release just made, tagged and merged back.
            version = [version[0], version[1], version[2] + 1]
            branch = "refs/heads/side"
            fix = commit(branch, [last_tag_mark], f"fix: hotfix for {rng.choice(words)}\n")
            fix = commit(branch, [fix], f"fix(api): second hotfix for {rng.choice(words)}\n")
            tag("v%d.%d.%d" % tuple(version), fix)
            main_tip = commit("refs/heads/main", [main_tip, fix], "Merge tag 'v%d.%d.%d'\n" % tuple(version))
            made += 3

emit("done\n")
