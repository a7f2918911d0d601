"""parse_number: one written number -> its exact Decimal value; anything else -> ValueError."""
from decimal import Decimal

import pytest

from index.claims.numbers import parse_number

VALUES = [
    ("1,056", "1056"), ("44.1", "44.1"), ("１２", "12"), ("１２．５", "12.5"),
    ("1.1万亿", "1100000000000"), ("4500万", "45000000"), ("3.2亿", "320000000"),
    ("两", "2"), ("十二", "12"), ("三十", "30"), ("一千二百", "1200"), ("零点五", "0.5"),
    ("两千四百五", "2450"), ("九万四", "94000"), ("一百零一", "101"), ("一千零十二", "1012"),
    ("壹佰伍拾", "150"), ("贰拾叁万", "230000"), ("百三", "130"),
    ("四万万", "400000000"), ("一万五千亿", "1500000000000"), ("五亿零六", "500000006"),
    ("三千万", "30000000"), ("3千万", "30000000"), ("百", "100"), ("半", "0.5"),
    ("百分之五十", "0.5"), ("负3.9", "-3.9"), ("-0.7", "-0.7"),
    ("500余万", "5000000"), ("十余万", "100000"), ("一千多万", "10000000"),
    ("2e5", "200000"), ("十五点七", "15.7"), ("四百亿点零五", "40000000000.05"),
]


@pytest.mark.parametrize("text, expected", [v for v in VALUES if v[1]], ids=lambda v: str(v))
def test_value(text, expected):
    value = parse_number(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


def test_fraction_is_close_to_a_third():
    assert abs(parse_number("三分之一") - Decimal(1) / 3) < Decimal("1e-20")


def test_decimals_are_exact():
    # a float would give 3.29999999999999982…
    assert parse_number("三点三") == Decimal("3.3")
    assert str(parse_number("1234.56789")) == "1234.56789"


@pytest.mark.parametrize("text", [
    "", " ", "万", "万万", "亿元", "两两", "壹贰", "十四五", "二〇二四", "一切", "四川", "12a",
    "1,2", "3分之", "点五", "负", "%", "1" * 100, "1^999", "5/0",
])
def test_not_a_number(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_non_string_raises_value_error():
    with pytest.raises(ValueError):
        parse_number(None)
