#!/usr/bin/env python3
"""A generated ledger for `make bench`: for every release tag of a repository, oldest first,
a release entry, an approval, a promotion and a delivery a day after the tag's commit, every
seventh a failed delivery then a rerun, every eleventh an unhealthy check and a rollback, and
health checks throughout. Written with git fast-import onto refs/relflow/ledger.

usage: gen_ledger.py REPO
"""
import json
import subprocess
import sys

repo = sys.argv[1]
out = subprocess.run(["git", "-C", repo, "for-each-ref", "--sort=creatordate", "refs/tags",
                      "--format=%(refname:short) %(objectname) %(*objectname) %(objectname)^{commit}"],
                     capture_output=True, text=True, check=True).stdout.split("\n")
tags = []
for line in out:
    parts = line.split()
    if len(parts) < 2:
        continue
    name, target = parts[0], parts[1]
    commit = parts[2] if len(parts) > 3 else target
    tags.append((name, target, commit))
times = {}
if tags:
    lines = subprocess.run(["git", "-C", repo, "show", "-s", "--format=%H %ct"] + [c for _, _, c in tags],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for line in lines:
        if line.strip():
            h, t = line.split()
            times[h] = int(t)

def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

ada = {"name": "Ada Lovelace", "email": "ada@example.com"}
grace = {"name": "Grace Hopper", "email": "grace@example.com"}
entries = []
previous = None
for i, (name, target, commit) in enumerate(tags):
    version = name[1:] if name.startswith("v") else name
    t = times.get(commit, 1_600_000_000) + 3600
    base = {"schema": 1, "tag": name, "version": version, "tagObject": target, "commit": commit}
    def add(event, summary, dt, details, actor=ada, **extra):
        e = dict(base, event=event, actor=actor, time=iso(t + dt), timestamp=t + dt, details=details, **extra)
        entries.append((summary, e))
    add("release", f"release {name}", 0, {})
    add("approve", f"approve {name} by Grace Hopper", 600, {}, actor=grace)
    add("promote", f"promote {name} (review)", 86_400, {"gate": "review", "reason": "1 of 1 approval recorded"},
        previous=previous[2] if previous else None)
    if i % 7 == 3:
        add("deliver", f"deliver {name}: failure to production", 86_500,
            {"status": "failure", "environment": "production", "source": "publisher", "exitCode": 3, "durationMs": 900})
    add("deliver", f"deliver {name}: success to production", 87_000,
        {"status": "success", "environment": "production", "source": "publisher", "exitCode": 0, "durationMs": 1200})
    healthy = i % 11 != 5
    add("verify", f"verify {name}: {'healthy' if healthy else 'unhealthy'} in production", 87_100,
        {"status": "healthy" if healthy else "unhealthy", "environment": "production", "attempts": 1, "durationMs": 300})
    if not healthy and previous:
        pname, ptarget, pcommit = previous
        e = {"schema": 1, "event": "rollback", "tag": pname, "version": pname[1:], "tagObject": ptarget, "commit": pcommit,
             "previous": commit, "actor": ada, "time": iso(t + 87_200), "timestamp": t + 87_200,
             "details": {"from": name, "reason": f"unhealthy: {name}"}}
        entries.append((f"rollback to {pname}", e))
        for dt, summary, event, details in ((87_300, f"deliver {pname}: success to production", "deliver",
                                             {"status": "success", "environment": "production", "source": "publisher"}),
                                            (87_400, f"verify {pname}: healthy in production", "verify",
                                             {"status": "healthy", "environment": "production"})):
            entries.append((summary, {"schema": 1, "event": event, "tag": pname, "version": pname[1:], "tagObject": ptarget,
                                      "commit": pcommit, "actor": ada, "time": iso(t + dt), "timestamp": t + dt, "details": details}))
    previous = (name, target, commit)

stream = []
for n, (summary, e) in enumerate(entries):
    e = {k: v for k, v in e.items() if v is not None}
    message = summary + "\n\n" + json.dumps(e, indent=2, sort_keys=True) + "\n"
    data = message.encode()
    stream.append(b"commit refs/relflow/ledger\n")
    stream.append(f"committer {e['actor']['name']} <{e['actor']['email']}> {e['timestamp']} +0000\n".encode())
    stream.append(f"data {len(data)}\n".encode() + data)
    stream.append(b"deleteall\n\n")
subprocess.run(["git", "-C", repo, "fast-import", "--quiet", "--force"], input=b"".join(stream), check=True)
print(f"gen_ledger: {len(entries)} entries for {len(tags)} tags", file=sys.stderr)
