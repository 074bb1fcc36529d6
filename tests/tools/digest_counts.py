#!/usr/bin/env python3
"""Independent reference implementation of listdigest's digest counts.

The C++ end-to-end test runs this script next to `listdigest digest --format
json` and compares the counts.  It shares no code with the generator: it reads
the archive with the git command line and parses mail with Python's `email`
package, following the rules of DESIGN.md ("Archive", "Messages", "Digest
counts") as literally as possible.  Keep it small and obvious; when the two
disagree, this file should be the easy one to check by eye.

    python3 digest_counts.py ARCHIVE (--range FROM..TO | --week 2021-W10 | --all)

ARCHIVE is a public-inbox v2 folder (git/0.git, git/1.git, ...) or one bare
repository (a v1 inbox, or a single v2 epoch).  Prints JSON on stdout.
"""
import argparse
import collections
import datetime
import email
import email.headerregistry
import email.policy
import email.utils
import json
import os
import re
import subprocess
import sys

REPLY = re.compile(r"^\s*(?:(?:re|aw)(?:\[\d+\])?:\s*)+", re.I)
TAGS = re.compile(r"^\s*((?:\[[^\]]*\]\s*)*)")
PATCH = re.compile(r"\bPATCH", re.I)
PULL = re.compile(r"\bPULL\b", re.I)
# At the start of a line: so never in quoted (">") text, and not indented.
TRAILER = re.compile(r"^(?:Reviewed|Acked|Tested)-by:(.*)$", re.I)
ADDR = re.compile(r"<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+)")


def git(gitdir, *args, data=None):
    return subprocess.run(["git", "--git-dir", gitdir, *args], input=data,
                          capture_output=True, check=True).stdout


def epochs(path):
    """The git directories of the archive, in reading order."""
    top = os.path.join(path, "git")
    if not os.path.isdir(top):
        return [path]
    nums = sorted(int(n[:-4]) for n in os.listdir(top)
                  if n.endswith(".git") and n[:-4].isdigit())
    return [os.path.join(top, f"{n}.git") for n in nums]


def commits(gitdir):
    """[(commit, committer time, message blob or None, deleted blob or None)]."""
    log = git(gitdir, "log", "--reverse", "--format=%H %ct").decode().split()
    pairs = list(zip(log[0::2], log[1::2]))
    query = "".join(f"{c}:m\n{c}:d\n" for c, _ in pairs).encode()
    out = git(gitdir, "cat-file", "--batch-check=%(objectname)", data=query)
    out = out.decode().splitlines()
    if any(not line.endswith("missing") for line in out):  # v2: blobs m / d
        return [(c, int(t), None if m.endswith("missing") else m,
                 None if d.endswith("missing") else d)
                for (c, t), m, d in zip(pairs, out[0::2], out[1::2])]
    # v1: the message of a commit is the file it added (a removed file is a
    # deletion)
    result = []
    for c, t in pairs:
        raw = git(gitdir, "diff-tree", "--root", "-r", "--no-renames",
                  "--no-commit-id", c).decode().splitlines()
        added = [r.split()[3] for r in raw if r.split()[4] == "A"]
        removed = [r.split()[2] for r in raw if r.split()[4] == "D"]
        result.append((c, int(t), added[0] if added else None,
                       removed[0] if removed else None))
    return result


def read_blobs(dirs, blobs):
    """{blob id: bytes}, reading each epoch with one `git cat-file --batch`."""
    found = {}
    for gitdir in dirs:
        todo = [b for b in dict.fromkeys(blobs) if b not in found]
        out = git(gitdir, "cat-file", "--batch",
                  data="".join(b + "\n" for b in todo).encode())
        pos = 0
        for blob in todo:
            end = out.index(b"\n", pos)
            head = out[pos:end].split()
            pos = end + 1
            if head[-1] == b"missing":
                continue
            size = int(head[2])
            found[blob] = out[pos:pos + size]
            pos += size + 1
    return found


def resolve(dirs, rev):
    for gitdir in dirs:
        r = subprocess.run(["git", "--git-dir", gitdir, "rev-parse", "--verify",
                            "-q", rev + "^{commit}"], capture_output=True)
        if r.returncode == 0:
            return r.stdout.decode().strip()
    sys.exit(f"unknown commit {rev}")


def fold(text):
    return re.sub(r"\s+", " ", str(text)).strip()


def address(header):
    """(display name, lower-cased address) of a From: header or line."""
    if not isinstance(header, email.headerregistry.BaseHeader):
        try:  # a raw in-body line: parse it (RFC 2047 words decoded)
            header = email.policy.default.header_factory("From", header or "")
        except Exception:
            pass
    addrs = getattr(header, "addresses", None)
    if addrs and addrs[0].addr_spec:
        return fold(addrs[0].display_name), addrs[0].addr_spec.lower()
    name, addr = email.utils.parseaddr(str(header or ""))
    return fold(name), addr.strip().lower()


def text_parts(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            try:
                yield part.get_content()
            except Exception:
                payload = part.get_payload(decode=True) or b""
                yield payload.decode("utf-8", "replace")


def parse(blob):
    msg = email.message_from_bytes(blob, policy=email.policy.default)
    subject = fold(msg.get("subject", ""))
    bodies = list(text_parts(msg))
    sender = address(msg.get("from", ""))
    author = sender
    if bodies:  # in-body From: as the first non-empty line of the first part
        lines = [ln for ln in bodies[0].splitlines() if ln.strip()]
        if lines and lines[0].startswith("From:"):
            inbody = address(lines[0][5:])
            if inbody[1]:
                author = inbody
    reply = bool(REPLY.match(subject))
    tags = TAGS.match(subject).group(1)
    pull = not reply and bool(PULL.search(tags))
    patch = not reply and not pull and bool(PATCH.search(tags))
    reviewed = False
    for body in bodies:
        for line in body.splitlines():
            m = TRAILER.match(line)
            if m:
                for a, b in ADDR.findall(m.group(1)):
                    if (a or b).lower() == sender[1]:
                        reviewed = True
    return dict(reply=reply, patch=patch, pull=pull, author=author,
                sender=sender, reviewed=reviewed)


def people(pairs):
    """pairs: [(name, addr)] -> [{"name", "email", "count"}], sorted."""
    counts = collections.Counter(addr for _, addr in pairs)
    names = collections.defaultdict(collections.Counter)
    for name, addr in pairs:
        local = addr.split("@")[0]
        real = bool(name) and name.lower() != local
        names[addr][(real, name or local)] += 1
    rows = []
    for addr, count in counts.items():
        # a real name first, then the most used, then the first seen
        best = max(names[addr].items(), key=lambda kv: (kv[0][0], kv[1]))
        rows.append({"name": best[0][1], "email": addr, "count": count})
    rows.sort(key=lambda r: (-r["count"], r["name"], r["email"]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--range")
    g.add_argument("--week")
    g.add_argument("--all", action="store_true", help="the whole history")
    args = ap.parse_args()

    dirs = epochs(args.archive)
    history = [c for d in dirs for c in commits(d)]
    deleted = {d for _, _, _, d in history if d}
    if args.all:
        selected = history
    elif args.range:
        frm, to = args.range.split("..")
        ids = [c for c, _, _, _ in history]
        lo = ids.index(resolve(dirs, frm)) + 1
        hi = ids.index(resolve(dirs, to)) + 1
        selected = history[lo:hi]
    else:
        def week(t):
            y, w, _ = datetime.datetime.fromtimestamp(
                t, datetime.timezone.utc).isocalendar()
            return f"{y}-W{w:02d}"
        selected = [c for c in history if week(c[1]) == args.week]

    blobs = [m for _, _, m, _ in selected if m and m not in deleted]
    contents = read_blobs(dirs, blobs)
    msgs = [parse(contents[b]) for b in blobs]
    patches = [m for m in msgs if m["patch"]]
    reviews = [m for m in msgs if m["reply"] and m["reviewed"]]
    domains = collections.Counter(m["author"][1].rpartition("@")[2]
                                  for m in patches)
    out = {
        "messages": len(msgs),
        "patches": len(patches),
        "replies": sum(m["reply"] for m in msgs),
        "pulls": sum(m["pull"] for m in msgs),
        "contributors": people([m["author"] for m in patches]),
        "domains": [{"domain": d, "count": n} for d, n in
                    sorted(domains.items(), key=lambda kv: (-kv[1], kv[0]))],
        "reviewers": people([m["sender"] for m in reviews]),
    }
    json.dump(out, sys.stdout, sort_keys=True, indent=1)
    print()


if __name__ == "__main__":
    main()
