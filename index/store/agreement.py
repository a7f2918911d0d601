"""Agreement: claims of different stories that report the same quantity, and whether they agree.

Each claim with a canonical metric has a comparison key, its *bucket*
(index.claims.metrics.comparison_key): metric key, period (a static metric ignores dates; a
holiday's figure is `year@holiday`; a claim without a period is taken as of the article's
publication: a cumulative count on another day is another quantity, never a conflict), whether
it is an estimate, its unit, and last what it is about (a name: its project or the thing its
clause names; else its scope words; a metric that names one statistic by itself, such as
互联网普及率, may have no scope: the national figure). The buckets that differ only in what they
are about form a *family*, and sort together.

Inside a bucket, each claim allows an interval of values: the number as written, give or take
half a unit of its last digit (6.3万亿 covers 6.30万亿; 1.43万亿 covers 14298亿), widened by a hedge
(约700 covers 699, 近7亿 covers 6.97亿) or a bound (超670亿 is [670亿, 680亿]; 600多 is [600, 700]).
Claims whose intervals overlap agree. A bucket whose claims fall apart in values is one group
with status `conflict` when they come from at least two stories (reprints are one story), none
is an estimate (预计, 初步统计: a later final figure revises it) and none reports a revision
(修正后); and their values lie within MAX_SPREAD of each other (2.6万 against 2.71万: one quantity
misreported; 43.85万亿 against 3.16万亿: a country and one city, scopes the words did not tell
apart); otherwise each cluster of agreeing values is its own group. A group of one story is
`single`.

Then, inside a family, groups that are not in conflict join when what they are about is one
name shortened (文化企业 in 规模以上文化及相关产业企业; 金上到湖北… in 金沙江上游送湖北…, connectors
left out) and their values overlap: the same figure under two wordings agrees. Linking never
makes a conflict (a conflict needs the same words), and rates (%) are never linked: a growth of
5.1% under two scopes is as often two quantities as one.

Groups are recomputed for the families an ingest, replacement or deletion touches, in the same
transaction, so they never depend on the order articles arrived in.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from index.store import reprints
from index.text import abbreviates

SCHEMA = """
CREATE TABLE IF NOT EXISTS claim_agreement (
    claim_id TEXT PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
    metric_key TEXT NOT NULL, scope TEXT, bucket TEXT,
    low TEXT, high TEXT, release TEXT NOT NULL,
    group_id TEXT, status TEXT, sources INTEGER
);
CREATE INDEX IF NOT EXISTS claim_agreement_bucket ON claim_agreement(bucket);
CREATE INDEX IF NOT EXISTS claim_agreement_group ON claim_agreement(group_id);
CREATE INDEX IF NOT EXISTS claim_agreement_metric ON claim_agreement(metric_key, status);
"""
STATUSES = ("single", "agree", "conflict")
MAX_SPREAD = Decimal("0.2")      # a conflict's values lie within 20% of each other
DIGITS = re.compile(r"\d+(?:\.\d+)?")


def group_id(key: str) -> str:
    return "g" + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def _precision(raw: str, value: Decimal, approx: bool, bound: str) -> Decimal:
    """How far the written number may be from the true one, in plain units."""
    found = DIGITS.search(raw)
    if not found:
        return Decimal(0)
    try:
        written = Decimal(found.group(0))
    except InvalidOperation:
        return Decimal(0)
    if written == 0:
        return Decimal(0)
    scale = value / written                     # 亿, 万 … as a factor
    decimals = len(found.group(0).partition(".")[2])
    last_digit = Decimal(1).scaleb(-decimals) * scale
    if not (approx or bound in ("at_least", "at_most")):
        return last_digit / 2
    digits = found.group(0).replace(".", "")
    trailing_zeros = len(digits) - len(digits.rstrip("0")) if decimals == 0 else 0
    last_significant = Decimal(1).scaleb(trailing_zeros - decimals) * scale
    return max(last_significant / 2, last_digit) if approx else last_significant


MORE = re.compile(r"\d[多余]")      # 600多公里, 3万余人: at least the number, short of the next step


def interval(claim) -> tuple[Decimal, Decimal]:
    q = claim.quantity
    approx, bound = q.approx, q.bound
    if bound == "exact" and not q.range and MORE.search(q.raw):
        approx, bound = False, "at_least"
    slack = _precision(q.raw, q.value if not q.range else q.range[0], approx, bound)
    if q.range:
        return q.range[0] - slack, q.range[1] + slack
    if bound == "at_least":
        return q.value, q.value + slack
    if bound == "at_most":
        return q.value - slack, q.value
    return q.value - slack, q.value + slack


def add(db: sqlite3.Connection, article, claims, claim_ids: list[str]) -> set[str]:
    """Store the metric keys and comparison keys of an article's claims (those with a canonical
    metric: the others have no row); returns the buckets they fall in."""
    rows, buckets = [], set()
    for claim, claim_id in zip(claims, claim_ids):
        if not claim.metric_key:
            continue
        key = claim.comparison
        low, high = interval(claim) if key else (None, None)
        rows.append((claim_id, claim.metric_key, claim.scope, key,
                     None if low is None else str(low), None if high is None else str(high), claim.release))
        if key:
            buckets.add(key)
    db.executemany("INSERT INTO claim_agreement(claim_id, metric_key, scope, bucket, low, high, release)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return buckets


def buckets_of(db: sqlite3.Connection, article_ids) -> set[str]:
    ids = list(article_ids)
    out = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        out |= {r[0] for r in db.execute(
            f"SELECT DISTINCT g.bucket FROM claims c JOIN claim_agreement g ON g.claim_id = c.id"
            f" WHERE c.article_id IN ({marks}) AND g.bucket IS NOT NULL", chunk)}
    return out


@dataclass
class _Member:
    claim_id: str
    story: str
    low: Decimal
    high: Decimal
    revision: bool
    estimate: bool = False


def _clusters(members: list[_Member]) -> list[list[_Member]]:
    """Members whose intervals overlap, chained, in order of value."""
    out: list[list[_Member]] = []
    reach = None
    for m in sorted(members, key=lambda m: (m.low, m.claim_id)):
        if out and m.low <= reach:
            out[-1].append(m)
            reach = max(reach, m.high)
        else:
            out.append([m])
            reach = m.high
    return out


def family(bucket: str) -> str:
    """The bucket without what it is about: metric key, period, release, unit."""
    return bucket.rsplit("|", 1)[0] if bucket.count("|") >= 4 else bucket


def refresh(db: sqlite3.Connection, buckets) -> None:
    """Recompute the groups and statuses of the claims in the families of `buckets` (a family's
    buckets differ only in what they are about, and their groups may link)."""
    families = sorted({family(b) for b in buckets})
    for start in range(0, len(families), 100):
        rows = []
        for fam in families[start:start + 100]:
            # '|' < '}': the range holds every bucket of the family (TEXT compares bytes, COLLATE "C")
            rows += db.execute("SELECT g.claim_id, c.article_id, g.bucket, g.low, g.high, g.release"
                               " FROM claim_agreement g JOIN claims c ON c.id = g.claim_id"
                               " WHERE g.bucket >= ? AND g.bucket < ?", (fam + "|", fam + "}")).fetchall()
        story = reprints.stories(db, {r[1] for r in rows})
        by_family: dict[str, dict[str, list[_Member]]] = {}
        for claim_id, article_id, key, low, high, release in rows:
            by_family.setdefault(family(key), {}).setdefault(key, []).append(
                _Member(claim_id, story.get(article_id, article_id), Decimal(low), Decimal(high), release == "revision",
                        release == "estimate"))
        updates = []
        for fam, by_bucket in by_family.items():
            groups = [(key, *g) for key, members in sorted(by_bucket.items()) for g in _groups(key, members)]
            for gid, status, group in _linked(fam, groups):
                sources = len({m.story for m in group})
                updates += [(gid, status, sources, m.claim_id) for m in group]
        db.executemany("UPDATE claim_agreement SET group_id = ?, status = ?, sources = ? WHERE claim_id = ?", updates)


CONNECTORS = re.compile(r"[送到至—－\-–~～]")
NO_LINK_UNITS = ("%", "个百分点")   # rates and shares of other scopes coincide too often
MIN_SHORT = 2                      # characters a shortened name keeps
MIN_SHORT_ANYWHERE = 4             # ... when it does not start as the long one does


def _linkable(a: str, b: str) -> bool:
    """Whether two buckets' `about`s may name one thing: the same kind (a name, or scope words),
    the same place and basis, one a shortened form of the other (金上到湖北±800千伏特高压直流输电
    in 金沙江上游送湖北±800千伏特高压直流输电; 文化企业 in 规模以上文化及相关产业企业)."""
    (ka, _, na), (kb, _, nb) = a.partition(":"), b.partition(":")
    na, _, basis_a = na.partition("~")
    nb, _, basis_b = nb.partition("~")
    if ka != kb or basis_a != basis_b:
        return False
    if ka == "s":
        place_a, _, na = na.rpartition("/")
        place_b, _, nb = nb.rpartition("/")
        if place_a != place_b:
            return False
    short, long = sorted((CONNECTORS.sub("", na), CONNECTORS.sub("", nb)), key=len)
    if len(short) < MIN_SHORT or short == long:
        return False
    return (short[0] == long[0] or len(short) >= MIN_SHORT_ANYWHERE) and abbreviates(short, long)


def _overlapping(span: list):
    """Pairs of indices whose spans overlap, found by a sweep in order of the low ends."""
    order = sorted(range(len(span)), key=lambda i: (span[i][0], i))
    for at, i in enumerate(order):
        for j in order[at + 1:]:
            if span[j][0] > span[i][1]:
                break
            yield (i, j) if i < j else (j, i)


def _linked(fam: str, groups: list):
    """Join a family's agreeing groups whose buckets name one thing in other words and whose
    values overlap: reports that agree under two wordings are one group (`agree`); a conflict
    is only ever found inside one bucket, so a group in conflict is left as it is."""
    if fam.rsplit("|", 1)[-1] in NO_LINK_UNITS or len(groups) < 2:
        yield from ((gid, status, members) for _, gid, status, members in groups)
        return
    parent = list(range(len(groups)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    span = [(min(m.low for m in g[3]), max(m.high for m in g[3])) for g in groups]
    about = [key.rsplit("|", 1)[1] for key, *_ in groups]
    for i, j in _overlapping(span):
        if groups[i][2] == "conflict" or groups[j][2] == "conflict" or about[i] == about[j]:
            continue
        ri, rj = root(i), root(j)
        if ri == rj or not _linkable(about[i], about[j]):
            continue
        if span[ri][0] <= span[rj][1] and span[rj][0] <= span[ri][1]:
            parent[max(ri, rj)] = min(ri, rj)
            span[min(ri, rj)] = (min(span[ri][0], span[rj][0]), max(span[ri][1], span[rj][1]))
    joined: dict[int, list[int]] = {}
    for i in range(len(groups)):
        joined.setdefault(root(i), []).append(i)
    for members_of in joined.values():
        if len(members_of) == 1:
            _, gid, status, members = groups[members_of[0]]
            yield gid, status, members
            continue
        members = [m for i in members_of for m in groups[i][3]]
        gid = min(groups[i][1] for i in members_of)
        yield gid, "agree" if len({m.story for m in members}) > 1 else "single", members


def _close(clusters: list[list[_Member]]) -> bool:
    """Whether the clusters' values are near enough to be one quantity misreported: values
    further apart than MAX_SPREAD are more likely two quantities whose difference the words
    did not show (a country and one of its cities, two quarters) than a conflict."""
    centres = [sum((m.low + m.high) / 2 for m in c) / len(c) for c in clusters]
    low, high = min(centres), max(centres)
    return low > 0 and high <= low * (1 + MAX_SPREAD)


def _groups(key: str, members: list[_Member]):
    clusters = _clusters(members)
    stories = {m.story for m in members}
    if len(clusters) == 1:
        yield group_id(key), ("agree" if len(stories) > 1 else "single"), members
        return
    estimate = key.split("|")[2] == "estimate"
    # a static metric's key holds estimates and reports alike (将达400亿 against 超360亿): never a conflict
    if len(stories) > 1 and not estimate and not any(m.revision or m.estimate for m in members) and _close(clusters):
        yield group_id(key), "conflict", members
        return
    for cluster in clusters:
        first = min(m.claim_id for m in cluster)
        yield (group_id(f"{key}#{first}"), "agree" if len({m.story for m in cluster}) > 1 else "single", cluster)
