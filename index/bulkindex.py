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

from array import array
from collections.abc import Iterable, Mapping

from whoosh.codec import default_codec
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte


class _Postings:
    """One term's postings in docnum order."""
    __slots__ = ("ids", "weights", "lengths", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = array("f")
        self.lengths = array("I")
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
            postings = list(field.index(value))
            if field.scorable:
                length = sum(freq for _, freq, _, _ in postings)
        stored = value if field.stored else None
        column = field.to_column_value(value) if field.column_type else None
        rows.append((name, postings, length, stored, column))
    return rows


class SegmentBuilder:
    """Builds one new segment of the index in `storage` from analysed documents.

    Segments are written as separate files (`compound=False`): Whoosh reads a compound segment
    through a BytesIO copy of each file (a searcher on the corpus index would copy ~160 MB per
    thread), while separate files are read in place.

    Not a writer: it takes no lock and changes no TOC; the segment becomes part of the index
    when a writer commits it (`add_segments`). Uncommitted segment files are removed by the
    next commit of any writer (Whoosh's `clean_files`).
    """

    def __init__(self, storage, indexname: str, schema, codec=None, compound: bool = False):
        self.storage, self.schema, self.compound = storage, schema, compound
        self.codec = codec or default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        self._terms: dict[str, dict[bytes, _Postings]] = {}
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
                quantised = byte_to_length(length_to_byte(length)) if length else 0
                for tbytes, _freq, weight, vbytes in postings:
                    entry = terms.get(tbytes)
                    if entry is None:
                        entry = terms[tbytes] = _Postings()
                    entry.ids.append(docnum)
                    entry.weights.append(weight)
                    entry.lengths.append(quantised)
                    entry.values.append(vbytes or emptybytes)
                self.postings += len(postings)
            perdoc.add_field(name, field, stored, length)
            if column is not None:
                perdoc.add_column_value(name, field.column_type, column)
        perdoc.finish_doc()
        self.docnum += 1

    def finish(self):
        """Write the term dictionary and posting lists; returns the finished segment."""
        self._perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        for name in sorted(self._terms):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            terms = self._terms[name]
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _write_postings(fieldwriter._postwriter, terms.pop(tbytes))
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        self._terms.clear()
        self.segment.set_doc_count(self.docnum)
        if self.compound and self.segment.should_assemble():
            self.segment.create_compound_file(self.storage)
        return self.segment


def _write_postings(writer, entry: _Postings) -> None:
    """Fill the postings writer's block buffer a block at a time (what add_posting does one by one)."""
    limit = writer._blocklimit
    count = len(entry.ids)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        weights = entry.weights[start:end]
        lengths = [n for n in entry.lengths[start:end] if n]
        writer._ids = entry.ids[start:end]
        writer._weights = weights
        writer._values = [v for v in entry.values[start:end] if v]
        writer._minlength = min(lengths) if lengths else None
        writer._maxlength = max(lengths) if lengths else 0
        writer._maxweight = max(0, max(weights))
        writer._write_block(last=end == count)


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
