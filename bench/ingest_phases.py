#!/usr/bin/env python3
"""CPU seconds of each phase of the ingest, in one process, on the first N corpus records.

    .venv/bin/python bench/ingest_phases.py [--corpus ../shared/corpus/news.jsonl.gz] [--limit 3000]
                                            [--repeat 3]

`bench/ingest.py` times the real command, whose wall time and CPU seconds swing with the load
of the machine (2 cores shared). This runs what a worker and the parent do, one after the
other in this process, `--repeat` times over the same records into fresh folders, and prints
the smallest CPU time (time.process_time) of each phase: the figure least disturbed by other
processes, to compare two trees measured in the same minute (run each with PYTHONPATH set to
the tree). The package's memos (lru caches of inputs) are emptied before each run.

Phases, as in index/ingest.py: parse (clean + segment, `parse_article`/`parse_html`), claims
(`extract_claims`), metrics (`metrics.assign`), rest of prepare (digest, checks), analyse
(`segments.analyse`: jieba terms, postings), add (`SegmentBuilder.add`), finish
(`SegmentBuilder.finish`: the segment's files), pickle (a batch from worker to parent, both
ways), store (`Store.put_articles`: SQLite rows, and inside it the dossier layers: reprint
and agreement groups).
"""
from __future__ import annotations

import argparse
import functools
import gc
import itertools
import pickle
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"

import index  # noqa: E402
from index import ingest, library as library_module  # noqa: E402
from index.cli.commands import as_date, read_records  # noqa: E402
from index.errors import EmptyArticle, InvalidId  # noqa: E402
from index.fulltext import indexer, segments  # noqa: E402
from index.fulltext.schema import passage_schema  # noqa: E402
from index.library import Library  # noqa: E402
try:
    from index.store import layers  # noqa: E402
except ImportError:          # a tree before the dossier layers
    layers = None

clock = time.process_time
spent: dict[str, float] = defaultdict(float)


def timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += clock() - started
    return wrapper


# the functions Library.prepare calls, by the names it calls them with
# (an older tree lacks some of them: they are then left out)
for name, phase in (("parse_article", "parse"), ("parse_html", "parse"), ("extract_claims", "claims")):
    if hasattr(library_module, name):
        setattr(library_module, name, timed(phase, getattr(library_module, name)))
if hasattr(library_module, "metrics"):
    library_module.metrics.assign = timed("metrics", library_module.metrics.assign)
for name in ("forget", "add", "finish") if layers else ():
    if hasattr(layers.Layers, name):
        setattr(layers.Layers, name, timed("layers", getattr(layers.Layers, name)))


def forget_memos() -> None:
    """Empty the package's memos of inputs (bounded lru_caches, per-process dicts), as in a new
    worker: a second run over the same records would otherwise find every answer cached. The
    tables built once per process (functools.cache, unbounded) stay."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("index.") or module is None:
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if callable(info) and info().maxsize is not None:
                value.cache_clear()
        for memo in ("_recent", "_cache"):          # fulltext.segments, store.reprints
            found = getattr(module, memo, None)
            if isinstance(found, dict):
                found.clear()


def run_once(records: list[dict]) -> dict[str, float]:
    spent.clear()
    forget_memos()
    folder = Path(tempfile.mkdtemp(prefix="nc-bench-phases-", dir="/tmp"))
    try:
        lib = Library(folder)
        schema = passage_schema()
        builder = segments.SegmentBuilder(lib.ix.storage, lib.ix.indexname, schema)
        out = {}
        gc.collect()
        for start in range(0, len(records), 200):
            t0 = clock()
            items = []
            for record in records[start:start + 200]:
                try:
                    items.append(lib.prepare(record.get("text") or "", id=record["id"], **ingest._meta(record)))
                except (EmptyArticle, InvalidId):
                    pass
            t1 = clock()
            rows = [segments.analyse(schema, doc) for article, claims, _ in items
                    for doc in indexer.passage_documents(article, article.paragraphs, indexer.claims_by_index(claims))]
            t2 = clock()
            for row in rows:
                builder.add(row)
            t3 = clock()
            items = pickle.loads(pickle.dumps(items, pickle.HIGHEST_PROTOCOL))
            t4 = clock()
            if items:
                lib.store.put_articles(items)
            t5 = clock()
            for name, seconds in (("prepare", t1 - t0), ("analyse", t2 - t1), ("add", t3 - t2),
                                  ("pickle", t4 - t3), ("store", t5 - t4)):
                out[name] = out.get(name, 0.0) + seconds
            gc.collect(1)
            gc.freeze()              # as a worker does after each batch
        t0 = clock()
        builder.finish()
        out["finish"] = clock() - t0
        gc.unfreeze()
        out.update(spent)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--limit", type=int, default=3000, help="first N records")
    ap.add_argument("--repeat", type=int, default=3, help="runs; the smallest time of each phase is printed")
    args = ap.parse_args()
    records = list(itertools.islice(read_records(Path(args.corpus)), args.limit))
    records = ingest.unique_records([r | {"published": as_date(r.get("published"))} for r in records])
    ingest._warm_up()
    runs = [run_once(records) for _ in range(args.repeat)]
    best = {name: min(run.get(name, 0.0) for run in runs) for name in runs[0]}
    prepare = best["prepare"]
    print(f"code             {Path(index.__file__).parent}")
    print(f"records          {len(records)} (best of {args.repeat} runs, CPU seconds)")
    print(f"prepare          {prepare:6.2f}  (parse {best.get('parse', 0):.2f}, claims {best.get('claims', 0):.2f},"
          f" metrics {best.get('metrics', 0):.2f})")
    for name in ("analyse", "add", "finish", "pickle"):
        print(f"{name:16s} {best[name]:6.2f}")
    print(f"store            {best['store']:6.2f}  (layers {best.get('layers', 0):.2f})")
    total = sum(best[name] for name in ("prepare", "analyse", "add", "finish", "pickle", "store"))
    print(f"total            {total:6.2f}")


if __name__ == "__main__":
    sys.exit(main())
