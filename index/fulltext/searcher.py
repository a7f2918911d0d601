"""Search passages: user words -> a Whoosh query we build ourselves (query.py) -> ranked
(ranking.py), highlighted (highlight.py) hits.

Read-only; one long-lived Whoosh searcher per thread, refreshed when the index changed.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.scoring import BM25F

from index.errors import QueryError
from index.fulltext import facets, ranking
from index.fulltext.facets import FACETS
from index.fulltext.facets import count as count_facets
from index.fulltext.highlight import highlight_html, spans_of
from index.fulltext.query import filter_query, parse_query

MAX_PAGE_DEPTH = 10000       # page * per_page beyond this is refused (deep paging is costly)
FILTER_CACHE_SIZE = 64       # filter document sets kept per searcher
RESULT_CACHE_SIZE = 256      # result pages kept per searcher (same query, filters and page)
WARM_SECONDS = 0.8           # at most this long decoding common words' postings before serving
# Passages range from a 10-character heading to 500-character paragraphs: weaken BM25's length
# normalisation (0.75 is usual) so one mention in a heading does not outrank several in a body paragraph.
BM25_B, BM25_K1 = 0.5, 1.2
NO_DOCS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class Hit:
    passage_id: str
    article_id: str
    index: int
    kind: str
    text: str
    highlight: str | None     # HTML-escaped text with <mark>…</mark> around matched words
    score: float


@dataclass(frozen=True)
class SearchPage:
    total: int | None         # matching passages; None when not counted (with_total=False)
    hits: list[Hit]           # shared with a cache: read, do not change
    facets: dict | None = None    # {facet: [{"value", "count"}, …]} over every match, when asked


# -- the searcher -----------------------------------------------------------------------------

class _ThreadState:
    def __init__(self, searcher):
        self.searcher = searcher
        self.filters: OrderedDict = OrderedDict()
        self.pages: OrderedDict = OrderedDict()


class PassageSearcher:
    """Long-lived and thread-safe: one Whoosh searcher per thread, refreshed when stale."""

    def __init__(self, ix, weighting=None):
        self.ix = ix
        self.weighting = weighting or BM25F(B=BM25_B, K1=BM25_K1)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._states: list[_ThreadState] = []

    def _state(self) -> _ThreadState:
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = _ThreadState(self.ix.searcher(weighting=self.weighting))
            with self._lock:
                self._states.append(state)
        elif not state.searcher.up_to_date():      # another writer committed: read its writes
            # a new searcher, not Searcher.refresh(): reusing segment readers across commits
            # intermittently raises ReaderClosed under concurrent writes (tests/test_concurrency.py)
            old, state.searcher = state.searcher, self.ix.searcher(weighting=self.weighting)
            old.close()
            ranking.forget_segments(state.searcher.reader())
            facets.forget_segments(state.searcher.reader())
            state.filters.clear()
            state.pages.clear()
        return state

    def _filter(self, state, fq):
        """The document set of a filter query, cached per searcher generation."""
        if fq is None:
            return None
        key = repr(fq)
        docs = state.filters.get(key)
        if docs is None:
            docs = np.array(sorted(state.searcher.docs_for_query(fq)), dtype=np.int64)
            state.filters[key] = docs
            while len(state.filters) > FILTER_CACHE_SIZE:
                state.filters.popitem(last=False)
        else:
            state.filters.move_to_end(key)
        return docs

    def search(self, q: str, page: int = 1, per_page: int = 10, source: str | None = None,
               published_from=None, published_to=None, has_claims: bool | None = None,
               dimension: str | None = None, kind=None, highlight: bool = True,
               with_total: bool = True, facets=()) -> SearchPage:
        """Rank the passages matching `q` under the filters; one page of hits, and the counts
        of `facets` (names in facets.FACETS) over every match.

        A query with nothing to search for (punctuation only) matches nothing.
        :raise QueryError: a bad date, a page out of range or an unknown facet.
        """
        if page < 1 or per_page < 1 or page * per_page > MAX_PAGE_DEPTH:
            raise QueryError(f"page * per_page must be between 1 and {MAX_PAGE_DEPTH}")
        facets = tuple(dict.fromkeys(facets))
        unknown = [name for name in facets if name not in FACETS]
        if unknown:
            raise QueryError(f"unknown facet {unknown[0]!r}: use {', '.join(FACETS)}")
        state = self._state()
        key = (q, page, per_page, source, str(published_from), str(published_to), has_claims, dimension,
               str(kind), highlight, with_total, facets)
        cached = state.pages.get(key)
        if cached is not None:            # common queries cost a full scan in pure Python: keep them
            state.pages.move_to_end(key)
            return cached
        result = self._search(state, q, page, per_page, source, published_from, published_to, has_claims,
                              dimension, kind, highlight, with_total, facets)
        state.pages[key] = result
        while len(state.pages) > RESULT_CACHE_SIZE:
            state.pages.popitem(last=False)
        return result

    def _search(self, state, q, page, per_page, source, published_from, published_to, has_claims,
                dimension, kind, highlight, with_total, facets) -> SearchPage:
        searcher = state.searcher
        reader = searcher.reader()
        parsed = parse_query(q, known=lambda word: ("text", word) in reader)
        fq = filter_query(source, published_from, published_to, has_claims, dimension, kind)
        allow = self._filter(state, fq)
        if parsed.query is None or (allow is not None and not len(allow)):
            return SearchPage(0 if with_total else None, [], count_facets(reader, NO_DOCS, facets) if facets else None)
        limit = page * per_page
        found = ranking.rank(searcher, parsed.query, limit, allow, with_docs=bool(facets))
        if found is None:         # a query shape ranking.py does not evaluate: Whoosh's own loop
            # optimize=False: Whoosh 2.7.4's block-quality skipping can loop forever (ranking.py)
            results = searcher.search(parsed.query, limit=limit, optimize=False,
                                      filter=None if allow is None else set(allow.tolist()))
            found = ([(results.docnum(i), results.score(i)) for i in range(results.scored_length())],
                     len(results))
            if facets:
                docs = np.array(sorted(searcher.docs_for_query(parsed.query)), dtype=np.int64)
                found += (docs if allow is None else np.intersect1d(docs, allow),)
        top, total = found[:2]
        first = (page - 1) * per_page
        ranked = top[first:first + per_page]
        return SearchPage(total if with_total else None,
                          self._hits(searcher, ranked, parsed.marks if highlight else None),
                          count_facets(reader, found[2], facets) if facets else None)

    def _hits(self, searcher, ranked, marks) -> list[Hit]:
        stored = {docnum: searcher.stored_fields(docnum) for docnum, _ in ranked}
        spans = {}
        if marks is not None and ranked:
            reader = searcher.reader()
            docnums = sorted(stored)
            words = {t for seq in marks for t in seq}
            occurrences = {t: ranking.occurrences(reader, "text", t, docnums) for t in words}
            spans = {docnum: spans_of(marks, occurrences, docnum) for docnum in docnums}
        hits = []
        for docnum, score in ranked:
            fields = stored[docnum]
            text = fields.get("text", "")
            hits.append(Hit(passage_id=fields["id"], article_id=fields["article_id"],
                            index=fields.get("index", 0), kind=fields.get("kind", "body"), text=text,
                            highlight=highlight_html(text, spans[docnum]) if marks is not None else None,
                            score=float(score)))
        return hits

    def warm(self) -> None:
        """Load what every search needs (segmenter, stopwords, field lengths) in this process.

        gunicorn preloads the app in its master: what is loaded here is shared with the workers
        it forks. The searcher opened for this is closed (file offsets must not cross fork()).
        """
        started = time.monotonic()
        with self.ix.searcher(weighting=self.weighting) as searcher:
            reader = searcher.reader()
            ranking.rank(searcher, parse_query("新闻", known=lambda word: ("text", word) in reader).query, 1)
            for leaf, _ in reader.leaf_readers():
                for name in ("text", "title"):
                    if name in leaf.schema and leaf.doc_count_all():
                        ranking.field_lengths(leaf, name)
            facets.warm(reader)
            ranking.warm_common_terms(searcher, "text", until=started + WARM_SECONDS)

    def close(self) -> None:
        """Close every thread's searcher (the index files stay)."""
        with self._lock:
            for state in self._states:
                state.searcher.close()
            self._states.clear()
        self._local = threading.local()
