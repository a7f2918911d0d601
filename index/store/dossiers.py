"""Reads across articles: reprint groups, agreement groups, conflicts, and the whole claim table.

Plain SQL over the tables of index/store/reprints.py and index/store/agreement.py, joined
with claims and articles; rows come back as dicts shaped like the store's other claim rows
(`database.claim_dict` turns them into API claims), with the article's title, date, outlet
and url under `a_*` keys.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

from index.store.database import CLAIM_COLUMNS

ROW_COLUMNS = (CLAIM_COLUMNS + ", g.bucket, a.title AS a_title, a.published AS a_published,"
               " a.source AS a_source, a.url AS a_url")
ROWS_FROM = ("claims c LEFT JOIN claim_agreement g ON g.claim_id = c.id"
             " JOIN articles a ON a.id = c.article_id")
SORT_SQL = {
    "text": "c.article_id, c.ordinal",
    "value": "CAST(c.value AS DOUBLE PRECISION), c.article_id, c.ordinal",
    "-value": "CAST(c.value AS DOUBLE PRECISION) DESC, c.article_id, c.ordinal",
    "published": "COALESCE(a.published, ''), c.article_id, c.ordinal",
    "-published": "COALESCE(a.published, '') DESC, c.article_id, c.ordinal",
}


def source_of(row: dict) -> dict:
    return {"title": row["a_title"], "published": row["a_published"], "source": row["a_source"], "url": row["a_url"]}


# -- reprints -----------------------------------------------------------------------------

def reprint_group(db: sqlite3.Connection, article_id: str) -> tuple[str | None, list[str]]:
    """(group, member ids in id order) of an article; (None, []) when it has no reprint."""
    row = db.execute("SELECT story FROM reprint_groups WHERE article_id = ?", (article_id,)).fetchone()
    if row is None:
        return None, []
    members = [r[0] for r in db.execute(
        "SELECT article_id FROM reprint_groups WHERE story = ? ORDER BY article_id", (row[0],))]
    return row[0], members


def reprint_groups(db: sqlite3.Connection, article_ids) -> dict[str, list[str]]:
    """Each article's group members (itself included), for the articles among `article_ids` that have reprints."""
    ids = list(dict.fromkeys(article_ids))
    out: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT r.article_id, m.article_id FROM reprint_groups r JOIN reprint_groups m"
                          f" ON m.story = r.story WHERE r.article_id IN ({marks}) ORDER BY m.article_id", chunk)
        for article_id, member in rows:
            out.setdefault(article_id, []).append(member)
    return out


# -- claims of the whole table --------------------------------------------------------------

def _where(metric_key=None, metric=None, dimension=None, modality=None, region=None, source=None,
           period_from: dt.date | None = None, period_to: dt.date | None = None,
           min_value: Decimal | None = None, max_value: Decimal | None = None,
           has_conflict: bool | None = None, status: str | None = None) -> tuple[str, list]:
    clauses, args = [], []
    if metric_key:
        clauses.append("g.metric_key = ?")
        args.append(metric_key)
    if metric:
        clauses.append("instr(c.metric, ?) > 0")
        args.append(metric)
    if dimension:
        clauses.append("c.dimension = ?")
        args.append(dimension)
    if modality:
        clauses.append("c.modality = ?")
        args.append(modality)
    if region:
        clauses.append("(instr(COALESCE(c.subject, ''), ?) > 0 OR instr(c.sentence, ?) > 0)")
        args += [region, region]
    if source:
        clauses.append("a.source = ?")
        args.append(source)
    if period_from:
        clauses.append("c.period_start IS NOT NULL AND c.period_end >= ?")
        args.append(period_from.isoformat())
    if period_to:
        clauses.append("c.period_start IS NOT NULL AND c.period_start <= ?")
        args.append(period_to.isoformat())
    # interval-aware, like claim_filters.accepts: 超过100亿元 reaches any higher bound
    if min_value is not None:
        clauses.append("(c.bound = 'at_least' OR CAST(CASE WHEN c.bound = 'range' AND c.range_high IS NOT NULL"
                       " THEN c.range_high ELSE c.value END AS DOUBLE PRECISION) >= ?)")
        args.append(float(min_value))
    if max_value is not None:
        clauses.append("(c.bound = 'at_most' OR CAST(CASE WHEN c.bound = 'range' AND c.range_low IS NOT NULL"
                       " THEN c.range_low ELSE c.value END AS DOUBLE PRECISION) <= ?)")
        args.append(float(max_value))
    if has_conflict is True:
        clauses.append("g.status = 'conflict'")
    elif has_conflict is False:
        clauses.append("(g.status IS NULL OR g.status <> 'conflict')")
    if status:
        clauses.append("g.status = ?")
        args.append(status)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def query_claims(db: sqlite3.Connection, sort: str = "text", offset: int = 0, limit: int | None = 20,
                 **filters) -> tuple[int, list[dict]]:
    """(total, rows of one page) of the claims matching `filters`, in `sort` order."""
    where, args = _where(**filters)
    total = db.execute(f"SELECT COUNT(*) FROM {ROWS_FROM}{where}", args).fetchone()[0]
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = db.execute(f"SELECT {ROW_COLUMNS} FROM {ROWS_FROM}{where} ORDER BY {SORT_SQL[sort]}{page}", args)
    return total, [dict(r) for r in rows]


# -- agreement groups -------------------------------------------------------------------------

def group_rows(db: sqlite3.Connection, group_id: str) -> list[dict]:
    rows = db.execute(f"SELECT {ROW_COLUMNS} FROM {ROWS_FROM} WHERE g.group_id = ?"
                      " ORDER BY COALESCE(a.published, ''), c.article_id, c.ordinal", (group_id,))
    return [dict(r) for r in rows]


def conflict_groups(db: sqlite3.Connection, offset: int = 0, limit: int | None = 20, project_ids=None,
                    **filters) -> tuple[int, list[str]]:
    """(total, ids of one page) of the groups in conflict having a claim that matches the filters,
    the most recently reported first."""
    where, args = _where(status="conflict", **filters)
    if project_ids is not None:
        ids = list(project_ids) or [-1]
        marks = ",".join("?" * len(ids))
        where += (f" AND EXISTS (SELECT 1 FROM project_aliases p WHERE p.article_id = c.article_id"
                  f" AND p.alias = c.project AND p.project_id IN ({marks}))")
        args += ids
    grouped = f"SELECT g.group_id AS id, MAX(COALESCE(a.published, '')) AS last FROM {ROWS_FROM}{where} GROUP BY g.group_id"
    total = db.execute(f"SELECT COUNT(*) FROM ({grouped}) AS conflicting", args).fetchone()[0]
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = db.execute(f"{grouped} ORDER BY last DESC, id{page}", args)
    return total, [r[0] for r in rows]


def describe_bucket(bucket: str) -> dict:
    """What a comparison key says: metric key, project or scope, period (a holiday's: its year,
    and the holiday as `season`), estimate, unit."""
    metric_key, period, release, unit, about = bucket.split("|", 4)
    kind, _, name = about.partition(":")
    period = period.partition("#")[0]              # as of publication: part of the key, not of the period
    period, _, season = period.partition("@")
    if period == "static":
        span = None
    elif "/" in period:
        start, _, end = period.partition("/")
        span = {"start": start, "end": end}
    else:
        span = {"start": f"{period}-01-01", "end": f"{period}-12-31"}
    return {"metric_key": metric_key,
            "about": {"project": name.partition("~")[0] if kind == "n" else None,
                      "scope": name.partition("~")[0] if kind == "s" else None},
            "period": span, "season": season or None,
            "estimate": release == "estimate", "unit": unit}
