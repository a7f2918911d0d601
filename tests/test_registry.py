"""Project names: keys, aliases within and across articles, and resolving a user's name."""
from __future__ import annotations

import pytest

from index.store import claim_filters
from index.store import registry


@pytest.mark.parametrize("a, b, same_article, expected", [
    ("华信国际大连物流园项目", "华信集团大连物流园项目", False, True),        # organisation word differs
    ("华信大连物流园一期", "华信大连物流园项目", False, True),               # a phase folds into the project
    ("金山抽蓄二期", "金山抽水蓄能电站项目", True, True),                   # an abbreviation, same article
    ("金山抽蓄二期", "金山抽水蓄能电站项目", False, False),                 # ... but not across articles
    ("南湖新材料产业园", "长江南湖新材料产业园项目", True, True),            # containment, same article
    ("再生铝项目", "铝业再生项目", True, False),
    ("三期项目", "三期项目", True, False),                                 # nothing left to identify it
])
def test_same_project(a, b, same_article, expected):
    assert registry.same_project(a, b, same_article=same_article) is expected


def test_cluster_groups_aliases_of_one_article():
    groups = registry.cluster(["金山抽蓄一期", "金山抽蓄二期", "金山抽水蓄能电站项目", "河口风电项目"])
    assert sorted(map(sorted, groups)) == [["河口风电项目"], sorted(["金山抽蓄一期", "金山抽蓄二期", "金山抽水蓄能电站项目"])]


ALIASES = {1: ["华信集团大连物流园项目", "华信国际大连物流园项目"], 2: ["金山抽水蓄能电站项目", "金山抽蓄一期"],
           3: ["再生铝项目"], 4: ["铝箔再生利用项目"]}


@pytest.mark.parametrize("query, ids, how", [
    ("金山抽水蓄能电站项目", [2], "exact"),
    ("金山抽水蓄能电站", [2], "alias"),
    ("华信", [1], "contains"),
    ("再生铝", [3], "alias"),
    ("金山抽水蓄能电占", [2], "fuzzy"),
])
def test_resolve(query, ids, how):
    matches = registry.resolve(query, ALIASES)
    assert [m.project_id for m in matches] == ids and matches[0].how == how


def test_resolve_nothing_gives_suggestions():
    assert registry.resolve("完全无关", ALIASES) == []
    assert registry.suggestions("金山抽水", [n for ns in ALIASES.values() for n in ns])[0].startswith("金山")


def row(value, bound="exact", low=None, high=None, **kw):
    return {"value": value, "bound": bound, "range_low": low, "range_high": high, "metric": kw.get("metric"),
            "dimension": "money", "modality": "actual", "subject": None, "sentence": "",
            "period_start": kw.get("start"), "period_end": kw.get("end")}


@pytest.mark.parametrize("claim, bounds, expected", [
    (row("10000000000", "at_least"), {"min_value": 5000000000}, True),     # 超过100亿元 reaches 50亿
    (row("10000000000", "at_least"), {"max_value": 5000000000}, False),
    (row("300000000", "at_most"), {"min_value": 500000000}, False),
    (row("100000000", "range", "100000000", "500000000"), {"min_value": 400000000}, True),
    (row("100000000", "range", "100000000", "500000000"), {"max_value": 50000000}, False),
    (row("51"), {"min_value": 51, "max_value": 51}, True),
])
def test_value_bounds_are_interval_aware(claim, bounds, expected):
    from decimal import Decimal
    assert claim_filters.accepts(claim, **{k: Decimal(v) for k, v in bounds.items()}) is expected


def test_period_filter_overlaps():
    import datetime as dt
    quarter = row("1", start="2024-01-01", end="2024-03-31")
    assert claim_filters.accepts(quarter, period_from=dt.date(2024, 3, 1))
    assert not claim_filters.accepts(quarter, period_from=dt.date(2024, 4, 1))
    assert not claim_filters.accepts(row("1"), period_to=dt.date(2024, 4, 1))     # no period: unknown, excluded


@pytest.mark.parametrize("name, region, key", [
    ("环城高速公路", "锦州市", "锦州市·环城高速公路"),     # generic words only: qualified by the place
    ("老旧小区改造工程", "盘锦市", "盘锦市·老旧小区改造"),
    ("雄忻高铁", "锦州市", "雄忻高铁"),                  # a proper head identifies it anywhere
    ("环城高速公路", None, "环城高速公路"),
    ("中老铁路", "锦州市", "中老铁路"),                  # generic characters, but an abbreviation: no place
])
def test_registry_key_region_qualifier(name, region, key):
    assert registry.registry_key(name, region) == key


def test_article_region_from_title_then_lead():
    from index.models import Paragraph
    assert registry.article_region("锦州市重点项目建设提速", []) == "锦州市"
    assert registry.article_region("重点项目建设提速", [Paragraph(0, "全市各县区……凉山彝族自治州境内", "body")]) \
        == "凉山彝族自治州"
    assert registry.article_region(None, []) is None


def test_a_section_is_not_an_alias_of_its_line():
    assert not registry.same_project("雄忻高铁", "雄忻高铁雄安地下段", same_article=True)
    assert registry.same_project("宜攀高速宁攀段", "宜攀高速公路宁攀段", same_article=True)


@pytest.mark.parametrize("name, expected", [
    ("中老铁路", True),                      # the abbreviation of its two ends
    ("遂大高速", True),
    ("沪渝蓉高铁控制性节点工程", True),
    ("华能托巴水电站", True),                 # a firm, a place
    ("凯荣集团锦州生产基地项目", True),
    ("广西平陆运河", True),
    ("75万千瓦风电项目", False),              # a capacity and a sector
    ("年产150万吨芳烃项目", False),
    ("再生铝项目", False),
    ("第四代核电站", False),
    ("长江大桥", False),                      # a kind of bridge, in a hundred places
    ("新能源汽车高速公路", False),
    ("水面高速", False),
    ("山东光伏发电项目", False),             # a province is too wide to identify a project
    ("西安机场", True),                      # a city is not
    ("深中通道关键控制性工程", True),         # a rare two-character head: an abbreviation
    ("100兆瓦塔式光热项目", False),           # led by its capacity: the tagger's 塔式/nz names nothing
    ("35千伏联网工程", False),
    ("双线高速铁路", False),                  # 高速铁路/nz is a work type, not a proper noun
    ("动车通道", False),                      # a common noun before the work
    ("出湖通道", False),                      # a verb's phrase
    ("筑蓉高速公路", True),                   # 筑 (贵阳) and 蓉 (成都): an abbreviation, not a verb
    ("黄桶至百色铁路", True),                 # a route names its ends
    ("青藏铁路", True), ("三峡工程", True),   # jieba knows them whole
    ("东北地区特高压工程", False),            # a region's area is no place of a project
])
def test_a_name_identifies_its_project_or_not(name, expected):
    assert registry.identified(name) is expected


@pytest.mark.parametrize("name, expected", [
    ("深圳地铁", True), ("太原铁路", True),            # a city's network
    ("广州地铁14号线", False), ("郑州机场", False), ("墨脱公路", False),
    ("意大利铁路", True), ("京津冀铁路", True), ("全疆公路", True),    # a country's, a region's
    ("伊朗标志性工程", True), ("俄罗斯项目", True),                     # a country's works
    ("贵南高铁", False), ("匈塞铁路", False), ("巴南高铁", False),     # abbreviations of two ends
    ("三峡电站", False), ("苏北运河", False),
    ("老挝段", True), ("宁攀段", False),                                # a country's part of a line; a section
])
def test_a_place_s_network_is_no_project(name, expected):
    assert registry.network(name) is expected


@pytest.mark.parametrize("name, expected", [
    ("制造业项目", True), ("精细化工项目", True), ("在建水利项目", True),
    ("再生铝项目", False), ("75万千瓦风电项目", False), ("高性能锂离子储能电池项目", False),
])
def test_a_kind_of_project_is_none(name, expected):
    assert registry.sector_only(name) is expected


def test_a_nameless_project_takes_the_place_named_before_it():
    from index.models import Article, Claim, Paragraph, Quantity
    texts = ["新能源建设提速", "在河北邢台高新区，总投资54亿元的高性能锂离子储能电池项目加紧建设。",
             "华能托巴水电站全面投产，装机140万千瓦。", "新建180万千瓦光伏项目。"]
    art = Article(id="t", text="\n".join(texts), title=texts[0],
                  paragraphs=[Paragraph(i, t, "heading" if i == 0 else "body") for i, t in enumerate(texts)])
    q = Quantity("1", 0, 1, 1, "个", "count")
    claims = [Claim(1, q, texts[1], project="高性能锂离子储能电池项目"), Claim(2, q, texts[2], project="华能托巴水电站"),
              Claim(3, q, texts[3], project="180万千瓦光伏项目")]
    places = registry.name_places(art, claims)
    assert places["高性能锂离子储能电池项目"] == "河北邢台高新区"
    assert "华能托巴水电站" not in places         # it names itself
    assert places["180万千瓦光伏项目"] == "河北邢台高新区"   # none before it: the lead's
    bare = Article(id="u", text=texts[3], paragraphs=[Paragraph(0, texts[3], "body")])
    assert registry.name_places(bare, claims[2:]) == {"180万千瓦光伏项目": None}   # none at all: not registered
    bulletin = Article(id="v", text="", title="国内联播快讯",
                       paragraphs=[Paragraph(0, "锦州市开工项目50个。盘锦市签约项目20个。", "body"),
                                   Paragraph(1, texts[3], "body")])
    assert registry.name_places(bulletin, claims[2:]) == {"180万千瓦光伏项目": None}  # two places: whose?
    kind = Claim(1, q, texts[1], project="制造业项目")
    assert registry.name_places(art, [kind]) == {"制造业项目": None}      # a kind of project, even with a place
    firm = Claim(1, q, texts[1], project="轮胎生产企业")
    assert registry.name_places(art, [firm]) == {"轮胎生产企业": None}    # a firm, not a project
    tunnel = Claim(1, q, texts[1], project="单洞双线隧道")
    assert registry.name_places(art, [tunnel]) == {"单洞双线隧道": None}  # a tunnel has a name of its own
    wide = Claim(1, q, texts[1], project="湖南±800千伏特高压直流输电工程")
    assert registry.name_places(art, [wide]) == {"湖南±800千伏特高压直流输电工程": None}  # a province only
