"""index.articles.clean: width folding keeps lengths, every furniture kind gets its role, metadata lines
are read in all their common forms, HTML becomes one block per line, bad data files are named."""
import datetime as dt

import pytest
from hypothesis import given, strategies as st

from index.articles import clean
from index.errors import LexiconError


def test_fold_full_width_ascii_only():
    assert clean.fold("投资１２．５亿元，增长１０％，ＧＤＰ＋ｇｄｐ\u3000。") == "投资12.5亿元，增长10%，GDP+gdp 。"


def test_fold_keeps_chinese_punctuation():
    text = "（一）项目：“开工”；进度？完成！《方案》、—"
    assert clean.fold(text) == text


@given(st.text())
def test_fold_is_one_to_one(text):
    assert len(clean.fold(text)) == len(text)


@pytest.mark.parametrize("text, date", [
    ("2022-2-18 10:28:27", dt.date(2022, 2, 18)),
    ("2024/03/23", dt.date(2024, 3, 23)),
    ("2024.3.5", dt.date(2024, 3, 5)),
    ("2026年01月27日 星期二", dt.date(2026, 1, 27)),
    ("2024-13-45", None),
    ("没有日期", None),
])
def test_parse_date(text, date):
    assert clean.parse_date(text) == date


def test_normalise_collapses_indentation_and_spaces():
    assert clean.normalise("  一年之计在于春。\r\n\u3000\u3000新年伊始，\t各地 \xa0 抓项目。") == [
        "一年之计在于春。", "新年伊始， 各地 抓项目。"]


def roles(text):
    return [(line.text, line.role) for line in clean.scan(text).lines if line.role != clean.BLANK]


@pytest.mark.parametrize("line", [
    "示例网首页 > 示例网河北 > 正文",              # breadcrumb
    "当前位置:网站首页> 地方动态",                  # labelled breadcrumb
    "欢迎访问 某某信息网!",                        # site banner
    "无障碍浏览 进入关怀版",                        # accessibility switches
    "分享至",                                     # share widget
    "0",                                          # lone counter
    "评论(12)",                                   # labelled counter
    "[免责声明] 本文来源于网络转载，仅供学习交流使用。版权归原作者所有。",
    "人 民 网 版 权 所 有 ，未 经 书 面 授 权 禁 止 使 用",
    "Copyright © 1997-2026 by www.example.com all rights reserved",
    "张某某 本报记者 李某",                         # byline
    "界面新闻记者 | 王某",
    "监制/王某 主编/李某某",
    "- 某县人民法院召开专题会议部...23-12-15",     # sidebar link list
    "(更新时间戳: 1669985900159)",
    "---",
    "央视网消息（新闻联播）：",                     # dateline label alone
    "觉得好看，请点“在看”",
    "文章原文",
    "https://feedx.net",
    "新华社音视频部制作",
    "-（原标题：某地项目建设提速）",
])
def test_furniture_lines(line):
    assert roles(f"{line}\n今年，某市开复工项目120个，完成投资45.6亿元，同比增长8%。") == [
        (line, clean.FURNITURE),
        ("今年，某市开复工项目120个，完成投资45.6亿元，同比增长8%。", clean.TEXT)]


@pytest.mark.parametrize("line", [
    "我国海拔最高风电场并网发电",            # ends with 电, not a dateline
    "国家医保局新增设立一批“适老化”价格项目",  # 适老化 in a headline, not a switch
    "村民们纷纷点赞。",                      # 点赞 in prose, not a WeChat prompt
    "以非常之力 跑出项目建设“加速度”",
    "黑山县",
])
def test_text_that_looks_like_furniture_stays(line):
    assert roles(line) == [(line, clean.TEXT)]


@pytest.mark.parametrize("line", ["本报记者 李某 摄", "（新华社记者 王某某 摄）", "图片来源：视觉中国", "周 亮摄（影像中国）"])
def test_photo_credits(line):
    assert roles(line) == [(line, clean.CREDIT)]


def test_credit_glued_to_caption_is_cut_and_marks_a_caption():
    line = clean.scan("工作人员为企业办理登记手续。 本报记者 李某 摄").lines[0]
    assert (line.text, line.role, line.caption) == ("工作人员为企业办理登记手续。", clean.TEXT, True)


def test_caption_that_ends_in_a_verb_is_not_a_credit():
    line = clean.scan("工人们正在用无人机拍摄").lines[0]
    assert (line.text, line.caption) == ("工人们正在用无人机拍摄", False)


@pytest.mark.parametrize("header, published, source, author, url", [
    ("- 发布日期:2022-2-18 10:28:27\n- 消息来源:某某日报社", dt.date(2022, 2, 18), "某某日报社", None, None),
    ("时间:2024-03-23 文章来源:中共某某省委组织部 作者:佚名", dt.date(2024, 3, 23), "中共某某省委组织部", None, None),
    ("发布时间：2024年03月05日 10:20  来源：某某网  作者：张某", dt.date(2024, 3, 5), "某某网", "张某", None),
    ("2019-09-10 14:38:00 来源：某某网", dt.date(2019, 9, 10), "某某网", None, None),
    ("【来源】某某晚报", None, "某某晚报", None, None),
    ("原文链接:https://example.gov.cn/a/1.html", None, None, None, "https://example.gov.cn/a/1.html"),
    ("[查看原文](https://tv.example.com/2025/07/19/x.shtml)", None, None, None,
     "https://tv.example.com/2025/07/19/x.shtml"),
    ("《 人民日报 》（ 2026年06月12日   06 版）", dt.date(2026, 6, 12), "人民日报", None, None),
])
def test_metadata_lines(header, published, source, author, url):
    page = clean.scan(header + "\n今年，某市开复工项目120个，完成投资45.6亿元，同比增长8%。")
    assert (page.published, page.source, page.author, page.url) == (published, source, author, url)
    assert [line.role for line in page.lines if line.role != clean.BLANK][-1] == clean.TEXT
    assert all(line.role == clean.META for line in page.lines[:-1] if line.role != clean.BLANK)


def test_breadcrumb_names_the_site():
    assert clean.scan("示例网首页 > 示例网河北 > 正文\n正文第一段。").site == "示例网"
    assert clean.scan("当前位置:网站首页> 地方动态\n正文第一段。").site is None


PROSE = "今年，某市开复工项目120个，完成投资45.6亿元，同比增长8%，一批重点项目加快建设。"


def test_related_list_after_the_article_is_cut_with_its_timestamps():
    page = clean.scan(f"{PROSE}\n相关推荐\n某球星砍下40分带队逆转\n体育观察员\n2025-10-08 21:15:02\n来源：某某网")
    assert [line.text for line in page.lines] == [PROSE]
    assert page.published is None and page.source is None     # the list's metadata is not the article's


def test_section_marker_followed_by_prose_is_only_dropped():
    page = clean.scan(f"宏观要闻\n{PROSE}\n财经要闻\n{PROSE.replace('某市', '某县')}")
    assert [line.role for line in page.lines] == [clean.FURNITURE, clean.TEXT, clean.FURNITURE, clean.TEXT]


def test_html_blocks_become_lines_and_scripts_go():
    text, headline = clean.html_to_text(
        "<html><head><title>某市项目开工_某某网</title><script>var a = '<p>x</p>';</script></head>"
        "<body><div class=nav>首页</div><h1>某市项目开工</h1><p>第一段，投资<b>12亿元</b>。</p>"
        "<p>第二段&amp;结尾。<br>第三行</p></body></html>")
    assert headline == "某市项目开工"
    assert [line for line in clean.normalise(text) if line] == [
        "某市项目开工", "第一段，投资12亿元。", "第二段&结尾。", "第三行"]


@pytest.mark.parametrize("text, html", [
    ("<p>正文</p>", True), ("<!DOCTYPE html><html></html>", True), ("正文<br>第二行", True),
    ("增速<10%，好于预期。", False), ("正文", False)])
def test_looks_like_html(text, html):
    assert clean.looks_like_html(text) is html


def test_bad_rule_names_the_file_and_entry():
    with pytest.raises(LexiconError, match=r"boilerplate\.json: furniture\[0\]"):
        clean._alternation([{"pattern": "(", "note": "broken"}], "furniture")
    with pytest.raises(LexiconError, match=r"needs a pattern and a note"):
        clean._alternation([{"pattern": "x"}], "furniture")


def test_rules_load_once():
    assert clean.rules() is clean.rules()
