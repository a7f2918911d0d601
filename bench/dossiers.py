#!/usr/bin/env python3
"""Canonical metrics, agreement groups and reprint groups over an ingested data folder.

    .venv/bin/python bench/dossiers.py --data /tmp/nc-bench-ingest          # after bench/ingest.py --keep
    .venv/bin/python bench/dossiers.py --data DIR --draw 60 > sample.jsonl   # a new sample to read
    .venv/bin/python bench/dossiers.py --data DIR --conflicts 20             # + 20 conflicts to read

Prints the coverage of `metric_key` over every claim (share of claims with a key, by dimension
and by key), how many claims can be compared (have a comparison key) and the groups by status
(with --conflicts N, N conflict groups drawn at random with their sentences, to read),
the reprint groups by size, and the accuracy of the metric keys on the claims of
bench/data/metric_sample.jsonl, read and judged by hand (`ok`: the key names what the figure
measures; a claim without a key is judged on whether a taxonomy key should have applied).
The sample was drawn with `--draw` (a fixed seed) from the corpus ingest; a label whose claim
no longer has the judged key is reported as stale rather than counted.
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "data" / "metric_sample.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="data folder (newsclaims.sqlite3 inside)")
    ap.add_argument("--labels", default=str(SAMPLE))
    ap.add_argument("--draw", type=int, help="print N random claims (half with a key) as JSONL to judge, and stop")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--conflicts", type=int, default=0, help="also print N conflict groups drawn at random, to read")
    args = ap.parse_args()
    db = sqlite3.connect(Path(args.data) / "newsclaims.sqlite3")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT c.id, c.dimension, c.raw, c.sentence, c.metric, g.metric_key, g.bucket, g.status,"
                      " g.group_id FROM claims c LEFT JOIN claim_agreement g ON g.claim_id = c.id").fetchall()
    if args.draw:
        rng = random.Random(args.seed)
        keyed = [r for r in rows if r["metric_key"]]
        other = [r for r in rows if not r["metric_key"]]
        for r in rng.sample(keyed, args.draw // 2) + rng.sample(other, args.draw - args.draw // 2):
            print(json.dumps({"claim": r["id"], "raw": r["raw"], "sentence": r["sentence"],
                              "metric_key": r["metric_key"], "ok": None, "note": ""}, ensure_ascii=False))
        return

    total = len(rows)
    print(f"claims {total}; with a metric_key {sum(1 for r in rows if r['metric_key']) / total:.1%}")
    by_dim, keyed_dim = Counter(r["dimension"] for r in rows), Counter(r["dimension"] for r in rows if r["metric_key"])
    print("  by dimension: " + ", ".join(f"{d} {keyed_dim[d] / n:.0%} of {n}" for d, n in by_dim.most_common()))
    keys = Counter(r["metric_key"] for r in rows if r["metric_key"])
    print("  most frequent keys: " + ", ".join(f"{k} {n}" for k, n in keys.most_common(20)))
    compared = [r for r in rows if r["bucket"]]
    print(f"comparable (a comparison key) {len(compared)} = {len(compared) / total:.1%} of claims")
    groups: dict[str, str] = {r["group_id"]: r["status"] for r in compared}
    status = Counter(groups.values())
    print("groups: " + ", ".join(f"{s} {status[s]}" for s in ("single", "agree", "conflict")))
    several = status["agree"] + status["conflict"]
    if several:
        print(f"  of the {several} groups of two stories or more: agree {status['agree'] / several:.1%},"
              f" conflict {status['conflict'] / several:.1%}")
    keys_of = Counter(r["metric_key"] for r in compared if r["status"] == "agree")
    print("  claims in agree groups by key: " + ", ".join(f"{k} {n}" for k, n in keys_of.most_common(10)))
    if args.conflicts:
        conflict_ids = sorted(g for g, st in groups.items() if st == "conflict")
        drawn = random.Random(args.seed).sample(conflict_ids, min(args.conflicts, len(conflict_ids)))
        for gid in sorted(drawn):
            members = db.execute("SELECT g.bucket, c.article_id, a.source, a.published, c.raw, c.sentence"
                                 " FROM claim_agreement g JOIN claims c ON c.id = g.claim_id"
                                 " JOIN articles a ON a.id = c.article_id WHERE g.group_id = ? ORDER BY c.value",
                                 (gid,)).fetchall()
            print(f"conflict {gid} {members[0]['bucket']}")
            for m in members:
                print(f"    {m['article_id']} {m['source']} {(m['published'] or '')[:10]} {m['raw']}: {m['sentence'][:90]}")
    stories = Counter(r[0] for r in db.execute("SELECT story FROM reprint_groups"))
    sizes = Counter(stories.values())
    articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"reprint groups {len(stories)} holding {sum(stories.values())} of {articles} articles;"
          f" sizes " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))

    path = Path(args.labels)
    if not path.exists():
        return
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    current = {r["id"]: r["metric_key"] for r in rows}
    judged = [lab for lab in labels if lab["ok"] is not None and current.get(lab["claim"], "?") == lab["metric_key"]]
    stale = len([lab for lab in labels if lab["ok"] is not None]) - len(judged)
    for with_key in (True, False):
        part = [lab for lab in judged if bool(lab["metric_key"]) == with_key]
        if part:
            right = sum(1 for lab in part if lab["ok"])
            what = "claims given a key: key right" if with_key else "claims left without a key: rightly"
            print(f"sample, {what} {right}/{len(part)} = {right / len(part):.0%}")
    if stale:
        print(f"sample: {stale} labels stale (the claim's key changed since it was judged)")


if __name__ == "__main__":
    main()
