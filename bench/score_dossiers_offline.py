#!/usr/bin/env python3
"""score_dossiers.py's figures without the HTTP service, with the reasons behind each miss.

Adds every corpus record the two gold files name to a data folder through the Library (as the
scorer POSTs them: a fresh temporary folder, or --data, a copy of a whole-corpus folder, where
the records replace themselves), then scores reprints and claim groups with the scorer's own
matching (../shared/eval/score_claims.py: same_quantity, norm_text, passage_text). For each
gold group missed it prints, per mention, the claim matched and what its comparison key is made
of: project, scope, metric_key, period, release, bucket, group and status.

    .venv/bin/python bench/score_dossiers_offline.py --corpus ../shared/corpus/news.jsonl.gz \
        --reprints ../shared/gold/corpus-dev.reprints.jsonl \
        --groups ../shared/gold/corpus-dev.claim_groups.jsonl [--data /tmp/copy-of-corpus] [--all]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import sqlite3
import tempfile
from pathlib import Path

import eval_path  # noqa: E402,F401 - the project and ../shared/eval on sys.path

from score_claims import norm_text, passage_text, same_quantity  # noqa: E402

from index.library import Library  # noqa: E402


def load_records(path, wanted):
    out = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["id"] in wanted:
                out[r["id"]] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--reprints", required=True)
    ap.add_argument("--groups", required=True)
    ap.add_argument("--data", help="data folder to add the records to (default: a new temporary one)")
    ap.add_argument("--all", action="store_true", help="explain every group, not only the misses")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    reprints = [json.loads(line) for line in open(args.reprints, encoding="utf-8") if line.strip()]
    groups = [json.loads(line) for line in open(args.groups, encoding="utf-8") if line.strip()]
    wanted = {a for r in reprints for a in r["records"]} | {m["article"] for g in groups for m in g["mentions"]}
    records = load_records(args.corpus, wanted)
    data = args.data or tempfile.mkdtemp(prefix="nc-dossiers-")
    lib = Library(data)
    for rid in sorted(wanted):
        rec = records[rid]
        meta = {k: rec[k] for k in ("title", "source", "url") if rec.get(k)}
        if rec.get("published"):
            try:
                meta["published"] = dt.date.fromisoformat(rec["published"][:10])
            except ValueError:
                pass
        lib.add_article(rec["text"], id=rid, **meta)

    group_of = {rid: (lib.article(rid) or {}).get("reprint_group") for rid in sorted(wanted)}
    pairs = kept = apart = distinct = 0
    for r in reprints:
        if r["kind"] == "reprint":
            for a, b in itertools.combinations(r["records"], 2):
                pairs += 1
                ok = group_of.get(a) is not None and group_of.get(a) == group_of.get(b)
                kept += ok
                if not ok:
                    print(f"reprint pair not grouped: {a} {b}")
        else:
            a, b = r["records"][:2]
            distinct += 1
            ok = not (group_of.get(a) is not None and group_of.get(a) == group_of.get(b))
            apart += ok
            if not ok:
                print(f"distinct pair grouped as reprints: {a} {b}")

    db = sqlite3.connect(Path(data) / "newsclaims.sqlite3")
    cache = {}

    def claims_of(rid):
        if rid not in cache:
            art = lib.article(rid) or {}
            paras = {str(p["id"]): p.get("text", "") for p in art.get("paragraphs", [])}
            cache[rid] = (lib.claims_of_article(rid) or [], paras)
        return cache[rid]

    def find(m):
        preds, paras = claims_of(m["article"])
        ctx = norm_text(m["context"])
        for p in preds:
            if same_quantity(p, m) and ctx in norm_text(passage_text(p, paras)):
                return p
        return None

    def explain(m, p):
        if p is None:
            near = [c["raw"] for c in claims_of(m["article"])[0] if same_quantity(c, m)]
            return f"    {m['article']} {m['raw']}: not found (same value elsewhere: {near})"
        row = db.execute("SELECT scope, bucket, release FROM claim_agreement WHERE claim_id = ?", (p["id"],)).fetchone()
        scope, bucket, release = row if row else (None, None, None)
        a = p.get("agreement") or {}
        return (f"    {m['article']} {m['raw']}: metric={p.get('metric')!r} key={p.get('metric_key')} "
                f"project={p.get('project')!r} subject={p.get('subject')!r} scope={scope!r} "
                f"period={p.get('period')} release={release} bucket={bucket} -> {a.get('group')} {a.get('status')}")

    tally = {k: [0, 0] for k in ("agree", "conflict", "evolves", "distinct_scope")}
    false_conflicts = 0
    for g in groups:
        found = [find(m) for m in g["mentions"]]
        agreements = [(p or {}).get("agreement") or {} for p in found]
        ids = [a.get("group") for a in agreements]
        st = g["status"]
        tally[st][1] += 1
        if st in ("agree", "conflict"):
            ok = all(p is not None for p in found) and ids[0] is not None and len(set(ids)) == 1 \
                and agreements[0].get("status") == st
        else:
            ok = not any(a.get("group") is not None and a.get("group") == b.get("group") and a.get("status") == "conflict"
                         for a, b in itertools.combinations(agreements, 2))
            false_conflicts += not ok
        tally[st][0] += ok
        if not ok or args.all:
            print(f"{'ok' if ok else 'MISS'} {st}: {g['subject']} / {g['metric']}")
            for m, p in zip(g["mentions"], found):
                print(explain(m, p))
    summary = {"reprint_pair_recall": round(kept / pairs, 3) if pairs else None,
               "distinct_kept_apart": round(apart / distinct, 3) if distinct else None,
               **{k: round(v[0] / v[1], 3) if v[1] else None for k, v in tally.items()},
               "false_conflicts": false_conflicts, "groups": len(groups)}
    print(json.dumps(summary, ensure_ascii=False) if args.json else " ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
