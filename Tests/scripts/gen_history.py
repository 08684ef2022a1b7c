#!/usr/bin/env python3
"""Writes a git fast-import stream of a realistic Conventional Commits history.

    gen_history.py [--shape SHAPE] COMMITS TAG_EVERY [SEED] | git fast-import

Every shape makes about COMMITS commits in all (features, fixes, docs…, a few non-conventional
ones), commit times that grow along every branch, and is deterministic for a given seed. Side
branches are built on refs/heads/side (delete it afterwards); every other ref is meant to stay.

linear (the default)
    main gets the COMMITS commits, a merge of a three-commit topic branch about every 50
    commits, an annotated release tag vX.Y.Z about every TAG_EVERY commits, and now and then a
    hotfix branch cut from the last release, tagged with a patch release and merged back into
    main.

release-branches
    A project with nightlies on main and stable branches (Kubernetes, Node.js, Rust's tools):
    about a quarter of main's changes arrive as merged pull requests (1 to 4 commits and a
    `Merge pull request #N` commit), main gets a nightly pre-release tag vX.Y.0-nightly.N
    (lightweight) every 2 × TAG_EVERY - 2 or so of its commits, and after about one nightly in
    twenty the minor (now and then the major) is done: refs/heads/release/X.Y is forked from main
    with a `chore(release): X.Y.0` commit tagged vX.Y.0, and main moves on to the next minor's
    nightlies. The three newest release branches get `fix` commits cherry-picked from main (the
    message of a fix that landed on main after the fork, its author, and a `(cherry picked from
    commit <id>)` line naming the real id of the main commit), and an annotated patch tag
    vX.Y.1, vX.Y.2… after every one to three of them. Only the first two release branches are
    merged back into main (after their first patch release); the others never are, so about half
    of the tags (COMMITS / TAG_EVERY in all) are not reachable from main. With 30000 7: about
    30,000 commits, 4,100 tags of which 2,000 are on release branches only, 4,000 merges.

prerelease-line
    Lightweight tags only. The first 80 % of the commits are the linear shape (final releases
    vX.Y.Z, hotfixes, topic merges); then refs/heads/next is forked from main after its last
    final release and carries the next minor's pre-releases, vX.(Y+1).0-alpha.N and later
    vX.(Y+1).0-beta.N (one every TAG_EVERY / 5 commits of next), with main merged into next now
    and then. main keeps getting commits (no more releases) after the fork, so no alpha or beta
    tag is reachable from main. About 60 % of the last fifth of the commits are on next.

prefix-change
    The linear shape, but the tags of the first half of the history are vX.Y.Z and those of the
    second half bare X.Y.Z (a project that dropped its `v`). With 19000 17: about 19,000
    commits and 1,100 tags.
"""
import argparse
import hashlib
import random
import sys

SHAPES = ("linear", "release-branches", "prerelease-line", "prefix-change")
parser = argparse.ArgumentParser(description="Writes a git fast-import stream of a Conventional Commits history.")
parser.add_argument("commits", type=int, help="how many commits in all")
parser.add_argument("tag_every", type=int, help="commits between releases (see the shapes)")
parser.add_argument("seed", type=int, nargs="?", default=42)
parser.add_argument("--shape", choices=SHAPES, default="linear")
args = parser.parse_args()

commits = args.commits
tag_every = args.tag_every
rng = random.Random(args.seed)
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
topic = 0
# What the last commit() wrote: its message and its author line.
last_message = ""
last_author = None

# Commit ids, computed the way git does, for the shapes that name commits in messages (cherry-picks).
track_ids = args.shape == "release-branches"
FILES = 97
ids = {}      # mark -> hex commit id
trees = {}    # mark -> tuple of FILES blob ids (bytes) or None, the files under src/
file_order = sorted(range(FILES), key=lambda i: f"file{i}.txt".encode())
file_entry = [f"100644 file{i}.txt\0".encode() for i in range(FILES)]


def emit(data):
    out.write(data if isinstance(data, bytes) else data.encode())


def object_id(kind, body):
    return hashlib.sha1(b"%s %d\0" % (kind, len(body)) + body)


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


def commit(ref, parents, msg=None, author=None):
    """`author` is a whole "Name <email> time +0000" line for a commit that keeps someone
    else's authorship (a cherry-pick); the committer is then the one picked here."""
    global mark, clock, last_message, last_author
    mark += 1
    clock += rng.randint(30, 600)
    name, email = rng.choice(authors)
    body = (msg or message()).encode()
    committer = f"{name} <{email}> {clock} +0000"
    author = author or committer
    emit(f"commit {ref}\nmark :{mark}\nauthor {author}\n"
         f"committer {committer}\ndata {len(body)}\n")
    emit(body)
    if parents:
        emit(f"from :{parents[0]}\n")
        for p in parents[1:]:
            emit(f"merge :{p}\n")
    content = f"{mark}\n".encode()
    emit(f"M 644 inline src/file{mark % FILES}.txt\ndata {len(content)}\n")
    emit(content)
    emit("\n")
    last_message, last_author = body.decode(), author
    if track_ids:
        # fast-import starts from the first parent's tree and applies the one file change.
        files = list(trees[parents[0]]) if parents else [None] * FILES
        files[mark % FILES] = object_id(b"blob", content).digest()
        src = b"".join(file_entry[i] + files[i] for i in file_order if files[i] is not None)
        root = b"40000 src\0" + object_id(b"tree", src).digest()
        header = f"tree {object_id(b'tree', root).hexdigest()}\n"
        header += "".join(f"parent {ids[p]}\n" for p in parents)
        header += f"author {author}\ncommitter {committer}\n\n"
        ids[mark] = object_id(b"commit", header.encode() + body).hexdigest()
        trees[mark] = tuple(files)
    return mark


def tag(name, at, lightweight=False):
    global clock
    if lightweight:
        emit(f"reset refs/tags/{name}\nfrom :{at}\n\n")
        return
    clock += 1
    body = f"Release {name}\n".encode()
    emit(f"tag {name}\nfrom :{at}\ntagger Release Bot <release@example.com> {clock} +0000\ndata {len(body)}\n")
    emit(body)
    emit("\n")


def v_name(version, made):
    return "v%d.%d.%d" % tuple(version)


def linear(commits, tag_every, tag_name=v_name, lightweight=False):
    """The default shape on main (see the module's documentation); returns the commits made."""
    global main_tip, version, last_tag_mark, topic
    made = 0
    since_merge = 0
    since_tag = 0
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
            tag(tag_name(version, made), main_tip, lightweight)
            last_tag_mark = main_tip
            if rng.random() < 0.1 and made + 4 <= commits:
                # A hotfix from the release just made, tagged and merged back.
                version = [version[0], version[1], version[2] + 1]
                branch = "refs/heads/side"
                fix = commit(branch, [last_tag_mark], f"fix: hotfix for {rng.choice(words)}\n")
                fix = commit(branch, [fix], f"fix(api): second hotfix for {rng.choice(words)}\n")
                name = tag_name(version, made)
                tag(name, fix, lightweight)
                main_tip = commit("refs/heads/main", [main_tip, fix], "Merge tag '%s'\n" % name)
                made += 3
    return made


def is_plain_fix(text):
    """A fix worth a backport: `fix` or `fix(scope)`, not a breaking one."""
    header = text.split("\n", 1)[0]
    return (header.startswith("fix:") or header.startswith("fix(")) and "!:" not in header


def picked(text, source):
    """The message `git cherry-pick -x` writes: the line joins a trailer block, else gets its own paragraph."""
    paragraphs = text.rstrip("\n").split("\n\n")
    last = paragraphs[-1].split("\n")
    trailers = len(paragraphs) > 1 and all(
        line.startswith(("Closes #", "BREAKING CHANGE: ", "Co-authored-by: ")) for line in last)
    return text.rstrip("\n") + ("\n" if trailers else "\n\n") + f"(cherry picked from commit {source})\n"


def release_branches(commits, tag_every):
    global main_tip
    nightly_every = max(2, 2 * tag_every - 2)
    minor = [0, 1]
    nightly = 0
    since_nightly = 0
    made = 0
    pull = 0
    branches = []   # the maintained release branches, oldest first
    forked = 0
    fixes = []      # fixes on main, for backports: (mark, message, author line)
    while made < commits:
        if main_tip and rng.random() < 0.25 and made + 6 <= commits:
            # A pull request: one to four commits on a topic branch and a merge commit.
            pull += 1
            side = main_tip
            landed = []
            for _ in range(rng.randint(1, 4)):
                side = commit("refs/heads/side", [side])
                landed.append((mark, last_message, last_author))
            title = landed[0][1].split("\n", 1)[0]
            user = rng.choice(authors)[1].split("@")[0]
            slug = "-".join(rng.choice(words) for _ in range(2))
            main_tip = commit("refs/heads/main", [main_tip, side],
                              f"Merge pull request #{pull} from {user}/{slug}\n\n{title}\n")
            made += len(landed) + 1
            since_nightly += len(landed) + 1
        else:
            main_tip = commit("refs/heads/main", [main_tip] if main_tip else [])
            landed = [(mark, last_message, last_author)]
            made += 1
            since_nightly += 1
        fixes += [f for f in landed if is_plain_fix(f[1])]
        del fixes[:-400]

        if since_nightly >= nightly_every:
            since_nightly = 0
            nightly += 1
            tag(f"v{minor[0]}.{minor[1]}.0-nightly.{nightly}", main_tip, lightweight=True)
            if nightly >= 3 and rng.random() < 0.05 and made + 2 <= commits:
                # The minor is done: its stable branch starts with the release commit of X.Y.0.
                name = f"release/{minor[0]}.{minor[1]}"
                tip = commit(f"refs/heads/{name}", [main_tip], f"chore(release): {minor[0]}.{minor[1]}.0\n")
                made += 1
                tag(f"v{minor[0]}.{minor[1]}.0", tip)
                forked += 1
                branches.append({"name": name, "version": [minor[0], minor[1], 0], "tip": tip,
                                 "fork": main_tip, "picked": set(), "pending": 0,
                                 "batch": rng.randint(1, 3), "merge_back": forked <= 2})
                del branches[:-3]
                minor = [minor[0] + 1, 0] if rng.random() < 0.05 else [minor[0], minor[1] + 1]
                nightly = 0

        if branches and rng.random() < 0.26 and made + 2 <= commits:
            # A backport to one of the maintained branches, the newest most often.
            branch = rng.choices(branches[::-1], weights=[6, 3, 1][:len(branches)])[0]
            sources = []
            for source in reversed(fixes):
                if source[0] <= branch["fork"]:
                    break
                if source[0] not in branch["picked"]:
                    sources.append(source)
                    if len(sources) == 20:
                        break
            if sources:
                source_mark, text, author = rng.choice(sources)
                branch["picked"].add(source_mark)
                branch["tip"] = commit(f"refs/heads/{branch['name']}", [branch["tip"]],
                                       picked(text, ids[source_mark]), author)
                made += 1
                branch["pending"] += 1
                if branch["pending"] >= branch["batch"]:
                    branch["pending"] = 0
                    branch["batch"] = rng.randint(1, 3)
                    branch["version"][2] += 1
                    tag("v%d.%d.%d" % tuple(branch["version"]), branch["tip"])
                    if branch["merge_back"]:
                        # Early on the project still merged its release branches back (--no-ff).
                        branch["merge_back"] = False
                        main_tip = commit("refs/heads/main", [main_tip, branch["tip"]],
                                          f"Merge branch '{branch['name']}'\n")
                        made += 1
                        since_nightly += 1
    return made


def prerelease_line(commits, tag_every):
    global main_tip, topic
    made = linear(max(1, commits * 4 // 5), tag_every, lightweight=True)
    upcoming = "%d.%d.0" % (version[0], version[1] + 1)
    next_tip = main_tip
    every = max(2, tag_every // 5)
    expected = (commits - made) * 3 // 5
    on_next = 0
    since_tag = 0
    alpha = beta = 0
    while made < commits:
        if rng.random() < 0.6:
            if on_next and rng.random() < 0.02:
                next_tip = commit("refs/heads/next", [next_tip, main_tip], "Merge branch 'main' into next\n")
            else:
                next_tip = commit("refs/heads/next", [next_tip])
            made += 1
            on_next += 1
            since_tag += 1
            if since_tag >= every:
                since_tag = 0
                if on_next <= expected * 3 // 5:
                    alpha += 1
                    tag(f"v{upcoming}-alpha.{alpha}", next_tip, lightweight=True)
                else:
                    beta += 1
                    tag(f"v{upcoming}-beta.{beta}", next_tip, lightweight=True)
        elif rng.random() < 0.03 and made + 4 <= commits:
            topic += 1
            side = main_tip
            for _ in range(3):
                side = commit("refs/heads/side", [side])
            main_tip = commit("refs/heads/main", [main_tip, side], f"Merge branch 'topic/{topic}'\n")
            made += 4
        else:
            main_tip = commit("refs/heads/main", [main_tip])
            made += 1
    return made


def prefix_change(commits, tag_every):
    def name(version, made):
        return ("v%d.%d.%d" if made < commits // 2 else "%d.%d.%d") % tuple(version)
    return linear(commits, tag_every, tag_name=name)


if args.shape == "linear":
    linear(commits, tag_every)
elif args.shape == "release-branches":
    release_branches(commits, tag_every)
elif args.shape == "prerelease-line":
    prerelease_line(commits, tag_every)
else:
    prefix_change(commits, tag_every)

emit("done\n")
