"""Search passages: user words -> a Whoosh query we build ourselves -> ranked, highlighted hits.

Never hands user input to Whoosh's query-language parser. What a query means:

- "quoted text" (also “…” and 「…」) is a phrase every hit contains, words in that order;
- a number with its unit (190亿元, 3月, 12.5%) is such a phrase too, so 190亿元 never
  matches "项目190个，总投资30亿元"; a bare number is a required term;
- every other word is optional but ranked: a word jieba splits into parts (清原抽水蓄能电站)
  scores highest where its parts stand together, then where they all occur, and still
  matches a passage with only a part (清原抽蓄一期). The article's title adds a little to
  passages the text matched. Stopwords, operators (AND OR NOT) and punctuation (* ( ") are plain text.

Read-only; one long-lived Whoosh searcher per thread, refreshed when the index changed.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import matching
from whoosh import query as wq
from whoosh.scoring import BM25F

from index.fulltext import ranking
from index.fulltext.analysis import HAN, fold_width, index_terms, is_number, is_word, stopwords
from index.errors import QueryError

MAX_QUERY_CHARS = 200        # longer input is searched up to here (the API refuses q over MAX_QUERY_CHARS, 500)
MAX_TERMS = 24               # terms beyond this are ignored
MAX_PAGE_DEPTH = 10000       # page * per_page beyond this is refused (deep paging is costly)
PHRASE_BOOST = 1.5           # parts of one word standing together, in order
ALL_PARTS_BOOST = 0.5        # all parts of one word occurring in the passage
TITLE_BOOST = 0.25           # a query term in the article's title
ABBREVIATION_BOOST = 0.5     # 抽蓄 for 抽水蓄能
FILTER_CACHE_SIZE = 64       # filter document sets kept per searcher
RESULT_CACHE_SIZE = 256      # result pages kept per searcher (same query, filters and page)
WARM_SECONDS = 0.8           # at most this long decoding common words' postings before serving
# Passages range from a 10-character heading to 500-character paragraphs: weaken BM25's length
# normalisation (0.75 is usual) so one mention in a heading does not outrank several in a body paragraph.
BM25_B, BM25_K1 = 0.5, 1.2

QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
QUOTES = re.compile(r'["“”「」『』]')


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


@dataclass(frozen=True)
class ParsedQuery:
    """What to ask the index: required phrases/terms, optional ranked words, what to mark."""
    query: wq.Query
    marks: tuple[tuple[str, ...], ...]   # term sequences to highlight (length 1: a single term)


# -- building the query ---------------------------------------------------------------------

def _terms(text: str) -> list[tuple[str, int, int, int]]:
    return list(index_terms(text, subwords=False))


def _term_query(term: str) -> wq.Query:
    return wq.Term("text", term)


def _sequence_query(words: list[str]) -> wq.Query:
    return wq.Term("text", words[0]) if len(words) == 1 else CountedPhrase("text", words)


def _number_groups(terms):
    """Split a chunk's terms into number groups (a number, its unit, the next number…) and the rest."""
    groups, rest = [], []
    i = 0
    while i < len(terms):
        if not is_number(terms[i][0]):
            rest.append(terms[i])
            i += 1
            continue
        group = [terms[i]]
        i += 1
        while i < len(terms) and terms[i][2] == group[-1][3]:      # touches the previous term
            if is_number(group[-1][0]) or is_number(terms[i][0]):
                group.append(terms[i])
                i += 1
            else:
                break
        groups.append([t[0] for t in group])
    return groups, rest


def _runs(terms):
    """Maximal runs of terms at consecutive positions."""
    runs, run = [], []
    for term in terms:
        if run and term[1] != run[-1][1] + 1:
            runs.append(run)
            run = []
        run.append(term)
    if run:
        runs.append(run)
    return runs


class CountedPhrase(wq.Phrase):
    """A phrase scored by how often the phrase itself occurs.

    Whoosh scores a phrase by its words' counts, so a passage saying 企业 three times and
    头部企业 once would outrank one saying 头部企业 twice; here each word of the phrase is
    scored (BM25F) as if it occurred exactly as often as the phrase.
    """

    def matcher(self, searcher, context=None):
        boost, self.boost = self.boost, 1.0
        try:
            child = super().matcher(searcher, context)
        finally:
            self.boost = boost
        if not child.is_active():
            return child
        field = searcher.schema[self.fieldname]
        scorers = [searcher.weighting.scorer(searcher, self.fieldname, field.to_bytes(w)) for w in self.words]
        if not all(hasattr(s, "_score") and hasattr(s, "dfl") for s in scorers):
            return matching.WrappingMatcher(child, boost=boost)
        return _PhraseCountMatcher(child, scorers, boost)


class _PhraseCountMatcher(matching.WrappingMatcher):
    def __init__(self, child, scorers, boost=1.0):
        super().__init__(child, boost)
        self._scorers = scorers

    def _replacement(self, newchild):
        return self.__class__(newchild, self._scorers, self.boost)

    def copy(self):
        return self.__class__(self.child.copy(), self._scorers, self.boost)

    def supports_block_quality(self):
        return False

    def score(self):
        count = len(self.child.spans())
        docid = self.child.id()
        return self.boost * sum(s._score(count, s.dfl(docid)) for s in self._scorers)


def _abbreviations(terms, stop, known) -> list[str]:
    """Contractions of adjacent parts by their first characters (抽水 蓄能 -> 抽蓄) that are words.

    Chinese abbreviates a compound by the first character of each part; only contractions
    that are words (in the dictionary, or `known`: found in the index as a word) are used.
    """
    out = []
    for run in _runs([t for t in terms if t[0] not in stop]):
        words = [t[0] for t in run]
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                parts = words[i:i + size]
                if all(len(p) >= 2 and HAN.match(p) for p in parts):
                    short = "".join(p[0] for p in parts)
                    if short not in words and (is_word(short) or (known and known(short))):
                        out.append(short)
    return list(dict.fromkeys(out))


def _word_query(terms, stop, known=None) -> tuple[wq.Query | None, list[tuple[str, ...]]]:
    """The optional, ranked query of one whitespace-separated word of the user's."""
    content = list(dict.fromkeys(t[0] for t in terms if t[0] not in stop))
    if not content:
        return None, []
    marks = [(t,) for t in content]
    if len(content) == 1:
        return _term_query(content[0]), marks
    parts = [wq.Or([_term_query(t) for t in content])]
    if ALL_PARTS_BOOST:
        parts.append(wq.And([wq.Term("text", t) for t in content], boost=ALL_PARTS_BOOST))
    for run in _runs(terms):
        words = [t[0] for t in run]
        if len(words) > 1 and any(w not in stop for w in words):
            parts.append(CountedPhrase("text", words, boost=PHRASE_BOOST))
    if ABBREVIATION_BOOST:
        for short in _abbreviations(terms, stop, known):
            parts.append(wq.Term("text", short, boost=ABBREVIATION_BOOST))
            marks.append((short,))
    return wq.Or(parts), marks


def parse_query(q: str, known=None) -> ParsedQuery:
    """Turn the user's text into a Whoosh query; raise QueryError when nothing is searchable.

    `known(word) -> bool` tells whether the index holds a word (used for abbreviations).
    """
    text = fold_width((q or "")[:MAX_QUERY_CHARS])
    stop = stopwords()
    required: list[wq.Query] = []
    optional: list[wq.Query] = []
    marks: list[tuple[str, ...]] = []
    budget = MAX_TERMS

    def take(terms):
        nonlocal budget
        terms = terms[:max(budget, 0)]
        budget -= len(terms)
        return terms

    phrases = []

    def keep_phrase(match):
        phrases.append(next(g for g in match.groups() if g is not None))
        return " "
    loose = QUOTES.sub(" ", QUOTED.sub(keep_phrase, text))   # an unbalanced quote is plain text

    for phrase in phrases:
        words = [t[0] for t in take(_terms(phrase))]
        if words:
            required.append(_sequence_query(words))
            marks.append(tuple(words))
    for chunk in loose.split():
        groups, rest = _number_groups(take(_terms(chunk)))
        for words in groups:
            required.append(_sequence_query(words))
            marks.append(tuple(words))
        word_query, word_marks = _word_query(rest, stop, known)
        if word_query is not None:
            optional.append(word_query)
            marks.extend(word_marks)

    if not required and not optional:
        raise QueryError("the query has no searchable words (only punctuation, operators or stopwords)")
    should = optional[0] if len(optional) == 1 else wq.Or(optional) if optional else None
    if required:
        must = required[0] if len(required) == 1 else wq.And(required)
        query = wq.AndMaybe(must, should) if should is not None else must
    else:
        query = should
    titled = list(dict.fromkeys(t for seq in marks for t in seq if t not in stop and not is_number(t)))
    if TITLE_BOOST and titled:
        # the title only adds to passages the text matched: it ranks, it never widens the result
        query = wq.AndMaybe(query, wq.Or([wq.Term("title", t) for t in titled], boost=TITLE_BOOST))
    return ParsedQuery(query, tuple(dict.fromkeys(marks)))


# -- filters ----------------------------------------------------------------------------------

def _date(value, end=False) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError as err:
            raise QueryError(f"not a date (YYYY-MM-DD): {value!r}") from err
    if end:
        return dt.datetime(value.year, value.month, value.day, 23, 59, 59, 999999)
    return dt.datetime(value.year, value.month, value.day)


def filter_query(source=None, published_from=None, published_to=None, has_claims=None,
                 dimension=None, kind=None) -> wq.Query | None:
    """The typed filters as one Whoosh query (None: no filter)."""
    parts: list[wq.Query] = []
    if source:
        parts.append(wq.Term("source", source))
    start, end = _date(published_from), _date(published_to, end=True)
    if start or end:
        parts.append(wq.DateRange("published", start, end))
    if has_claims is not None:
        parts.append(wq.Term("has_claims", bool(has_claims)))
    if dimension:
        parts.append(wq.Term("dimensions", str(dimension).lower()))
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        parts.append(wq.Or([wq.Term("kind", k) for k in kinds]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


# -- highlighting -----------------------------------------------------------------------------

def _spans(marks, occurrences, docnum) -> list[tuple[int, int]]:
    spans = []
    for seq in marks:
        first = occurrences[seq[0]].get(docnum, ())
        if len(seq) == 1:
            spans.extend((s, e) for _, s, e in first)
            continue
        later = [{p: (s, e) for p, s, e in occurrences[t].get(docnum, ())} for t in seq[1:]]
        for pos, start, end in first:
            for offset, positions in enumerate(later, 1):
                if pos + offset not in positions:
                    break
                end = positions[pos + offset][1]
            else:
                spans.append((start, end))
    return spans


def highlight_html(text: str, spans) -> str:
    """HTML-escape `text`, wrapping each (merged) character span in <mark>…</mark>."""
    out, last = [], 0
    for start, end in _merge(spans):
        if start < last or end > len(text):
            continue
        out.append(html.escape(text[last:start], quote=False))
        out.append("<mark>" + html.escape(text[start:end], quote=False) + "</mark>")
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _merge(spans):
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


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
               with_total: bool = True) -> SearchPage:
        """Rank the passages matching `q` under the filters; one page of hits.

        :raise QueryError: nothing searchable in `q`, a bad date, or a page out of range.
        """
        if page < 1 or per_page < 1 or page * per_page > MAX_PAGE_DEPTH:
            raise QueryError(f"page * per_page must be between 1 and {MAX_PAGE_DEPTH}")
        state = self._state()
        key = (q, page, per_page, source, str(published_from), str(published_to), has_claims, dimension,
               str(kind), highlight, with_total)
        cached = state.pages.get(key)
        if cached is not None:            # common queries cost a full scan in pure Python: keep them
            state.pages.move_to_end(key)
            return cached
        result = self._search(state, q, page, per_page, source, published_from, published_to, has_claims,
                              dimension, kind, highlight, with_total)
        state.pages[key] = result
        while len(state.pages) > RESULT_CACHE_SIZE:
            state.pages.popitem(last=False)
        return result

    def _search(self, state, q, page, per_page, source, published_from, published_to, has_claims,
                dimension, kind, highlight, with_total) -> SearchPage:
        searcher = state.searcher
        reader = searcher.reader()
        parsed = parse_query(q, known=lambda word: ("text", word) in reader)
        fq = filter_query(source, published_from, published_to, has_claims, dimension, kind)
        allow = self._filter(state, fq)
        if allow is not None and not len(allow):
            return SearchPage(0 if with_total else None, [])
        limit = page * per_page
        found = ranking.rank(searcher, parsed.query, limit, allow)
        if found is None:         # a query shape ranking.py does not evaluate: Whoosh's own loop
            # optimize=False: Whoosh 2.7.4's block-quality skipping can loop forever (ranking.py)
            results = searcher.search(parsed.query, limit=limit, optimize=False,
                                      filter=None if allow is None else set(allow.tolist()))
            found = ([(results.docnum(i), results.score(i)) for i in range(results.scored_length())],
                     len(results))
        top, total = found
        first = (page - 1) * per_page
        ranked = top[first:first + per_page]
        return SearchPage(total if with_total else None,
                          self._hits(searcher, ranked, parsed.marks if highlight else None))

    def _hits(self, searcher, ranked, marks) -> list[Hit]:
        stored = {docnum: searcher.stored_fields(docnum) for docnum, _ in ranked}
        spans = {}
        if marks is not None and ranked:
            reader = searcher.reader()
            docnums = sorted(stored)
            words = {t for seq in marks for t in seq}
            occurrences = {t: ranking.occurrences(reader, "text", t, docnums) for t in words}
            spans = {docnum: _spans(marks, occurrences, docnum) for docnum in docnums}
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
            ranking.warm_common_terms(searcher, "text", until=started + WARM_SECONDS)

    def close(self) -> None:
        """Close every thread's searcher (the index files stay)."""
        with self._lock:
            for state in self._states:
                state.searcher.close()
            self._states.clear()
        self._local = threading.local()
