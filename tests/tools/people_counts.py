#!/usr/bin/env python3
"""Independent count of listdigest's per-person statistics (contributor pages).

Written apart from the C++ code, from the rules of DESIGN.md and README.md
("Contributors"): the archive is read with the git command line, mail is
parsed with Python's `email` package (through digest_counts.py, the digest
counter), and the .mailmap is applied by `git check-mailmap`, not libgit2.

    python3 people_counts.py ARCHIVE [--mailmap FILE] [--range FROM..TO] [EMAIL ...]

Counts over the whole archive, or over the messages of `git rev-list
FROM..TO` (threads are still followed through the whole archive). Prints JSON
on stdout: for each person (every one, or the EMAILs asked for, lower-cased
after the mailmap) the fields below.

- messages: messages whose author (in-body From:, else From:) or sender
  (From:) is the person
- patches: patch messages (cover letters included, not replies or pulls)
  whose author is the person
- reviews_given: replies carrying a Reviewed-by/Acked-by/Tested-by naming
  their own sender, counted once per reply
- reviews_received: such reviews whose nearest patch up the thread
  (In-Reply-To when it is in the archive, else the newest References id
  that is) was authored by the person, the reviewer being someone else
- reviewed / reviewed_by: [email, count] of those reviews, most first
- first, last: committer times of the person's first and last message
- months: {"YYYY-MM": [patches, reviews_given]} by committer time in UTC
- addresses: every address the person used (lower-cased, before the mailmap)
"""
import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import digest_counts as dc  # noqa: E402  (git reading, MIME parsing, patch/reply rules)

IDS = re.compile(r"<([^<>\s]+)>")


def ids(value):
    """The message ids of a header value, without <>, in order."""
    text = str(value or "")
    found = IDS.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [text.strip()]
    return found


class Mailmap:
    """Resolves (name, address) pairs with `git check-mailmap`."""

    def __init__(self, gitdir, path):
        self.gitdir, self.path, self.cache = gitdir, path, {}

    def resolve_all(self, pairs):
        todo = sorted({p for p in pairs if p[1] and p not in self.cache})
        if not self.path:
            for name, addr in todo:
                self.cache[(name, addr)] = addr.lower()
            return
        for i in range(0, len(todo), 200):
            chunk = todo[i:i + 200]
            args = [f"{n} <{a}>" if n else f"<{a}>" for n, a in chunk]
            out = subprocess.run(
                ["git", "--git-dir", self.gitdir, "-c", "mailmap.file=" + self.path,
                 "check-mailmap", *args], capture_output=True, check=True, text=True).stdout
            for pair, line in zip(chunk, out.splitlines()):
                self.cache[pair] = line[line.rindex("<") + 1:line.rindex(">")].lower()

    def key(self, pair):
        return self.cache.get(pair, pair[1]) if pair[1] else "unknown@invalid"


def month(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m")


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive")
    ap.add_argument("--mailmap")
    ap.add_argument("--range")
    ap.add_argument("emails", nargs="*")
    args = ap.parse_intermixed_args()

    dirs = dc.epochs(args.archive)
    history = [c for d in dirs for c in dc.commits(d)]
    deleted = {d for _, _, _, d in history if d}
    kept = [(c, t, m) for c, t, m, _ in history if m and m not in deleted]
    selected = {c for c, _, _ in kept}
    if args.range:
        frm, to = args.range.split("..")
        order = [c for c, _, _, _ in history]
        lo = order.index(dc.resolve(dirs, frm)) + 1
        hi = order.index(dc.resolve(dirs, to)) + 1
        selected = {c for c, _, _, _ in history[lo:hi]}
    contents = dc.read_blobs(dirs, [m for _, _, m in kept])

    msgs = []
    for commit, time, blob in kept:
        raw = contents[blob]
        m = dc.parse(raw)
        mail = dc.email.message_from_bytes(raw, policy=dc.email.policy.default)
        mid = (ids(mail.get("message-id")) or [""])[0]
        irt = (ids(mail.get("in-reply-to")) or [""])[0]
        refs = [r for r in ids(mail.get("references")) if r != mid]
        reviewers = set()  # addresses named by review trailers, as written
        for body in dc.text_parts(mail):
            for line in body.splitlines():
                t = dc.TRAILER.match(line)
                if t:
                    for a, b in dc.ADDR.findall(t.group(1)):
                        reviewers.add(("", (a or b).lower()))
        m.update(commit=commit, time=time, mid=mid, irt="" if irt == mid else irt, refs=refs,
                 trailer_addrs=reviewers)
        msgs.append(m)

    mailmap = Mailmap(dirs[0], os.path.abspath(args.mailmap) if args.mailmap else None)
    pairs = set()
    for m in msgs:
        pairs.update([m["author"], m["sender"], *m["trailer_addrs"]])
    mailmap.resolve_all(pairs)

    first_with_id = {}
    for i, m in enumerate(msgs):
        first_with_id.setdefault(m["mid"], i)
        m["author_key"] = mailmap.key(m["author"])
        m["sender_key"] = mailmap.key(m["sender"])
        m["review"] = m["reply"] and any(
            mailmap.key(a) == m["sender_key"] for a in m["trailer_addrs"])

    def parent(i):
        m = msgs[i]
        p = first_with_id.get(m["irt"], -1) if m["irt"] else -1
        for ref in reversed(m["refs"]):
            if p >= 0:
                break
            p = first_with_id.get(ref, -1)
        return -1 if p == i else p

    def patch_above(i):
        seen, at = set(), parent(i)
        while at >= 0 and at not in seen:
            seen.add(at)
            if msgs[at]["patch"]:
                return at
            at = parent(at)
        return -1

    people = collections.defaultdict(lambda: {
        "messages": 0, "patches": 0, "reviews_given": 0, "reviews_received": 0,
        "reviewed": collections.Counter(), "reviewed_by": collections.Counter(),
        "times": [], "months": collections.defaultdict(lambda: [0, 0]), "addresses": set()})
    for i, m in enumerate(msgs):
        if m["commit"] not in selected:
            continue
        for key, pair in {m["author_key"]: m["author"], m["sender_key"]: m["sender"]}.items():
            p = people[key]
            p["messages"] += 1
            p["times"].append(m["time"])
        for key, pair in ((m["author_key"], m["author"]), (m["sender_key"], m["sender"])):
            if pair[1]:
                people[key]["addresses"].add(pair[1])
        if m["patch"]:
            people[m["author_key"]]["patches"] += 1
            people[m["author_key"]]["months"][month(m["time"])][0] += 1
        if m["review"]:
            reviewer = m["sender_key"]
            people[reviewer]["reviews_given"] += 1
            people[reviewer]["months"][month(m["time"])][1] += 1
            target = patch_above(i)
            if target >= 0 and msgs[target]["author_key"] != reviewer:
                author = msgs[target]["author_key"]
                people[author]["reviews_received"] += 1
                people[author]["reviewed_by"][reviewer] += 1
                people[reviewer]["reviewed"][author] += 1

    def ranked(counter):
        return [[k, n] for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]

    out = {}
    for key in sorted(people):
        if args.emails and key not in [e.lower() for e in args.emails]:
            continue
        p = people[key]
        out[key] = {
            "messages": p["messages"], "patches": p["patches"],
            "reviews_given": p["reviews_given"], "reviews_received": p["reviews_received"],
            "reviewed": ranked(p["reviewed"]), "reviewed_by": ranked(p["reviewed_by"]),
            "first": iso(min(p["times"])), "last": iso(max(p["times"])),
            "months": dict(sorted(p["months"].items())),
            "addresses": sorted(p["addresses"]),
        }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
