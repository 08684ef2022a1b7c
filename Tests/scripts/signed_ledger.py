#!/usr/bin/env python3
"""Writes a signed policy and a long signed ledger into a repository, for `make bench`.

    signed_ledger.py REPO ENTRIES

refs/relflow/policy gets one commit (policy.toml naming one person with every role and a
fresh Ed25519 key), refs/relflow/ledger gets ENTRIES `deliver` entries, each a commit signed
in the SSHSIG format git uses for gpg.format = ssh. Objects are written as loose objects
directly (signing 10,000 commits through ssh-keygen would take minutes). Prints the path of
a file holding the ref update of one more signed entry (for timing the pre-receive hook).
Needs the `cryptography` package.
"""
import base64
import hashlib
import json
import os
import struct
import sys
import time
import zlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

repo, count = sys.argv[1], int(sys.argv[2])
git_dir = os.path.join(repo, ".git") if os.path.isdir(os.path.join(repo, ".git")) else repo
key = Ed25519PrivateKey.generate()
raw_pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sstr(b):
    return struct.pack(">I", len(b)) + b


pub_blob = sstr(b"ssh-ed25519") + sstr(raw_pub)
pub_line = "ssh-ed25519 " + base64.b64encode(pub_blob).decode()


def write(kind, body):
    data = b"%s %d\0" % (kind, len(body)) + body
    oid = hashlib.sha1(data).hexdigest()
    path = os.path.join(git_dir, "objects", oid[:2], oid[2:])
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(zlib.compress(data, 1))
    return oid


def sshsig(data):
    signed = b"SSHSIG" + sstr(b"git") + sstr(b"") + sstr(b"sha512") + sstr(hashlib.sha512(data).digest())
    sig = key.sign(signed)
    blob = (b"SSHSIG" + struct.pack(">I", 1) + sstr(pub_blob) + sstr(b"git") + sstr(b"") + sstr(b"sha512")
            + sstr(sstr(b"ssh-ed25519") + sstr(sig)))
    b64 = base64.b64encode(blob).decode()
    return ["-----BEGIN SSH SIGNATURE-----"] + [b64[i:i + 70] for i in range(0, len(b64), 70)] + ["-----END SSH SIGNATURE-----"]


def signed_commit(tree, parent, when, message):
    who = f"Ada Lovelace <ada@example.com> {when} +0000"
    head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + f"author {who}\ncommitter {who}\n"
    unsigned = (head + "\n" + message).encode()
    lines = sshsig(unsigned)
    gpgsig = "gpgsig " + "\n ".join(lines) + "\n"
    return write(b"commit", (head + gpgsig + "\n" + message).encode())


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


start = int(time.time()) - count - 600
policy_text = ("version = 1\nthreshold = 1\n\n[gate]\napprovals = 1\nauto_paths = []\n\n[[person]]\nname = \"Ada Lovelace\"\n"
               "email = \"ada@example.com\"\nkeys = [\"%s\"]\nroles = [\"admin\", \"release\", \"approve\", \"promote\", \"rollback\", \"deliver\"]\n"
               % pub_line)
blob = write(b"blob", policy_text.encode())
tree = write(b"tree", b"100644 policy.toml\0" + bytes.fromhex(blob))
policy = signed_commit(tree, None, start - 60, "policy v1\n")
empty = write(b"tree", b"")


def entry(i, when):
    body = {"actor": {"email": "ada@example.com", "name": "Ada Lovelace"}, "details": {"environment": "production", "policy": "1", "status": "success"},
            "event": "deliver", "schema": 1, "tag": "v0.1.0", "time": iso(when), "timestamp": when, "version": "0.1.0"}
    return "deliver v0.1.0: success to production\n\n" + json.dumps(body, sort_keys=True, indent=2, separators=(",", " : ")) + "\n"


tip = None
for i in range(count):
    when = start + i
    tip = signed_commit(empty, tip, when, entry(i, when))
with open(os.path.join(git_dir, "packed-refs"), "a") as f:
    pass
os.makedirs(os.path.join(git_dir, "refs", "relflow"), exist_ok=True)
with open(os.path.join(git_dir, "refs", "relflow", "policy"), "w") as f:
    f.write(policy + "\n")
with open(os.path.join(git_dir, "refs", "relflow", "ledger"), "w") as f:
    f.write(tip + "\n")
now = int(time.time())
one_more = signed_commit(empty, tip, now, entry(count, now))
push = os.path.join(git_dir, "relflow-bench-push.txt")
with open(push, "w") as f:
    f.write(f"{tip} {one_more} refs/relflow/ledger\n")
print(push)
