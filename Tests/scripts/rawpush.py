#!/usr/bin/env python3
"""Sends exactly the given ref updates to a repository's git-receive-pack, not atomic, with
the objects they need: what a client can send whatever `git push` would do (the server tests
use it to claim an old value the server does not have).

usage: rawpush.py REPO "OLD NEW REF" ...   (run in the repository that has the objects)
Prints the server's report (side band demultiplexed)."""
import subprocess
import sys

repo = sys.argv[1]
commands = [c.split() for c in sys.argv[2:]]
proc = subprocess.Popen(["git-receive-pack", repo], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def read_packet():
    size = proc.stdout.read(4)
    if not size:
        return None
    n = int(size, 16)
    return b"" if n == 0 else proc.stdout.read(n - 4)


while True:  # the advertisement
    line = read_packet()
    if not line:
        break


def packet(body):
    return ("%04x" % (len(body) + 4)).encode() + body


request = b""
for i, (old, new, ref) in enumerate(commands):
    line = f"{old} {new} {ref}".encode()
    if i == 0:
        line += b"\0report-status side-band-64k quiet"
    request += packet(line + b"\n")
request += b"0000"
wanted = [new for _, new, _ in commands if new != "0" * 40]
pack = subprocess.check_output(["git", "pack-objects", "--stdout", "--revs", "-q"],
                               input=("\n".join(wanted) + "\n").encode()) if wanted else b""
proc.stdin.write(request + pack)
proc.stdin.close()
data = proc.stdout.read()
i = 0
while i + 4 <= len(data):
    n = int(data[i:i + 4], 16)
    if n == 0:
        i += 4
        continue
    sys.stdout.write(data[i + 5:i + n].decode(errors="replace"))
    i += n
proc.wait()
