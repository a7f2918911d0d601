"""Search over a real Whoosh index: analyzer fixes are searchable, filters, paging, freshness, safety."""
import datetime as dt
import html
import random
import re

import pytest
from whoosh.index import LockError

from index.fulltext import indexer
from index.errors import QueryError
from index.fulltext.query import parse_query
from index.fulltext.searcher import PassageSearcher

ARTICLES = [
    {"id": "jz", "title": "锦州一季度重点项目集中开工", "source": "锦州日报", "published": "2024-03-19",
     "paragraphs": ["锦州一季度重点项目集中开工",
                    "锦州市新增5个项目，一季度集中新开工重点项目101个，总投资190亿元。",
                    "项目190个，总投资30亿元，其中凯荣集团锦州生产基地项目总投资51亿元。"],
     "claims": {1: ["count", "money"], 2: ["count", "money"]}},
    {"id": "fs", "title": "抚顺抓实项目建设", "source": "抚顺日报", "published": "2024-03-23",
     "paragraphs": ["投资109亿元的清原抽水蓄能电站项目开工。",
                    "投资109亿元的清原抽蓄一期当年完成投资１０亿元，营商环境持续优化。",
                    "优化营商环境<就是>要让办事更简单 & 方便。"],
     "claims": {0: ["money"], 1: ["money"]}},
    {"id": "pj", "title": None, "source": None, "published": None,
     "paragraphs": ["盘锦市计划实施600个项目、固定资产投资增长10%。", "润滑油添加剂项目签约落地。"],
     "claims": {}},
]


def documents(article, paragraphs=None):
    paragraphs = paragraphs or article["paragraphs"]
    return [indexer.passage_document(article, {"index": i, "kind": "title" if i == 0 and article["title"] else "body",
                                                 "text": text},
                                       [{"dimension": d} for d in article["claims"].get(i, [])])
            for i, text in enumerate(paragraphs)]


@pytest.fixture
def ix(tmp_path):
    return indexer.rebuild(tmp_path / "ix", [d for a in ARTICLES for d in documents(a)])


@pytest.fixture
def searcher(ix):
    s = PassageSearcher(ix)
    yield s
    s.close()


def ids(page):
    return [h.passage_id for h in page.hits]


def test_a_one_digit_number_is_searchable(searcher):
    assert ids(searcher.search("5个")) == ["jz-p1"]
    assert "jz-p1" in ids(searcher.search("5"))


def test_full_width_text_and_queries_match_half_width(searcher):
    page = searcher.search("10亿元")
    assert ids(page) == ["fs-p1"]
    assert "<mark>１０亿元</mark>" in page.hits[0].highlight      # marks slice the original full-width text
    assert ids(searcher.search("１９０亿元")) == ["jz-p1"]


def test_number_with_unit_is_one_phrase(searcher):
    # "项目190个，总投资30亿元" has 190 and 亿元, but not 190亿元
    assert ids(searcher.search("190亿元")) == ["jz-p1"]
    assert ids(searcher.search('"190亿元"')) == ["jz-p1"]
    assert ids(searcher.search("190个")) == ["jz-p2"]
    assert ids(searcher.search("10%")) == ["pj-p0"]


def test_quoted_phrases_match_in_order_only(searcher):
    assert ids(searcher.search('"抽水蓄能电站"')) == ["fs-p0"]
    assert ids(searcher.search('"蓄能抽水"')) == []
    assert set(ids(searcher.search('"营商环境"'))) == {"fs-p1", "fs-p2"}
    assert ids(searcher.search('“润滑油添加剂”')) == ["pj-p1"]       # Chinese quotes too


def test_a_split_word_prefers_its_parts_together_and_finds_an_abbreviation(searcher):
    got = ids(searcher.search("清原抽水蓄能电站"))
    assert got[:2] == ["fs-p0", "fs-p1"]             # 清原抽蓄一期 shares 清原 and is 抽水蓄能's 抽蓄
    assert "fs-p1" in ids(searcher.search("抽水蓄能"))


def test_parts_of_a_long_word_are_searchable(searcher):
    assert ids(searcher.search("润滑")) == ["pj-p1"]
    assert ids(searcher.search("添加剂")) == ["pj-p1"]


def test_filters(searcher):
    q = "投资"
    assert {h.article_id for h in searcher.search(q, source="锦州日报").hits} == {"jz"}
    assert {h.article_id for h in searcher.search(q, published_from="2024-03-20").hits} == {"fs"}
    assert {h.article_id for h in searcher.search(q, published_to=dt.date(2024, 3, 19)).hits} == {"jz"}
    assert searcher.search(q, published_from="2024-03-24").hits == []
    assert {h.article_id for h in searcher.search(q, has_claims=False).hits} == {"pj"}
    assert set(ids(searcher.search(q, dimension="count"))) == {"jz-p1", "jz-p2"}
    assert ids(searcher.search("锦州", kind="title")) == ["jz-p0"]
    assert searcher.search(q, source="nobody").total == 0
    with pytest.raises(QueryError):
        searcher.search(q, published_from="March")


def test_published_date_ranges_select_what_whoosh_datetime_selects(tmp_path):
    from whoosh.fields import DATETIME, ID, Schema
    from whoosh.index import create_in
    from whoosh.query import DateRange

    from index.fulltext.schema import PublishedDate

    ix = create_in(str(tmp_path), Schema(id=ID(stored=True), whoosh=DATETIME(), ours=PublishedDate()))
    rng = random.Random(7)
    base = dt.datetime(2020, 1, 1)
    with ix.writer() as writer:
        for n in range(600):
            when = base + dt.timedelta(days=rng.randint(0, 1500), hours=rng.randint(0, 23))
            writer.add_document(id=str(n), whoosh=when, ours=when)
    with ix.searcher() as s:
        assert len(list(s.reader().lexicon("ours"))) < len(list(s.reader().lexicon("whoosh"))) / 4
        for _ in range(100):
            start = base + dt.timedelta(days=rng.randint(-30, 1530))
            end = start + dt.timedelta(days=rng.randint(0, 700))
            start, end = rng.choice([(start, end), (start, None), (None, end)])
            ours = set(s.docs_for_query(DateRange("ours", start, end)))
            assert ours == set(s.docs_for_query(DateRange("whoosh", start, end)))


def test_pagination_and_totals(searcher):
    everything = searcher.search("项目", per_page=50)
    assert everything.total == len(everything.hits) >= 5
    pages = [searcher.search("项目", page=p, per_page=2) for p in (1, 2, 3)]
    assert [h for page in pages for h in ids(page)] == ids(everything)[:6]
    assert all(page.total == everything.total for page in pages)
    assert searcher.search("项目", with_total=False).total is None
    assert searcher.search("项目", page=100, per_page=5).hits == []
    with pytest.raises(QueryError):
        searcher.search("项目", page=0)


def test_read_your_writes_across_searchers(ix, tmp_path):
    first, second = PassageSearcher(ix), PassageSearcher(indexer.open_index(tmp_path / "ix"))
    assert first.search("针状焦").hits == second.search("针状焦").hits == []
    writer_ix = indexer.open_index(tmp_path / "ix")     # another worker's handle
    new = {"id": "zz", "title": "新项目", "source": None, "published": None,
           "paragraphs": ["锦州石化40万吨/年针状焦装置项目"], "claims": {}}
    indexer.replace_articles(writer_ix, {"zz": documents(new)})
    assert ids(first.search("针状焦")) == ids(second.search("针状焦")) == ["zz-p0"]
    first.close()
    second.close()


def test_replace_and_delete_by_article(ix, searcher):
    assert "jz-p2" in ids(searcher.search("凯荣"))
    changed = dict(ARTICLES[0], paragraphs=["锦州一季度", "全新的段落"])
    indexer.replace_articles(ix, {"jz": documents(changed)}, deletions=["fs"])
    assert searcher.search("凯荣").hits == []
    assert ids(searcher.search("全新")) == ["jz-p1"]
    assert searcher.search("抽水蓄能").hits == []


def test_rebuild_replaces_everything_and_open_searchers_see_it(ix, searcher, tmp_path):
    assert searcher.search("凯荣").hits
    indexer.rebuild(tmp_path / "ix", documents(ARTICLES[2]))
    assert searcher.search("凯荣").hits == []
    assert ids(searcher.search("润滑油")) == ["pj-p1"]


def test_a_busy_writer_raises_lock_error(ix):
    writer = ix.writer()
    try:
        with pytest.raises(LockError):
            indexer.replace_articles(ix, {}, ["jz"], timeout=0.05)
    finally:
        writer.cancel()


@pytest.mark.parametrize("q", ["*", '"abc', "(", ")", "[投资", 'AND OR NOT', "投资 AND 项目", "title:投资",
                               "投资*", "-投资", "\\", '""', "“", "x" * 10_000, "投资" * 5_000,
                               "项目 " * 3_000, "\x00\ufffd", "190亿元" * 100])
def test_hostile_queries_raise_nothing_but_query_error(searcher, q):
    try:
        page = searcher.search(q)
    except QueryError:
        return
    assert page.total == len(page.hits) or page.total > len(page.hits)


@pytest.mark.parametrize("q", ["*", "", "   ", "，。！", "\x00"])
def test_a_query_without_words_matches_nothing(searcher, q):
    assert parse_query(q).query is None
    page = searcher.search(q, facets=["source"])
    assert (page.total, page.hits, page.facets) == (0, [], {"source": []})


@pytest.mark.parametrize("q, found", [("的", ["sw-p2"]), ("和地", ["sw-p1"]), ("其中 的", ["sw-p2"]),
                                      ("and or", ["sw-p3"]), ("所等", [])])
def test_a_query_of_stopwords_only_is_searched_as_written(tmp_path, q, found):
    article = {"id": "sw", "title": None, "source": None, "published": None, "claims": {},
               "paragraphs": ["项目开工。", "优化营商环境和服务，认真地做。", "其中的项目。", "Rock and roll, or not."]}
    s = PassageSearcher(indexer.rebuild(tmp_path / "ix", documents(article)))
    try:
        page = s.search(q)
        assert ids(page) == found
        assert page.total == len(found)
        assert all("<mark>" in h.highlight for h in page.hits)
    finally:
        s.close()


def test_highlights_are_escaped_exact_and_never_partial(searcher):
    for q in ["营商环境", "清原抽水蓄能电站", "投资 项目", '"190亿元"', "润滑", "１０亿元"]:
        for hit in searcher.search(q, per_page=20).hits:
            assert html.unescape(re.sub(r"</?mark>", "", hit.highlight)) == hit.text
    hit = searcher.search("营商环境 方便").hits[0]
    assert hit.passage_id == "fs-p2"
    assert hit.highlight == "优化<mark>营商环境</mark>&lt;就是&gt;要让办事更简单 &amp; <mark>方便</mark>。"
    # a phrase marks its occurrences only, not its words elsewhere
    hit = searcher.search('"190亿元"').hits[0]
    assert re.findall(r"<mark>(.*?)</mark>", hit.highlight) == ["190亿元"]
    assert searcher.search("营商环境", highlight=False).hits[0].highlight is None


def test_a_passage_with_every_word_outranks_one_repeating_some(tmp_path):
    """Coordination: 华龙一号 three times does not beat 华龙一号 once with 冷却塔."""
    article = {"id": "hl", "title": None, "source": None, "published": None, "claims": {},
               "paragraphs": ["华龙一号是三代核电技术，华龙一号机组商运，华龙一号批量建设。",
                              "首个采用冷却塔的华龙一号核电站开工建设，工期五年。"]}
    ix = indexer.rebuild(tmp_path / "ix", documents(article))
    s = PassageSearcher(ix)
    try:
        assert ids(s.search("华龙一号 冷却塔")) == ["hl-p1", "hl-p0"]
        assert ids(s.search("华龙一号")) == ["hl-p0", "hl-p1"]        # one word: no coordination
    finally:
        s.close()


def test_the_title_passage_ranks_after_a_body_passage_saying_as_much(tmp_path):
    article = {"id": "lc", "title": "LACT首台望远镜完成首光", "source": None, "published": None, "claims": {},
               "paragraphs": ["LACT首台望远镜完成首光",
                              "记者获悉，LACT首台望远镜近日完成首光，观测到宇宙线信号，项目进展顺利，团队继续调试。"]}
    ix = indexer.rebuild(tmp_path / "ix", documents(article))
    s = PassageSearcher(ix)
    try:
        assert ids(s.search("LACT 首光")) == ["lc-p1", "lc-p0"]
    finally:
        s.close()


def test_a_heading_followed_by_its_paragraph_is_marked_heads():
    article = {"id": "k", "title": "快讯"}
    paragraphs = [{"index": i, "kind": kind, "text": f"段落{i}"}
                  for i, kind in enumerate(["title", "heading", "body", "heading", "heading", "body", "heading"])]
    docs = indexer.passage_documents(article, paragraphs)
    assert [d.get("heads", False) for d in docs] == [False, True, False, False, True, False, False]


def expected_facets(hits):
    """The facet counts of `hits`, from ARTICLES itself."""
    from collections import Counter

    by_id = {a["id"]: a for a in ARTICLES}
    counts = {name: Counter() for name in ("source", "month", "dimension", "has_claims")}
    for hit in hits:
        article = by_id[hit.article_id]
        dims = article["claims"].get(hit.index, [])
        if article["source"]:
            counts["source"][article["source"]] += 1
        if article["published"]:
            counts["month"][article["published"][:7]] += 1
        counts["dimension"].update(dims)
        counts["has_claims"][bool(dims)] += 1
    return {name: sorted(({"value": v, "count": n} for v, n in c.items()), key=lambda b: (-b["count"], str(b["value"])))
            for name, c in counts.items()}


@pytest.mark.parametrize("q, filters", [("项目", {}), ("投资 项目", {}), ("项目", {"has_claims": True}),
                                        ("投资", {"source": "抚顺日报"}), ("项目", {"published_from": "2024-03-20"}),
                                        ("亿元", {"dimension": "money"}), ("不存在的词语", {})])
def test_facets_count_every_match_with_the_filters_applied(searcher, q, filters):
    names = ["source", "month", "dimension", "has_claims"]
    everything = searcher.search(q, per_page=100, **filters)
    page = searcher.search(q, per_page=1, facets=names, **filters)
    assert page.total == everything.total
    assert page.facets == expected_facets(everything.hits)
    assert sum(b["count"] for b in page.facets["has_claims"]) == page.total
    assert list(page.facets) == names
    assert searcher.search(q, per_page=1, **filters).facets is None


def test_an_unknown_facet_is_a_query_error(searcher):
    with pytest.raises(QueryError, match="unknown facet"):
        searcher.search("项目", facets=["colour"])


def test_an_index_written_before_the_heads_field_is_still_searched(tmp_path):
    """Another version sharing the data folder may write the index without `heads` (a rolling
    upgrade, or the older code rebuilding it): searches keep working, without that feature."""
    from whoosh.fields import Schema

    from index.fulltext.files import GraceStorage
    from index.fulltext.schema import passage_schema

    old = Schema(**{name: field for name, field in passage_schema().items() if name != "heads"})
    (tmp_path / "ix").mkdir()
    ix = GraceStorage(str(tmp_path / "ix")).create_index(old)
    with ix.writer() as writer:
        for doc in documents(ARTICLES[0]):
            writer.add_document(**{k: v for k, v in doc.items() if k != "heads"})
    s = PassageSearcher(ix)
    try:
        page = s.search("重点项目 190亿元", facets=["source"])
        assert ids(page) == ["jz-p1"] and page.facets == {"source": [{"value": "锦州日报", "count": 1}]}
    finally:
        s.close()
