"""Whoosh segments written fast, for bulk loads: analyse anywhere, write postings without a sort.

Whoosh's own writer (`SegmentWriter`) pushes every posting through an external sorting pool
and the generic `FieldWriter.add_postings` loop, one Python call per posting, and analyses in
the writing process. Here the work is split so a pool of processes can share it:

- `analyse(schema, doc)` computes, as plain picklable data, exactly what
  `SegmentWriter.add_document` computes for a document: per field the postings
  (term bytes, frequency, weight, encoded value), the scorable length, the stored value and the
  column value. It is the CPU-heavy part (segmentation, formats).
- `SegmentBuilder` collects analysed documents. Documents arrive in docnum order, so each
  term's postings are already sorted: they go straight into per-term arrays, and `finish()`
  writes the term dictionary in term order and each posting list block by block through the
  codec's own postings writer (same block layout, statistics and compression as Whoosh's).
  The segment it returns can be added to an index with `add_segments`.

The output is an ordinary Whoosh 2.7 (W3 codec) segment: tests/test_bulkindex.py checks that
readers see the same terms, postings, lengths and stored fields as with Whoosh's writer.
This relies on Whoosh 2.7.4's codec internals (pinned in setup.cfg).
"""
from __future__ import annotations

import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pickle import dumps

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.formats import Characters, Frequency
from whoosh.system import _INT_SIZE, pack_uint, pack_ushort
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte

from .analysis import JiebaAnalyzer, index_terms

COMPRESS_FROM = 256           # pickled blocks smaller than this (bytes) are stored uncompressed


class _Postings:
    """One term's postings in docnum order."""
    __slots__ = ("ids", "weights", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []


def analyse(schema, doc: Mapping) -> list[tuple]:
    """What Whoosh's writer derives from `doc`, as (field, postings, length, stored, column) rows.

    Mirrors `SegmentWriter.add_document` (no boosts, no vectors, no spelling fields).
    """
    rows = []
    for name in sorted(k for k in doc if not k.startswith("_")):
        value = doc[name]
        if value is None:
            continue
        field = schema[name]
        if field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: vectors and spelling fields are not supported here")
        postings, length = (), 0
        if field.indexed:
            postings = _jieba_postings(field, value)
            if postings is None:
                postings = _field_postings(field, name, value)
            if field.scorable:
                length = sum(freq for _, freq, _, _ in postings)
        stored = value if field.stored else None
        column = field.to_column_value(value) if field.column_type else None
        rows.append((name, postings, length, stored, column))
    return rows


_recent: dict = {}
_uncached_terms = index_terms.__wrapped__    # each passage text is analysed once: skip the LRU cache


def _field_postings(field, name: str, value) -> list:
    """field.index(value), remembered for a while: an article's passages share id, source, date."""
    key = (name, value)
    try:
        found = _recent.get(key)
    except TypeError:                     # unhashable (a list of values)
        return list(field.index(value))
    if found is None:
        if len(_recent) > 10_000:
            _recent.clear()
        found = _recent[key] = list(field.index(value))
    return found


def _jieba_postings(field, value) -> list | None:
    """field.index(value) for our Chinese text fields, straight from `index_terms`.

    Same terms, frequencies, weights and encoded values as Whoosh's Characters/Frequency
    word_values over JiebaAnalyzer, without a Token object per word. None: not such a field.
    """
    analyzer, fmt = field.analyzer, field.format
    if not isinstance(value, str) or type(analyzer) is not JiebaAnalyzer:
        return None
    boost = fmt.field_boost
    if type(fmt) is Characters:
        seen = defaultdict(list)
        for term, pos, start, end in _uncached_terms(value, analyzer.subwords):
            seen[term].append((pos, start, end))
        encode = fmt.encode
        return [(term.encode("utf-8"), len(spans), float(len(spans)) * boost, encode(spans))
                for term, spans in seen.items()]
    if type(fmt) is Frequency:
        counts = defaultdict(int)
        for term, _, _, _ in index_terms(value, analyzer.subwords):
            counts[term] += 1
        return [(term.encode("utf-8"), n, float(n) * boost, pack_uint(n)) for term, n in counts.items()]
    return None


class SegmentBuilder:
    """Builds one new segment of the index in `storage` from analysed documents.

    Segments are compound files, like Whoosh's writer makes. (Whoosh reads a compound segment
    through a BytesIO copy of each inner file: every searcher holds a private copy of the index,
    ~160 MB per searcher for a third of the corpus. Separate files (`compound=False`) avoid the
    copy but are opened lazily, and a concurrent merge that deletes them breaks open searchers
    (tests/test_concurrency.py); fixing this is left to the search work.)

    Not a writer: it takes no lock and changes no TOC; the segment becomes part of the index
    when a writer commits it (`add_segments`). Uncommitted segment files are removed by the
    next commit of any writer (Whoosh's `clean_files`).
    """

    def __init__(self, storage, indexname: str, schema, codec=None, compound: bool = True):
        self.storage, self.schema, self.compound = storage, schema, compound
        self.codec = codec or default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        self._terms: dict[str, dict[bytes, _Postings]] = {}
        self._lengths: dict[str, array] = {}      # per field: each document's length as stored
        self.docnum = 0
        self.postings = 0

    def add(self, rows: Iterable[tuple]) -> None:
        """Add one document given as `analyse` rows."""
        perdoc, docnum, schema = self._perdoc, self.docnum, self.schema
        perdoc.start_doc(docnum)
        for name, postings, length, stored, column in rows:
            field = schema[name]
            if postings:
                terms = self._terms.get(name)
                if terms is None:
                    terms = self._terms[name] = {}
                # what the per-document reader will answer for this length (one byte)
                lengths = self._lengths.get(name)
                if lengths is None:
                    lengths = self._lengths[name] = array("I", bytes(4 * docnum))
                lengths.append(byte_to_length(length_to_byte(length)) if length else 0)
                for tbytes, _freq, weight, vbytes in postings:
                    entry = terms.get(tbytes)
                    if entry is None:
                        entry = terms[tbytes] = _Postings()
                    entry.ids.append(docnum)
                    entry.weights.append(weight)
                    entry.values.append(vbytes or emptybytes)
                self.postings += len(postings)
            perdoc.add_field(name, field, stored, length)
            if column is not None:
                perdoc.add_column_value(name, field.column_type, column)
        perdoc.finish_doc()
        self.docnum += 1
        for lengths in self._lengths.values():         # fields this document lacks: length 0
            if len(lengths) < self.docnum:
                lengths.append(0)

    def finish(self):
        """Write the term dictionary and posting lists; returns the finished segment."""
        self._perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
        offset = postfile.tell()
        for name in sorted(self._terms):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            writer, prefix = fieldwriter._postwriter, pack_ushort(fieldwriter._fieldid)
            terms = self._terms[name]
            # start_term/finish_term inlined: they ask the file for its position twice per term
            for tbytes in sorted(terms):
                terminfo = writer._terminfo = W3TermInfo()
                writer._format, writer._blockcount = field.format, 0
                writer._new_block()
                start = offset
                offset += _write_postings(writer, terms.pop(tbytes), self._lengths[name])
                terminfo.set_extent(start, offset - start)
                writer._terminfo = None
                tindex.add(prefix + tbytes, terminfo.to_bytes())
            fieldwriter.finish_field()
            if offset != postfile.tell():
                raise AssertionError(f"posting offsets out of step in field {name!r}")
        fieldwriter.close()
        self._terms.clear()
        self.segment.set_doc_count(self.docnum)
        if self.compound and self.segment.should_assemble():
            self.segment.create_compound_file(self.storage)
        return self.segment


def _write_postings(writer, entry: _Postings, doclengths: array) -> int:
    """Fill the postings writer's block buffer a block at a time (what add_posting does one by one).

    Returns the number of bytes written.
    """
    limit = writer._blocklimit
    count = len(entry.ids)
    written = 0
    for start in range(0, count, limit):
        end = min(start + limit, count)
        weights = entry.weights[start:end]
        ids = entry.ids[start:end]
        lengths = [n for n in map(doclengths.__getitem__, ids) if n]
        writer._ids = ids
        writer._weights = weights
        writer._values = [v for v in entry.values[start:end] if v]
        writer._minlength = min(lengths) if lengths else None
        writer._maxlength = max(lengths) if lengths else 0
        writer._maxweight = max(0, max(weights))
        written += _write_block(writer, last=end == count)
    return written


def _write_block(writer, last: bool) -> int:
    """W3PostingsWriter._write_block, except that a small block is stored uncompressed.

    zlib.compress costs ~13 µs however small its input (it sets up a 256 KB deflate state),
    and most terms have a block of a few postings. The block header records the compression
    (0 = none) and readers decompress only when it says so: the format is unchanged.
    """
    postfile = writer._postfile
    written = 0
    if not writer._blockcount:
        postfile.write(WHOOSH3_HEADER_MAGIC)
        written = len(WHOOSH3_HEADER_MAGIC)
    writer._terminfo.add_block(writer)
    databytes = dumps((writer._mini_ids(), writer._mini_weights(), writer._mini_values()), 2)
    comp = writer._compression if len(databytes) >= COMPRESS_FROM else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = writer._ids
    infobytes = dumps((len(ids), ids[-1], writer._maxweight, comp, length_to_byte(writer._minlength),
                       length_to_byte(writer._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    postfile.write_int(-blocklength if last else blocklength)
    postfile.write(infobytes)
    postfile.write(databytes)
    writer._blockcount += 1
    writer._new_block()
    return written + _INT_SIZE + blocklength


def add_segments(ix, segments: list, delete_ids: Iterable[str] = (), id_field: str = "article_id",
                 timeout: float = 10.0) -> None:
    """Commit `segments` (from SegmentBuilders on `ix`'s storage) into `ix`, in one commit.

    Documents whose `id_field` is in `delete_ids` are deleted from the existing segments first
    (one searcher for all of them). Existing segments are not merged.
    :raise whoosh.index.LockError: another writer held Whoosh's lock for `timeout` seconds.
    """
    from whoosh import query as wq

    writer = ix.writer(timeout=timeout)
    try:
        delete_ids = sorted(set(delete_ids))
        if delete_ids:
            with writer.searcher() as searcher:
                for start in range(0, len(delete_ids), 500):
                    chunk = delete_ids[start:start + 500]
                    q = wq.Or([wq.Term(id_field, i) for i in chunk])
                    for docnum in searcher.docs_for_query(q):
                        writer.delete_document(docnum)
    except BaseException:
        writer.cancel()
        raise
    segments = list(segments)
    writer.commit(mergetype=lambda _writer, existing: list(existing) + segments)


def clear_and_add_segments(ix, segments: list, timeout: float = 10.0) -> None:
    """Replace every segment of `ix` by `segments`, in one commit (a rebuild)."""
    writer = ix.writer(timeout=timeout)
    segments = list(segments)
    writer.commit(mergetype=lambda _writer, _existing: segments)


__all__ = ["analyse", "SegmentBuilder", "add_segments", "clear_and_add_segments"]
