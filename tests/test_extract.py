"""index.claims.extract: claims with value, unit, project, period, modality and speaker; never raises,
spans always slice the paragraph to the quantity's raw text."""
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.claims.extract import extract_claims, sentence_spans
from index.models import Article, Paragraph

CASES = json.loads((Path(__file__).parent / "data" / "claims" / "extract.json").read_text(encoding="utf-8"))


def article(paragraphs, published=None, year=None, kinds=None):
    kinds = kinds or ["body"] * len(paragraphs)
    return Article(id="t", text="\n".join(paragraphs),
                   published=dt.date.fromisoformat(published) if published else None, year=year,
                   paragraphs=[Paragraph(i, t, k) for i, (t, k) in enumerate(zip(paragraphs, kinds))])


def _period(claim):
    return [d.isoformat() for d in claim.period] if claim.period else None


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_case(case):
    art = article(case["paragraphs"], case.get("published"), case.get("year"), case.get("kinds"))
    claims = extract_claims(art)
    got = [c for c in claims]
    raws = [c.quantity.raw for c in got]
    assert raws == [w["raw"] for w in case["claims"]], raws
    for claim, want in zip(got, case["claims"]):
        q = claim.quantity
        if "value" in want:
            assert q.value == Decimal(want["value"])
        for key in ("unit", "bound"):
            if key in want:
                assert getattr(q, key) == want[key]
        for key in ("project", "modality", "speaker"):
            if key in want:
                assert getattr(claim, key) == want[key], (want["raw"], key)
        if "period" in want:
            assert _period(claim) == want["period"], want["raw"]
        assert claim.sentence and q.raw in claim.sentence
    for raw in case.get("not_claims", []):
        assert raw not in raws


def test_text_order_and_paragraph_index():
    art = article(["今年，全市新开工项目30个。", "总投资达到120亿元，同比增长15%。"], year=2024)
    claims = extract_claims(art)
    assert [(c.paragraph, c.quantity.raw) for c in claims] == [(0, "30个"), (1, "120亿元"), (1, "15%")]


def test_headline_restating_body_shares_period():
    art = article(["谋划180个项目提升能级", "今年，全年谋划各类项目180个，总投资额420亿元。"],
                  year=2024, kinds=["heading", "body"])
    head = extract_claims(art)[0]
    assert head.quantity.raw == "180个" and _period(head) == ["2024-01-01", "2024-12-31"]


def test_sentences_keep_closing_quotes():
    text = "“项目总投资5亿元。”他说。下一句！"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["“项目总投资5亿元。”", "他说。", "下一句！"]


def test_bad_article_does_not_raise():
    assert extract_claims(Article(id=None, text="")) == []
    odd = Article(id="x", text="", paragraphs=[Paragraph(0, None), Paragraph(1, "总投资5亿元")])  # type: ignore[arg-type]
    assert [c.quantity.raw for c in extract_claims(odd)] == ["5亿元"]


def test_a_failing_quantity_finder_does_not_sink_the_article():
    def finder(text):
        raise RuntimeError("boom")
    assert extract_claims(article(["总投资5亿元"]), find_quantities=finder) == []


PIECES = st.sampled_from(["今年", "1—9月", "总投资", "5亿元", "以上", "项目", "“", "”", "，", "。", "；", "预计",
                          "计划", "投资3亿元的", "等项目", "张三说，", "目前", "3月18日", "一批", "两个", "第四",
                          "约", "万吨/年", "%", "个", "《", "》", "、", "二期", "\n", "十四五"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.lists(PIECES, max_size=25).map("".join)), max_size=4),
       st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))),
       st.one_of(st.none(), st.integers(-5, 99999)))
def test_never_raises_and_spans_slice(paragraphs, published, year):
    art = Article(id="h", text="\n".join(paragraphs), published=published, year=year,
                  paragraphs=[Paragraph(i, t) for i, t in enumerate(paragraphs)])
    for claim in extract_claims(art):
        text = art.paragraphs[claim.paragraph].text
        q = claim.quantity
        assert text[q.start:q.end] == q.raw
        assert claim.modality in ("actual", "plan", "target", "forecast")
        assert claim.period is None or claim.period[0] <= claim.period[1]
