"""Benchmark the claim extractor: corpus throughput, and money P/R against jionlp on the seeds gold.

    .venv/bin/python bench/extract.py [--corpus ../shared/corpus/news.jsonl.gz] [--limit N] [--no-jionlp]

Part 1 runs segmentation + extraction over every corpus article on one core and prints
articles/s, paragraphs/s and claims found per dimension. Part 2 reads the seeds with our
segmentation, then extracts money amounts with ours and with jionlp's `extract_money`
(bench-only dependency: pip install -e '.[bench]') from the same paragraphs, and scores both
against the money claims of the gold with the official matching rules (value + unit, the
paragraph contains the gold context): precision over all money predictions, recall over core
money claims.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED / "eval"))

from index.claims.extract import extract_claims  # noqa: E402
from index.articles.segment import parse_article  # noqa: E402
from score_claims import norm_text, same_quantity  # noqa: E402


def corpus_records(path: Path, limit: int | None):
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def as_date(value):
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def throughput(path: Path, limit: int | None) -> None:
    records = list(corpus_records(path, limit))
    started = time.perf_counter()
    paragraphs = claims = 0
    by_dimension = collections.Counter()
    for record in records:
        article = parse_article(record["text"], id=record["id"], title=record.get("title"),
                                published=as_date(record.get("published")), source=record.get("source"))
        paragraphs += len(article.paragraphs)
        found = extract_claims(article)
        claims += len(found)
        by_dimension.update(c.quantity.dimension for c in found)
    elapsed = time.perf_counter() - started
    print(f"corpus: {len(records)} articles, {paragraphs} paragraphs in {elapsed:.1f} s on one core: "
          f"{len(records) / elapsed:,.0f} articles/s, {paragraphs / elapsed:,.0f} paragraphs/s; "
          f"{claims} claims ({dict(by_dimension.most_common())})")


def score(predictions: dict[str, list[tuple[dict, str]]], gold: dict[str, list[dict]]) -> tuple[float, float, int]:
    """Precision over predictions, recall over core gold claims; each gold claim matches once."""
    correct = total = found_core = core = 0
    for article, golds in gold.items():
        preds = predictions.get(article, [])
        used: set[int] = set()
        matched: set[int] = set()
        for gi, g in enumerate(golds):
            context = norm_text(g["context"])
            for pi, (pred, paragraph) in enumerate(preds):
                if pi not in used and same_quantity(pred, g) and context in norm_text(paragraph):
                    used.add(pi)
                    matched.add(gi)
                    break
        total += len(preds)
        correct += len(used)
        core += sum(1 for g in golds if g["core"])
        found_core += sum(1 for gi, g in enumerate(golds) if g["core"] and gi in matched)
    return (correct / total if total else 0.0), (found_core / core if core else 0.0), total


def money_comparison(use_jionlp: bool) -> None:
    gold: dict[str, list[dict]] = collections.defaultdict(list)
    for line in (SHARED / "gold" / "seeds.claims.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and (g := json.loads(line))["dimension"] == "money":
            gold[g["article"]].append(g)
    ours: dict[str, list] = collections.defaultdict(list)
    theirs: dict[str, list] = collections.defaultdict(list)
    extract_money = None
    if use_jionlp:
        try:
            import jionlp
            extract_money = jionlp.ner.extract_money
        except ImportError:
            print("jionlp is not installed (pip install -e '.[bench]'): skipping its column")
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        article = parse_article(seed.read_text(encoding="utf-8"), id=seed.stem)
        texts = {p.index: p.text for p in article.paragraphs}
        for claim in extract_claims(article):
            if claim.quantity.dimension == "money":
                ours[seed.name].append(({"value": str(claim.quantity.value), "unit": claim.quantity.unit},
                                        texts[claim.paragraph]))
        if extract_money:
            for paragraph in article.paragraphs:
                for money in extract_money(paragraph.text, with_parsing=True):
                    detail = money.get("detail") or {}
                    if detail.get("case") in ("元", "人民币"):
                        theirs[seed.name].append(({"value": detail.get("num"), "unit": "元"}, paragraph.text))
    p, r, n = score(ours, gold)
    print(f"money on the seeds gold ({sum(map(len, gold.values()))} gold money claims):")
    print(f"  newsclaims  precision={p:.3f} recall_core={r:.3f} predicted={n}")
    if extract_money:
        p, r, n = score(theirs, gold)
        print(f"  jionlp      precision={p:.3f} recall_core={r:.3f} predicted={n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "news.jsonl.gz")
    parser.add_argument("--limit", type=int, help="only the first N corpus articles")
    parser.add_argument("--no-jionlp", action="store_true")
    args = parser.parse_args()
    money_comparison(not args.no_jionlp)
    if args.corpus.exists():
        throughput(args.corpus, args.limit)
    else:
        print(f"no corpus at {args.corpus}: throughput skipped")


if __name__ == "__main__":
    main()
