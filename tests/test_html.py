"""HTML input end to end: bytes in any charset decoded, the article's own text kept and the page's
furniture left out, headline, date and outlet read from the page; POST /articles with `html`
(contract-checked), `newsclaims ingest` of .html files and of JSONL records with an html field.
The pages under tests/data/html are written for these tests (see its README)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from helpers import AUTH, ROOT
from index.articles import clean
from index.articles.html import decode, extract, parse_html
from index.cli.commands import main
from index.library import Library

PAGES = ROOT / "tests" / "data" / "html"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def texts(article, kinds=("body", "heading", "deck", "caption")) -> list[str]:
    return [p.text for p in article.paragraphs if p.kind in kinds]


def everything(article) -> str:
    return "\n".join(p.text for p in article.paragraphs) + "\n" + (article.title or "")


# ---------------------------------------------------------------- decoding

def test_utf8_page_that_declares_gb2312_is_read_as_utf8():
    raw = page("portal_article.html")
    assert b'charset="gb2312"' in raw
    assert "沈阳经开区一季度新签约项目43个" in decode(raw)


def test_gbk_page_is_read_in_its_declared_charset():
    raw = page("wechat_repost_gbk.html")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "营口港一季度集装箱吞吐量增长9.6%" in decode(raw)


def test_page_without_a_charset_is_guessed():
    text = "<html><body><p>今年一季度，某市新开工项目52个，总投资86亿元，同比增长12%。</p>" * 3 + "</body></html>"
    assert decode(text.encode("gb18030")) == text


def test_wrong_declared_charset_falls_back_to_a_guess():
    text = "<meta charset='utf-8'><p>今年一季度，某市新开工项目52个，总投资86亿元，同比增长12%。</p>" * 3
    assert decode(text.encode("gb18030")) == text


# ---------------------------------------------------------------- extraction

def test_portal_article_keeps_the_article_and_nothing_else():
    article = parse_html(page("portal_article.html"), id="p1")
    assert article.title == "沈阳经开区一季度新签约项目43个 总投资超210亿元"
    assert article.published == dt.date(2024, 4, 8)
    assert article.source == "辽沈晚报"
    assert article.url == "https://news.example.cn/2024/04/08/sy-jkq.html"
    assert [p.kind for p in article.paragraphs][:2] == ["title", "body"]
    assert texts(article) == [
        "记者从沈阳经济技术开发区获悉，一季度全区新签约项目43个，总投资212.6亿元，同比增长18.3%。"
        "其中，亿元以上项目27个，先进制造业项目占比超过六成。",
        "在3月28日举行的集中签约活动上，一批新能源汽车零部件、工业软件和生物医药项目落户经开区。"
        "开发区管委会主任在发布会上介绍：“今年我们计划新开工亿元以上项目60个，力争全年完成固定资产投资增长10%以上。”",
        "重点项目加快落地",
        "据了解，总投资35亿元的新能源汽车电驱系统项目已完成土地摘牌，预计6月开工建设，建成后年产电驱系统50万套。",
        "图为项目建设现场。",
        "此外，经开区还将新建标准化厂房20万平方米，为中小企业提供“拎包入住”的生产空间。",
    ]
    assert article.paragraphs[3].kind == "heading"
    for furniture in ("北方财经网 >", "分享到", "用微信扫码二维码", "举报", "点击进入", "本文来源", "责任编辑",
                      "网友评论", "沈阳加油", "相关新闻", "大连一季度", "热点排行", "楼市成交量", "扫一扫",
                      "Copyright", "关于我们"):
        assert furniture not in everything(article), furniture


def test_article_text_keeps_the_markup_as_received():
    raw = page("portal_article.html")
    assert parse_html(raw).text == raw.decode("utf-8")
    assert parse_html(raw.decode("utf-8")).text == raw.decode("utf-8")


def test_government_page_inside_a_form_with_an_early_closing_header():
    article = parse_html(page("gov_notice.html"))
    assert article.title == "全市前三季度固定资产投资同比增长7.2%"        # an <h4> that <title> does not name
    assert (article.published, article.source) == (dt.date(2023, 10, 26), "市统计局")
    assert len(texts(article)) == 3 and texts(article)[2].startswith("下一步，我委将继续强化项目调度")
    for furniture in ("网站首页", "政务公开", "工作动态", "打印本页", "关闭窗口", "浏览次数", "主办单位"):
        assert furniture not in everything(article), furniture


def test_reposted_wechat_article_loses_its_prompts_and_credits():
    article = parse_html(page("wechat_repost_gbk.html"))
    assert article.title == "营口港一季度集装箱吞吐量增长9.6%"
    assert (article.published, article.source) == (dt.date(2024, 4, 15), "营口发布")
    assert texts(article, ("body",)) == [
        "记者从营口港务集团获悉，一季度营口港完成货物吞吐量5820万吨，同比增长4.1%；完成集装箱吞吐量128万标准箱，同比增长9.6%。",
        "其中，外贸集装箱航线新增3条，海铁联运量达到21.5万标准箱，创历史同期新高。",
        "港务集团相关负责人表示，二季度将力争开通至东南亚的直航航线2条。",
    ]
    assert all(p.kind in ("title", "body") for p in article.paragraphs)   # the credit marked no caption
    for furniture in ("本文原标题", "▲", "摄", "图片均来自网络", "编辑|", "扫描下方二维码", "回复【", "字号", "超大",
                      "点赞", "热门推荐", "沈阳地铁"):
        assert furniture not in everything(article), furniture


def test_feed_fragment_is_all_article():
    article = parse_html(page("feed_fragment.html"))
    assert article.published == dt.date(2024, 5, 14)                       # its date line
    assert [p.kind for p in article.paragraphs] == ["body"] * 3
    assert "人 民 网" not in everything(article)


def test_caller_metadata_wins_over_the_page():
    article = parse_html(page("portal_article.html"), title="给定标题", published=dt.date(2024, 4, 9),
                         source="给定来源", url="https://example.org/a")
    assert (article.title, article.published, article.source, article.url) == (
        "给定标题", dt.date(2024, 4, 9), "给定来源", "https://example.org/a")


def test_page_title_without_a_matching_heading_loses_its_site_suffix():
    markup = ("<html><head><title>某县今年新建5G基站1200个_某某新闻网</title></head><body><div class='nav'>"
              "<a href='/'>首页</a></div><div class='content'><p>今年以来，某县新建5G基站1200个，"
              "实现乡镇全覆盖，行政村覆盖率达到95%。</p><p>下一步，该县将继续推进千兆光网建设。</p></div></body></html>")
    found = extract(markup)
    assert (found.title, found.source) == ("某县今年新建5G基站1200个", "某某新闻网")


@pytest.mark.parametrize("name", ["article:published_time", "firstpublishedtime"])
def test_meta_date_when_the_page_prints_none(name):
    markup = (f"<html><head><title>某县今年新建5G基站1200个_某某新闻网</title><meta name='{name}' "
              "content='2024-06-30T08:00:00+08:00'></head><body><h1>某县今年新建5G基站1200个</h1><div class='content'>"
              "<p>今年以来，某县新建5G基站1200个，实现乡镇全覆盖，行政村覆盖率达到95%。</p></div></body></html>")
    assert extract(markup).published == dt.date(2024, 6, 30)


@pytest.mark.parametrize("markup", ["<html></html>", "<html><body><div class='nav'><a href='/'>首页</a></div></body></html>",
                                    "<!-- only a comment -->", "<?xml version='1.0' encoding='utf-8'?><html/>", "<<<>>>",
                                    "\x00\x1f", "\ufeff"])
def test_pages_without_an_article_give_no_body(markup):
    assert parse_html(markup).body_count == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(
    ["<p>", "</p>", "<div class='share'>", "</div>", "<html>", "</html>", "<title>", "</title>", "<h1>", "</h1>",
     "<br>", "<img src=x>", "<a href='x'>", "</a>", "<!--", "-->", "<script>", "&amp;", "\x00", "来源：",
     "2024-01-01", "。", "某市新开工项目52个，总投资86亿元"]), st.text(max_size=12)), max_size=25))
def test_any_markup_is_read_without_error(parts):
    article = parse_html("".join(parts), id="x")
    assert all(p.text.strip() for p in article.paragraphs)


# ---------------------------------------------------------------- furniture lines (text path too)

@pytest.mark.parametrize("line, role", [
    ("本文原标题：《好消息！营口港一季度成绩单来了！》", clean.FURNITURE),
    ("扫描下方二维码关注更多资讯", clean.FURNITURE),
    ("1、回复【港口】查看最新航线", clean.FURNITURE),
    ("看都看完了，点【在看】试试", clean.FURNITURE),
    ("图片均来自网络", clean.FURNITURE),
    ("（点击看清晰大图）", clean.FURNITURE),
    ("【编辑：李某】", clean.FURNITURE),
    ("▲营口日报全媒体图片记者张某某、李某摄", clean.CREDIT),
])
def test_new_furniture_lines(line, role):
    lines = [(x.text, x.role) for x in clean.scan(line).lines if x.role != clean.BLANK]
    assert lines == [(line, role)]


def test_reply_in_prose_stays_text():
    line = "市民回复称，新线路开通后出行方便了许多。"
    assert [(x.text, x.role) for x in clean.scan(line).lines] == [(line, clean.TEXT)]


# ---------------------------------------------------------------- API

def test_post_html_stores_the_article_with_its_claims(fresh_client):
    markup = page("portal_article.html").decode("utf-8")
    response = fresh_client.post("/articles", json={"id": "html-portal", "html": markup}, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["title"], body["published"], body["source"]) == (
        "沈阳经开区一季度新签约项目43个 总投资超210亿元", "2024-04-08", "辽沈晚报")
    assert body["paragraphs"] == 5 and body["claims"] >= 8
    stored = fresh_client.get("/articles/html-portal").get_json()
    assert stored["paragraphs"][0] == {**stored["paragraphs"][0], "kind": "title"}
    assert not any("热点排行" in p["text"] or "网友评论" in p["text"] for p in stored["paragraphs"])
    claims = fresh_client.get("/articles/html-portal/claims").get_json()["items"]
    assert {"212.6亿元", "18.3%", "35亿元"} <= {c["raw"] for c in claims}
    hits = fresh_client.get("/search", query_string={"q": "电驱系统"}).get_json()
    # the paragraph, and its heading 重点项目加快落地 found through it
    assert {h["article"]["id"] for h in hits["items"]} == {"html-portal"}
    assert not fresh_client.get("/search", query_string={"q": "楼市成交量"}).get_json()["items"]
    again = fresh_client.post("/articles", json={"id": "html-portal", "html": markup}, headers=AUTH)
    assert again.status_code == 200


def test_a_page_sent_as_text_takes_the_html_path(fresh_client):
    markup = page("portal_article.html").decode("utf-8")
    as_text = fresh_client.post("/articles", json={"id": "as-text", "text": markup}, headers=AUTH).get_json()
    as_html = fresh_client.post("/articles", json={"id": "as-html", "html": markup}, headers=AUTH).get_json()
    assert {**as_text, "id": None} == {**as_html, "id": None}
    paragraphs = [fresh_client.get(f"/articles/{i}").get_json()["paragraphs"] for i in ("as-text", "as-html")]
    assert [(p["kind"], p["text"]) for p in paragraphs[0]] == [(p["kind"], p["text"]) for p in paragraphs[1]]


def test_post_html_without_id_gets_a_content_id(fresh_client):
    markup = page("gov_notice.html").decode("utf-8")
    first = fresh_client.post("/articles", json={"html": markup}, headers=AUTH).get_json()["id"]
    assert fresh_client.post("/articles", json={"html": markup}, headers=AUTH).get_json()["id"] == first


@pytest.mark.parametrize("body", [
    {"id": "both", "text": "今年，某市新开工项目52个。", "html": "<p>今年，某市新开工项目52个。</p>"},
    {"id": "neither"},
    {"id": "blank", "html": " \n\t "},
    {"id": "number", "html": 52},
])
def test_post_needs_exactly_one_of_text_and_html(fresh_client, body):
    response = fresh_client.post("/articles", json=body, headers=AUTH)
    assert response.status_code == 400


def test_post_html_of_only_furniture_is_422(fresh_client):
    markup = "<html><body><div class='nav'><a href='/'>首页</a> <a href='/news'>新闻</a></div><p>分享到：微信 微博</p></body></html>"
    response = fresh_client.post("/articles", json={"id": "furniture", "html": markup}, headers=AUTH)
    assert response.status_code == 422
    assert "page" in response.get_json()["detail"]


def test_text_input_is_unchanged_by_html_support(client):
    """The seeds went in as text: same paragraphs as parsing their text directly."""
    from index.articles.segment import parse_article
    seed = sorted((ROOT / "seeds").glob("*.txt"))[1]
    stored = client.get(f"/articles/{seed.stem}").get_json()["paragraphs"]
    parsed = parse_article(seed.read_text(encoding="utf-8"))
    assert [(p["kind"], p["text"]) for p in stored] == [(p.kind, p.text) for p in parsed.paragraphs]


# ---------------------------------------------------------------- CLI

def test_ingest_reads_html_files_in_any_charset_and_jsonl_html_records(tmp_path):
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["ingest", str(PAGES), "--data-dir", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ingested 6 articles" in result.output
    library = Library(data)
    wechat = library.article("wechat_repost_gbk")
    assert (wechat["title"], wechat["published"], wechat["source"]) == (
        "营口港一季度集装箱吞吐量增长9.6%", "2024-04-15", "营口发布")
    item = library.article("feed-item-1")           # record metadata wins over the fragment's
    assert (item["title"], item["source"], item["url"]) == (
        "4月份规模以上工业增加值增长6.7%", "人民日报", "https://paper.example.cn/2024/05/14/content_1.html")
    assert [p["text"] for p in library.article("feed-item-2")["paragraphs"] if p["kind"] == "body"] == [
        "今年一季度，某市新开工项目52个，总投资86亿元。", "其中，产业项目31个，占比近六成。"]
    again = CliRunner().invoke(main, ["ingest", str(PAGES), "--data-dir", str(data)], catch_exceptions=False)
    assert "6 unchanged" in again.output


def test_ingest_refuses_a_record_with_both_text_and_html(tmp_path):
    records = tmp_path / "both.jsonl"
    records.write_text(json.dumps({"id": "x", "text": "今年，某市新开工项目52个。", "html": "<p>今年。</p>"},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(records), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "both.jsonl:1" in result.output and "not both" in result.output
