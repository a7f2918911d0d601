#!/usr/bin/env python3
"""Search relevance and speed without the HTTP service.

    python bench/search_offline.py                      # seeds + qrels: recall@10, MRR, nDCG@10
    python bench/search_offline.py --corpus /tmp/nc-corpus-index   # + build/latency on the corpus

Relevance follows ../shared/eval/score_search.py exactly (a hit is relevant when it belongs to
the judged article and contains the judged context, NFKC and white space ignored; binary
gains). The corpus (../shared/corpus/news.jsonl.gz) is for internal testing only: its index
goes to the folder given, never into the project.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from index.fulltext import indexer  # noqa: E402
from index.fulltext.searcher import PassageSearcher  # noqa: E402
from search import judge, scorer  # noqa: E402 - bench/search.py: score_search.py's rules, counted once



def paragraphs_of(text: str, article_id: str):
    """Paragraphs via index.articles.segment.parse_article when it exists, else one per non-blank line."""
    try:
        from index.articles.segment import parse_article
    except ImportError:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return ({"id": article_id, "title": lines[0] if lines else None},
                [{"index": i, "kind": "title" if i == 0 else "body", "text": line} for i, line in enumerate(lines)])
    article = parse_article(text, id=article_id)
    return article, article.paragraphs


def seed_documents(seeds: Path):
    for path in sorted(seeds.glob("*.txt")):
        article, paragraphs = paragraphs_of(path.read_text(encoding="utf-8"), path.stem)
        yield from indexer.passage_documents(article, paragraphs)


def relevance(searcher, qrels, norm_text, passage_of, k=10, verbose=True):
    def ranked_of(query):
        page = searcher.search(query, per_page=k, highlight=False, with_total=False)
        return [passage_of({"passage": {"article_id": h.article_id, "text": h.text}}) for h in page.hits][:k]

    def report(query, found, relevant, gains, ndcg):
        if verbose and (found < relevant or ndcg < 0.999):
            print(f"  {query}: found {found}/{relevant}, gains {''.join(map(str, gains))}, ndcg {ndcg:.3f}")

    recall, mrr, ndcg = judge(qrels, ranked_of, norm_text, k, on_query=report)
    return {"queries": len(qrels), "recall@k": round(recall, 3), "mrr": round(mrr, 3), "ndcg@k": round(ndcg, 3)}


def corpus_documents(path: Path, limit: int | None = None):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                break
            record = json.loads(line)
            paragraphs = [{"index": i, "kind": "body", "text": p}
                          for i, p in enumerate(s for s in record["text"].split("\n") if s.strip())]
            yield from indexer.passage_documents(record, paragraphs)


def latency(searcher, queries, rounds=3, cache=False):
    """Per-query wall time (ms) of library-level searches with highlights, after a warm-up.

    Without `cache`, the searcher's result cache is off, so every search runs the query.
    """
    from index.fulltext import searcher as searcher_module
    saved = searcher_module.RESULT_CACHE_SIZE
    searcher_module.RESULT_CACHE_SIZE = saved if cache else 0
    try:
        return _latency(searcher, queries, rounds)
    finally:
        searcher_module.RESULT_CACHE_SIZE = saved


def _latency(searcher, queries, rounds):
    for q in queries:
        searcher.search(q)
    times = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            searcher.search(q)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"queries": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "max_ms": round(times[-1], 2)}


def sample_queries(searcher, n=200, seed=7):
    """1-2 word queries drawn from the index's own vocabulary (2+ character Han words)."""
    reader = searcher._state().searcher.reader()
    words = [t.decode("utf-8") for t in reader.lexicon("text")]
    words = [w for w in words if len(w) >= 2 and "\u4e00" <= w[0] <= "\u9fff"
             and reader.doc_frequency("text", w) >= 5]
    rng = random.Random(seed)
    return [" ".join(rng.sample(words, rng.choice((1, 2)))) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    ap.add_argument("--corpus", type=Path, help="build a corpus index in this folder (under /tmp) and time it")
    ap.add_argument("--corpus-limit", type=int, default=None, help="articles of the corpus to index")
    ap.add_argument("--procs", type=int, default=None, help="rebuild sub-processes (default: automatic)")
    ap.add_argument("--reuse", action="store_true", help="reuse an existing corpus index")
    args = ap.parse_args()

    norm_text, passage_of = scorer(args.shared)
    qrels = [json.loads(line) for line in (args.shared / "gold" / "seeds.qrels.jsonl").open(encoding="utf-8")
             if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        docs = list(seed_documents(args.seeds))
        ix = indexer.rebuild(Path(tmp) / "ix", docs)
        print(f"seeds: {len(docs)} passages indexed in {time.perf_counter() - started:.2f} s")
        searcher = PassageSearcher(ix)
        summary = relevance(searcher, qrels, norm_text, passage_of)
        print(" ".join(f"{k}={v}" for k, v in summary.items()))
        print("seeds latency:", latency(searcher, [q["query"] for q in qrels]))
        searcher.close()

    if args.corpus:
        corpus = args.shared / "corpus" / "news.jsonl.gz"
        if not args.reuse:
            started = time.perf_counter()
            count = 0

            def counted(docs):
                nonlocal count
                for doc in docs:
                    count += 1
                    yield doc
            ix = indexer.rebuild(args.corpus, counted(corpus_documents(corpus, args.corpus_limit)),
                                   procs=args.procs)
            elapsed = time.perf_counter() - started
            print(f"corpus: {count} passages indexed in {elapsed:.1f} s ({count / elapsed:.0f} passages/s)")
        else:
            ix = indexer.open_index(args.corpus, create=False)
        searcher = PassageSearcher(ix)
        queries = sample_queries(searcher)
        print("corpus latency (1-2 words, highlights, total):", latency(searcher, queries))
        fast = {k: v for k, v in latency(_NoTotal(searcher), queries).items()}
        print("corpus latency (with_total=False):", fast)
        print("corpus latency (repeated queries, result cache on):", latency(searcher, queries, cache=True))


class _NoTotal:
    def __init__(self, searcher):
        self.searcher = searcher

    def search(self, q):
        return self.searcher.search(q, with_total=False)


if __name__ == "__main__":
    main()
