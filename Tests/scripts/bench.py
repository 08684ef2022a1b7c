#!/usr/bin/env python3
"""make bench: relflow beside git log and the peers a user would pick, on large generated
histories. Prints a Markdown table (also written to .build/bench/results.md).

A second table times relflow's everyday commands against their budgets on three histories
shaped like real projects (gen_history.py --shape): release branches whose patch tags main
never sees, a pre-release line on a branch of its own, a tag prefix dropped half-way.

Environment: RELFLOW (the binary), BENCH_RUNS (runs per command, default 3), BENCH_LIMIT
(seconds before a command is given up on, default 120), BENCH_DIR (default .build/bench).
"""
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELFLOW = os.environ.get("RELFLOW") or os.path.join(ROOT, ".build/release/relflow")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LIMIT = float(os.environ.get("BENCH_LIMIT", "120"))
WORK = os.environ.get("BENCH_DIR") or os.path.join(ROOT, ".build/bench")
GEN = os.path.join(ROOT, "Tests/scripts/gen_history.py")

# (repository, gen_history.py shape, commits, tag_every, seed, relflow configuration or None)
SHAPED = (
    ("release-branches-30k", "release-branches", 30_000, 7, 7, None),
    ("prerelease-line-7k", "prerelease-line", 7_000, 50, 7, None),
    ("prefix-change-19k", "prefix-change", 19_000, 17, 7, '[tags]\nprefix = ["v", ""]\n'),
)
BUDGET = 0.100        # seconds, for each of the everyday commands
BUDGET_RATIO = 1.5    # the full changelog against git log on the same history
GOAL_RATIO = 0.8      # ... and the goal: faster than git log
JSON_RATIO = 1.2      # --format json against the Markdown run


def log(message):
    print(message, file=sys.stderr, flush=True)


def make_repo(name, commits, tag_every, seed, shape="linear"):
    """A repository with a generated history (never checked out, HEAD -> main). The shaped
    ones get their refs packed afterwards, as a clone has them."""
    path = os.path.join(WORK, name)
    marker = os.path.join(path, ".git", "relflow-bench-ready")
    if os.path.exists(marker):
        return path
    shutil.rmtree(path, ignore_errors=True)
    log(f"bench: generating {name}: {shape}, {commits} commits, tag_every {tag_every} (git fast-import)")
    subprocess.run(["git", "init", "-q", path], check=True)
    gen = subprocess.Popen([sys.executable, GEN, "--shape", shape, str(commits), str(tag_every), str(seed)],
                           stdout=subprocess.PIPE)
    subprocess.run(["git", "-C", path, "fast-import", "--quiet"], stdin=gen.stdout, check=True)
    if gen.wait() != 0:
        sys.exit(f"bench: {GEN} failed for {name}")
    subprocess.run(["git", "-C", path, "update-ref", "-d", "refs/heads/side"], check=True)
    subprocess.run(["git", "-C", path, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    if shape != "linear":
        subprocess.run(["git", "-C", path, "pack-refs", "--all"], check=True)
    subprocess.run(["git", "-C", path, "remote", "add", "origin", "git@github.com:acme/shop.git"], check=True)
    with open(os.path.join(path, ".git", "info", "exclude"), "a") as f:
        f.write(".cz.toml\n")
    open(marker, "w").close()
    return path


def configure_commitizen(path):
    """commitizen reads its settings from the repository: v-prefixed tags, versions from them."""
    with open(os.path.join(path, ".cz.toml"), "w") as f:
        f.write('[tool.commitizen]\nname = "cz_conventional_commits"\ntag_format = "v$version"\n'
                'version_scheme = "semver"\nversion_provider = "scm"\n')


def peers():
    """git-cliff and commitizen from PyPI, in a venv under the build folder."""
    venv = os.path.join(WORK, "venv")
    bin_dir = os.path.join(venv, "bin")
    if not os.path.exists(os.path.join(bin_dir, "cz")) or not os.path.exists(os.path.join(bin_dir, "git-cliff")):
        log("bench: installing git-cliff and commitizen from PyPI into " + venv)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        r = subprocess.run([os.path.join(bin_dir, "pip"), "install", "-q", "git-cliff", "commitizen", "cryptography"])
        if r.returncode != 0:
            log("bench: could not install the peers; their lines are left out")
    return bin_dir


# GNU time measures the peak memory: a process started straight from this one carries this
# Python's resident size (about 16 MB) into its own peak (the kernel keeps the address space's
# high-water mark across exec), which hid what small commands really use.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PEAK_FILE = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"relflow-bench-peak-{os.getpid()}")


def run(command, cwd, stdin=None, env=None):
    """(seconds, peak KB) for one run, or (None, None) past the limit or on failure."""
    if shutil.which(command[0]) is None:
        return None, None, "missing"
    if GNU_TIME:
        command = [GNU_TIME, "-f", "%M", "-o", PEAK_FILE] + list(command)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL if stdin is None else open(stdin, "rb"),
                                env=None if env is None else {**os.environ, **env}, start_new_session=True)
    except OSError:
        return None, None, "missing"
    # A blocking wait, and a timer for the limit: polling every 2 ms woke this process 500
    # times a second on the cores the timed command runs on, and rounded every time up.
    timed_out = threading.Event()

    def stop():
        # The command and GNU time: the process group the command was started in.
        timed_out.set()
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            proc.kill()

    timer = threading.Timer(LIMIT, stop)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out.is_set():
        return None, None, f"> {LIMIT:.0f} s"
    if status != 0 and os.waitstatus_to_exitcode(status) not in (0, 1):
        return None, None, f"exit {os.waitstatus_to_exitcode(status)}"
    peak = usage.ru_maxrss
    if GNU_TIME:
        try:
            with open(PEAK_FILE) as f:
                peak = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return elapsed, peak, None


def measure(command, cwd, runs=RUNS, stdin=None, env=None):
    times, peaks = [], []
    for _ in range(runs):
        t, kb, problem = run(command, cwd, stdin, env)
        if problem:
            return {"problem": problem}
        times.append(t)
        peaks.append(kb)
    return {"median": statistics.median(times), "peak": max(peaks)}


TOGETHER_ROUNDS = max(RUNS, 7)
# Short commands get more rounds: on this shared machine one slow round moved a 30 ms median.
SHORT_ROUNDS, SHORT_ROUND = 21, 0.5


def measure_together(commands, cwd, runs=None):
    """The commands run in turn, round after round (git log, then relflow, then again): on a
    machine whose speed drifts, the ratios between them stay fair. Median of TOGETHER_ROUNDS
    rounds, or of SHORT_ROUNDS when a round takes under SHORT_ROUND seconds."""
    runs = runs or TOGETHER_ROUNDS
    times = [[] for _ in commands]
    peaks = [[] for _ in commands]
    problems = [None for _ in commands]
    done = 0
    while done < runs:
        done += 1
        if done == 2 and all(times) and sum(t[0] for t in times) < SHORT_ROUND:
            runs = max(runs, SHORT_ROUNDS)
        for i, command in enumerate(commands):
            if problems[i]:
                continue
            t, kb, problem = run(command, cwd, None, None)
            if problem:
                problems[i] = problem
                continue
            times[i].append(t)
            peaks[i].append(kb)
    return [{"problem": problems[i]} if problems[i] else {"median": statistics.median(times[i]), "peak": max(peaks[i])}
            for i in range(len(commands))]


def server_push(repo):
    """A bare copy of `repo` with relflow's server hook, production at the release before the
    latest, and the ref updates of a push that promotes the latest: publish moved and the
    promote entry that records it (the hook judges the whole push: ledger entry, tag, gate).
    Returns (bare path, stdin file)."""
    bare = repo + ".git-server"
    tags = subprocess.run(["git", "-C", repo, "tag", "--sort=-v:refname", "--list", "v*"], capture_output=True, text=True).stdout.split()
    new_tag, old_tag = tags[0], tags[1]
    def rev(r, where=repo):
        return subprocess.run(["git", "-C", where, "rev-parse", r], capture_output=True, text=True).stdout.strip()
    if not os.path.exists(bare):
        subprocess.run(["git", "clone", "-q", "--bare", repo, bare], check=True)
        subprocess.run(["git", "-C", bare, "update-ref", "refs/heads/publish", rev(old_tag + "^{commit}")], check=True)
        subprocess.run([RELFLOW, "-C", bare, "hooks", "install", "--server"], check=True, capture_output=True)
    old, new = rev(old_tag + "^{commit}"), rev(new_tag + "^{commit}")
    now = int(time.time())
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    entry = ('{"actor":{"email":"ada@example.com","name":"Ada"},"commit":"%s","details":{"gate":"auto"},"event":"promote",'
             '"previous":"%s","schema":1,"tag":"%s","tagObject":"%s","time":"%s","timestamp":%d,"version":"%s"}'
             % (new, old, new_tag, rev(new_tag), stamp, now, new_tag[1:]))
    message = f"promote {new_tag} (auto)\n\n{entry}\n"
    ledger = subprocess.run(["git", "-C", bare, "commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"],
                            input=message, capture_output=True, text=True, check=True).stdout.strip()
    lines = f"{'0' * 40} {ledger} refs/relflow/ledger\n{old} {new} refs/heads/publish\n"
    stdin = os.path.join(WORK, os.path.basename(repo) + "-push.txt")
    with open(stdin, "w") as f:
        f.write(lines)
    return bare, stdin


def fmt(result):
    if "text" in result:
        return result["text"], "", None
    if "problem" in result:
        return result["problem"], "", None
    m = result["median"]
    text = f"{m * 1000:.1f} ms" if m < 1 else f"{m:.2f} s"
    return text, f"{result['peak'] / 1024:.0f} MB", m


def git_count(repo, *args):
    return len(subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True).stdout.split())


def shaped_rows():
    """The everyday commands on the shaped histories: [(label, [(command, result, budget text,
    figure shown, over budget)])]. A refused gate (exit 1) counts as a run like any other."""
    rows = []
    for name, shape, commits, tag_every, seed, config in SHAPED:
        repo = make_repo(name, commits, tag_every, seed, shape)
        options = ["-C", repo]
        if config:
            path = os.path.join(WORK, name + ".toml")
            with open(path, "w") as f:
                f.write(config)
            options += ["--config", path]
        # Production runs a release a few releases behind main's tip, as in a real project.
        merged = subprocess.run(["git", "-C", repo, "tag", "--merged", "main", "--sort=-creatordate"],
                                capture_output=True, text=True).stdout.split()
        if len(merged) > 5:
            subprocess.run(["git", "-C", repo, "update-ref", "refs/heads/publish", merged[5] + "^{commit}"], check=True)
        total = subprocess.run(["git", "-C", repo, "rev-list", "--count", "--all"], capture_output=True, text=True).stdout.strip()
        ntags = git_count(repo, "tag")
        off_main = git_count(repo, "tag", "--no-merged", "main")
        label = f"{name}: {int(total):,} commits, {ntags:,} tags ({off_main:,} not on main)"
        log(f"bench: timing on {label}")
        lines = []
        for args in (["version"], ["version", "--next"], ["changelog", "--unreleased"], ["gate"], ["status"], ["notice"]):
            result = measure([RELFLOW, *options, *args], repo)
            seconds = result.get("median")
            lines.append(("relflow " + " ".join(args), result, f"{BUDGET * 1000:.0f} ms",
                          "", seconds is None or seconds > BUDGET))
        baseline, full, json_run = measure_together([["git", "-C", repo, "log", "--format=%H%x00%s%x00%b"],
                                                     [RELFLOW, *options, "changelog"],
                                                     [RELFLOW, *options, "changelog", "--format", "json"]], repo)
        lines.append(("git log --format='%H%x00%s%x00%b' (all history, the reference)", baseline, "", "", False))
        budget = f"{BUDGET_RATIO}× git log (goal {GOAL_RATIO}×)"
        if "median" in full and "median" in baseline:
            ratio = full["median"] / baseline["median"]
            goal = " (goal met)" if ratio <= GOAL_RATIO else ""
            lines.append(("relflow changelog (full history, Markdown to stdout)", full, budget,
                          f"{ratio:.2f}× git log{goal}", ratio > BUDGET_RATIO))
        else:
            lines.append(("relflow changelog (full history, Markdown to stdout)", full, budget, "", True))
        if "median" in json_run and "median" in full:
            ratio = json_run["median"] / full["median"]
            lines.append(("relflow changelog --format json (full history)", json_run, f"{JSON_RATIO}× the Markdown",
                          f"{ratio:.2f}× the Markdown", ratio > JSON_RATIO))
        rows.append((label, lines))
    return rows


def instructions(command, cwd):
    """Instructions executed (all threads), counted by valgrind's callgrind: the stable measure
    on a noisy machine. The binary is stripped first (valgrind 3.19 cannot read Swift's DWARF 5)."""
    if not shutil.which("valgrind"):
        return None
    out = os.path.join(WORK, "callgrind.out")
    done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command], cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1].strip())
    return None


def callgrind_rows(repo):
    """The full changelog and git log under callgrind: instructions, not seconds."""
    stripped = os.path.join(WORK, "relflow-stripped")
    subprocess.run(["strip", "-o", stripped, RELFLOW], check=True)
    log("bench: counting instructions with callgrind (a minute or two)")
    git_count_ = instructions(["git", "log", "--format=%H%x00%s%x00%b"], repo)
    relflow_count = instructions([stripped, "changelog"], repo)
    if not git_count_ or not relflow_count:
        return [("instructions (callgrind): valgrind not installed or failed", {"problem": "not measured"}, None)]
    return [("git log --format='%H%x00%s%x00%b' (all history), instructions (callgrind)",
             {"text": f"{git_count_ / 1e9:.2f} G instr."}, None),
            (f"relflow changelog (full history), instructions (callgrind, both threads) = "
             f"{relflow_count / git_count_:.2f}× git log's", {"text": f"{relflow_count / 1e9:.2f} G instr."}, None)]


def signed_rows(bin_dir):
    """A signed policy and a 10,000-entry signed ledger: relflow verify (cold, then with its
    cache of verified signatures) and the pre-receive hook judging a push of one signed entry."""
    repo = os.path.join(WORK, "signed-ledger-10k")
    push = os.path.join(repo, ".git", "relflow-bench-push.txt")
    if not os.path.exists(push):
        shutil.rmtree(repo, ignore_errors=True)
        subprocess.run(["git", "init", "-q", repo], check=True)
        subprocess.run(["git", "-C", repo, "-c", "user.name=A", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "feat: a"], check=True)
        subprocess.run(["git", "-C", repo, "tag", "v0.1.0"], check=True)
        log("bench: writing a signed policy and 10,000 signed ledger entries")
        python = os.path.join(bin_dir, "python")
        if subprocess.run([python, "-c", "import cryptography"], capture_output=True).returncode != 0:
            subprocess.run([os.path.join(bin_dir, "pip"), "install", "-q", "cryptography"])
        r = subprocess.run([os.path.join(bin_dir, "python"), os.path.join(ROOT, "Tests/scripts/signed_ledger.py"), repo, "10000"])
        if r.returncode != 0:
            return []
    cache = os.path.join(repo, ".git", "relflow", "verified-signatures")
    cold = measure(["sh", "-c", f"rm -f '{cache}'; exec '{RELFLOW}' verify"], repo)
    warm = measure([RELFLOW, "verify"], repo)
    hook = measure([RELFLOW, "hook", "pre-receive"], repo, runs=max(RUNS, 10), stdin=push, env={"GIT_DIR": os.path.join(repo, ".git")})
    return [("relflow verify, 10,000 signed entries (every signature checked)", cold, None),
            ("relflow verify, the same ledger unchanged (verified signatures kept)", warm, None),
            ("relflow hook pre-receive, a push of one signed entry", hook, None)]


def shaped_table(shaped):
    """The Markdown lines of `shaped_rows()`; figures over their budget are in bold and marked."""
    out = [f"Everyday commands on shaped histories (`relflow -C repo …`; a refused gate, exit 1, counts), "
           f"median of {RUNS} runs (git log and the full changelogs: {TOGETHER_ROUNDS} rounds taken in turn, {SHORT_ROUNDS} when a round takes under {SHORT_ROUND} s), peak resident memory (GNU time); "
           f"budget {BUDGET * 1000:.0f} ms each, the full changelog {BUDGET_RATIO}× git log.", "",
           "| history | command | time | peak memory | ratio | budget | |",
           "|---|---|---:|---:|---:|---:|---|"]
    for label, lines in shaped:
        for name, result, budget, ratio, over in lines:
            text, peak, _ = fmt(result)
            verdict = "" if not budget else "**failed**" if "problem" in result else "**over budget**" if over else "ok"
            if over and "median" in result:
                text = f"**{text}**"
                ratio = f"**{ratio}**" if ratio else ratio
            out.append(f"| {label} | {name} | {text} | {peak} | {ratio} | {budget} | {verdict} |")
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    if not os.access(RELFLOW, os.X_OK):
        sys.exit(f"bench: no relflow binary at {RELFLOW}")
    big = make_repo("history-200k", 200_000, 500, 42)
    tags = make_repo("history-30k-4k-tags", 30_000, 7, 7)
    bin_dir = peers()
    cliff = os.path.join(bin_dir, "git-cliff")
    cz = os.path.join(bin_dir, "cz")
    message = os.path.join(WORK, "message.txt")
    with open(message, "w") as f:
        f.write("fix(api): keep the session when the token is refreshed\n\nCloses #12\n")

    rows = []
    for repo in (big, tags):
        configure_commitizen(repo)
    for label, repo in (("200k commits, 404 tags", big), ("30k commits, 4,173 tags", tags)):
        count = subprocess.run(["git", "-C", repo, "rev-list", "--count", "HEAD"], capture_output=True, text=True).stdout.strip()
        ntags = len(subprocess.run(["git", "-C", repo, "tag"], capture_output=True, text=True).stdout.split())
        label = f"{int(count):,} commits, {ntags:,} tags"
        log(f"bench: timing on {label}")
        baseline, full, json_run = measure_together([["git", "log", "--format=%H%x00%s%x00%b"], [RELFLOW, "changelog"],
                                                     [RELFLOW, "changelog", "--format", "json"]], repo)
        unreleased = measure([RELFLOW, "changelog", "--unreleased"], repo)
        nextv = measure([RELFLOW, "version", "--next"], repo)
        lines = [
            ("git log --format='%H%x00%s%x00%b' (all history)", baseline, None),
            ("relflow changelog (full history)", full, baseline),
            ("relflow changelog --format json (full history)", json_run, full),
            ("git-cliff (default config, full history)", measure([cliff, "-o", "/dev/null"], repo), full),
            ("cz changelog --dry-run", measure([cz, "changelog", "--dry-run"], repo), full),
            ("relflow changelog --unreleased", unreleased, None),
            ("git-cliff --unreleased", measure([cliff, "--unreleased", "-o", "/dev/null"], repo), unreleased),
            ("relflow version --next", nextv, None),
            ("git-cliff --bumped-version", measure([cliff, "--bumped-version"], repo), nextv),
            ("cz bump --get-next", measure([cz, "bump", "--get-next"], repo), nextv),
            ("relflow hook commit-msg (one message)", measure([RELFLOW, "hook", "commit-msg", message], repo, runs=max(RUNS, 20)), None),
        ]
        if repo == big:
            # The delivery metrics over the whole history, from a generated ledger (release,
            # approval, promotion, delivery and health check per tag, failures and rollbacks).
            marker = os.path.join(repo, ".git", "relflow-bench-ledger")
            if not os.path.exists(marker):
                subprocess.run([sys.executable, os.path.join(ROOT, "Tests/scripts/gen_ledger.py"), repo], check=True)
                open(marker, "w").close()
            events = subprocess.run(["git", "-C", repo, "rev-list", "--count", "refs/relflow/ledger"],
                                    capture_output=True, text=True).stdout.strip()
            metrics = measure([RELFLOW, "metrics", "--since", "3650d"], repo)
            _, _, m = fmt(metrics)
            _, _, c = fmt(full)
            versus = f" = {m / c:.2f}× the full changelog (budget 2×)" if m and c else ""
            lines.append((f"relflow metrics --since 3650d (all {int(events):,} ledger events, every deployed commit){versus}", metrics, None))
        if repo == big:
            lines += callgrind_rows(repo)
        bare, push = server_push(repo)
        lines.append(("relflow hook pre-receive (judging a push that promotes one release: entry, tag, gate)",
                      measure([RELFLOW, "hook", "pre-receive"], bare, runs=max(RUNS, 10), stdin=push, env={"GIT_DIR": bare}), None))
        rows.append((label, lines, full))
    signed = signed_rows(bin_dir)
    if signed:
        rows.append(("signed policy, 10,000 signed ledger entries", signed, None))
    shaped = shaped_rows()

    out = []
    out.append(f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
               f"{platform.platform()}; median of {RUNS} runs (the hooks: of 20 and 10; git log and the full "
               f"changelogs: {TOGETHER_ROUNDS} rounds taken in turn, {SHORT_ROUNDS} when a round takes under {SHORT_ROUND} s), peak resident memory (GNU time).")
    out.append("")
    out.append("| history | command | time | peak memory | ratio |")
    out.append("|---|---|---:|---:|---:|")
    for label, lines, full in rows:
        for name, result, against in lines:
            text, peak, seconds = fmt(result)
            ratio = ""
            if against is not None:
                _, _, reference = fmt(against)
                if "--format json" in name and seconds and reference:
                    ratio = f"{seconds / reference:.2f}× the Markdown (goal {JSON_RATIO}×)"
                elif name.startswith("relflow") and seconds and reference:
                    ratio = f"{seconds / reference:.2f}× git log (goal {GOAL_RATIO}×)"
                elif seconds and reference:
                    ratio = f"relflow is {seconds / reference:.1f}× faster"
                elif reference and result.get("problem", "").startswith(">"):
                    ratio = f"relflow is > {LIMIT / reference:.0f}× faster"
            out.append(f"| {label} | {name} | {text} | {peak} | {ratio} |")
    out.append("")
    out += shaped_table(shaped)
    table = "\n".join(out)
    print(table)
    with open(os.path.join(WORK, "results.md"), "w") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()
