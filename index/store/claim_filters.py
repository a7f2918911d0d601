"""Filter and sort stored claim rows: metric, dimension, modality, region, period, value bounds.

Value bounds are interval-aware: a claim is the set of values it allows (超过100亿元 is
[1e10, ∞)), and it satisfies min_value / max_value when that set reaches the bound.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

INFINITY = Decimal("Infinity")
SORTS = ("text", "value", "-value", "published", "-published")


def interval(row: dict) -> tuple[Decimal, Decimal]:
    value = Decimal(row["value"])
    if row["bound"] == "range" and row["range_low"] is not None:
        return Decimal(row["range_low"]), Decimal(row["range_high"])
    if row["bound"] == "at_least":
        return value, INFINITY
    if row["bound"] == "at_most":
        return -INFINITY, value
    return value, value


def accepts(row: dict, metric: str | None = None, dimension: str | None = None, modality: str | None = None,
            region: str | None = None, period_from: dt.date | None = None, period_to: dt.date | None = None,
            min_value: Decimal | None = None, max_value: Decimal | None = None) -> bool:
    """Whether a claim row passes every given filter (text filters match as substrings)."""
    if metric and metric not in (row["metric"] or ""):
        return False
    if dimension and row["dimension"] != dimension:
        return False
    if modality and row["modality"] != modality:
        return False
    if region and region not in (row["subject"] or "") and region not in (row["sentence"] or ""):
        return False
    if period_from or period_to:
        if not row["period_start"]:
            return False
        if period_from and row["period_end"] < period_from.isoformat():
            return False
        if period_to and row["period_start"] > period_to.isoformat():
            return False
    low, high = interval(row)
    if min_value is not None and high < min_value:
        return False
    if max_value is not None and low > max_value:
        return False
    return True


def sort(rows: list[dict], order: str, articles: dict) -> list[dict]:
    """Rows in `order`: text (article, then position), value, published (newest first with -)."""
    if order in ("value", "-value"):
        return sorted(rows, key=lambda r: Decimal(r["value"]), reverse=order == "-value")
    if order in ("published", "-published"):
        dated = sorted(rows, key=lambda r: articles[r["article_id"]].published or "", reverse=order == "-published")
        return dated
    return rows
