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

import gc
import multiprocessing
import os
import threading
import traceback
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import sub
from pickle import dumps

from whoosh.analysis import IDTokenizer
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.formats import Characters, Existence, Frequency
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte
from zlib_ng import zlib_ng

from index.forking import exit_with_parent, receive
from index.fulltext.analysis import JiebaAnalyzer, index_terms

SEGMENT_POSTINGS = 6_000_000   # a builder's segment is finished beyond this many postings (memory bound)
PARALLEL_FROM = 5_000          # documents: fewer are written in this process (forking costs ~0.2 s)
COMPRESS_FROM = 256           # pickled blocks smaller than this (bytes) are stored uncompressed
# Posting blocks are deflated by zlib-ng at its level 1: a standard zlib stream (readers inflate it
# with zlib), 4x faster to write than zlib at Whoosh's level 3 for ~20% larger blocks
# (docs/performance.md). Whoosh's own writer (merges, small writes) keeps zlib at level 3.
POSTING_LEVEL = 1
FLUSH_BYTES = 1 << 20         # posting bytes gathered before one write
_TERMINFO = W3TermInfo._struct


def _deflate_stored(data: bytes, level: int) -> bytes:
    """`data` in a zlib stream without compression, for the stored-fields column.

    A passage's pickled stored fields (~350 bytes, mostly UTF-8 Chinese) shrink by only ~17%
    at Whoosh's level 3, and zlib.compress costs ~23 µs per document (its 256 KB state set up
    each time), ~5% of a bulk load; a stored block with a 512-byte window costs ~2 µs. Readers
    decompress it like any other zlib stream.
    """
    packer = zlib.compressobj(0, zlib.DEFLATED, 9, 1)
    return packer.compress(data) + packer.flush()


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
            postings = _postings(field, name, value)
            if field.scorable:
                length = sum(freq for _, freq, _, _ in postings)
        stored = value if field.stored else None
        column = field.to_column_value(value) if field.column_type else None
        rows.append((name, postings, length, stored, column))
    return rows


_recent: dict = {}
_FREQ_BYTES = [pack_uint(n) for n in range(64)]   # one shared value per frequency, not one per posting
_uncached_terms = index_terms.__wrapped__    # each passage text is analysed once: skip the LRU cache


def _postings(field, name: str, value) -> list:
    """field.index(value), as Whoosh computes it, by the cheapest way for the field."""
    if isinstance(value, str):
        analyzer, fmt = field.analyzer, field.format
        if type(analyzer) is JiebaAnalyzer and type(fmt) is Characters:
            return _character_postings(value, analyzer.subwords, fmt.field_boost)
        if field.unique and (found := _id_postings(field, value)) is not None:
            return found
    # the rest is remembered for a while: an article's passages share title, source and date,
    # and the same list for the same value lets SegmentBuilder.add see the repeat
    key = (name, value)
    try:
        found = _recent.get(key)
    except TypeError:                     # unhashable (a list of values)
        return list(field.index(value))
    if found is None:
        if len(_recent) > 10_000:
            _recent.clear()
        found = _id_postings(field, value)
        if found is None:
            found = _frequency_postings(field, value)
        if found is None:
            found = list(field.index(value))
        _recent[key] = found
    return found


def _id_postings(field, value) -> list | None:
    """An ID field's one posting: the value is the term; None for other fields."""
    if isinstance(value, str) and type(field.analyzer) is IDTokenizer and type(field.format) is Existence:
        return [(value.encode("utf-8"), 1, field.format.field_boost, emptybytes)]
    return None


def _character_postings(text: str, subwords: bool, boost: float) -> list:
    """What Whoosh's Characters format makes of JiebaAnalyzer's tokens of `text`, without a
    Token object per word: per term (bytes, frequency, weight, encoded positions and spans)."""
    seen = defaultdict(list)
    for term, pos, start, end in _uncached_terms(text, subwords):
        seen[term].append((pos, start, end))
    out = []
    for term, spans in seen.items():
        # Characters.encode: (position, start, length) deltas from the previous occurrence
        if len(spans) == 1:
            pos, start, end = spans[0]
            deltas = [(pos, start, end - start)]
        else:
            deltas, last_pos, last_end = [], 0, 0
            for pos, start, end in spans:
                deltas.append((pos - last_pos, start - last_end, end - start))
                last_pos, last_end = pos, end
        n = len(spans)
        out.append((term.encode("utf-8"), n, float(n) * boost,
                    (_FREQ_BYTES[n] if n < 64 else pack_uint(n)) + dumps(deltas, 2)))
    return out


def _frequency_postings(field, value) -> list | None:
    """What Whoosh's Frequency format makes of JiebaAnalyzer's tokens; None for other fields."""
    analyzer, fmt = field.analyzer, field.format
    if not isinstance(value, str) or type(analyzer) is not JiebaAnalyzer or type(fmt) is not Frequency:
        return None
    counts = defaultdict(int)
    for term, _, _, _ in _uncached_terms(value, analyzer.subwords):
        counts[term] += 1
    boost = fmt.field_boost
    return [(term.encode("utf-8"), n, float(n) * boost, _FREQ_BYTES[n] if n < 64 else pack_uint(n))
            for term, n in counts.items()]


class SegmentBuilder:
    """Builds one new segment of the index in `storage` from analysed documents.

    Segments are separate files (`compound=False`), unlike Whoosh's writer: Whoosh reads a
    compound segment through a BytesIO copy of each inner file, so every searcher (one per
    server thread) held a private copy of the index, ~160 MB per searcher for a third of the
    corpus. Separate files are read in place; they are opened lazily, which is safe because
    `storage.GraceStorage` keeps merged-away files for a grace period (tests/test_storage.py).

    Not a writer: it takes no lock and changes no TOC; the segment becomes part of the index
    when a writer commits it (`add_segments`). Uncommitted segment files are removed by the
    next commit of any writer (Whoosh's `clean_files`).
    """

    def __init__(self, storage, indexname: str, schema, codec=None, compound: bool = False):
        self.storage, self.schema, self.compound = storage, schema, compound
        self.codec = codec or default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        stored = self._perdoc._colwriters["_stored"]
        if not isinstance(stored, PickleColumn.Writer) or not isinstance(stored._child, CompressedBytesColumn.Writer):
            raise AssertionError(f"unexpected stored-fields column writer {stored!r}")
        stored._child._compress = _deflate_stored
        self._terms: dict[str, dict[bytes, _Postings]] = {}
        self._lengths: dict[str, array] = {}      # per field: each document's length as stored
        # An article's passages repeat its title, source, date and id, and neighbours often share
        # kind and flags: in those fields a document whose postings are the previous document's
        # (the same list, from `_postings`' memo) extends a run, added at once when it ends.
        self._runs: dict[str, list] = {name: None for name, field in schema.items()
                                       if field.indexed and not field.unique and type(field.format) is not Characters}
        self.docnum = 0
        self.postings = 0

    def add(self, rows: Iterable[tuple]) -> None:
        """Add one document given as `analyse` rows."""
        perdoc, docnum, schema, runs = self._perdoc, self.docnum, self.schema, self._runs
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
                if name in runs:
                    run = runs[name]
                    if run is not None and run[0] is postings and run[1] + run[2] == docnum:
                        run[2] += 1
                    else:
                        if run is not None:
                            _add_run(terms, *run)
                        runs[name] = [postings, docnum, 1]
                else:
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
        for name, run in self._runs.items():
            if run is not None:
                _add_run(self._terms[name], *run)
        self._perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
        offset = postfile.tell()
        for name in sorted(self._terms):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            postwriter, prefix = fieldwriter._postwriter, pack_ushort(fieldwriter._fieldid)
            if postwriter._inlinelimit > 1:
                raise AssertionError("inlined posting lists are not written here")
            encode = _BlockEncoder(field.format, self._lengths[name], postwriter._blocklimit,
                                   postwriter._compression)
            terms = self._terms[name]
            out, pending = [], 0
            keys = _TermKeys(tindex)
            # what start_term/add/finish_term do, with the codec's bytes, written in large pieces
            for tbytes in sorted(terms):
                data, terminfo = encode(terms.pop(tbytes), offset)
                out.append(data)
                offset += len(data)
                pending += len(data)
                keys.add(prefix + tbytes, terminfo)
                if pending > FLUSH_BYTES:
                    postfile.write(b"".join(out))
                    out, pending = [], 0
            postfile.write(b"".join(out))
            keys.close()
            fieldwriter.finish_field()
            if offset != postfile.tell():
                raise AssertionError(f"posting offsets out of step in field {name!r}")
        fieldwriter.close()
        self._terms.clear()
        self.segment.set_doc_count(self.docnum)
        if self.compound and self.segment.should_assemble():
            self.segment.create_compound_file(self.storage)
        return self.segment


def _add_run(terms: dict, postings, first: int, count: int) -> None:
    """Add the same `postings` for the `count` documents from `first`."""
    ids = range(first, first + count)
    for tbytes, _freq, weight, vbytes in postings:
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = _Postings()
        entry.ids.extend(ids)
        entry.weights.extend([weight] * count)
        entry.values.extend([vbytes or emptybytes] * count)


class _TermKeys:
    """OrderedHashWriter.add for a run of keys, counting the file position instead of asking
    the file for it twice per key (a system call each)."""

    def __init__(self, tindex):
        self.tindex, self.dbfile = tindex, tindex.dbfile
        self.pos = self.dbfile.tell()
        self.out: list[bytes] = []

    def add(self, key: bytes, value: bytes) -> None:
        tindex = self.tindex
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        pos = self.pos
        tindex.index.append(pos)
        record = _LENGTHS.pack(len(key), len(value)) + key + value
        self.out.append(record)
        self.pos = pos + len(record)
        h = tindex.hashfn(key)
        tindex.buckets[h & 255].append((h, pos))
        tindex.lastkey = key
        if len(self.out) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.dbfile.write(b"".join(self.out))
        self.out = []

    def close(self) -> None:
        self.flush()
        if self.dbfile.tell() != self.pos:
            raise AssertionError("term dictionary offsets out of step")


class _BlockEncoder:
    """One term's postings as the bytes W3PostingsWriter writes, and its W3TermInfo bytes.

    Same blocks (at most `blocklimit` postings), statistics and pickles as
    `W3PostingsWriter.add_posting`/`finish_postings`, except that a block under COMPRESS_FROM
    bytes is stored uncompressed: zlib.compress costs ~13 µs however small its input (it sets
    up a 256 KB deflate state) and most terms have a block of a few postings; the block header
    records the compression (0 = none) and readers decompress only when it says so, so the
    format is unchanged. Larger blocks are deflated by zlib-ng (POSTING_LEVEL). A term with one
    posting (~40% of terms) takes a short path with the same result.
    """

    def __init__(self, fmt, doclengths: array, blocklimit: int, compression: int):
        self.doclengths, self.limit, self.compression = doclengths, blocklimit, compression
        fixed = fmt.fixed_value_size()
        self.values_kind = "tuple" if fixed is None or fixed < 0 else ("none" if fixed == 0 else "join")

    def _mini_values(self, values):
        kind = self.values_kind
        if kind == "tuple":
            return tuple(values)
        if kind == "none":
            return None
        return emptybytes.join(values)

    def __call__(self, entry: _Postings, offset: int) -> tuple[bytes, bytes]:
        ids, doclengths = entry.ids, self.doclengths
        if len(ids) == 1:
            docnum, weight, value = ids[0], entry.weights[0], entry.values[0]
            length = doclengths[docnum]
            minlength, maxlength = (length, length) if length else (None, 0)
            maxweight = max(0, weight)
            data = dumps(((docnum,), None if weight == 1.0 else weight,
                          self._mini_values((value,) if value else ())), 2)
            comp = self.compression if len(data) >= COMPRESS_FROM else 0
            if comp:
                data = zlib_ng.compress(data, POSTING_LEVEL)
            info = dumps((1, docnum, maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2)
            size = len(info) + len(data)
            block = b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-size), info, data))
            terminfo = _TERMINFO.pack(False, 0 + weight, 1, 0 if minlength is None else length_to_byte(minlength),
                                      length_to_byte(maxlength), max(0, maxweight), docnum, docnum)
            return block, terminfo + pack_long(offset) + pack_int(len(block))
        parts = [WHOOSH3_HEADER_MAGIC]
        t_weight, t_minlength, t_maxlength, t_maxweight = 0, None, 0, 0
        limit, count = self.limit, len(ids)
        for start in range(0, count, limit):
            end = min(start + limit, count)
            block_ids = ids[start:end]
            weights = entry.weights[start:end]
            lengths = list(filter(None, map(doclengths.__getitem__, block_ids)))
            minlength = min(lengths) if lengths else None
            maxlength = max(lengths) if lengths else 0
            maxweight = max(0, max(weights))
            # W3TermInfo.add_block
            t_weight += sum(weights)
            if t_minlength is None:
                t_minlength = minlength
            else:
                t_minlength = min(t_minlength, minlength)
            t_maxlength = max(t_maxlength, maxlength)
            t_maxweight = max(t_maxweight, maxweight)
            # W3PostingsWriter._mini_ids/_mini_weights/_mini_values
            deltas = tuple(map(sub, block_ids, chain((0,), block_ids)))      # from 0 in each block
            first = weights[0]
            if weights.count(1.0) == len(weights):
                mini_weights = None
            elif weights.count(first) == len(weights):
                mini_weights = first
            else:
                mini_weights = tuple(weights)
            data = dumps((deltas, mini_weights, self._mini_values(list(filter(None, entry.values[start:end])))), 2)
            comp = self.compression if len(data) >= COMPRESS_FROM else 0
            if comp:
                data = zlib_ng.compress(data, POSTING_LEVEL)
            info = dumps((end - start, block_ids[-1], maxweight, comp, length_to_byte(minlength),
                          length_to_byte(maxlength)), 2)
            size = len(info) + len(data)
            parts += (pack_int(-size if end == count else size), info, data)
        block = b"".join(parts)
        terminfo = _TERMINFO.pack(False, t_weight, count, 0 if t_minlength is None else length_to_byte(t_minlength),
                                  length_to_byte(t_maxlength), t_maxweight, ids[0], ids[-1])
        return block, terminfo + pack_long(offset) + pack_int(len(block))


def add_segments(ix, segments: list, delete_ids: Iterable[str] = (), id_field: str = "article_id",
                 timeout: float = 10.0) -> None:
    """Commit `segments` (from SegmentBuilders on `ix`'s storage) into `ix`, in one commit.

    Documents whose `id_field` is in `delete_ids` are deleted from the existing segments first
    (one searcher for all of them). Small existing segments are merged as on every commit
    (`merging.tiered`); `segments` are added as they are.
    :raise whoosh.index.LockError: another writer held Whoosh's lock for `timeout` seconds.
    """
    from whoosh import query as wq

    from index.fulltext import merging

    writer = ix.writer(timeout=timeout, compound=False)
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
    writer.commit(mergetype=lambda _writer, existing: merging.tiered(_writer, existing) + segments)


def build_segments(storage, indexname: str, schema, docs: Iterable[Mapping], max_postings: int = SEGMENT_POSTINGS,
                   procs: int = 1, parallel_from: int = PARALLEL_FROM) -> list:
    """Analyse `docs` and write them into new (uncommitted) segments; returns the segments.

    A segment is finished beyond `max_postings` postings (memory). With `procs` > 1 and at least
    `parallel_from` documents, the documents are split into `procs` runs, each written by a
    forked process; only from a process running one thread: after fork() a child holds no
    other thread, so a lock another thread held (logging, the allocator's) would never be freed.
    """
    if procs > 1 and threading.active_count() == 1:
        docs = docs if isinstance(docs, list) else list(docs)
        if len(docs) >= parallel_from:
            return _build_in_processes(storage, indexname, schema, docs, max_postings, procs)
    return _build(storage, indexname, schema, docs, max_postings)


def _build(storage, indexname: str, schema, docs: Iterable[Mapping], max_postings: int) -> list:
    segments = []
    builder = SegmentBuilder(storage, indexname, schema)
    for doc in docs:
        builder.add(analyse(schema, doc))
        if builder.postings >= max_postings:
            segments.append(builder.finish())
            builder = SegmentBuilder(storage, indexname, schema)
    if builder.docnum:
        segments.append(builder.finish())
    return segments


def _build_in_processes(storage, indexname: str, schema, docs: list, max_postings: int, procs: int) -> list:
    # contiguous runs keep an article's passages together (its title's postings are made once)
    size = -(-len(docs) // procs)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_build_run, daemon=True,
                               args=(storage, indexname, schema, docs, start, size, max_postings, results,
                                     os.getpid()))
               for start in range(0, len(docs), size)]
    gc.freeze()          # the children's collections then neither walk nor copy the inherited documents
    for worker in workers:
        worker.start()
    try:
        segments, waiting = [], len(workers)
        while waiting:
            kind, payload = receive(results, workers, "a segment-building process")
            if kind == "error":
                raise RuntimeError("a segment-building process failed:\n" + payload)
            segments.extend(payload)
            waiting -= 1
        return segments
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        gc.unfreeze()


def _build_run(storage, indexname, schema, docs, start, size, max_postings, results, parent: int) -> None:
    """In a forked process: write docs[start:start + size] into segments and send them back.
    The documents were inherited at the fork; only the (small) segment objects are pickled."""
    exit_with_parent(parent)
    try:
        results.put(("segments", _build(storage, indexname, schema, docs[start:start + size], max_postings)))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def clear_and_add_segments(ix, segments: list, timeout: float = 10.0) -> None:
    """Replace every segment of `ix` by `segments`, in one commit (a rebuild)."""
    writer = ix.writer(timeout=timeout)
    segments = list(segments)
    writer.commit(mergetype=lambda _writer, _existing: segments)


__all__ = ["analyse", "SegmentBuilder", "build_segments", "add_segments", "clear_and_add_segments"]
