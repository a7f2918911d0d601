"""Segments merged on commit: single writes keep few segments, and a merge changes no result."""
from __future__ import annotations

import random

import pytest

from index.fulltext import indexer, merging, segments
from index.fulltext.schema import passage_schema
from index.fulltext.searcher import PassageSearcher

WORDS = ["项目", "投资", "开工", "锦州", "抚顺", "盘锦", "电站", "产业", "园区", "签约", "增长", "营商环境",
         "一季度", "集中", "基地", "亿元", "建设", "完成", "计划", "石化"]
QUERIES = ["项目", "投资 开工", "锦州石化", "营商环境", "电站项目", "产业园区", "一季度 增长", "签约"]


def article(n: int, rng: random.Random, size: int | None = None) -> list[dict]:
    meta = {"id": f"a{n}", "title": "".join(rng.sample(WORDS, 3)), "source": rng.choice(["甲报", "乙报"]),
            "published": f"2024-03-{1 + n % 28:02d}"}
    size = size or rng.randint(1, 12)
    return [indexer.passage_document(meta, {"index": i, "kind": "body",
                                            "text": "，".join(rng.choices(WORDS, k=rng.randint(3, 12))) + "。"})
            for i in range(size)]


def live(segment) -> int:
    return segment.doc_count_all() - segment.deleted_count()


def results(ix):
    searcher = PassageSearcher(ix)
    try:
        return {q: [(h.passage_id, h.score) for h in searcher.search(q, per_page=1000).hits] for q in QUERIES}
    finally:
        searcher.close()


def small_bound() -> int:
    """At most MERGE_AT - 1 small segments per tier after a commit, and the commit's new one."""
    return (merging.MERGE_AT - 1) * (merging.tier(merging.MERGE_MAX_DOCS - 1) + 1) + 1


def test_single_writes_keep_the_segment_count_bounded(tmp_path):
    rng = random.Random(3)
    ix = indexer.rebuild(tmp_path / "ix", [d for n in range(50) for d in article(n, rng)])
    counts = []
    for n in range(50, 200):
        deletions = [f"a{rng.randrange(n)}"] if n % 10 == 0 else []          # DELETE now and then
        indexer.replace_articles(ix, {f"a{n}": article(n, rng)}, deletions)
        counts.append(len(ix._segments()))
    final = ix._segments()
    small = [s for s in final if live(s) < merging.MERGE_MAX_DOCS]
    large = [s for s in final if live(s) >= merging.MERGE_MAX_DOCS]
    assert max(counts) <= small_bound() + len(large) + 1, counts
    assert len(small) <= small_bound()
    assert sum(counts[-50:]) / 50 < 10                 # without merging: 150 segments and more
    assert all(live(s) for s in final), "a segment with no live documents was kept"


def test_a_merge_changes_no_result(tmp_path, monkeypatch):
    rng = random.Random(5)
    ix = indexer.open_index(tmp_path / "ix")
    monkeypatch.setattr(merging, "MERGE_AT", 10**6)                  # no merging while writing
    for n in range(40):
        indexer.replace_articles(ix, {f"a{n}": article(n, rng)})
    assert len(ix._segments()) == 40
    before = results(ix)
    assert sum(map(bool, before.values())) >= len(QUERIES) - 2
    monkeypatch.setattr(merging, "MERGE_AT", 2)
    while merging.plan(ix._segments()):                  # commits that add nothing, merging
        with ix.writer(compound=False) as writer:
            writer.mergetype = merging.tiered
    assert len(ix._segments()) <= merging.tier(merging.MERGE_MAX_DOCS) + 1
    after = results(ix)
    # the same passages with the same scores, to 1%: a merge rebuilds the field length totals
    # (BM25's average length) from the one-byte lengths Whoosh keeps per document, and renumbers
    # documents (equal scores are ordered by document number)
    assert {q: sorted(p for p, _ in hits) for q, hits in after.items()} == \
        {q: sorted(p for p, _ in hits) for q, hits in before.items()}
    for q in QUERIES:
        assert dict(after[q]) == pytest.approx(dict(before[q]), rel=0.01)


def test_a_merge_drops_deleted_documents(tmp_path, monkeypatch):
    rng = random.Random(7)
    ix = indexer.open_index(tmp_path / "ix")
    monkeypatch.setattr(merging, "MERGE_AT", 10**6)
    for n in range(12):
        indexer.replace_articles(ix, {f"a{n}": article(n, rng, size=4)})
    indexer.replace_articles(ix, {}, [f"a{n}" for n in range(0, 12, 2)])
    searcher = PassageSearcher(ix)
    found = {q: sorted(h.passage_id for h in searcher.search(q, per_page=100).hits) for q in QUERIES}
    searcher.close()
    monkeypatch.setattr(merging, "MERGE_AT", 2)
    indexer.replace_articles(ix, {}, ["a1"])
    assert sum(s.deleted_count() for s in ix._segments()) == 0
    assert sum(s.doc_count_all() for s in ix._segments()) == 5 * 4
    searcher = PassageSearcher(ix)
    assert {q: sorted(h.passage_id for h in searcher.search(q, per_page=100).hits) for q in QUERIES} == \
        {q: [p for p in ids if not p.startswith("a1-")] for q, ids in found.items()}
    searcher.close()


def test_bulk_adds_merge_the_small_segments_too(tmp_path):
    rng = random.Random(9)
    ix = indexer.open_index(tmp_path / "ix")
    schema = passage_schema()
    for n in range(60):                                     # 60 small ingests, e.g. one file each
        built = segments.build_segments(ix.storage, ix.indexname, schema, article(n, rng), 10**9)
        segments.add_segments(ix, built)
    assert len(ix._segments()) <= small_bound()
    assert sum(live(s) for s in ix._segments()) == ix.doc_count()


class Segment:
    def __init__(self, docs: int, deleted: int = 0):
        self.docs, self.deleted = docs, deleted

    def doc_count_all(self):
        return self.docs

    def deleted_count(self):
        return self.deleted

    def __repr__(self):
        return f"Segment({self.docs}, {self.deleted})"


@pytest.mark.parametrize("sizes, merged", [
    ([5, 6, 7], []),                                   # one tier (4-15) short of MERGE_AT
    ([5, 6, 7, 9], [5, 6, 7, 9]),                      # a full tier
    ([20, 30, 40, 5, 6, 7, 9], [20, 30, 40, 5, 6, 7, 9]),    # 27 lands in 16-63 beside three: cascade
    ([20, 30, 5, 6, 7, 9], [5, 6, 7, 9]),              # ... beside two: stops there
    ([70_000, 75_000, 3_000, 2_000, 1_500, 1_200], []),   # large segments are never merged on commit
    ([900, 800, 700, 600], [900, 800, 700, 600]),
])
def test_plan_merges_full_tiers_of_small_segments(sizes, merged):
    segs = [Segment(n) for n in sizes]
    assert [s.docs for s in merging.plan(segs)] == merged


def test_plan_drops_empty_segments_and_counts_live_documents():
    empty, emptied, shrunk = Segment(0), Segment(40, 40), Segment(5_000, 4_990)
    segs = [Segment(80_000), empty, emptied, shrunk, Segment(12), Segment(9), Segment(13)]
    assert merging.plan(segs) == [empty, emptied, shrunk, segs[4], segs[5], segs[6]]
    assert merging.plan([Segment(10), Segment(11)]) == []

