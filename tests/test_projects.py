"""index.claims.projects: named projects by suffix, by description after an investment, in lists."""
import json
from pathlib import Path

import pytest

from index.claims.projects import canonical_names, find_project_names

CASES = json.loads((Path(__file__).parent / "data" / "claims" / "projects.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["text"][:16]) for c in CASES])
def test_names(case):
    found = find_project_names(case["text"])
    assert [name for _, _, name in found] == case["names"]
    for start, end, name in found:
        assert case["text"][start:end] == name


def test_canonical_longest_form_and_phases():
    canon = canonical_names(["清原抽水蓄能电站项目", "清原抽蓄一期", "清原抽蓄二期",
                             "高合金小棒材生产线项目", "抚顺特殊钢股份有限公司高合金小棒材生产线项目"])
    assert canon["清原抽蓄一期"] == canon["清原抽蓄二期"] == "清原抽水蓄能电站项目"
    assert canon["高合金小棒材生产线项目"] == "抚顺特殊钢股份有限公司高合金小棒材生产线项目"


def test_empty_and_odd_text():
    assert find_project_names("") == []
    assert find_project_names("项目项目项目") == []
    assert isinstance(find_project_names("等项目" * 50), list)


def test_same_section_is_one_project_a_section_is_its_own():
    canon = canonical_names(["川藏铁路雅安至林芝段", "四川成都至西藏拉萨铁路雅安至林芝段", "雄忻高铁", "雄忻高铁雄安地下段"])
    assert canon["川藏铁路雅安至林芝段"] == "四川成都至西藏拉萨铁路雅安至林芝段"
    assert canon["雄忻高铁"] == "雄忻高铁"                      # the line is not its section


def test_the_article_s_other_names_reach_the_registry():
    import datetime as dt
    from index.claims.extract import extract_claims
    from index.models import Article, Paragraph
    texts = ["川藏铁路雅安至林芝段开通运营", "今天，新建四川成都至西藏拉萨铁路雅安至林芝段开通运营，最快2小时30分可达。"]
    art = Article(id="t", text="\n".join(texts), published=dt.date(2025, 1, 2),
                  paragraphs=[Paragraph(0, texts[0], "heading"), Paragraph(1, texts[1], "body")])
    claim = next(c for c in extract_claims(art) if c.quantity.raw == "2小时30分")
    assert claim.project == "四川成都至西藏拉萨铁路雅安至林芝段"
    assert claim.project_aliases == ("川藏铁路雅安至林芝段",)
