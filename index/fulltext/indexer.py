"""The derived Whoosh index of passages: open it, turn articles into documents, write them.

A passage document is a plain dict whose keys are the fields of `index.fulltext.schema.passage_schema`:

    {"id": "a1-p3", "article_id": "a1", "index": 3, "kind": "body", "text": "…",
     "title": "…", "source": "…", "published": datetime(2024, 3, 23), "has_claims": True,
     "dimensions": "count money", "metrics": "total_investment"}

`title`, `source` and `published` are left out when unknown; `"heads": True` marks a heading
followed by the body paragraph it heads (`passage_documents`). SQLite is the source of truth;
everything here can be thrown away and rebuilt with `rebuild`. Writers wait at most `timeout`
seconds for Whoosh's own lock and then raise `whoosh.index.LockError`: callers serialise
writes with their own file lock and turn a wait that is too long into 503.
"""
from __future__ import annotations

import datetime as dt
import os
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq

from index.fulltext.schema import INDEXED_KINDS, passage_schema
from index.fulltext import merging
from index.fulltext.files import GraceStorage
from index.models import paragraph_id

SECTION_HEADS = ("heading",)  # kinds marked `heads` when a body paragraph follows them
WRITE_TIMEOUT = 10.0          # seconds a writer waits for Whoosh's lock before LockError


def open_index(path: str | Path, create: bool = True):
    """Open the index in `path`; create an empty one (and the folder) when there is none.

    :raise whoosh.index.EmptyIndexError: no index there and `create` is false.
    """
    path = Path(path)
    try:
        if whoosh_index.exists_in(str(path)):
            return GraceStorage(str(path)).open_index()
    except (ImportError, AttributeError, pickle.UnpicklingError) as err:
        # the stored schema names classes by module path: one written before a module moved
        # cannot be loaded, so it is another schema (the caller rebuilds the derived index)
        if not create:
            raise whoosh_index.EmptyIndexError(f"unreadable passage index in {path}: {err}") from err
        return create_index(path)
    if not create:
        raise whoosh_index.EmptyIndexError(f"no passage index in {path}")
    return create_index(path)


def create_index(path: str | Path):
    """A new, empty index in `path` (the folder is created), replacing any index there."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    # remove the old index's files now: deferred deletion would keep its _MAIN_0.toc in the way
    for old in path.iterdir():
        if old.is_file():
            old.unlink()
    return GraceStorage(str(path)).create_index(passage_schema())


def schema_is_current(ix) -> bool:
    """Whether the index was written with this code's schema (else: `rebuild` it)."""
    return ix.schema == passage_schema()


def _get(obj, *names, default=None):
    """The first present attribute or key of `obj` among `names`."""
    for name in names:
        if isinstance(obj, Mapping):
            if obj.get(name) is not None:
                return obj[name]
        elif getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def _datetime(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value)[:10])


def _dimension(claim) -> str | None:
    quantity = _get(claim, "quantity")
    return _get(quantity, "dimension") if quantity is not None else _get(claim, "dimension")


def passage_document(article, paragraph, claims: Iterable = ()) -> dict:
    """The index document of one paragraph.

    `article`: a models.Article, a store.StoredArticle or a dict (id, title, source, published).
    `paragraph`: a models.Paragraph or a store row dict (id, idx or index, kind, text).
    `claims`: the paragraph's claims, as models.Claim or store rows (anything with a dimension).
    """
    article_id = _get(article, "id")
    index = int(_get(paragraph, "index", "idx", default=0))
    doc = {
        "id": _get(paragraph, "id", default=None) or paragraph_id(article_id, index),
        "article_id": article_id,
        "index": index,
        "kind": _get(paragraph, "kind", default="body"),
        "text": _get(paragraph, "text", default=""),
    }
    claims = list(claims)
    dimensions = sorted({d for d in map(_dimension, claims) if d})
    doc["has_claims"] = bool(dimensions)
    doc["dimensions"] = " ".join(dimensions)
    doc["metrics"] = " ".join(sorted({k for k in (_get(c, "metric_key") for c in claims) if k}))
    title = _get(article, "title")
    if title:
        doc["title"] = title
    source = _get(article, "source")
    if source:
        doc["source"] = source
    published = _datetime(_get(article, "published"))
    if published:
        doc["published"] = published
    return doc


def passage_documents(article, paragraphs: Iterable, claims_by_paragraph: Mapping | None = None) -> list[dict]:
    """The documents of an article's indexed paragraphs.

    `claims_by_paragraph` maps a paragraph's id or index to its claims; when it is None and
    `article` is a models.Article, pass its claims grouped with `claims_by_index`.
    """
    claims_by_paragraph = claims_by_paragraph or {}
    docs = []
    for paragraph in paragraphs:
        if _get(paragraph, "kind", default="body") not in INDEXED_KINDS:
            continue
        index = _get(paragraph, "index", "idx", default=0)
        key = _get(paragraph, "id")
        claims = claims_by_paragraph.get(key) if key is not None else None
        if claims is None:
            claims = claims_by_paragraph.get(index, ())
        docs.append(passage_document(article, paragraph, claims))
    # an article's documents are consecutive in the index, in this order: the next one is the
    # paragraph a heading heads
    for doc, following in zip(docs, docs[1:]):
        if doc["kind"] in SECTION_HEADS and following["kind"] == "body":
            doc["heads"] = True
    return docs


def claims_by_index(claims: Iterable) -> dict[int, list]:
    """Group models.Claim objects by Claim.paragraph (a paragraph index)."""
    grouped: dict[int, list] = {}
    for claim in claims:
        grouped.setdefault(claim.paragraph, []).append(claim)
    return grouped


def replace_articles(ix, docs_by_article: Mapping[str, Iterable[dict]], deletions: Iterable[str] = (),
                     timeout: float = WRITE_TIMEOUT) -> int:
    """Replace the passages of some articles and delete others: one writer, one commit, which
    also merges small segments (`merging.tiered`).

    Returns the number of documents added.
    :raise whoosh.index.LockError: another writer held Whoosh's lock for `timeout` seconds.
    """
    # separate segment files, read in place (no per-searcher copy, see segments.SegmentBuilder)
    writer = ix.writer(timeout=timeout, compound=False)
    added = 0
    try:
        # one searcher for all deletions: delete_by_term opens a new one per call (per article)
        gone = sorted(set(deletions) | set(docs_by_article))
        if gone:
            writer.delete_by_query(wq.Or([wq.Term("article_id", article_id) for article_id in gone]))
        for docs in docs_by_article.values():
            for doc in docs:
                writer.add_document(**doc)
                added += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=merging.tiered)
    return added


def rebuild(ix_path: str | Path, docs: Iterable[dict], procs: int | None = None,
            timeout: float = WRITE_TIMEOUT):
    """Replace the whole index in `ix_path` with `docs`; one commit; returns the index.

    An index with the current schema is cleared in the same commit that adds the new
    documents, so its generation keeps growing and open searchers see the change. An index
    with another schema (or none) is created afresh. Written with `segments.SegmentBuilder`
    (no posting sort: several times Whoosh's own writer), by `procs` forked processes (default:
    one per core) when this process runs a single thread and there are enough documents
    (`segments.build_segments`), else in this process.
    """
    from index.fulltext import segments

    path = Path(ix_path)
    ix = open_index(path, create=True)
    if not schema_is_current(ix):
        ix = create_index(path)
    built = segments.build_segments(ix.storage, ix.indexname, passage_schema(), docs,
                                     procs=procs if procs is not None else (os.cpu_count() or 1))
    segments.clear_and_add_segments(ix, built, timeout=timeout)
    return ix
