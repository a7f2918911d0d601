"""index.articles.segment.parse_article: caller metadata wins and the page fills the gaps; paragraphs come
out clean, joined where a line was cut, without repeats, typed, numbered; the seeds match the gold
paragraph counts; no input text makes it raise."""
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from index.models import PARAGRAPH_KINDS
from index.articles.segment import parse_article

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data") / "segment"
GOLD = ROOT.parent / "shared" / "gold" / "seeds.articles.jsonl"

CASES = [pytest.param(case, id=case["file"])
         for case in json.loads((DATA / "cases.json").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("case", CASES)
def test_cases(case):
    article = parse_article((DATA / case["file"]).read_text(encoding="utf-8"), id=case["file"])
    assert article.body_count == case["body"]
    assert [p.kind for p in article.paragraphs] == case["kinds"]
    published = article.published.isoformat() if article.published else None
    assert (article.title, published, article.source, article.url, article.year) == (
        case["title"], case["published"], case["source"], case["url"], case["year"])


@pytest.mark.parametrize("case", CASES)
def test_no_furniture_left(case):
    furniture = ("分享至", "相关推荐", "热点推荐", "头条要闻", "无障碍", "免责声明", "原文链接", "欢迎访问",
                 "当前位置", "本报记者", " 摄", "发布日期", "消息来源", "文章来源", "...", ">")
    article = parse_article((DATA / case["file"]).read_text(encoding="utf-8"))
    for paragraph in article.paragraphs:
        assert not any(mark in paragraph.text for mark in furniture), paragraph.text
        assert paragraph.text.strip() not in ("0", "")


def test_paragraphs_are_numbered_and_typed():
    article = parse_article((DATA / "newspaper_page.txt").read_text(encoding="utf-8"))
    assert [p.index for p in article.paragraphs] == list(range(len(article.paragraphs)))
    assert {p.kind for p in article.paragraphs} <= set(PARAGRAPH_KINDS)
    assert article.text == (DATA / "newspaper_page.txt").read_text(encoding="utf-8")


def test_caller_metadata_wins():
    text = (DATA / "gov_repost.txt").read_text(encoding="utf-8")
    article = parse_article(text, id="a1", title="唐山扎实推进重点项目建设，夯实产业基础——稳投资 强支撑",
                            published=dt.date(2023, 4, 13), source="某某日报", url="https://example.com/x")
    assert (article.id, article.published, article.source, article.url, article.year) == (
        "a1", dt.date(2023, 4, 13), "某某日报", "https://example.com/x", 2023)
    assert [p.kind for p in article.paragraphs][:2] == ["title", "body"]       # the page's title line, once


def test_given_title_missing_from_text_becomes_the_first_paragraph():
    article = parse_article("某市一季度开复工项目120个，总投资45.6亿元。", title="某市项目建设提速")
    assert [(p.kind, p.text) for p in article.paragraphs] == [
        ("title", "某市项目建设提速"), ("body", "某市一季度开复工项目120个，总投资45.6亿元。")]


def test_page_date_line_dates_the_article_but_list_timestamps_do_not():
    head = parse_article("2026年01月27日 星期二\n本报北京1月26日电 某部门印发意见，提出5方面举措。")
    assert head.published == dt.date(2026, 1, 27)
    tail = parse_article("本报北京1月26日电 某部门印发意见，提出5方面举措。\n2025-11-13 17:00:49")
    assert tail.published is None


def test_year_from_the_text():
    article = parse_article("3月18日，某市2024年一季度重点项目集中开工。2023年，全市开复工项目1056个。到2027年建成园区5个。")
    assert (article.published, article.year) == (None, 2024)
    assert parse_article("某市今年开复工项目120个。").year is None


def test_split_sentence_joined_across_blank_line():
    article = parse_article("开头一句。园区是项目的主阵地，沧州市着力完善园区配套，提升园区承载能力，持续优化营商环境，积极开展\n\n"
                            "园区标准化建设，全年新建标准厂房50万平方米。")
    assert [p.text for p in article.paragraphs] == [
        "开头一句。园区是项目的主阵地，沧州市着力完善园区配套，提升园区承载能力，持续优化营商环境，积极开展"
        "园区标准化建设，全年新建标准厂房50万平方米。"]


def test_line_ending_on_a_comma_joins_the_next():
    article = parse_article("重点攻坚货源增长、服务便利性、\n航道疏浚等多项具体任务。")
    assert [p.text for p in article.paragraphs] == ["重点攻坚货源增长、服务便利性、航道疏浚等多项具体任务。"]


def test_split_sentence_joined_across_a_caption():
    article = parse_article("一句话说完。按照“一窗受理、集成服务”模式，持续深化“放管服”改革，按照统一部署，力争\n\n"
                            "工作人员为企业办理登记手续。 本报记者 李某 摄\n\n9月底前全面完成改革。")
    assert [(p.kind, p.text) for p in article.paragraphs] == [
        ("body", "一句话说完。按照“一窗受理、集成服务”模式，持续深化“放管服”改革，按照统一部署，力争9月底前全面完成改革。"),
        ("caption", "工作人员为企业办理登记手续。")]


def test_heading_is_not_joined_to_a_cut_line():
    article = parse_article("依托园区，重点打造装备产业集群，推进产业链延伸，释放更多优质产能。延伸循环产业链条，依托某某实业、新万\n"
                            "一个目标、一体推进、四项行动\n本报讯 今年，某市持续推动营商环境优化升级。")
    assert [p.kind for p in article.paragraphs] == ["body", "heading", "body"]


def test_duplicates_dropped():
    first = "任丘市推进开发区土地收储，加快园区建设，推进某某产业园企业入驻，重点推进投资8亿元的智能装备产业园尽快落地。"
    article = parse_article(f"{first}\n{first}\n企业入驻，重点推进投资8亿元的智能装备产业园尽快落地。\n另一段内容。")
    assert [p.text for p in article.paragraphs] == [first, "另一段内容。"]


def test_repeated_sentence_loop_kept_once():
    loop = "是推动产业升级的关键之举，是扩大有效投资的务实之策。如今，沧州市把项目建设的开篇之作，"
    article = parse_article("此次签约是全年招商引资的开篇之作，" + loop * 3 + "是推动产业升级的关键之举。")
    (paragraph,) = article.paragraphs
    assert paragraph.text == "此次签约是全年招商引资的开篇之作，" + loop
    assert paragraph.text.count("务实之策") == 1


def test_sentence_repeated_from_an_earlier_paragraph_is_dropped():
    run = "全力推动总投资58亿元的某某集团年产320万吨煤焦综合利用一体化项目，加快推进总投资4亿元的某某锌焙砂项目以及总投资2亿元的再生铝项目落地。"
    article = parse_article(f"某县延伸新材料产业链条，{run}\n依托产业园，重点打造装备产业集群。延伸循环产业链条，{run}")
    assert [p.text for p in article.paragraphs] == [
        f"某县延伸新材料产业链条，{run}", "依托产业园，重点打造装备产业集群。延伸循环产业链条，"]


def test_restated_opening_is_kept():
    article = parse_article("2月12日，某市召开全市项目开工动员会，打响了抓招商的发令枪。\n"
                            "2月12日，某市召开全市项目开工动员会，动员全市上下迅速行动起来。")
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].text.startswith("2月12日，某市召开")


def test_caption_printed_twice_kept_once():
    article = parse_article("正文第一段，某市开复工项目86个。\n新材料产业园扩建项目\n新材料产业园扩建项目\n正文第二段。")
    assert [(p.kind, p.text) for p in article.paragraphs] == [
        ("body", "正文第一段，某市开复工项目86个。"), ("caption", "新材料产业园扩建项目"), ("body", "正文第二段。")]


def test_html_input():
    article = parse_article("<html><head><title>某市项目开工_某某网</title></head><body><ul><li>首页</li></ul>"
                            "<h1>某市项目开工</h1><p>某市一季度开工项目101个，总投资190亿元。</p><p>分享至</p></body></html>")
    assert article.title == "某市项目开工"
    assert [(p.kind, p.text) for p in article.paragraphs] == [
        ("title", "某市项目开工"), ("body", "某市一季度开工项目101个，总投资190亿元。")]


@pytest.mark.parametrize("text", ["", "   \n\t\u3000\n", None, "分享至\n0\n相关推荐\n---",
                                  "(更新时间戳: 1669985900159)", "<html></html>", "<p>", "\x00\ud800"])
def test_empty_or_furniture_only_gives_no_paragraphs(text):
    article = parse_article(text, title="标题")
    assert article.paragraphs == []


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_never_raises(text):
    article = parse_article(text)
    assert all(p.text and p.kind in PARAGRAPH_KINDS for p in article.paragraphs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["分享至", "0", "相关推荐", "本报记者 李某 摄", "某市投资12亿元，", "增长10%。", "\n", "\n\n",
                                 "标题", "<p>", "</p>", "——", "- 发布日期:2022-2-18", "…23-12-15", "１２％"]), max_size=40))
def test_never_raises_on_page_like_text(parts):
    parse_article("".join(parts))


def test_large_input_is_fast_enough():
    text = (DATA / "newspaper_page.txt").read_text(encoding="utf-8") * 200 + "今年投资增长10%，" * 20000
    assert parse_article(text).paragraphs


@pytest.mark.skipif(not GOLD.exists(), reason="../shared/gold is not beside the project")
@pytest.mark.parametrize("gold", [pytest.param(json.loads(line), id=json.loads(line)["article"])
                                  for line in (GOLD.read_text(encoding="utf-8").splitlines() if GOLD.exists() else [])
                                  if line.strip()])
def test_seed_against_gold(gold):
    article = parse_article((ROOT / "seeds" / gold["article"]).read_text(encoding="utf-8"), id=gold["article"])
    assert article.body_count == gold["paragraphs"]
    for field in ("title", "source", "url"):
        if gold[field] is not None or field == "title":
            assert getattr(article, field) == gold[field], field
    if gold["published"]:
        assert article.published == dt.date.fromisoformat(gold["published"])
    assert article.year in (gold["year"], None)
