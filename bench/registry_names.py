#!/usr/bin/env python3
"""Sample project names from a data folder's registry and print the share that pass the name rules.

    .venv/bin/python bench/registry_names.py --data /tmp/nc-bench-ingest [--sample 200] [--seed 0] [--show]

Run it after a corpus ingest (`bench/ingest.py --keep`, or `newsclaims ingest` into a folder under
/tmp). A registry name passes when index.claims.projects.find_project_names, reading the name
alone, finds it whole: a work or project suffix, a proper head, no verb phrase, count, date,
comparison, description or event (index/data/project_names.json, work_types.json), and it
identifies its project (index.store.registry.identified: a place, a firm, a proper noun or an
abbreviation; a nameless one is registered with its place in front). Names registered by an
older extractor may fail; the share says how many. `--show` lists the sample with a mark per
name (✗ fails the name rules, ? identifies nothing), for reading them by hand (the real test:
is it a named project?).
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.claims.projects import find_project_names  # noqa: E402
from index.store.registry import identified  # noqa: E402


def passes(name: str) -> bool:
    return [(s, e) for s, e, _ in find_project_names(name)] == [(0, len(name))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="data folder holding newsclaims.sqlite3")
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", action="store_true", help="list the sampled names, failing ones marked ✗")
    args = ap.parse_args()
    db = sqlite3.connect(f"file:{Path(args.data) / 'newsclaims.sqlite3'}?mode=ro", uri=True)
    names = sorted(row[0] for row in db.execute("SELECT name FROM projects"))
    if not names:
        sys.exit(f"no projects in {args.data}")
    sample = random.Random(args.seed).sample(names, min(args.sample, len(names)))
    ok = [passes(n) for n in sample]
    named = [identified(n) for n in sample]
    if args.show:
        for name, good, known in zip(sample, ok, named):
            print(("✗ " if not good else "? " if not known else "  ") + name)
    both = sum(a and b for a, b in zip(ok, named))
    print(f"projects={len(names)} sampled={len(sample)} pass={sum(ok)} share={sum(ok) / len(sample):.3f}"
          f" identified={sum(named)} both={both} share_both={both / len(sample):.3f}")


if __name__ == "__main__":
    main()
