"""Exact top-N ranking of our queries with numpy, instead of Whoosh's loop over every posting.

Whoosh scores a query by stepping through every matching posting in Python (~10 µs each), so
a common word (中国: 25,000 passages) cost 100-380 ms; its block-quality shortcut seldom
applies to our query shapes and, on `AndMaybe(Or, Or)`, can loop forever (Whoosh 2.7.4:
IntersectionMatcher.skip_to_quality). Here the same query tree is evaluated on whole
posting lists at once:

- a term's postings (document numbers and weights) are decoded once per segment and kept in a
  process-wide cache bounded by postings (`POSTINGS_CACHE`), shared by the threads;
- BM25F is computed for all of a term's postings in one numpy expression, with the field
  lengths Whoosh stores (one byte per document, decoded by Whoosh's own table);
- Or adds its children's scores, And keeps the documents all children match and adds their
  scores, AndMaybe adds the second's score where it matches, boosts multiply: the same
  arithmetic as Whoosh's matchers (including Whoosh's quirk that a compound query with one
  subquery ignores its own boost), so scores and order are Whoosh's (ties: lower docnum first);
- a `CountedPhrase` needs positions. One that only ranks (a child of an Or whose other
  children already match every document it can match) is scored lazily: documents are
  taken in order of an upper bound (a phrase occurs at most as often as its rarest word in a
  document), its exact count is read from the postings only for those, and the loop stops when
  the N-th exact score beats every remaining bound. A required phrase is counted in every
  candidate document;
- our own nodes (queries.py) as their Whoosh matchers score them: `Coordinated` multiplies
  each document's sum by its share of matched clauses, `KindPrior` by its kind's weight
  (both carried into lazy phrases as a per-document factor), `WithSection` adds the headings
  whose next document matches, at a share of that document's eager score;
- the total is the size of the matching set, exact and free; `with_docs` also returns the
  set (facet counts).

`rank()` returns None for a query it does not know; the caller then asks Whoosh.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from index.fulltext.queries import Coordinated, CountedPhrase, KindPrior, WithSection

POSTINGS_CACHE = 2_500_000     # postings (doc number + weight, 8 bytes each) kept per process
BLOCK_CACHE = 200_000         # postings whose encoded positions are kept (blocks read for phrases)
BATCH = 16                     # documents whose phrase counts are read together (after the first N)...
MAX_BATCH = 64                 # ... doubling each time up to this many
LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
LENGTHS[0] = 1.0               # Whoosh: no length byte -> 1 (never for a document with postings)
EMPTY_DOCS = np.empty(0, dtype=np.int64)
EMPTY_SCORES = np.empty(0, dtype=np.float64)
DENSE_FROM = 16                # unions of more than 1/16 of the documents add into dense arrays instead of sorting


class Unsupported(Exception):
    """A query shape this module does not evaluate (the caller falls back to Whoosh)."""


# -- process-wide caches (segments are immutable: keyed by segment id) --------------------------

class _Cache:
    def __init__(self, capacity: int):
        self.capacity, self.size = capacity, 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            self.items.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int):
        with self.lock:
            if key in self.items or size > self.capacity:
                return
            self.items[key] = (value, size)
            self.size += size
            self._evict()

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0

    def resize(self, capacity: int):
        with self.lock:
            self.capacity = capacity
            self._evict()

    def _evict(self):
        """The least recently used entries out until the rest fits; the caller holds the lock."""
        while self.size > self.capacity:
            _, (_, evicted) = self.items.popitem(last=False)
            self.size -= evicted


_postings = _Cache(POSTINGS_CACHE)
_blocks = _Cache(BLOCK_CACHE)


def set_postings_cache(postings: int) -> None:
    """Keep up to `postings` decoded postings in this process (NEWSCLAIMS_POSTINGS_CACHE): a
    larger corpus needs more for the same hit rate, each costing ~8 bytes of every worker."""
    if postings < 0:
        raise ValueError(f"the postings cache cannot hold {postings} postings")
    _postings.resize(postings)
_lengths: dict[tuple[str, str], np.ndarray] = {}
_lengths_lock = threading.Lock()


def _segment_id(reader) -> str:
    return reader.segment().segment_id()


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length in `fieldname` as Whoosh scores it (float64), for one segment."""
    key = (_segment_id(reader), fieldname)
    found = _lengths.get(key)
    if found is not None:
        return found
    perdoc = reader._perdoc
    doccount = reader.doc_count_all()
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = np.zeros(doccount, dtype=np.uint8)
    if column is not None and column._count:
        count = min(column._count, doccount)
        raw[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
    lengths = LENGTHS[raw]
    with _lengths_lock:
        _lengths[key] = lengths
    return lengths


_priors_cache: dict[tuple, np.ndarray] = {}


def _priors(reader, fieldname: str, weights: dict) -> np.ndarray:
    """Each document's weight by its term in `fieldname` (1 when not in `weights`), in one segment."""
    key = (_segment_id(reader), fieldname, tuple(sorted(weights.items())))
    found = _priors_cache.get(key)
    if found is None:
        found = np.ones(reader.doc_count_all(), dtype=np.float64)
        fieldobj = reader.schema[fieldname] if fieldname in reader.schema else None
        for value, weight in weights.items() if fieldobj is not None else ():
            plist = postings(reader, fieldname, fieldobj.to_bytes(value))
            if plist is not None:
                found[plist.ids] = weight
        with _lengths_lock:
            _priors_cache[key] = found
    return found


def _segment_flags(reader, fieldname: str) -> np.ndarray:
    """Whether each document of one segment holds True in a BOOLEAN field (deleted ones too)."""
    key = (_segment_id(reader), fieldname, "flags")
    found = _priors_cache.get(key)
    if found is None:
        found = np.zeros(reader.doc_count_all(), dtype=bool)
        # an index written before the field existed has none (until it is rebuilt)
        plist = postings(reader, fieldname, reader.schema[fieldname].to_bytes(True)) if fieldname in reader.schema else None
        if plist is not None:
            found[plist.ids] = True
        with _lengths_lock:
            _priors_cache[key] = found
    return found


def live_mask(reader) -> np.ndarray:
    """Whether each document of one segment is not deleted, cached per (segment, deletions):
    a segment's deletions only grow, so their count tells its versions apart. Rewritten segments
    (the updates of a busy index) hold thousands: np.isin over them sorted every posting list."""
    key = (_segment_id(reader), "live", reader.segment().deleted_count())
    found = _priors_cache.get(key)
    if found is None:
        found = np.ones(reader.doc_count_all(), dtype=bool)
        found[np.fromiter(reader._perdoc.deleted_docs(), dtype=np.int64)] = False
        with _lengths_lock:
            for old in [k for k in _priors_cache if k[:2] == key[:2]]:
                del _priors_cache[old]
            _priors_cache[key] = found
    return found


def forget_segments(reader) -> None:
    """Drop cached lengths of segments `reader` no longer has (postings age out of their LRU)."""
    keep = {r.segment().segment_id() for r, _ in reader.leaf_readers()
            if isinstance(r, SegmentReader) and r.segment() is not None}
    with _lengths_lock:
        for cache in (_lengths, _priors_cache):
            for key in [k for k in cache if k[0] not in keep]:
                del cache[key]


@dataclass(frozen=True)
class _Postings:
    """A term's postings in one segment (deleted documents included) and where its blocks are."""
    ids: np.ndarray             # int32 document numbers, ascending
    weights: np.ndarray         # float32 weights (the term's frequency in the document)
    block_starts: np.ndarray    # index in `ids` of each block's first posting
    block_offsets: tuple        # file offset of each block in the postings file (None: inlined)

    def __len__(self):
        return len(self.ids)


_ABSENT = _Postings(np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32), np.zeros(1, dtype=np.int64), (None,))


def _decode(reader, fieldname: str, tbytes: bytes) -> _Postings:
    format_ = reader.schema[fieldname].format
    matcher = reader._terms.matcher(fieldname, tbytes, format_)
    if not isinstance(matcher, W3LeafMatcher):          # inlined postings (a few): step through
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return _Postings(np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32),
                         np.zeros(1, dtype=np.int64), (None,))
    id_parts, weight_parts, starts, offsets = [], [], [], []
    position, count_so_far = matcher._baseoffset, 0
    while not matcher._atend:
        matcher._read_data()
        data = matcher._data
        count = matcher._blocklength
        starts.append(count_so_far)
        offsets.append(position)
        count_so_far += count
        id_parts.append(np.cumsum(np.array(data[0], dtype=np.int64)).astype(np.int32))   # delta-coded
        w = data[1]
        if w is None:
            weight_parts.append(np.ones(count, dtype=np.float32))
        elif isinstance(w, float):
            weight_parts.append(np.full(count, w, dtype=np.float32))
        else:
            weight_parts.append(np.array(w, dtype=np.float32))          # array("f") or a tuple
        position = matcher._nextoffset
        matcher._next_block()
    return _Postings(np.concatenate(id_parts), np.concatenate(weight_parts),
                     np.array(starts, dtype=np.int64), tuple(offsets))


def postings(reader, fieldname: str, tbytes: bytes):
    """Cached (ids, weights) of a term in one segment; None when the segment lacks the term.

    Absence is cached too (counted as one posting): the small segments of recent writes lack
    most words, and a term look-up in each of them costs more than a cache hit.
    """
    key = (_segment_id(reader), fieldname, tbytes)
    found = _postings.get(key)
    if found is not None:
        return found if found is not _ABSENT else None
    if (fieldname, tbytes) not in reader:
        _postings.put(key, _ABSENT, 1)
        return None
    found = _decode(reader, fieldname, tbytes)
    _postings.put(key, found, len(found))
    return found


class _BlockValues:
    """Positions of a term's postings, decoding only the blocks asked for."""

    def __init__(self, reader, fieldname, tbytes, plist: _Postings, fmt):
        self.plist, self.fmt = plist, fmt
        self.reader, self.fieldname, self.tbytes = reader, fieldname, tbytes
        self.key = (_segment_id(reader), fieldname, tbytes)
        self.matcher = None
        self.block, self.values = None, None

    def positions(self, index: int):
        return self.fmt.decode_as("positions", self.value(index))

    def value(self, index: int) -> bytes:
        """The encoded value of posting `index` (an index into plist.ids)."""
        plist = self.plist
        block = int(np.searchsorted(plist.block_starts, index, side="right")) - 1
        if block != self.block:
            key = self.key + (block,)
            values = _blocks.get(key)
            if values is None:
                m = self.matcher
                if m is None:
                    m = self.matcher = self.reader._terms.matcher(self.fieldname, self.tbytes, self.fmt)
                if plist.block_offsets[block] is not None:
                    m._goto(plist.block_offsets[block])
                    m._read_values()
                values = m._values                 # inlined: the ListMatcher holds them all
                _blocks.put(key, values, len(values))
            self.values = values
            self.block = block
        return self.values[index - plist.block_starts[block]]


def occurrences(reader, fieldname: str, text: str, docnums) -> dict[int, list]:
    """What the field's format records of `text` in each of `docnums` (ascending index-wide
    document numbers), e.g. (position, startchar, endchar) tuples: {docnum: [...]}.

    Finds the documents in the term's cached postings and decodes only their blocks' values
    (cached too); a matcher's skip_to would read every block header on the way.
    """
    found: dict[int, list] = {}
    fieldobj = reader.schema[fieldname]
    fmt, tbytes = fieldobj.format, fieldobj.to_bytes(text)
    kind = "characters" if fmt.supports("characters") else "positions"
    for leaf, offset in reader.leaf_readers():
        end = offset + leaf.doc_count_all()
        mine = [docnum for docnum in docnums if offset <= docnum < end]
        plist = postings(leaf, fieldname, tbytes) if mine else None
        if plist is None or not len(plist):
            continue
        values = _BlockValues(leaf, fieldname, tbytes, plist, fmt)
        local = np.array(mine, dtype=np.int64) - offset
        for docnum, local_doc, index in zip(mine, local, np.searchsorted(plist.ids, local)):
            if index < len(plist.ids) and plist.ids[index] == local_doc:
                found[docnum] = fmt.decode_as(kind, values.value(int(index)))
    return found


# -- evaluation ----------------------------------------------------------------------------------

@dataclass
class _Lazy:
    """A ranking-only phrase: adds to the score of some of the documents, known only on demand."""
    phrase: "wq.Phrase"
    boost: float
    docs: np.ndarray            # candidates (sorted global docnums)
    upper: np.ndarray           # upper bound of its score for each candidate
    factor: np.ndarray | None = None   # multiplier of each candidate's exact score (None: all 1)

    def scale(self) -> np.ndarray:
        return np.ones(len(self.docs)) if self.factor is None else self.factor

    def subset(self, keep: np.ndarray) -> "_Lazy":
        return _Lazy(self.phrase, self.boost, self.docs[keep], self.upper[keep],
                     None if self.factor is None else self.factor[keep])


@dataclass
class _Result:
    docs: np.ndarray                     # sorted, unique global docnums
    scores: np.ndarray
    lazy: list = field(default_factory=list)
    weights: np.ndarray | None = None    # a term's raw weights (its frequency in each document)


EMPTY = _Result(EMPTY_DOCS, EMPTY_SCORES)


def _union(parts: list[_Result]) -> _Result:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return _Result(EMPTY_DOCS, EMPTY_SCORES)
    lazy = [lz for p in parts for lz in p.lazy]
    if len(parts) == 1:
        return _Result(parts[0].docs, parts[0].scores, lazy)
    size = max(int(p.docs[-1]) for p in parts) + 1
    if sum(len(p.docs) for p in parts) * DENSE_FROM < size:
        docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs))
        return _Result(docs, scores, lazy)
    # common words: add into arrays over the document numbers (no sort; the same additions in
    # the same order as bincount's)
    sums, seen = np.zeros(size, dtype=np.float64), np.zeros(size, dtype=bool)
    for p in parts:
        sums[p.docs] += p.scores                 # a part's documents are unique
        seen[p.docs] = True
    docs = np.flatnonzero(seen)
    return _Result(docs, sums[docs], lazy)


def _docs_union(arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted union of sorted unique document arrays."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return EMPTY_DOCS
    if len(arrays) == 1:
        return arrays[0]
    size = max(int(a[-1]) for a in arrays) + 1
    if sum(map(len, arrays)) * DENSE_FROM < size:
        return np.unique(np.concatenate(arrays))
    seen = np.zeros(size, dtype=bool)
    for a in arrays:
        seen[a] = True
    return np.flatnonzero(seen)


def _member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each of sorted `a` is in sorted `b` (np.isin without its sort)."""
    return _positions_in(a, b)[0]


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted intersection of sorted unique arrays (np.intersect1d without its sort)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    return a[_member(a, b)]


def _positions_in(docs: np.ndarray, sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `docs`: whether it is in sorted `sub`, and its index there."""
    if not len(sub):
        return np.zeros(len(docs), dtype=bool), np.zeros(len(docs), dtype=np.int64)
    at = np.searchsorted(sub, docs)
    clipped = np.minimum(at, len(sub) - 1)
    return sub[clipped] == docs, clipped


def _boosted(result: _Result, boost: float) -> _Result:
    if boost == 1.0:
        return result
    return _Result(result.docs, result.scores * boost,
                   [_Lazy(lz.phrase, lz.boost * boost, lz.docs, lz.upper * boost, lz.factor) for lz in result.lazy])


def _scaled(result: _Result, factors: np.ndarray) -> _Result:
    """`result` with each document's score, and its lazy phrases' scores, times its factor."""
    lazy = []
    for lz in result.lazy:
        _, at = _positions_in(lz.docs, result.docs)        # a lazy phrase's candidates are all in docs
        f = factors[at]
        lazy.append(_Lazy(lz.phrase, lz.boost, lz.docs, lz.upper * f, lz.scale() * f))
    return _Result(result.docs, result.scores * factors, lazy)


class Ranker:
    """Evaluates queries on one Whoosh searcher (one thread's); cheap to make."""

    def __init__(self, searcher):
        weighting = searcher.weighting
        if type(weighting) is not BM25F or weighting._field_B:
            raise Unsupported("only BM25F with one B")
        self.searcher = searcher
        self.B, self.K1 = weighting.B, weighting.K1
        # (segment reader, docnum offset); an empty index has an EmptyReader: nothing to read
        self.leaves = [(r, o) for r, o in searcher.reader().leaf_readers() if r.doc_count_all()]
        if not all(isinstance(r, SegmentReader) and r.segment() is not None for r, _ in self.leaves):
            raise Unsupported("a reader that is not a segment's")
        self.schema = searcher.schema
        self._live: dict[int, np.ndarray] = {}
        self._terms: dict[tuple, _Result] = {}          # a word's postings scored once per query
        self._avgfl: dict[str, float] = {}
        self._heads: dict[str, np.ndarray] = {}
        self.doc_count_all = searcher.doc_count_all()

    # -- terms --

    def _stats(self, fieldname: str, tbytes: bytes, lists: list | None = None) -> tuple[float, float]:
        """A term's idf and the field's average length, as Whoosh's BM25FScorer has them
        (WeightingModel.idf, Searcher.avg_field_length), from the term's (cached) postings in
        every segment, `lists` when given: their sizes are its document frequency, deleted
        documents included as in Whoosh's term info, with no term look-up in each segment again."""
        if lists is None:
            lists = [postings(reader, fieldname, tbytes) for reader, _ in self.leaves]
        frequency = sum(len(found.ids) for found in lists if found is not None)
        idf = log(self.doc_count_all / (frequency + 1)) + 1
        avgfl = self._avgfl.get(fieldname)
        if avgfl is None:
            avgfl = self._avgfl[fieldname] = self.searcher.avg_field_length(fieldname) or 1
        return idf, avgfl

    def _live_in(self, i, reader) -> np.ndarray | None:
        """Whether each document of the segment is not deleted; None when none is."""
        if not reader.has_deletions():
            return None
        found = self._live.get(i)
        if found is None:
            found = self._live[i] = live_mask(reader)
        return found

    def term(self, fieldname: str, text, boost: float = 1.0) -> _Result:
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self._term(fieldname, text)
        if boost == 1.0:
            return found
        return _Result(found.docs, found.scores * boost, [], found.weights)

    def _term(self, fieldname: str, text) -> _Result:
        if fieldname not in self.schema:
            return _Result(EMPTY_DOCS, EMPTY_SCORES)
        fieldobj = self.schema[fieldname]
        try:
            tbytes = fieldobj.to_bytes(text)
        except ValueError:
            return _Result(EMPTY_DOCS, EMPTY_SCORES)
        scorable = fieldobj.scorable
        idf = avgfl = None
        doc_parts, score_parts, weight_parts = [], [], []
        lists = [postings(reader, fieldname, tbytes) for reader, _ in self.leaves]
        for i, ((reader, offset), found) in enumerate(zip(self.leaves, lists)):
            if found is None:
                continue
            ids, weights = found.ids, found.weights
            live = self._live_in(i, reader)
            if live is not None:
                keep = live[ids]
                ids, weights = ids[keep], weights[keep]
            if not len(ids):
                continue
            if idf is None:
                idf, avgfl = self._stats(fieldname, tbytes, lists)
            if scorable:
                fl = field_lengths(reader, fieldname)[ids]
                weights = weights.astype(np.float64)
                K1, B = self.K1, self.B
                scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
            else:                                   # Whoosh: WeightScorer(max weight)
                raise Unsupported(f"unscorable field {fieldname!r}")
            doc_parts.append(ids.astype(np.int64) + offset)
            score_parts.append(scores)
            weight_parts.append(weights)
        if not doc_parts:
            return _Result(EMPTY_DOCS, EMPTY_SCORES)
        return _Result(np.concatenate(doc_parts), np.concatenate(score_parts), [], np.concatenate(weight_parts))

    # -- phrases --

    def phrase_counts(self, phrase, docs: np.ndarray) -> np.ndarray:
        """How often `phrase` occurs (words at consecutive positions) in each of sorted `docs`.

        Reads only the posting blocks holding those documents (found with the cached postings).
        """
        fieldname = phrase.fieldname
        fieldobj = self.schema[fieldname]
        words = [fieldobj.to_bytes(w) for w in phrase.words]
        counts = np.zeros(len(docs), dtype=np.int64)
        bounds = [offset for _, offset in self.leaves] + [np.iinfo(np.int64).max]
        for i, (reader, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(docs, [bounds[i], bounds[i + 1]])
            if lo == hi:
                continue
            lists = [postings(reader, fieldname, w) for w in words]
            if any(p is None for p in lists):
                continue
            local = docs[lo:hi] - offset
            present = np.ones(len(local), dtype=bool)
            slots = []
            for p in lists:
                at = np.minimum(np.searchsorted(p.ids, local), len(p.ids) - 1)
                present &= p.ids[at] == local
                slots.append(at)
            if not present.any():
                continue
            fmt = fieldobj.format
            readers = [_BlockValues(reader, fieldname, w, p, fmt) for w, p in zip(words, lists)]
            for j in np.nonzero(present)[0]:
                positions = [r.positions(int(at[j])) for r, at in zip(readers, slots)]
                first, later = positions[0], [set(p) for p in positions[1:]]
                counts[lo + j] = sum(1 for p in first if all(p + k in s for k, s in enumerate(later, 1)))
        return counts

    def _phrase_scores(self, phrase, docs: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """CountedPhrase's score: each word scored as if it occurred `count` times."""
        fieldname = phrase.fieldname
        fieldobj = self.schema[fieldname]
        lengths = np.empty(len(docs), dtype=np.float64)
        bounds = [offset for _, offset in self.leaves] + [np.iinfo(np.int64).max]
        for i, (reader, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(docs, [bounds[i], bounds[i + 1]])
            if lo < hi:
                lengths[lo:hi] = field_lengths(reader, fieldname)[docs[lo:hi] - offset]
        tf = counts.astype(np.float64)
        total = np.zeros(len(docs), dtype=np.float64)
        K1, B = self.K1, self.B
        for w in phrase.words:
            idf, avgfl = self._stats(fieldname, fieldobj.to_bytes(w))
            total += idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / avgfl)))
        return total

    def _phrase_parts(self, phrase):
        """The phrase's words as terms (boost 1) and the documents holding them all, with min tf."""
        parts = [self.term(phrase.fieldname, w) for w in phrase.words]
        docs = parts[0].docs
        for p in parts[1:]:
            docs = _intersect(docs, p.docs)
        return parts, docs

    def phrase(self, phrase, lazy: bool) -> _Result:
        if phrase.slop != 1 or not type(phrase) is CountedPhrase:
            raise Unsupported("only CountedPhrase with slop 1")
        boost = phrase.boost
        if len(phrase.words) == 1:                   # Whoosh: a one-word phrase matches the word
            raise Unsupported("one-word phrase")
        parts, docs = self._phrase_parts(phrase)
        if not len(docs):
            return _Result(EMPTY_DOCS, EMPTY_SCORES)
        if lazy:
            tf = None
            for p in parts:                          # the phrase occurs at most min(tf) times
                _, at = _positions_in(docs, p.docs)
                tf = p.weights[at] if tf is None else np.minimum(tf, p.weights[at])
            upper = boost * self._phrase_scores(phrase, docs, tf)
            return _Result(EMPTY_DOCS, EMPTY_SCORES, [_Lazy(phrase, boost, docs, upper)])
        counts = self.phrase_counts(phrase, docs)
        keep = counts > 0
        docs, counts = docs[keep], counts[keep]
        return _Result(docs, boost * self._phrase_scores(phrase, docs, counts))

    # -- the tree --

    def coordinated(self, q, lazy_ok: bool) -> _Result:
        """The clauses' scores added, times (clauses matched / clauses) ** exponent."""
        required = [self.evaluate(s, False) for s in q.required]
        optional = [self.evaluate(s, lazy_ok) for s in q.optional]
        if required:
            docs = required[0].docs
            for p in required[1:]:
                docs = _intersect(docs, p.docs)
        else:
            docs = _docs_union([p.docs for p in optional])
        scores = np.zeros(len(docs), dtype=np.float64)
        matched = np.full(len(docs), len(required), dtype=np.float64)
        lazy = []
        for i, p in enumerate(required + optional):
            present, at = _positions_in(docs, p.docs)
            scores[present] += p.scores[at[present]]
            if i >= len(required):
                matched += present
            for lz in p.lazy:              # optional clauses' phrases: only where the required match
                lazy.append(lz.subset(_member(lz.docs, docs)) if required else lz)
        factors = (matched / (len(required) + len(optional))) ** q.exponent
        return _scaled(_Result(docs, scores, lazy), factors)

    def kind_prior(self, q, lazy_ok: bool) -> _Result:
        """The child's scores times the weight of each document's kind."""
        result = self.evaluate(q.child, lazy_ok)
        if not len(result.docs):
            return result
        factors = np.empty(len(result.docs), dtype=np.float64)
        bounds = [offset for _, offset in self.leaves] + [np.iinfo(np.int64).max]
        for i, (reader, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(result.docs, [bounds[i], bounds[i + 1]])
            if lo < hi:
                factors[lo:hi] = _priors(reader, q.fieldname, q.weights)[result.docs[lo:hi] - offset]
        return _scaled(result, factors)

    def with_section(self, q, lazy_ok: bool) -> _Result:
        """The child's result plus the headings (`heads`) whose next document `source` matches."""
        result = self.evaluate(q.child, lazy_ok)
        if not len(result.docs):
            return result
        if q.source is q.child or len(result.lazy) == _phrases_in(q.child):
            source = result                  # the child's eager part is the source's score
        else:
            source = self.evaluate(q.source, False)
        flags = self._flags(q.fieldname)
        before = source.docs - 1
        heading = before >= 0
        heading[heading] = flags[before[heading]]
        heads, scores = before[heading], source.scores[heading]
        matched, _ = _positions_in(heads, result.docs)
        heads, scores = heads[~matched], scores[~matched]
        if not len(heads):
            return result
        where = np.searchsorted(result.docs, heads)       # disjoint sorted sets: merge, no sort
        return _Result(np.insert(result.docs, where, heads),
                       np.insert(result.scores, where, q.weight * scores), result.lazy)

    def _flags(self, fieldname: str) -> np.ndarray:
        """Whether each document (global docnum) holds the term True in a BOOLEAN field."""
        found = self._heads.get(fieldname)
        if found is None:
            found = np.zeros(self.doc_count_all, dtype=bool)
            for reader, offset in self.leaves:
                found[offset:offset + reader.doc_count_all()] = _segment_flags(reader, fieldname)
            self._heads[fieldname] = found
        return found

    def evaluate(self, q, lazy_ok: bool = False) -> _Result:
        kind = type(q)
        if kind is WithSection:
            return self.with_section(q, lazy_ok)
        if kind is Coordinated:
            return self.coordinated(q, lazy_ok)
        if kind is KindPrior:
            return self.kind_prior(q, lazy_ok)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text, q.boost)
        if kind is CountedPhrase:                    # its own documents matter: count them all
            return self.phrase(q, lazy=False)
        if kind in (wq.Or, wq.And):
            subs = q.subqueries
            if not subs:
                return _Result(EMPTY_DOCS, EMPTY_SCORES)
            if len(subs) == 1:                       # Whoosh ignores the boost of a one-child compound
                return self.evaluate(subs[0], lazy_ok)
            if kind is wq.Or:
                if getattr(q, "scale", None) or getattr(q, "minmatch", 0):
                    raise Unsupported("Or with scale or minmatch")
                eager = [s for s in subs if type(s) is not CountedPhrase]
                parts = [self.evaluate(s, lazy_ok) for s in eager]
                union = _union(parts)
                for s in subs:
                    if type(s) is CountedPhrase:
                        # lazy only when the other children already match every candidate
                        probe = self.phrase(s, lazy=True) if lazy_ok else None
                        if probe is not None and all(_member(lz.docs, union.docs).all() for lz in probe.lazy):
                            union = _Result(union.docs, union.scores, union.lazy + probe.lazy)
                        else:
                            union = _union([union, self.phrase(s, lazy=False)])
                return _boosted(union, q.boost)
            parts = [self.evaluate(s, False) for s in subs]
            docs = parts[0].docs
            for p in parts[1:]:
                docs = _intersect(docs, p.docs)
            scores = np.zeros(len(docs), dtype=np.float64)
            if len(docs):
                for p in parts:
                    _, at = _positions_in(docs, p.docs)
                    scores += p.scores[at]
            return _boosted(_Result(docs, scores), q.boost)
        if kind is wq.AndMaybe:
            a = self.evaluate(q.a, lazy_ok)
            b = self.evaluate(q.b, False)
            if b.lazy:
                raise Unsupported("a lazy phrase in AndMaybe's second query")
            scores = a.scores.copy()
            if len(a.docs) and len(b.docs):
                present, at = _positions_in(a.docs, b.docs)
                scores[present] += b.scores[at[present]]
            return _Result(a.docs, scores, a.lazy)
        raise Unsupported(f"query type {kind.__name__}")


def _phrases_in(q) -> int:
    """How many CountedPhrase children an Or has (the phrases that can be lazy)."""
    if type(q) is not wq.Or:
        return -1
    return sum(1 for s in q.subqueries if type(s) is CountedPhrase)


# -- top N -------------------------------------------------------------------------------------

def _top(docs: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of the `limit` best documents: higher score first, then lower docnum (Whoosh's order)."""
    if len(docs) > limit:
        part = np.argpartition(-scores, limit - 1)[:limit]
        threshold = scores[part].min()
        candidates = np.nonzero(scores >= threshold)[0]
    else:
        candidates = np.arange(len(docs))
    order = np.lexsort((docs[candidates], -scores[candidates]))
    return candidates[order][:limit]


def _bound_order(docs: np.ndarray, upper: np.ndarray, first: int) -> np.ndarray:
    """The first `first` indexes in descending `upper`, then ascending docnum."""
    if len(docs) > first:
        return _top(docs, upper, first)
    return np.lexsort((docs, -upper))


def rank(searcher, q, limit: int, allow: np.ndarray | None = None, with_docs: bool = False):
    """([(docnum, score)] best first, at most `limit`; total matching) or None (unsupported query).

    `allow`: sorted global docnums the result is restricted to (a filter), or None.
    `with_docs`: a third item, every matching docnum (sorted), for facet counts.
    """
    found = _rank(searcher, q, limit, allow)
    return found if found is None or with_docs else found[:2]


def _rank(searcher, q, limit: int, allow: np.ndarray | None):
    try:
        ranker = Ranker(searcher)
        result = ranker.evaluate(q, lazy_ok=True)
    except Unsupported:
        return None
    docs, scores, lazy = result.docs, result.scores, result.lazy
    if allow is not None:
        keep = _member(docs, allow)
        docs, scores = docs[keep], scores[keep]
        lazy = [lz.subset(_member(lz.docs, allow)) for lz in lazy]
    total = len(docs)
    if not total or limit < 1:
        return [], total, docs
    if not lazy:
        best = _top(docs, scores, limit)
        return [(int(docs[i]), float(scores[i])) for i in best], total, docs

    upper = scores.copy()
    slots, factors = [], [lz.boost * lz.scale() for lz in lazy]
    for lz in lazy:
        _, at = _positions_in(lz.docs, docs)         # every candidate is among docs (checked)
        upper[at] += lz.upper
        slots.append(at)
    exact = scores.copy()
    done = np.zeros(total, dtype=bool)
    k = min(limit, total)
    order = _bound_order(docs, upper, k + 4 * BATCH)
    position, size = 0, BATCH
    while position < total:
        if position >= len(order):                       # past the head ordered so far: twice as far
            order = _bound_order(docs, upper, 2 * len(order))
        batch = np.sort(order[position:position + (k if position == 0 else size)])
        position += len(batch)
        if position > k:
            size = min(2 * size, MAX_BATCH)
        for lz, at, factor in zip(lazy, slots, factors):
            hit, where = _positions_in(batch, at)        # the batch's documents this phrase may be in
            if hit.any():
                idx = batch[hit]
                counts = ranker.phrase_counts(lz.phrase, docs[idx])
                exact[idx] += factor[where[hit]] * ranker._phrase_scores(lz.phrase, docs[idx], counts)
        done[batch] = True
        if position >= total or position < k:
            continue
        if position >= len(order):
            order = _bound_order(docs, upper, 2 * len(order))
        following = order[position]
        evaluated = np.nonzero(done)[0]
        kth = evaluated[_top(docs[evaluated], exact[evaluated], k)][-1]
        # every document not evaluated yet ranks after `following`: bound below, or equal and later
        if exact[kth] > upper[following] or (exact[kth] == upper[following] and docs[kth] < docs[following]):
            break
    evaluated = np.nonzero(done)[0]
    best = evaluated[_top(docs[evaluated], exact[evaluated], limit)]
    return [(int(docs[i]), float(exact[i])) for i in best], total, docs


def warm_common_terms(searcher, fieldname: str, until: float, sample: int = 400, words: int = 200) -> int:
    """Decode the postings of the field's most common words into the cache, until `until`.

    Common words cost the most to decode (~1 µs a posting) and come back in many queries; in
    gunicorn's master (preload) the decoded arrays are then shared by every worker. The words
    are the most frequent in an even sample of `sample` passages (their stored text analysed
    again), tried in order of document frequency. Returns the postings decoded.
    """
    import time
    from collections import Counter

    from index.fulltext.analysis import index_terms, stopwords

    reader = searcher.reader()
    total = reader.doc_count_all()
    if not total or fieldname not in searcher.schema:
        return 0
    stop = stopwords()
    counts: Counter = Counter()
    for docnum in range(0, total, max(1, total // sample)):
        if time.monotonic() > until:
            return 0
        if reader.is_deleted(docnum):
            continue
        text = reader.stored_fields(docnum).get(fieldname) or ""
        counts.update({t[0] for t in index_terms(text) if t[0] not in stop})
    fieldobj = searcher.schema[fieldname]
    common = []
    for word, _ in counts.most_common(words):
        tbytes = fieldobj.to_bytes(word)
        common.append((reader.doc_frequency(fieldname, tbytes), tbytes))
    common.sort(reverse=True)
    done = 0
    for _, tbytes in common:
        for leaf, _ in reader.leaf_readers():
            if time.monotonic() > until or _postings.size > _postings.capacity // 2:
                return done
            if isinstance(leaf, SegmentReader) and leaf.segment() is not None and leaf.doc_count_all():
                found = postings(leaf, fieldname, tbytes)
                done += len(found) if found is not None else 0
    return done
