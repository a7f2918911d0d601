#!/usr/bin/env python3
"""Score project lookup (GET /claims?project=) against a gold set without the HTTP service.

Extracts the gold's articles (seed files, or corpus records), stores them in a temporary SQLite
store (the real index.store code, so the registry builds its projects as in the service), then
resolves each gold query with index.store.registry.resolve and compares the claims of the
projects it designates, as (article, value, unit), with the gold claims of that project, exactly
as ../shared/eval/score_projects.py does. Prints misses and one summary line.

    .venv/bin/python bench/score_projects_offline.py --gold ../shared/gold/corpus-dev.projects.jsonl \
        --corpus ../shared/corpus/news.jsonl.gz
    .venv/bin/python bench/score_projects_offline.py --gold ../shared/gold/seeds.projects.jsonl
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from eval_path import ROOT  # noqa: E402 - the project and ../shared/eval on sys.path

from score_claims import canon, load_corpus  # noqa: E402

from index.articles.segment import parse_article  # noqa: E402
from index.claims.extract import extract_claims  # noqa: E402
from index.store import registry  # noqa: E402
from index.store.database import Store  # noqa: E402


def key(article, value, unit):
    value, unit = canon(value, unit)
    return (os.path.splitext(str(article))[0], None if value is None else float(f"{value:.9g}"), unit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", required=True)
    ap.add_argument("--articles-dir", default=str(ROOT / "seeds"))
    ap.add_argument("--corpus", help="JSONL(.gz) corpus whose record ids are named in the gold")
    args = ap.parse_args()
    gold = [json.loads(line) for line in open(args.gold, encoding="utf-8") if line.strip()]
    ids = sorted({c["article"] for g in gold for c in g["claims"]})
    records = load_corpus(args.corpus, set(ids)) if args.corpus else {}
    items = []
    for article_id in ids:
        if article_id in records:
            rec = records[article_id]
            meta = {k: rec[k] for k in ("title", "source", "url") if rec.get(k)}
            if rec.get("published"):
                meta["published"] = dt.date.fromisoformat(rec["published"][:10])
            art = parse_article(rec["text"], id=article_id, **meta)
        else:
            text = Path(args.articles_dir, article_id).read_text(encoding="utf-8")
            art = parse_article(text, id=os.path.splitext(article_id)[0])
        items.append((art, extract_claims(art), article_id))
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "newsclaims.sqlite3")
        store.put_articles(items)
        aliases = store.project_aliases()
        precisions, recalls = [], []
        for g in gold:
            matches = registry.resolve(g["query"], aliases)
            rows = store.claims_of_projects([m.project_id for m in matches])
            got = {key(r["article_id"], r["value"], r["unit"]) for r in rows}
            want = {key(c["article"], c["value"], c["unit"]) for c in g["claims"]}
            hit = len(got & want)
            precisions.append(hit / len(got) if got else 0.0)
            recalls.append(hit / len(want) if want else 1.0)
            if precisions[-1] < 1 or recalls[-1] < 1:
                names = [aliases[m.project_id][0] for m in matches][:3]
                print(f"{g['query']}: precision={precisions[-1]:.2f} recall={recalls[-1]:.2f} projects={names} "
                      f"missing={sorted(want - got)[:3]} extra={sorted(got - want)[:3]}")
        store.close()
    print(f"queries={len(gold)} precision={sum(precisions) / len(gold):.3f} recall={sum(recalls) / len(gold):.3f}")


if __name__ == "__main__":
    main()
