"""Which segments a commit merges: size tiers of the small segments, so single writes keep few.

Every write commits a segment of its own (an article: ~10 passages). Whoosh's default policy
(`MERGE_SMALL`, a Fibonacci rule) kept 8-20 segments over thousands of writes and, sooner or
later, merges segments of any size in the commit of the write that tips it: a write merging
10,000 passages through Whoosh's writer (~1 ms a passage) holds the write lock for ~10 s, and
after ~20,000 writes it merges the bulk-built segments of a whole corpus. The bulk path
(`segments.add_segments`) did not merge at all.

`tiered(writer, segments)` is a Whoosh merge function (`writer.commit(mergetype=...)`):

- a segment is small below MERGE_MAX_DOCS live documents (deleted ones do not count, so a
  segment emptied by deletions goes down the tiers and is dropped in the next merge);
- small segments fall into tiers by size, powers of TIER_BASE (1-3, 4-15, 16-63, … live
  documents); a tier holding MERGE_AT segments is merged into one, which is written into this
  commit's new segment together with the documents the writer added;
- when that merged size lands in a tier that then holds MERGE_AT segments, those are merged
  too, in the same commit;
- segments with no live documents are always dropped (free: nothing to copy).

So the small segments number at most (MERGE_AT - 1) per tier, ~3 x 5 = 15 in the worst case
and 2-12 in practice, and a commit merges at most MERGE_AT x MERGE_MAX_DOCS documents (~1-3 s,
rare; most commits merge nothing or a few dozen). Segments at or above MERGE_MAX_DOCS (the
bulk loads', and one per ~1,000-4,000 passages written one by one) are not merged on commit:
`newsclaims reindex` writes the whole index again as one or two segments (docs/operations.md).
"""
from __future__ import annotations

from whoosh.reading import SegmentReader

MERGE_MAX_DOCS = 1_000     # live documents: smaller segments are merged on commit
TIER_BASE = 4              # tier k holds the segments of TIER_BASE**k .. TIER_BASE**(k+1) - 1 live documents
MERGE_AT = 4               # segments in one tier that are merged into one


def live_docs(segment) -> int:
    return segment.doc_count_all() - segment.deleted_count()


def tier(docs: int) -> int:
    k, size = 0, TIER_BASE
    while docs >= size:
        k, size = k + 1, size * TIER_BASE
    return k


def plan(segments: list) -> list:
    """The segments to merge into the commit's new segment (a subset of `segments`, in order)."""
    chosen = [s for s in segments if live_docs(s) == 0]
    tiers: dict[int, list] = {}
    for s in segments:
        docs = live_docs(s)
        if 0 < docs < MERGE_MAX_DOCS:
            tiers.setdefault(tier(docs), []).append(s)
    merged, size = [], 0
    for k in sorted(tiers):
        group = tiers[k]
        if merged and tier(size) != k:
            if tier(size) > k:                      # the merged segment is larger than this tier
                continue
            break
        if len(group) + (1 if merged else 0) >= MERGE_AT:
            merged += group
            size += sum(map(live_docs, group))
            if size >= MERGE_MAX_DOCS:
                break
        elif merged:
            break
    ids = {id(s) for s in chosen + merged}
    return [s for s in segments if id(s) in ids]


def tiered(writer, segments: list) -> list:
    """Whoosh merge function: merge `plan(segments)` into the writer's new segment; returns
    the segments kept as they are."""
    merging = plan(list(segments))
    ids = {id(s) for s in merging}
    for segment in merging:
        if live_docs(segment):
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
    return [s for s in segments if id(s) not in ids]


__all__ = ["MERGE_MAX_DOCS", "TIER_BASE", "MERGE_AT", "plan", "tiered"]
