#!/usr/bin/env python3
"""Time extract_claims over corpus paragraphs, find_quantities excluded (precomputed).

    .venv/bin/python bench/extract_alone.py [--corpus ../shared/corpus/news.jsonl.gz] [--limit 3000]

Prints paragraphs, claims, paragraphs/s for extraction alone, and exceptions (must be 0).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.claims.extract import _posseg, extract_claims  # noqa: E402
from index.claims.quantities import find_quantities  # noqa: E402
from index.articles.segment import parse_article  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=3000, help="articles to read")
    args = ap.parse_args()
    articles = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= args.limit:
                break
            rec = json.loads(line)
            kw = {k: rec[k] for k in ("title", "published", "source", "url") if rec.get(k)}
            articles.append(parse_article(rec["text"], id=rec["id"], **kw))
    cache = {}
    for a in articles:
        for p in a.paragraphs:
            cache[p.text] = find_quantities(p.text)
    paragraphs = sum(len(a.paragraphs) for a in articles)
    extract_claims(articles[0], find_quantities=cache.__getitem__)   # load lexicons once
    _posseg()                                                           # and jieba's tagger
    errors = claims = 0
    t0 = time.perf_counter()
    for a in articles:
        try:
            claims += len(extract_claims(a, find_quantities=cache.__getitem__))
        except Exception:  # noqa: BLE001 - counted, must stay 0
            errors += 1
    dt = time.perf_counter() - t0
    print(f"articles={len(articles)} paragraphs={paragraphs} claims={claims} seconds={dt:.2f} "
          f"paragraphs_per_s={paragraphs / dt:.0f} exceptions={errors}")


if __name__ == "__main__":
    main()
