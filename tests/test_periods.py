"""index.claims.periods: every period expression, resolved against a publication date or a year."""
import datetime as dt
import json
from pathlib import Path

import pytest

from index.claims.periods import Reference, find_time_expressions, period_for_current

CASES = json.loads((Path(__file__).parent / "data" / "claims" / "periods.json").read_text(encoding="utf-8"))


def _ref(case):
    published = dt.date.fromisoformat(case["published"]) if case.get("published") else None
    return Reference(published, case.get("year"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["text"]) for c in CASES])
def test_expression(case):
    found = find_time_expressions(case["text"], _ref(case))
    assert found, case["text"]
    expr = found[-1]
    want = tuple(dt.date.fromisoformat(d) for d in case["period"]) if case["period"] else None
    assert expr.period == want
    if "kind" in case:
        assert expr.kind == case["kind"]


def test_spans_slice_the_text():
    text = "今年1—9月，全市完成投资44亿元；截至9月底，储备项目1514个。"
    for e in find_time_expressions(text, Reference(dt.date(2024, 10, 8))):
        assert text[e.start:e.end] == e.text


def test_not_time():
    ref = Reference(dt.date(2024, 10, 8))
    for text in ("开复工项目752个", "一月一调度", "两年来的接续奋斗", "工期18个月", "年产2万吨"):
        assert not [e for e in find_time_expressions(text, ref) if e.period], text


def test_current_takes_the_day_named_before():
    text = "3月13日，现场机械轰鸣。目前，工程进度已完成90%。"
    exprs = find_time_expressions(text, Reference(dt.date(2024, 3, 23)))
    current = next(e for e in exprs if e.kind == "current")
    assert period_for_current(exprs, current.start) == (dt.date(2024, 3, 13),) * 2
    assert period_for_current(exprs, 0) is None
