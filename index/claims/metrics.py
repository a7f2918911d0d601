"""Canonical metrics: which statistic a claim reports (`metric_key`) and of what (`scope`).

The taxonomy is data (index/data/metrics.json): each metric has a key, a label, the
dimensions its values take, how it behaves in time and the phrases articles write it with.
A claim's metric is read from its clause: the phrase ending closest before the number (the
longest on a tie), at most MAX_GAP characters before it (总投资约50亿元). Its scope is what
the clause says before that phrase once time words, national words (我国, 全国) and filler
(实现, 累计, 已) are dropped: 制造业采购经理指数 → (pmi, 制造业); 我国5G基站数达 → (base_stations_5g, "").

`assign(article, claims)` is the extractor's hook: it sets `metric_key`, `scope` and `release`
on every claim, and repairs a `metric` the extractor cut mid-word.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from index import lexicon
from index.claims.projects import find_project_names
from index.text import abbreviates

NOT_A_NAME = "该本此其这一今昨明全各每我据记"    # how a sentence opens when it names nothing (今天, 我国, 据了解)
MIN_NAME = 3                 # characters a static metric's scope needs to name one thing (渝昆高铁)
POINTING = "该本此其这一占"    # a scope starting so points back, counts or names the whole: 该段, 一条, 占GDP
DERIVED = ("growth", "share")  # figures about another figure: never the whole a 其中 part belongs to
PART_OF = "其中"             # a clause so opened gives a part of the figure before it
MAX_GAP = 6                  # characters allowed between the metric phrase and the number
LOOK_BEHIND = 80             # characters of the paragraph read before the number
CLAUSE_END = re.compile(r"[，。；：！？,;:!?\n、]")
BRACKETS = re.compile(r"（[^（）]{0,30}）|\([^()]{0,30}\)|【[^【】]{0,30}】")
QUOTE_MARKS = re.compile(r"[“”\"‘’'《》〈〉「」『』\s·]")
DATE = re.compile(
    r"(?:\d{2,4}|[一二三四五六七八九〇零]{2,4})年(?:\d{1,2}(?:—|-|～|~|至)?\d{0,2}月份?)?(?:\d{1,2}日)?"
    r"|(?:前|头)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?:—|-|至)?(?:\d{1,2})?个?月份?(?:\d{1,2}日)?(?:\d{1,2}时)?"
    r"|[十][一二三四五六七八九]五(?:时期|期间|末|以来)?"
    r"|\d{1,2}日|上月|本月|当月|上年|本年")
ESTIMATE_MODALITIES = frozenset({"forecast", "plan", "target"})
PAGE_LABEL = re.compile(r"^\d{1,2}版[^-－]{0,12}[-－]")     # 03版综合新闻 - : a newspaper page's label
HOLIDAY_DAYS = 45            # a period this short (春运: 40 days) naming a holiday is the holiday's
CLIPPED_METRIC = 12          # the extractor keeps at most this many characters of a metric


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    dimensions: frozenset
    temporal: str            # static | attribute | stock | flow
    specific: bool


@dataclass(frozen=True)
class Reading:
    """What `read` finds for one figure."""
    metric: Metric
    scope: str
    phrase_start: int        # in the clause text
    clause: str
    basis: str = ""          # what a change is measured against: yoy, mom … ("" when unsaid)


@functools.cache
def taxonomy() -> dict:
    data = lexicon.load_json("metrics.json")
    metrics = {m["key"]: Metric(m["key"], m["label"], frozenset(m["dimensions"]), m["temporal"], bool(m["specific"]))
               for m in data["metrics"]}
    by_phrase = {}
    for m in data["metrics"]:
        for phrase in m["phrases"]:
            by_phrase.setdefault(phrase, m["key"])
    # reversed phrases, longest first: a search over the reversed clause finds the phrase that
    # ends closest to the number, and the longest of those ending there
    reverse = re.compile("|".join(re.escape(p[::-1]) for p in sorted(by_phrase, key=len, reverse=True)))
    noise = sorted(data["scope_noise"], key=len, reverse=True)
    return {
        "metrics": metrics, "by_phrase": by_phrase, "reverse": reverse,
        "noise_start": re.compile("^(?:" + "|".join(map(re.escape, noise)) + ")+"),
        "noise_end": re.compile("(?:" + "|".join(map(re.escape, noise)) + ")+$"),
        "edge": frozenset(data["edge_noise"]),
        "time": re.compile("|".join(map(re.escape, sorted(data["time_words"], key=len, reverse=True)))),
        "units": dict(data["unit_aliases"]),
        "estimate": tuple(data["estimate_cues"]),
        "bases": data["bases"],
        "basis": re.compile("|".join(map(re.escape, sorted(data["bases"], key=len, reverse=True)))),
        "season_aliases": data["season_aliases"],
        "season": re.compile("|".join(map(re.escape, sorted(data["seasons"], key=len, reverse=True)))),
        "daily": re.compile("|".join(map(re.escape, data["daily_words"]))),
        "day": re.compile("|".join(map(re.escape, data["day_names"]))),
        "anaphors": frozenset(data["anaphors"]),
        "gap": re.compile("|".join(map(re.escape, sorted(data["gap_words"], key=len, reverse=True)))),
        "national": re.compile("|".join(map(re.escape, data["national_words"]))),
        "cumulative": re.compile("|".join(map(re.escape, data["cumulative_words"]))),
        "classes": re.compile("(?:" + "|".join(map(re.escape, sorted(data["class_nouns"], key=len, reverse=True))) + ")+"),
        "place_subject": tuple(data["place_subject_suffixes"]),
        "respectively": re.compile("|".join(map(re.escape, data["respectively"]))),
        "subyear": re.compile("|".join(data["subyear"])),
        "place": re.compile("|".join(map(re.escape, sorted(data["places"], key=len, reverse=True)))
                            + "|[\u4e00-\u9fff]{2,}(?:" + "|".join(map(re.escape, data["place_suffixes"])) + ")"),
        "revision": tuple(data["revision_cues"]),
        "new_year_seasons": frozenset(data["new_year_seasons"]),
        "name_tail": re.compile("(?:" + "|".join(map(re.escape, sorted(data["name_tails"], key=len, reverse=True))) + ")$"),
        # a sentence opening with a name that ends in a kind of thing, up to its first pause
        "opening_name": re.compile(r"(?:^|(?<=[。！？；]))([^，。！？；：、（）()“”《》的\s]{2,30}(?:"
                                   + "|".join(map(re.escape, sorted(data["name_kinds"], key=len, reverse=True)))
                                   + r"))(?=[（(，,]|[\u4e00-\u9fff])"),
    }


def metric(key: str | None) -> Metric | None:
    return taxonomy()["metrics"].get(key) if key else None


def metrics() -> list[Metric]:
    return list(taxonomy()["metrics"].values())


def canonical_unit(unit: str) -> str:
    return taxonomy()["units"].get(unit, unit)


def clause_before(text: str, start: int) -> str:
    """The clause's words before position `start`, brackets (（PMI）) left out."""
    before = BRACKETS.sub("", text[max(0, start - LOOK_BEHIND):start])
    return CLAUSE_END.split(before)[-1]


def normalise_scope(words: str) -> str:
    t = taxonomy()
    words = QUOTE_MARKS.sub("", PAGE_LABEL.sub("", words))
    words = t["season"].sub("", t["time"].sub("", DATE.sub("", words)))
    previous = None
    while words != previous:
        previous = words
        words = t["noise_start"].sub("", words)
        words = t["noise_end"].sub("", words)
        while words and words[0] in t["edge"]:
            words = words[1:]
        while words and words[-1] in t["edge"]:
            words = words[:-1]
    return words


def read(text: str, start: int, dimension: str) -> Reading | None:
    """The canonical metric and scope of the figure at `text[start:]`, or None."""
    t = taxonomy()
    clause = clause_before(text, start)
    found = t["reverse"].search(clause[::-1])
    if not found or found.start() > MAX_GAP:
        return None
    phrase = found.group(0)[::-1]
    metric_ = t["metrics"][t["by_phrase"][phrase]]
    if dimension not in metric_.dimensions:
        return None
    phrase_start = len(clause) - found.end()
    if normalise_scope(t["gap"].sub("", clause[phrase_start + len(phrase):]).replace("占", "")):
        return None         # words between the phrase and the number name what is counted (出口机电产品)
    bases = t["basis"].findall(clause)
    scope = normalise_scope(clause[:phrase_start])
    if scope in t["anaphors"] or scope.startswith("占"):
        scope = ""          # 占国内生产总值比重: the share's numerator is named before, not here
    return Reading(metric_, scope, phrase_start, clause,
                   t["bases"][bases[-1]] if bases else "")


def is_estimate(sentence: str, modality: str) -> bool:
    """An expected or preliminary figure (预计, 初步统计), which a later final one may revise."""
    return modality in ESTIMATE_MODALITIES or any(cue in sentence for cue in taxonomy()["estimate"])


def is_revision(sentence: str) -> bool:
    return any(cue in sentence for cue in taxonomy()["revision"])


METRIC_STOP = "的了在对把将是为"     # the extractor cuts a metric after these on purpose
CUT_DATE = re.compile(r"^\d*(?:年|月份?|日)")
MAX_WIDEN = 8
MAX_METRIC = 14          # a longer phrase is a clause, not a metric


def repaired_metric(text: str, start: int, metric_text: str | None) -> str | None:
    """The extractor's metric, completed when its 12-character window cut a word
    (业采购经理指数（PMI） → 制造业采购经理指数（PMI）; 024年可再生能源发电量 → 可再生能源发电量)."""
    if not metric_text or len(metric_text) < CLIPPED_METRIC:
        return metric_text
    window = text[max(0, start - LOOK_BEHIND):start]
    at = window.rfind(metric_text)
    if at <= 0:
        return metric_text
    if window[at - 1].isdigit() and metric_text[0].isdigit():
        return CUT_DATE.sub("", metric_text) or metric_text
    head = at
    while head > 0 and at - head < MAX_WIDEN and ("\u4e00" <= window[head - 1] <= "\u9fff") \
            and window[head - 1] not in METRIC_STOP:
        head -= 1
    if head == at or (head > 0 and at - head >= MAX_WIDEN):
        return metric_text      # not cut inside a word, or a long run we cannot split safely
    widened = taxonomy()["noise_start"].sub("", window[head:at]) + metric_text
    return widened if len(widened) <= MAX_METRIC else metric_text


def season_of(text: str, start: int, sentence_start: int) -> str | None:
    """The holiday or season a figure belongs to: the last one named before it in its sentence,
    else in its paragraph (元旦假期, 春运)."""
    t = taxonomy()
    found = [m.group(0) for m in t["season"].finditer(text, sentence_start, start)]
    if not found and not DATE.search(text, sentence_start, start):      # a sentence dated itself: not the paragraph's
        found = [m.group(0) for m in t["season"].finditer(text, 0, start)]
    return t["season_aliases"].get(found[-1], found[-1]) if found else None


DATELINE = re.compile(r"[\u4e00-\u9fff]{2,8}\d{1,2}月\d{1,2}日(?:电|讯)|北京时间")


def place_before(text: str, start: int) -> str | None:
    """The last place other than the country named in the paragraph before the figure (a
    dateline, 新华社北京1月28日电, names where the story was filed, not what it is about)."""
    found = taxonomy()["place"].findall(DATELINE.sub("", text[:start]))
    return found[-1] if found else None


def comparison_key(claim, published, project_key, season: str | None = None, daily: bool = False,
                   place: str | None = None, national: bool = False, basis: str = "",
                   cumulative: bool = False, named: str | None = None) -> str | None:
    """The quantity `claim` reports, as a key equal for comparable claims of any article, or None:
    metric key, period, estimate or reported, canonical unit, then what it is about (a name:
    project or the thing the clause names; else scope; else the national figure of a specific
    metric), so that keys differing only in what they are about sort together (agreement links
    shortened names across them). A static metric ignores dates; a holiday's figure takes the
    holiday of its year; any other takes the claim's period, else the article's publication day
    (a cumulative count on another day is another quantity). `named`: the project the
    paragraph names before the figure, for a fixed attribute the extractor gave no project
    that its paragraph writes (a roundup item under a heading)."""
    metric_ = metric(claim.metric_key)
    if metric_ is None or daily:
        return None
    project = named or claim.project
    static = metric_.temporal == "static" or (metric_.temporal == "attribute" and bool(project))
    if static:
        period = "static"
    elif season and (not claim.period or _whole_year(claim.period) or _holiday_span(claim.period)):
        period = _season_period(claim, published, season)
        if period is None:
            return None
    elif claim.period:
        period = f"{claim.period[0].isoformat()}/{claim.period[1].isoformat()}"
        if published and claim.period[1] > published and claim.release != "estimate":
            period += f"#{published.isoformat()}"      # a running total, so far: as of publication
    elif published:
        period = f"{published.isoformat()}/{published.isoformat()}"
    else:
        return None
    whole = _named_scope(claim.scope) if static else None
    if project and whole and whole != project and abbreviates(whole, project):
        project = whole          # 渝昆高铁全长 in a story about one of its bridges: the whole line
    if project:
        about = "n:" + _bare_name(project_key(project) or project)
    elif claim.scope and not static:
        about = "s:" + (f"{place}/{claim.scope}" if place and place not in claim.scope else claim.scope)
    elif claim.scope and static:
        if not whole:
            return None                       # 该段, 一条, 光缆线路: a pointer or a kind of thing, not a name
        about = "n:" + _bare_name(project_key(whole) or whole)     # a line's length needs its name, not a place
    elif metric_.specific and not static and (place or national):
        about = "s:" + (f"{place}/" if place else "")
    else:
        return None
    if basis:
        about += "~" + basis
    if cumulative and not claim.period and not season:
        about += "~all"                       # 累计 with no period of its own: since the beginning
    release = "-" if static else ("estimate" if claim.release == "estimate" else "reported")
    return "|".join((metric_.key, period, release, canonical_unit(claim.quantity.unit), about))


def _bare_name(name: str) -> str:
    """A name without a generic tail (哈密至重庆±800千伏特高压直流输电线路 -> …直流输电), as the
    registry's key drops 工程 and 项目."""
    tail = taxonomy()["name_tail"].search(name)
    return name[:tail.start()] if tail and tail.start() >= MIN_NAME else name


def _named_scope(scope: str | None) -> str | None:
    """The scope when it names one thing (渝昆高铁), None for a pointer or a kind of thing
    (该段, 一条, 光缆线路)."""
    if not scope or len(scope) < MIN_NAME or scope[0] in POINTING or taxonomy()["classes"].fullmatch(scope):
        return None
    return scope


def _season_period(claim, published, season: str) -> str | None:
    """A holiday's figure as `year@holiday`: the extractor gives the holiday's days, its year or
    nothing (as of publication) to the same release; a reported figure also carries the day it
    is as of (the holiday's last day given, else publication), so a running total is not the
    final one."""
    if claim.period:
        year = claim.period[1].year
        if not _whole_year(claim.period) and season in taxonomy()["new_year_seasons"] and claim.period[1].month == 12:
            year += 1                          # 春运 from late December
    elif published:
        year = published.year + (published.month == 12 and season in taxonomy()["new_year_seasons"])
    else:
        return None
    period = f"{year}@{season}"
    if claim.release == "estimate":
        return period
    ends = [d for d in (claim.period[1] if claim.period and not _whole_year(claim.period) else None, published) if d]
    return period + "#" + min(ends).isoformat() if ends else period


def assign(article, claims: list, project_key=lambda name: name) -> None:
    """Set `metric_key`, `scope`, `release` and `comparison` on each claim of `article`, and
    repair metrics the extractor cut mid-word. `project_key` maps a project name to the key
    that identifies it across articles."""
    texts = {p.index: p.text for p in article.paragraphs}
    parent: dict[int, str] = {}          # per paragraph, the scope of the last whole figure
    t = taxonomy()
    title = article.title or next((p.text for p in article.paragraphs if p.kind == "title"), "")
    lead = next((p.text for p in article.paragraphs if p.kind == "body"), "")
    title_place = place_before(title, len(title))
    title_season = season_of(title, len(title), 0)     # a headline's holiday: the days a body figure gives
    # a national statistic without scope words is the national figure in a national story only
    national_story = t["national"].search(DATELINE.sub("", title + "\n" + lead)) is not None
    listed = _value_lists(claims, texts)
    context: dict[int, dict] = {}        # per claim, what its comparison key was computed with
    for claim in claims:
        text = texts.get(claim.paragraph)
        if text is None:
            continue
        q = claim.quantity
        claim.metric = repaired_metric(text, q.start, claim.metric)
        reading = read(text, q.start, q.dimension)
        claim.metric_key = reading.metric.key if reading else None
        claim.scope = reading.scope if reading else None
        sentence_start = max(0, text.rfind(claim.sentence[:8], 0, q.start + 1)) if claim.sentence else 0
        if reading:
            if PART_OF in text[sentence_start:q.start]:
                # 服务进出口总额…。其中，出口16883亿元；进口…: the trade in services, not all trade
                claim.scope = reading.scope or parent.get(claim.paragraph, "")
            elif reading.metric.key not in DERIVED:
                parent[claim.paragraph] = reading.scope
        claim.release = "estimate" if is_estimate(claim.sentence, claim.modality) else (
            "revision" if is_revision(claim.sentence) else "reported")
        if reading is None:
            claim.comparison = None
            continue
        named = None
        if reading.metric.temporal in ("static", "attribute") and (not claim.project or claim.project not in text) \
                and _no_subject(reading) and not BATCH.search(text, sentence_start, q.start):
            named = _named_before(text, q.start, sentence_start, claim.project)
        if t["respectively"].search(reading.clause) or id(claim) in listed or (
                claim.period and _whole_year(claim.period) and t["subyear"].search(DATELINE.sub("", text[sentence_start:q.start]))):
            claim.comparison = None     # one of a list read respectively (分别, or 6.5%、5.3%); a period the extractor widened
            continue
        context[id(claim)] = dict(
            season=season_of(text, q.start, sentence_start) or (title_season if _holiday_span(claim.period) else None),
            daily=t["daily"].search(reading.clause) is not None or t["day"].search(text, sentence_start, q.start) is not None,
            place=None if claim.project else (place_before(text, q.start) or _place_subject(claim.subject) or title_place),
            cumulative=t["cumulative"].search(reading.clause) is not None,
            national=national_story or t["national"].search(DATELINE.sub("", text[:q.start])) is not None,
            basis=reading.basis, named=named)
        claim.comparison = comparison_key(claim, article.published, project_key, **context[id(claim)])
    # a headline's figure without a period restates the body's: 文化企业营收超15万亿元 over
    # 2025年…实现营业收入152135亿元 is the year's figure, not one as of the day of publication
    kinds = {p.index: p.kind for p in article.paragraphs}
    dated = [c for c in claims if c.comparison and c.period and kinds.get(c.paragraph) == "body"]
    for claim in claims:
        if claim.comparison and not claim.period and kinds.get(claim.paragraph) in HEADLINES:
            body = next((c for c in dated if _restates(claim, c)), None)
            if body is not None:
                claim.comparison = comparison_key(dataclasses.replace(claim, period=body.period), article.published,
                                                  project_key, **context[id(claim)])


HEADLINES = ("title", "deck", "heading")
RESTATED = Decimal("0.05")      # a headline rounds the body's figure by at most this share


def _restates(headline, body) -> bool:
    a, b = headline.quantity, body.quantity
    return (headline.metric_key == body.metric_key and canonical_unit(a.unit) == canonical_unit(b.unit)
            and b.value > 0 and abs(a.value - b.value) <= b.value * RESTATED)


def _value_lists(claims, texts) -> set[int]:
    """The claims written as a list of values in one unit (工业增加值、服务业增加值同比增长6.5%、5.3%):
    each is one of several things read respectively, even with no 分别 (2.71万个、499万户 is one
    thing counted two ways)."""
    out = set()
    ordered = sorted(claims, key=lambda c: (c.paragraph, c.quantity.start))
    for a, b in zip(ordered, ordered[1:]):
        text = texts.get(a.paragraph)
        if text is not None and a.paragraph == b.paragraph and b.quantity.start == a.quantity.end + 1 \
                and text[a.quantity.end] in "、和与及" and a.quantity.unit == b.quantity.unit:
            out |= {id(a), id(b)}
    return out


def _holiday_span(period) -> bool:
    return bool(period) and 0 < (period[1] - period[0]).days <= HOLIDAY_DAYS


PREPOSITIONS = "向为给对从往在"
BATCH = re.compile(r"[0-9一二三四五六七八九十百千两]+[多余]?[个项条批座家]")     # 108个重点项目，总投资…: a batch's total


def _no_subject(reading: Reading) -> bool:
    """Whether the figure's clause names nothing before its metric itself: no scope words, or
    only a phrase opened by a preposition (每年可向华中地区输送清洁电能: where to, not what)."""
    if not reading.scope:
        return True
    lead = QUOTE_MARKS.sub("", reading.clause[:reading.phrase_start])
    lead = taxonomy()["noise_start"].sub("", lead)
    return lead[:1] in PREPOSITIONS or reading.scope[0] in PREPOSITIONS


def _named_before(text: str, start: int, sentence_start: int, project: str | None) -> str | None:
    """What a fixed attribute with no subject in its clause is about: the name its sentence opens
    with (南凭高铁连接…，全长约201公里), else the last project the paragraph names before it, else
    the last name another sentence opens with (哈密至重庆±800千伏特高压直流输电线路（甘肃段）成功
    跨越…); a name opened with is one ending in a kind of line or works (name_kinds). None when
    it is a short form of the claim's project or the other way round."""
    opened = [m.group(1) for m in taxonomy()["opening_name"].finditer(text, 0, start)
              if m.group(1)[0] not in NOT_A_NAME and not BATCH.search(m.group(1))]
    own = [m.group(1) for m in taxonomy()["opening_name"].finditer(text, sentence_start, start)
           if m.start(1) == sentence_start and m.group(1) in opened]
    names = find_project_names(text[:start])
    if own:
        name = own[0]
    elif names:
        name = names[-1][2]
    elif opened:
        name = opened[-1]
    else:
        return None
    if project and (abbreviates(name, project) or abbreviates(project, name)):
        return None
    return name


def _place_subject(subject: str | None) -> str | None:
    """The extractor's subject when it is a place by its ending (骆驼湾村, 东莞市), else None."""
    if subject and len(subject) >= 3 and subject.endswith(taxonomy()["place_subject"]):
        return subject
    return None


def _whole_year(period) -> bool:
    start, end = period
    return (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year
