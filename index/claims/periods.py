"""Time expressions in a paragraph, resolved to (start, end) dates against an article's date.

`find_time_expressions(text, ref)` lists every expression with its span, kind and period;
`Reference` carries what relative words resolve against (the publication date, else the year
the text establishes; neither means 今年 stays unresolved). Which expression governs a figure
is decided in index/extract.py (spec: Conventions, period).
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

from index import lexicon
from index.text import alternation

if TYPE_CHECKING:
    from index.claims.context import ParagraphContext
    from index.models import Quantity

Period = tuple[dt.date, dt.date]

# kinds: "span" (a stretch of time: 今年, 一季度, 1—9月, 2023年, 十四五), "day" (3月18日, 截至6月底),
# "current" (目前, 如今: the day named earlier in the paragraph), "since" (今年以来).
KINDS = ("span", "day", "current", "since")

NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿"
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}


@dataclass(frozen=True)
class Reference:
    """What relative time words resolve against."""
    published: dt.date | None = None
    year: int | None = None

    @property
    def ref_year(self) -> int | None:
        return self.published.year if self.published else self.year

    @classmethod
    def of(cls, article) -> "Reference":
        published = getattr(article, "published", None)
        year = getattr(article, "year", None)
        if isinstance(published, dt.datetime):
            published = published.date()
        if not isinstance(published, dt.date):
            published = None
        if not isinstance(year, int) or not 1900 <= year <= 2100:
            year = None
        return cls(published, year)


@dataclass(frozen=True)
class TimeExpr:
    start: int
    end: int
    text: str
    kind: str                  # one of KINDS
    period: Period | None      # None when the reference year is unknown (or kind == "current")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _span(year: int | None, first: int, last: int) -> Period | None:
    if year is None or not (1 <= first <= last <= 12):
        return None
    return dt.date(year, first, 1), _month_end(year, last)


def _num(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    return CN_DIGITS.get(s)



@functools.cache
def _table():
    data = lexicon.load_json("period_expressions.json")
    parts = {k: v for k, v in data["year_parts"].items() if v}
    dash = "(?:" + alternation(data["range_dashes"]) + ")"
    month = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
    year_prefix = rf"(?:(?P<y>(?:19|20)\d\d)年|(?P<rel>{alternation(data['relative_years'])}))"
    part = (rf"(?:(?P<part>{alternation(parts)})"
            rf"|(?P<m1>{month}){dash}(?P<m2>{month})月份?"
            rf"|前(?P<first_n>{month})个?月"
            rf"|(?P<md_m>{month})月(?P<md_d>[0-3]?\d)[日号]"
            rf"|(?P<mend>{month})月(?:底|末)"
            rf"|(?P<mon>{month})月(?:份|初)?(?![\d日号份一二三四五六七八九十]))")
    words = [*data["plan_periods"], *data["since_starts"], *data["current_words"], *data["until_words"],
             *data["to_year_words"], *data["relative_years"], *parts]
    first = set("0123456789一二三四五六七八九十“\"前") | {w[0] for w in words}
    # every group is optional, so a lookahead on the first character keeps the scan linear
    first |= set("本上这周星礼")
    cn_count = r"(?:[1-9][0-9]?|十[一二三四五六七八九]?|[二两三四五六七八九]十?[一二三四五六七八九]?)"
    weekdays = alternation(data["weekdays"])
    pattern = re.compile(
        rf"(?=[{re.escape(''.join(sorted(first)))}])"
        rf"(?:(?P<plan>[“\"]?(?:{alternation(data['plan_periods'])})[”\"]?(?:期间|时期)?)"
        rf"|(?<![0-9{NUMERAL_CHARS}])(?P<years_back>{cn_count})年(?:来|间)"
        rf"|(?<![0-9月.])(?P<dom>[1-9]|[12][0-9]|3[01])[日号](?![内均线起以前后之])"
        rf"|(?P<week>{alternation(data['week_prefixes'])})?(?:周|星期|礼拜)(?P<wd>{weekdays})(?![末刊报年])"
        rf"|(?P<since_fixed>{alternation(data['since_starts'])})"
        rf"|(?P<current>{alternation(data['current_words'])})"
        rf"|(?P<until>{alternation(data['until_words'])})?(?P<to>{alternation(data['to_year_words'])})?"
        rf"(?:{year_prefix})?(?P<part1>{part})?(?P<since>{alternation(data['since_words'])})?)"
    )
    return data, parts, pattern


def find_time_expressions(text: str, ref: Reference | None = None) -> list[TimeExpr]:
    """Every time expression in `text`, in order, resolved against `ref`."""
    ref = ref or Reference()
    data, parts, pattern = _table()
    anaphoric = frozenset(data.get("anaphoric_years", ()))
    out = []
    named_year = None            # the last year written out (2025年): 全年 / 当年 after it mean it
    for m in pattern.finditer(text or ""):
        if m.end() == m.start():
            continue
        here = ref
        if named_year and m.group("rel") in anaphoric and not m.group("y"):
            here = Reference(None, named_year)
        try:
            expr = _resolve(m, here, data, parts)
        except (ValueError, KeyError, TypeError):   # an impossible date (2月30日) is no expression
            expr = None
        if expr is not None and here is not ref and expr.kind == "since":
            expr = _resolve(m, ref, data, parts)
        if expr is not None and out and expr.start < out[-1].end:
            continue                 # inside a range already read (3月1日至5日)
        if expr is not None and out and (joined := _joined_range(out[-1], expr, text or "", data, ref)):
            out[-1] = joined
            continue
        if expr is not None:
            out.append(expr)
            if m.group("y") and not (m.group("to") or m.group("until") or m.group("since")):
                named_year = int(m.group("y"))
    return out


def _resolve(m: re.Match, ref: Reference, data, parts) -> TimeExpr | None:
    text = m.group(0)
    start, end = m.start(), m.end()
    if m.group("plan"):
        y1, y2 = data["plan_periods"][m.group("plan").strip("“”\"").removesuffix("期间").removesuffix("时期")
                                      .strip("“”\"")]
        return TimeExpr(start, end, text, "span", (dt.date(y1, 1, 1), dt.date(y2, 12, 31)))
    if m.group("since_fixed"):
        if ref.published is None:
            return TimeExpr(start, end, text, "since", None)
        return TimeExpr(start, end, text, "since", (dt.date(ref.published.year, 1, 1), ref.published))
    if m.group("current"):
        return TimeExpr(start, end, text, "current", None)
    if m.group("years_back"):
        # 十年来 / 五年间: the N years up to the publication date
        n = _count(m.group("years_back"))
        if ref.published is None or not n:
            return TimeExpr(start, end, text, "since", None)
        return TimeExpr(start, end, text, "since", (dt.date(ref.published.year - n, 1, 1), ref.published))
    if m.group("dom"):
        # 30日 alone: that day of the publication month (of the month before when still to come)
        if ref.published is None:
            return TimeExpr(start, end, text, "day", None)
        day, pub = int(m.group("dom")), ref.published
        month_start = pub.replace(day=1)
        if day > pub.day:
            month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
        if day > calendar.monthrange(month_start.year, month_start.month)[1]:
            return None
        return TimeExpr(start, end, text, "day", (month_start.replace(day=day),) * 2)
    if m.group("wd"):
        # 周四 / 上周一: that weekday in the publication week (the week before with 上)
        if ref.published is None:
            return TimeExpr(start, end, text, "day", None)
        pub = ref.published
        wanted = data["weekdays"][m.group("wd")]
        day = pub - dt.timedelta(days=pub.weekday() - wanted)
        day -= dt.timedelta(days=7 * data["week_prefixes"].get(m.group("week") or "", 0))
        return TimeExpr(start, end, text, "day", (day, day))

    if m.group("y"):
        year = int(m.group("y"))
        year_known = True
    elif m.group("rel"):
        base = ref.ref_year
        year = base + data["relative_years"][m.group("rel")] if base else None
        year_known = True
    else:
        year = ref.ref_year
        year_known = False
    prefix_only = (m.group("y") or m.group("rel")) and not m.group("part1")
    g = m.group
    part_text = g("part1")
    if not (m.group("y") or m.group("rel") or part_text):
        return None

    period: Period | None = None
    kind = "span"
    if prefix_only:
        period = (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else None
    elif g("part"):
        first, last = parts[g("part")]
        period = _span(year, first, last)
    elif g("m1"):
        first, last = _num(g("m1")), _num(g("m2"))
        if first is None or last is None or first > last:
            return None
        period = _span(year, first, last)
    elif g("first_n"):
        n = _num(g("first_n"))
        if n is None:
            return None
        period = _span(year, 1, n)
    elif g("md_m"):
        month, day = _num(g("md_m")), int(g("md_d"))
        if month is None or not 1 <= day <= 31:
            return None
        kind = "day"
        period = (dt.date(year, month, day),) * 2 if year else None
    elif g("mend"):
        month = _num(g("mend"))
        kind = "day"
        period = (_month_end(year, month),) * 2 if year and month else None
    elif g("mon"):
        month = _num(g("mon"))
        if month is None:
            return None
        period = _span(year, month, month)
    else:
        return None

    if period is not None and not year_known and ref.published is not None \
            and (period[0] - ref.published).days > data["past_year_after_days"]:
        # 12月 in a January article: months still far ahead are last year's
        period = tuple(_year_back(d) for d in period)

    tail = m.string[end:end + 2]
    if kind == "day" and period is not None and g("md_m"):
        more = _day_range(m.string, end, period[0], data)
        if more is not None and more[0] >= period[0]:
            # 8月23日—25日, 3月1日至5日: the days of an event
            return TimeExpr(start, more[1], m.string[start:more[1]], "span", (period[0], more[0]))
    if g("since") is None and period is not None and m.string.endswith(tuple(data.get("since_before", ())), 0, start) \
            and tail.startswith(tuple(data.get("since_after", ()))):
        # 自2004年起 / 从2020年开始: the same as 2004年以来
        if ref.published is None:
            return TimeExpr(start, end, text, "since", None)
        return TimeExpr(start, end, text, "since", (period[0], ref.published))
    if kind == "span" and period is not None and tail[:1] in ("底", "末") and (prefix_only or g("part")) \
            and not g("until"):
        # 2025年底, 四季度末, 上半年末: the last day of that span
        return TimeExpr(start, end + 1, text + tail[0], "day", (period[1], period[1]))
    if g("since"):
        # X年以来 / 3月以来: from the start of X to the publication date
        if ref.published is None or period is None:
            return TimeExpr(start, end, text, "since", None)
        return TimeExpr(start, end, text, "since", (period[0], ref.published))
    if g("until") and period is not None:
        # 截至X: that single day (截至9月底 -> 30 Sep; 截至2023年 -> 31 Dec 2023)
        return TimeExpr(start, end, text, "day", (period[1], period[1]))
    if g("to") and not g("until") and not year_known and kind == "span" and not part_text:
        return None
    return TimeExpr(start, end, text, kind, period)


def _joined_range(a: TimeExpr, b: TimeExpr, text: str, data, ref: Reference) -> TimeExpr | None:
    """自2026年7月6日起至2026年10月5日止, 2025年9月至2026年3月: one span from a's start to b's end."""
    gap = text[a.end:b.start]
    if gap not in ("", "起", "开始") or not b.text.startswith(tuple(data["range_dashes"])):
        return None
    if a.period is None or b.period is None or a.kind == "current":
        return None
    first = a.period[0]
    last = b.period[1]
    if last < first:
        return None
    end = b.end + 1 if text[b.end:b.end + 1] == "止" else b.end
    return TimeExpr(a.start, end, text[a.start:end], "span", (first, last))


def _year_back(d: dt.date) -> dt.date:
    return d.replace(year=d.year - 1, day=min(d.day, calendar.monthrange(d.year - 1, d.month)[1]))


def _count(s: str) -> int | None:
    """1..99 in digits or Chinese numerals (十, 二十, 三十五)."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return CN_DIGITS.get(s)
    tens, _, units = s.partition("十")
    return (CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (CN_DIGITS.get(units, 0) if units else 0)


def _day_range(text: str, end: int, first: dt.date, data) -> tuple[dt.date, int] | None:
    """A day range continuing at `end` (8月23日—25日): its last day, in the first day's month, and
    the range's end offset; None when none follows or the day does not exist."""
    dash = "|".join(re.escape(d) for d in sorted(data["range_dashes"], key=len, reverse=True))
    m = re.match(rf"(?:{dash})([0-3]?\d)[日号]", text[end:end + 5])
    if not m:
        return None
    try:
        return first.replace(day=int(m.group(1))), end + m.end()
    except ValueError:
        return None


def period_for_current(exprs: list[TimeExpr], before: int, published: dt.date | None = None) -> Period | None:
    """目前 / 如今: the last day named before offset `before` in the paragraph, else None; with a
    publication date, a day more than a year before it is history (1950年5月22日), not now."""
    day = None
    for e in exprs:
        if e.end <= before and e.kind == "day" and e.period:
            if published is not None and (published - e.period[0]).days > 366:
                continue
            day = e.period
    return day



# ---------------------------------------------------------------- which expression governs a figure

OWN_TOTAL = re.compile(r"(?<!完成)(?<!年度)(?<!当年)(?:总投资|投资总额|投资额|投资|占地面积|占地|建筑面积|总建筑面积|装机容量|装机规模|装机|产能|规模)(?:约为|约|达到|达|为|超过|超|近)?$")
CARRIED_DIMS = frozenset({"money", "count", "percent", "rank"})   # results, not levels or sizes
UNTIL_WORDS = ("截至", "截止")
CARRIED_UNITS = frozenset({"倍"})                                 # 增长4.7倍 is a result too
CAPACITY_DIMS = frozenset({"mass", "rate", "power", "area"})
CAPACITY_UNITS = frozenset({"头", "只", "羽", "吨", "千瓦", "兆瓦", "万千瓦"})


@functools.cache
def _time_roles():
    d = lexicon.load_json("period_expressions.json")
    return dict(
        comparison_before=tuple(d.get("comparison_before", ())),
        comparison_after=tuple(d.get("comparison_after", ())),
        comparison_after_re=[re.compile(p) for p in d.get("comparison_after_regex", ())],
        deadline_verbs=tuple(d.get("deadline_verbs", ())),
        deadline_after=tuple(d.get("deadline_after", ())),
    )


def not_a_period(text: str, t: TimeExpr) -> bool:
    """A comparison base (比2020年, 较“十三五”时期, 与上年同期相比) or a policy's end date
    (延至2027年底) is no period of the figures around it."""
    r = _time_roles()
    head = text[:t.start].rstrip("“\"")
    if head.endswith(r["comparison_before"]) or text.startswith(r["comparison_after"], t.end) \
            or any(rx.match(text[t.end:t.end + 12]) for rx in r["comparison_after_re"]):
        return True
    # the verb ends before the expression (延长至2027年) or its 至 opens it (延|至2027年底)
    return any(head.endswith(w) or (head.endswith(w[:-1]) and t.text.startswith(w[-1]))
               for w in r["deadline_verbs"])


def is_deadline(text: str, t: TimeExpr) -> bool:
    """6月底前, 年底之前: a deadline, which passes no period on to later sentences."""
    return text.startswith(_time_roles()["deadline_after"], t.end)


def _resolve_time(ctx: ParagraphContext, t: TimeExpr) -> Period | None:
    if t.kind == "current":
        return period_for_current(ctx.times, t.start, ctx.published)
    if t.kind == "since" and t.period:
        # 截至5月底，…今年以来: the span since the start ends on the day named just before
        ss = ctx.sentence_of(t.start)[0]
        cut = [x for x in ctx.times if ss <= x.start and x.end <= t.start and x.kind == "day"
               and x.period and x.text.startswith(UNTIL_WORDS) and t.period[0] <= x.period[1] <= t.period[1]]
        if cut:
            return t.period[0], cut[-1].period[1]
    return t.period


def period_of(ctx: ParagraphContext, q: Quantity, sent: tuple[int, int], project: str | None,
              clause: tuple[int, int], para_carry: TimeExpr | None) -> Period | None:
    """The (start, end) the figure `q` refers to, or None (spec: Conventions, period).

    A project's own capacity, size, duration or total investment has none; otherwise the last
    time expression before the figure in its sentence governs (for a project figure only when no
    other figure stands between), else the first one after it in its clause, else for results
    (money, counts, percentages, 倍) the expression `para_carry` that earlier sentences of the
    paragraph pass on. 目前 takes the last recent day named before it; 今年以来 after 截至X ends
    on X. Across paragraphs, index.claims.article.carry_release_periods completes it."""
    text = ctx.text
    ss, _ = sent
    before = [t for t in ctx.times if ss <= t.start and t.end <= q.start]
    if project:
        if q.dimension in CAPACITY_DIMS or q.unit in CAPACITY_UNITS:
            return None                 # a project's own capacity or size
        if q.dimension == "money" and OWN_TOTAL.search(text, max(ss, q.start - 8), q.start):
            return None                 # a project's own total investment
        if q.dimension == "duration":
            return None
        if before:
            t = before[-1]
            between = [x for x in ctx.quantities if t.end <= x.start and x.end <= q.start]
            if not between:
                return _resolve_time(ctx, t)
        return None
    if before:
        return _resolve_time(ctx, before[-1])
    after = [t for t in ctx.times if q.end <= t.start and t.end <= clause[1]]
    if after:
        return _resolve_time(ctx, after[0])
    if para_carry is not None and (q.dimension in CARRIED_DIMS or q.unit in CARRIED_UNITS):
        return _resolve_time(ctx, para_carry)
    return None
