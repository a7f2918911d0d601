"""Bulk ingest: many articles into a data folder, on every core, with one index commit.

    summary = ingest_records(library, records, batch=200, procs=None, progress=None)

What `Library.add_articles` does per batch (store, then index), rearranged for throughput:

- Worker processes (fork) do the CPU work: clean and segment (`Library.prepare`), extract
  claims, and analyse each passage for the index (`segments.analyse`: jieba words, postings).
  Each worker writes its passages into its own new Whoosh segment (`segments.SegmentBuilder`),
  so neither analysis nor posting lists cross a process boundary. The parent loads the
  segmenters' dictionaries before forking (shared copy-on-write, `gc.freeze` so collections
  do not copy them) and sends each worker the indices of its records, which it inherited.
- The parent writes each batch to SQLite as it arrives: one transaction per batch (article,
  paragraphs and claims of each article together, `synchronous=FULL` as always), so an
  interruption never leaves half an article, and a new run skips what is stored (same id,
  same input digest).
- At the end the parent commits the workers' segments to the index in one Whoosh commit
  (deleting the old passages of replaced articles) and records the database's generation
  beside the index.

The whole run holds the data folder's write lock: other writers wait (and get 503 after
their timeout). If the run is interrupted, the database holds whole batches and the index
lags; the next `Library(...)` (any command, the service) brings the index up to date from
the database, as after any crash between the two commits.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from index.forking import exit_with_parent, receive
from index.fulltext import segments
from index.fulltext import indexer
from index.errors import EmptyArticle, InvalidId
from index.library import Library, content_id, input_digest
from index.locking import write_lock
from index.fulltext.schema import passage_schema

INLINE_BELOW = 400            # fewer new articles than this: no worker processes
IN_FLIGHT = 4                 # batches queued per worker


@dataclass
class Summary:
    done: int = 0
    claims: int = 0
    skipped: int = 0
    rejected: list[tuple[str | None, str]] = field(default_factory=list)


def _meta(record: dict) -> dict:
    return {"title": record.get("title"), "published": record.get("published"),
            "source": record.get("source"), "url": record.get("url"), "format": record.get("format") or "text"}


def _prepare_batch(library: Library, records: list[dict], builder, schema):
    """Prepare each record; add its passages to `builder`. Returns (prepared, rejected)."""
    prepared, rejected = [], []
    for record in records:
        try:
            item = library.prepare(record.get("text") or "", id=record["id"], **_meta(record))
        except (EmptyArticle, InvalidId) as err:
            rejected.append((record.get("given_id"), str(err)))
            continue
        article, claims, _ = item
        for doc in indexer.passage_documents(article, article.paragraphs, indexer.claims_by_index(claims)):
            builder.add(segments.analyse(schema, doc))
        prepared.append(item)
    return prepared, rejected


def _warm_up() -> None:
    """Load the segmenters: rjieba's, and jieba's tagger for speakers' names (~1.1 s)."""
    from index.claims.extract import warm_up
    from index.fulltext.analysis import fast_segmenter

    fast_segmenter()
    warm_up()


def _worker(library: Library, records: list[dict], tasks, results, parent: int) -> None:
    """Process batches from `tasks` until None; then finish the segment and report it.

    A task names its records by their index in `records`, which the worker inherited from the
    parent at the fork: the texts are not pickled and sent again.
    """
    exit_with_parent(parent)
    schema = passage_schema()
    ix = library.ix
    builder = segments.SegmentBuilder(ix.storage, ix.indexname, schema)
    try:
        _warm_up()                        # loaded by the parent before the fork: a no-op
        while True:
            task = tasks.get()
            if task is None:
                break
            number, indices = task
            prepared, rejected = _prepare_batch(library, [records[i] for i in indices], builder, schema)
            results.put(("batch", number, prepared, rejected))
            # What survives a batch is the segment's postings, kept to the end: without this,
            # every full collection walks all of them again (~8% of the worker's time).
            gc.collect(1)
            gc.freeze()
            if builder.postings >= segments.SEGMENT_POSTINGS:
                results.put(("segment", builder.finish()))
                builder = segments.SegmentBuilder(ix.storage, ix.indexname, schema)
        results.put(("segment", builder.finish() if builder.docnum else None))
        results.put(("done",))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def unique_records(records: Iterable[dict]) -> list[dict]:
    """Records with their article id settled (given, or from the content); the last of each id wins."""
    out: dict[str, dict] = {}
    for record in records:
        given = record.get("id")
        article_id = given if given else content_id(record.get("text") or "")
        out.pop(article_id, None)
        out[article_id] = record | {"id": article_id, "given_id": given}
    return list(out.values())


def ingest_records(library: Library, records: Iterable[dict], batch: int = 200, procs: int | None = None,
                   progress: Callable[[int], None] | None = None) -> Summary:
    """Store and index `records` (dicts: text and optional id, title, published, source, url).

    Idempotent by article id: a record whose id is stored with the same input digest is skipped.
    `progress(n)` is called as records are done. `procs` worker processes (default: the CPU
    count, none for fewer than INLINE_BELOW new articles).
    """
    summary = Summary()
    progress = progress or (lambda n: None)
    records = unique_records(records)
    procs = procs if procs is not None else (os.cpu_count() or 1)
    # workers are forked before the write lock is taken, so they never hold its descriptor
    pool = _Workers(library, procs, records) if len(records) >= INLINE_BELOW and procs > 1 else None
    try:
        with write_lock(library.lock_path, library.write_timeout):
            _ingest_locked(library, records, batch, pool, summary, progress)
    finally:
        if pool is not None:
            pool.stop()
    return summary


def _ingest_locked(library: Library, records: list[dict], batch: int, pool, summary: Summary, progress) -> None:
    library._catch_up()                  # the index is at the database's generation from here on
    since, own = library.index_generation(), set()      # own: the generations this run writes
    batches, replaced = [], set()           # batches of indices into `records`
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        known = library.store.digests(r["id"] for r in chunk)
        todo = []
        for index, record in enumerate(chunk, start):
            old = known.get(record["id"])
            if old is not None and old == input_digest(record.get("text") or "", _meta(record)):
                summary.skipped += 1
                continue
            if old is not None:
                replaced.add(record["id"])
            todo.append(index)
        if todo:
            batches.append(todo)
    progress(summary.skipped)
    if not batches:
        return
    if pool is None or sum(map(len, batches)) < INLINE_BELOW:
        built = _run_inline(library, [[records[i] for i in b] for b in batches], summary, progress, own)
    else:
        built = pool.run(batches, lambda p, r: _store(library, p, r, summary, progress, own))
    segments.add_segments(library.ix, built, delete_ids=replaced)
    # with a shared database other nodes may have written meanwhile: their changes too
    library._catch_up_foreign(since, own)


def _store(library: Library, prepared, rejected, summary: Summary, progress, own: set[int]) -> None:
    if prepared:
        generations = []
        library.store.put_articles(prepared, generations)
        own.update(generations)
    summary.done += len(prepared)
    summary.claims += sum(len(claims) for _, claims, _ in prepared)
    summary.rejected += rejected
    progress(len(prepared) + len(rejected))


def _run_inline(library: Library, batches, summary: Summary, progress, own: set[int]) -> list:
    schema = passage_schema()
    builder = segments.SegmentBuilder(library.ix.storage, library.ix.indexname, schema)
    for records in batches:
        prepared, rejected = _prepare_batch(library, records, builder, schema)
        _store(library, prepared, rejected, summary, progress, own)
    return [builder.finish()] if builder.docnum else []


class _Workers:
    """`procs` forked worker processes fed batches through a queue."""

    def __init__(self, library: Library, procs: int, records: list[dict]):
        # The segmenters' dictionaries (~180 MB, ~1.1 s to load) are loaded once, here, and
        # shared with the workers copy-on-write. Freezing the parent's objects keeps the
        # workers' collections from touching (and so copying) those pages, and from walking
        # the records on every full collection.
        _warm_up()
        gc.freeze()
        context = multiprocessing.get_context("fork")
        self.tasks, self.results = context.Queue(maxsize=procs * IN_FLIGHT), context.Queue()
        self.processes = [context.Process(target=_worker, args=(library, records, self.tasks, self.results,
                                                                os.getpid()), daemon=True) for _ in range(procs)]
        for process in self.processes:
            process.start()
        self.finished = 0

    def run(self, batches, store) -> list:
        """Send every batch (indices into the records), `store(prepared, rejected)` each result;
        returns the workers' segments."""
        built, closed = [], False
        pending = list(enumerate(batches))
        pending.reverse()
        while self.finished < len(self.processes):
            # keep the queue fed without blocking on it while results wait
            while pending and not self.tasks.full():
                self.tasks.put(pending.pop())
            if not pending and not closed:
                for _ in self.processes:
                    self.tasks.put(None)          # workers never block on results: this put returns
                closed = True
            message = receive(self.results, self.processes, "an ingest worker")
            kind = message[0]
            if kind == "batch":
                store(message[2], message[3])
            elif kind == "segment":
                if message[1] is not None:
                    built.append(message[1])
            elif kind == "done":
                self.finished += 1
            else:
                raise RuntimeError("an ingest worker failed:\n" + message[1])
        return built

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive() and self.finished < len(self.processes):
                process.terminate()
            process.join()
        gc.unfreeze()


__all__ = ["ingest_records", "unique_records", "Summary"]
