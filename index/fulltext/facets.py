"""Facet counts over a search's whole match set, like Elasticsearch's terms aggregations.

A facet counts the matching passages by one value of theirs: the outlet (`source`), the month
of publication (`month`), the dimension of a claim in the passage (`dimension`: a passage
with claims of two dimensions counts in both), whether it has claims (`has_claims`) and the
canonical metric of its claims (`metric`: index/data/metrics.json keys, multi-valued too).
Counts are exact, over every passage the query and the filters match, not only the page.

Each segment's values are read once from the index terms (a document number -> bucket code
array for single-valued fields, each document's run of codes for multi-valued ones) and kept
per segment, like the field lengths of `ranking`; a count is then one `np.bincount` over the
matches' codes.
Adding a facet is one `Facet` line in `FACETS` (and its field in the schema).
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from whoosh.reading import SegmentReader

from index.fulltext.ranking import postings


def _bool(value) -> bool:
    return value in (True, "t", b"t")


def _month(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


@dataclass(frozen=True)
class Facet:
    name: str                                   # what the API and the CLI call it
    field: str                                  # the index field it counts
    multi: bool = False                         # a passage may hold several values
    bucket: Callable = str                      # a term's value -> the bucket's value


FACETS = {f.name: f for f in (
    Facet("source", "source"),
    Facet("month", "published", bucket=_month),
    Facet("dimension", "dimensions", multi=True),
    Facet("has_claims", "has_claims", bucket=_bool),
    Facet("metric", "metrics", multi=True),
)}

_segments: dict[tuple[str, str], "_SegmentValues"] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class _SegmentValues:
    labels: list                      # bucket values, by code
    codes: np.ndarray | None          # single-valued: code of each document (-1: none)
    starts: np.ndarray | None         # multi-valued: document d's codes are codes_of[starts[d]:starts[d + 1]]
    codes_of: np.ndarray | None


def _values(leaf, facet: Facet) -> _SegmentValues:
    key = (leaf.segment().segment_id(), facet.name)
    found = _segments.get(key)
    if found is not None:
        return found
    fieldobj = leaf.schema[facet.field]
    labels, index, lists = [], {}, []
    for tbytes in leaf.lexicon(facet.field) if facet.field in leaf.schema else ():
        plist = postings(leaf, facet.field, tbytes)
        if plist is None or not len(plist):
            continue
        label = facet.bucket(fieldobj.from_bytes(tbytes))
        code = index.setdefault(label, len(labels))
        if code == len(labels):
            labels.append(label)
        lists.append((code, plist.ids))
    if facet.multi:
        ids = np.concatenate([ids for _, ids in lists] + [np.empty(0, dtype=np.int32)])
        codes = np.concatenate([np.full(len(ids), code, dtype=np.int32) for code, ids in lists]
                               + [np.empty(0, dtype=np.int32)])
        order = np.argsort(ids, kind="stable")
        per_doc = np.bincount(ids, minlength=leaf.doc_count_all())
        found = _SegmentValues(labels, None, np.concatenate([[0], np.cumsum(per_doc)]), codes[order])
    else:
        codes = np.full(leaf.doc_count_all(), -1, dtype=np.int32)
        for code, ids in lists:
            codes[ids] = code
        found = _SegmentValues(labels, codes, None, None)
    with _lock:
        _segments[key] = found
    return found


def warm(reader) -> None:
    """Read every facet's values of every segment now (gunicorn's master: shared by the workers)."""
    for leaf, _ in reader.leaf_readers():
        if isinstance(leaf, SegmentReader) and leaf.segment() is not None and leaf.doc_count_all():
            for facet in FACETS.values():
                _values(leaf, facet)


def forget_segments(reader) -> None:
    """Drop the values of segments `reader` no longer has."""
    keep = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()
            if isinstance(leaf, SegmentReader) and leaf.segment() is not None}
    with _lock:
        for key in [k for k in _segments if k[0] not in keep]:
            del _segments[key]


def count(reader, docs: np.ndarray, names) -> dict[str, list[dict]]:
    """{name: [{"value", "count"}, …]} for `docs` (sorted global document numbers), each
    facet's buckets by count (highest first), then by value."""
    leaves = [(leaf, offset) for leaf, offset in reader.leaf_readers()
              if isinstance(leaf, SegmentReader) and leaf.segment() is not None and leaf.doc_count_all()]
    out = {}
    for name in names:
        facet = FACETS[name]
        counts: Counter = Counter()
        for leaf, offset in leaves:
            lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
            if lo == hi:
                continue
            local = docs[lo:hi] - offset
            values = _values(leaf, facet)
            if values.codes is not None:
                codes = values.codes[local]
                per_code = np.bincount(codes[codes >= 0], minlength=len(values.labels))
                for code, n in enumerate(per_code.tolist()):
                    if n:
                        counts[values.labels[code]] += n
            else:
                first = values.starts[local]
                sizes = values.starts[local + 1] - first
                if not sizes.sum():
                    continue
                # the matches' runs of codes, end to end: first[i] .. first[i] + sizes[i]
                at = np.repeat(first - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
                per_code = np.bincount(values.codes_of[at], minlength=len(values.labels))
                for code, n in enumerate(per_code.tolist()):
                    if n:
                        counts[values.labels[code]] += n
        out[name] = [{"value": value, "count": n}
                     for value, n in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))]
    return out
