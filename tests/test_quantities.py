"""find_quantities: every quantity of a paragraph, in order, with spans that slice the text.

Cases live in data/quantities/*.json: {"text": ..., "quantities": [{raw, value (string), unit,
dimension, approx, bound, range}]}; sentences written for these tests in the style of
government and economic news.
"""
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from index import lexicon
from index.models import BOUNDS, DIMENSIONS
from index.claims.quantities import find_quantities, unit_entry, units

DATA = Path(__file__).parent / "data" / "quantities"
CASES = [pytest.param(case, id=f"{path.stem}-{case['text'][:14]}")
         for path in sorted(DATA.glob("*.json"))
         for case in json.loads(path.read_text(encoding="utf-8"))]
TEXTS = [p.values[0]["text"] for p in CASES]


def as_dict(q):
    plain = lambda d: format(d.normalize(), "f")           # noqa: E731
    return {"raw": q.raw, "value": plain(q.value), "unit": q.unit, "dimension": q.dimension,
            "approx": q.approx, "bound": q.bound,
            "range": [plain(x) for x in q.range] if q.range else None}


@pytest.mark.parametrize("case", CASES)
def test_case(case):
    assert [as_dict(q) for q in find_quantities(case["text"])] == case["quantities"]


@pytest.mark.parametrize("text", TEXTS)
def test_spans_slice_the_text(text):
    found = find_quantities(text)
    for q in found:
        assert text[q.start:q.end] == q.raw
        assert q.dimension in DIMENSIONS and q.bound in BOUNDS
        assert (q.range is not None) == (q.bound == "range")
        if q.range:
            assert q.range[0] <= q.range[1] and q.value == q.range[0]
    assert all(a.end <= b.start for a, b in zip(found, found[1:])), "in order, no overlaps"


@pytest.mark.parametrize("text, value", [
    ("占全部产量的三分之一", Decimal(100) / 3), ("完成投资的四分之三", Decimal(75)),
])
def test_fractions_become_percent(text, value):
    [q] = find_quantities(text)
    assert q.unit == "%" and abs(q.value - value) < Decimal("1e-20")


def test_full_width_digits_keep_offsets():
    text = "新增企业１２家，增长１２．５％。"
    got = find_quantities(text)
    assert [(q.raw, q.value, q.unit) for q in got] == [
        ("１２家", Decimal(12), "家"), ("１２．５％", Decimal("12.5"), "%")]


def test_units_lexicon_is_checked_and_longest_first():
    table = units()
    lengths = [len(s) for s in table]
    assert lengths == sorted(lengths, reverse=True)
    assert unit_entry("吨/年").dimension == "rate"
    assert unit_entry("美元").dimension == "money"


def test_bad_lexicon_names_the_file(monkeypatch):
    monkeypatch.setattr(lexicon, "load_json", lambda name: {"吨": {"unit": "吨", "dimension": "weight"}})
    units.cache_clear()
    try:
        with pytest.raises(lexicon.LexiconError, match="units.json"):
            units()
    finally:
        monkeypatch.undo()
        units.cache_clear()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_spans_slice(text):
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.raw


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789一二两三十百千万亿点.,%约近超余多以上下左右到至-—、个元亿万吨年月天第分之半成")
                                + ["亿元", "个百分点", "万吨/年", "以上", "左右", "不超过", "“", "”"]), max_size=40))
def test_numeric_soup_never_raises(parts):
    text = "".join(parts)
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.raw


@pytest.mark.slow
def test_one_megabyte_paragraph_completes():
    """Linear work: a 1 MB paragraph must finish (speed is benchmarked separately)."""
    unit = "全市开复工项目1056个，总投资约200亿元，同比增长7.5%，亿元以上项目35个。"
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    found = find_quantities(text)
    assert len(found) > 50_000
    for hostile in ("1" * 1_000_000, "一" * 1_000_000, "1。" * 500_000):
        find_quantities(hostile)


def test_non_text_is_empty():
    assert find_quantities("") == []
    assert find_quantities(None) == []


@pytest.mark.parametrize("text, value, unit", [
    ("全长2290千米", Decimal(2290), "千米"),          # 千 of the unit, not of the number
    ("重2000千克", Decimal(2000), "千克"),
    ("三千米长跑", Decimal(3000), "米"),              # a Chinese numeral keeps its 千
    ("投资5千元", Decimal(5000), "元"),
])
def test_qian_before_a_unit_starting_with_qian(text, value, unit):
    [q] = find_quantities(text)
    assert (q.value, q.unit) == (value, unit)
