"""index/ranking.py ranks exactly as Whoosh's matchers score: same documents, order, scores, totals."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers import SEEDS
from index.fulltext import ranking
from index.fulltext.analysis import index_terms
from index.library import Library
from index.fulltext.query import filter_query, parse_query


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("ranking"))
    for path in sorted(SEEDS.glob("*.txt")):          # one commit each: several segments
        lib.add_article(path.read_text(encoding="utf-8"), id=path.stem)
    return lib


def queries(lib, limit=400):
    """Words, adjacent pairs (joined and spaced), quoted phrases and numbers from the seeds."""
    out = ["中国", "高质量发展", "项目 投资", "联播 快讯", "\"重点项目\"", "190亿元", "发展 2023年", "抽水蓄能"]
    with lib.store.db as db:
        texts = [row[0] for row in db.execute("SELECT text FROM paragraphs ORDER BY id")]
    for text in texts:
        words = [t[0] for t in index_terms(text, subwords=False)]
        out.extend(words[:3])
        for a, b in itertools.islice(zip(words, words[1:]), 3):
            out.extend([a + b, f"{a} {b}", f'"{a}{b}"'])
    return list(dict.fromkeys(out))[:limit]


def whoosh_answer(searcher, q, limit, allow=None):
    """Whoosh's own matchers stepped through every match: the reference scores.

    Not `searcher.search`: its collector replaces matchers as the top scores rise, and on
    these multi-segment indexes that drops documents (and returned a docnum past the end).
    """
    scored = []
    for sub, offset in searcher.leaf_searchers():
        matcher = q.matcher(sub, searcher.context())
        while matcher.is_active():
            docnum = offset + matcher.id()
            if allow is None or docnum in allow:
                scored.append((-matcher.score(), docnum))
            matcher.next()
    scored.sort()
    return [(d, -s) for s, d in scored[:limit]], len(scored)


def assert_same(lib, qs, limit=20, fq=None):
    state = lib.searcher._state()
    searcher, reader = state.searcher, state.searcher.reader()
    allow = None if fq is None else set(searcher.docs_for_query(fq))
    allow_array = None if allow is None else np.array(sorted(allow), dtype=np.int64)
    checked = 0
    for text in qs:
        try:
            q = parse_query(text, known=lambda word: ("text", word) in reader).query
        except ValueError:
            continue
        found = ranking.rank(searcher, q, limit, allow_array)
        assert found is not None, text
        top, total = found
        expected, expected_total = whoosh_answer(searcher, q, limit, allow)
        assert total == expected_total, text
        assert [d for d, _ in top] == [d for d, _ in expected], text
        assert [round(s, 9) for _, s in top] == [round(s, 9) for _, s in expected], text
        checked += 1
    assert checked > 50


def test_same_ranking_and_totals_as_whoosh(library):
    assert_same(library, queries(library))


def test_same_under_a_filter(library):
    assert_same(library, queries(library, 120), fq=filter_query(kind=["body"]))


def test_same_with_deleted_documents(tmp_path):
    lib = Library(tmp_path)
    paths = sorted(SEEDS.glob("*.txt"))
    for path in paths:
        lib.add_article(path.read_text(encoding="utf-8"), id=path.stem)
    lib.delete_article(paths[1].stem)                          # deletions inside segments
    lib.add_article(paths[2].read_text(encoding="utf-8") + "\n\n高质量发展的新项目。", id=paths[2].stem)
    assert any(r.has_deletions() for r, _ in lib.searcher._state().searcher.reader().leaf_readers())
    assert_same(lib, queries(lib, 150))


def test_a_word_pair_query_ends(library):
    """Whoosh 2.7.4's block-quality skipping loops forever on AndMaybe(Or, Or) (two words with a
    space); the ranker never takes that path and the searcher asks Whoosh with optimize=False."""
    page = library.searcher.search("联播 快讯")
    assert page.total is not None


def test_occurrences_are_what_the_postings_record(library):
    """Highlights' spans: the same (position, start, end) tuples as Whoosh's matcher values."""
    state = library.searcher._state()
    reader = state.searcher.reader()
    everything = list(range(reader.doc_count_all()))
    checked = 0
    for word in ["中国", "项目", "投资", "亿元", "抽水蓄能", "不存在的词语"] + queries(library, 120)[8:]:
        if ("text", word) not in reader:
            assert ranking.occurrences(reader, "text", word, everything[::3]) == {}
            continue
        expected = {}
        matcher = reader.postings("text", word)
        while matcher.is_active():
            expected[matcher.id()] = matcher.value_as("characters")
            matcher.next()
        for docnums in (everything, everything[1::4], sorted(expected)[-3:]):
            assert ranking.occurrences(reader, "text", word, docnums) == \
                {d: expected[d] for d in docnums if d in expected}
        checked += 1
    assert checked > 20


BULLETIN = """国内联播快讯
前三季度海洋经济总体实现企稳回升
自然资源部今天发布，前三季度，我国海洋生产总值6.8万亿元，同比增长2.1%。海运进出口总额同比增长18.2%。
新一批重大项目获批 总投资超4000亿元
国家发展改革委近日批复新一批重大项目，包括广州新机场、大渡河丹巴水电站等，总投资超4000亿元。
中欧班列货运量同比增长
二连浩特口岸进出境中欧班列超3900列，装载货物量超450万吨。"""


def test_same_with_headings_found_through_their_paragraph(tmp_path):
    """queries.WithSection: a 快讯 headline matched through its brief scores the same both ways."""
    lib = Library(tmp_path)
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        lib.add_article(path.read_text(encoding="utf-8"), id=path.stem)
    lib.add_article(BULLETIN, id="xwlb", title="国内联播快讯")
    kinds = [p["kind"] for p in lib.store.paragraphs("xwlb")]
    assert kinds.count("heading") == 2, kinds            # the first headline reads as a deck
    qs = ["6.8万亿元", "海洋生产总值 6.8万亿元", "丹巴水电站 广州新机场", "3900列", "中欧班列 3900列",
          "广州新机场", "发展改革委 重大项目", "\"海洋生产总值\""]
    assert_same(lib, qs + queries(lib, 100))
    page = lib.searcher.search("丹巴水电站 广州新机场")
    assert [h.kind for h in page.hits[:2]] == ["body", "heading"]


@pytest.fixture
def postings_cache():
    """Restores the process-wide cache's capacity the test changes."""
    yield
    ranking.set_postings_cache(ranking.POSTINGS_CACHE)


def test_a_cache_too_small_for_most_words_ranks_the_same(library, postings_cache):
    ranking._postings.clear()
    ranking.set_postings_cache(40)                   # fewer postings than most words have
    assert_same(library, queries(library, 200))
    assert ranking._postings.size <= 40


def test_the_service_sizes_the_cache_from_its_setting(tmp_path, postings_cache):
    from helpers import make_app

    make_app(tmp_path / "data", POSTINGS_CACHE=1234)
    assert ranking._postings.capacity == 1234
    with pytest.raises(ValueError):
        ranking.set_postings_cache(-1)
