#!/usr/bin/env python3
"""Cross-checks listdigest against digest_counts.py, the independent count.

For every ISO week of each real inbox in tests/data, runs
`listdigest digest --id WEEK --format json` and digest_counts.py --week WEEK,
and compares messages, patches, replies, pulls and the contributor, domain
and reviewer tables (addresses and counts; display names are chosen over the
whole archive by listdigest and over the range by the script, so they are
not compared). Exits 1 on any difference.

usage: crosscheck.py LISTDIGEST_BINARY WORK_DIR
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
INBOXES = {
    "kvmarm-2021-03-3epochs": ["kvmarm-2021-03-3epochs-v2-epoch%d.bundle" % e for e in range(3)],
    "kvmarm-oddities": ["kvmarm-oddities-v2-epoch0.bundle"],
    "misc-real": ["misc-real-v2-epoch0.bundle"],
}


def clone(work, name, bundles):
    inbox = os.path.join(work, name)
    if not os.path.isdir(inbox):
        for i, bundle in enumerate(bundles):
            subprocess.run(["git", "clone", "-q", "--mirror", os.path.join(DATA, bundle),
                            os.path.join(inbox, "git", "%d.git" % i)], check=True)
    return inbox


def weeks(inbox):
    seen = set()
    git = os.path.join(inbox, "git")
    for epoch in sorted(os.listdir(git)):
        out = subprocess.run(["git", "--git-dir", os.path.join(git, epoch), "log",
                              "--format=%cd", "--date=format-local:%G-W%V"],
                             check=True, capture_output=True, text=True,
                             env=dict(os.environ, TZ="UTC")).stdout
        seen.update(out.split())
    return sorted(seen)


def table(rows, key):
    return [(r[key], r["count"]) for r in rows]


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failures = checked = 0
    for name, bundles in INBOXES.items():
        inbox = clone(work, name, bundles)
        config = os.path.join(work, name + ".toml")
        with open(config, "w") as f:
            f.write('list = "x"\n[archive]\npath = "%s"\n[digests]\nperiod = "week"\n' % inbox)
        for week in weeks(inbox):
            ours = subprocess.run([binary, "digest", "--config", config, "--id", week,
                                   "--format", "json"], capture_output=True, text=True)
            theirs = json.loads(subprocess.run(
                [sys.executable, os.path.join(HERE, "digest_counts.py"), inbox, "--week", week],
                check=True, capture_output=True, text=True).stdout)
            if ours.returncode != 0:
                if theirs["messages"] == 0:
                    continue  # only deleted mail that week: no digest on either side
                print("FAIL %s %s: listdigest: %s" % (name, week, ours.stderr.strip()))
                failures += 1
                continue
            ours = json.loads(ours.stdout)
            checked += 1
            for key in ("messages", "patches", "replies", "pulls"):
                if ours[key] != theirs[key]:
                    print("FAIL %s %s %s: listdigest %s, independent %s"
                          % (name, week, key, ours[key], theirs[key]))
                    failures += 1
            for key, field in (("contributors", "email"), ("domains", "domain"),
                               ("reviewers", "email")):
                if table(ours[key], field) != table(theirs[key], field):
                    print("FAIL %s %s %s:\n  listdigest  %s\n  independent %s"
                          % (name, week, key, table(ours[key], field), table(theirs[key], field)))
                    failures += 1
    print("crosscheck: %d passed, %d failed" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
