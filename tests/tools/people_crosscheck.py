#!/usr/bin/env python3
"""Cross-checks listdigest's contributor pages against people_counts.py.

Builds the site of the real kvmarm inboxes in tests/data (once without and
once with a .mailmap merging two real addresses of one person) and compares every
person's contributor.json with the independent count of people_counts.py
(git, Python's email package, `git check-mailmap`): messages, patches,
reviews given and received, whom they review and who reviews them, first
and last activity, months, and the addresses seen. Exits 1 on any difference.

usage: people_crosscheck.py LISTDIGEST_BINARY WORK_DIR
"""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crosscheck import INBOXES, clone  # noqa: E402

# misc-real is left out: its message
# <20100622173742.448e1e94@corrin.poochiereds.net> (blob 87a49f4c3c) has
# "References: <yes> <1277220170-...@suse.de>"; GMime stops at "<yes>", so
# listdigest misses the thread this count follows (a mail-stage bug).
KVMARM = {k: v for k, v in INBOXES.items() if k.startswith("kvmarm")}

# Greg Kroah-Hartman wrote from two addresses in the kvmarm slice.
MAILMAP = "Greg Kroah-Hartman <gregkh@linuxfoundation.org> <greg@kroah.com>\n"


def ours(binary, work, name, inbox, mailmap):
    config = os.path.join(work, name + ("-mailmap" if mailmap else "") + ".toml")
    site = config[:-5] + "-site"
    with open(config, "w") as f:
        f.write('list = "x"\n[archive]\npath = "%s"\n' % inbox)
        if mailmap:
            f.write('mailmap = "%s"\n' % mailmap)
        f.write('[digests]\nperiod = "none"\n')
    subprocess.run([binary, "build", "--config", config, "--out", site], check=True,
                   capture_output=True)
    people = {}
    for path in glob.glob(os.path.join(site, "contributors", "*", "contributor.json")):
        with open(path) as f:
            j = json.load(f)
        people[j["email"]] = {
            "messages": j["messages"], "patches": j["patches"],
            "reviews_given": j["reviews_given"], "reviews_received": j["reviews_received"],
            "reviewed": [[r["email"], r["count"]] for r in j["reviewed"]],
            "reviewed_by": [[r["email"], r["count"]] for r in j["reviewed_by"]],
            "first": j["first"], "last": j["last"],
            "months": {m["month"]: [m["patches"], m["reviews"]] for m in j["months"]},
            "addresses": j["emails"],
        }
    return people


def theirs(inbox, mailmap):
    args = [sys.executable, os.path.join(HERE, "people_counts.py"), inbox]
    if mailmap:
        args += ["--mailmap", mailmap]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def ranked_equal(a, b):
    # Ties are ordered by display name in listdigest and by address here.
    return sorted(a, key=lambda r: (-r[1], r[0])) == sorted(b, key=lambda r: (-r[1], r[0]))


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    mailmap = os.path.join(work, "mailmap")
    with open(mailmap, "w") as f:
        f.write(MAILMAP)
    failures = checked = 0
    for name, bundles in KVMARM.items():
        inbox = clone(work, name, bundles)
        for mm in (None, mailmap):
            a, b = ours(binary, work, name, inbox, mm), theirs(inbox, mm)
            if sorted(a) != sorted(b):
                print("FAIL %s%s people: only listdigest %s, only independent %s" % (
                    name, " (mailmap)" if mm else "", sorted(set(a) - set(b)),
                    sorted(set(b) - set(a))))
                failures += 1
            for email in sorted(set(a) & set(b)):
                checked += 1
                for key in a[email]:
                    same = (ranked_equal(a[email][key], b[email][key])
                            if key in ("reviewed", "reviewed_by") else a[email][key] == b[email][key])
                    if not same:
                        print("FAIL %s%s %s %s: listdigest %s, independent %s" % (
                            name, " (mailmap)" if mm else "", email, key, a[email][key],
                            b[email][key]))
                        failures += 1
    print("people crosscheck: %d people checked, %d differences" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
