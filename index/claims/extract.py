"""Article -> [Claim]: every numeric claim with its sentence, metric, subject, project, period,
modality and speaker (docs/claims.md says what a claim is). This module is the driver.

Per paragraph: quantities (index.claims.quantities.find_quantities), sentences and quotations
(index.claims.context), speakers (index.claims.speaker), time expressions (index.claims.periods)
and project names (index.claims.projects) are found once; each quantity is then judged (claim or
not, here) and described: project_of (projects), period_of (periods), modality_of (modality),
speaker_of (speaker), metric and subject (here). One odd quantity is logged and skipped, never
raised: the loop survives any paragraph. Cue words live in index/data/*.json.
"""
from __future__ import annotations

import logging
import re

from index.claims import article as article_pass
from index.claims.context import (NUMERAL_CHARS, OPEN_QUOTES, ParagraphContext, claim_filters, clause_end,
                                  clause_start, inside, quote_spans, sentence_spans)
from index.claims.modality import carried_modality, modality_of
from index.claims.periods import Reference, TimeExpr, find_time_expressions, is_deadline, not_a_period, period_of
from index.claims.projects import canonical_names, find_project_names, project_of
from index.claims.works import anaphor_spans
from index.claims.speaker import Voice, _posseg, speaker_of, speech_regions, warm_up  # noqa: F401 - _posseg, warm_up re-exported
from index.models import Article, Claim, Paragraph, Quantity

__all__ = ["extract_claims", "is_claim", "metric_of", "sentence_spans", "subject_of", "warm_up"]

log = logging.getLogger(__name__)

TITLE_MARKS = re.compile(r"《[^《》]{0,80}》")


# ---------------------------------------------------------------- claim or not


def counted_one(text: str, start: int, unit: str) -> bool:
    from index.claims.quantities import counted_one as counted  # noqa: PLC0415 - bound late, like the finder
    return counted(text, start, unit)


def is_claim(text: str, q: Quantity, quotes, titles, idioms) -> bool:
    """Spec "Not claims": names, idioms, slogans, codes, indefinite 一, tiers without unit,
    ranks without 排名, durations used as time."""
    f = claim_filters()
    raw, s, e = q.raw, q.start, q.end
    if not q.unit or not raw:
        return False
    before, after = text[max(0, s - 12):s], text[e:e + 6]
    core = raw.lstrip("约近超逾过不低于到接突破上百")
    if q.dimension == "rank":
        return bool(f["rank_cue_re"].search(before))
    # indefinite 一 (一批, 一个缩影, 一项项) and one-off 一次; 新开工一个项目 counts
    if re.match(r"一(?![\d十百千万亿点.])", core) and q.value == 1 and not counted_one(text, s, q.unit):
        return False
    if q.unit in f["not_claim_units"] or (q.unit, after[:2]) in f["occasions"]:
        return False           # 成立76周年, 95岁生日: an anniversary names an occasion
    if core in f["not_claims"]:
        return False
    if 2 <= q.value <= 5 and raw == core and _abbreviation_run(before, int(q.value), f["abbreviations"]):
        return False           # 中美两个大国, 川渝两地, 京津冀三地: the numeral restates a set phrase
    if before[-1:] and before[-1:] in f["reference_before"] and raw == core and q.dimension != "percent":
        return False           # 这四个字, 第3艘, 每季度一次: a reference, an ordinal, a frequency
    if after.startswith(f["name_followers"]) and not re.match(r"\d", raw[-1:]) \
            and not raw.endswith(f["counting_units"]):
        return False           # 五峰集团, 一百岁集团; not 29个国家, 1万亿元国债
    if after.startswith(("+", "＋")) or before.endswith(("+", "＋")) or re.match(r"\d+(?:[”\"’、，,。）)]|$)", after):
        return False
    if after.startswith("级") and raw[-1:] in NUMERAL_CHARS:
        return False           # 千亿级, 300亿级: a tier label with no unit
    if after.startswith("大") and raw[-1:] in NUMERAL_CHARS:
        return False
    if inside(s, titles):
        return False
    quote = inside(s, quotes)
    if quote and quote[1] - quote[0] - 2 <= f["slogan_max"] and not re.search(r"[，。；,;]", text[quote[0]:quote[1]]):
        return False           # “万人进万企”, “8个1”: a slogan in quotation marks
    for m in idioms:
        if m[0] < e and s < m[1]:
            return False
    if _slogan_cell(text, s, e):
        return False
    if q.dimension == "duration":
        if after.startswith(f["time_followers"]) and not after.startswith(f["duration_after"]):
            return False
        if not (f["duration_cue_re"].search(before) or after.startswith(f["duration_after"])):
            return False
    return True


def _abbreviation_run(before: str, n: int, abbreviations: frozenset) -> bool:
    """The n characters right before the numeral are one-character place names (中美, 京津冀)."""
    run = before[-n:]
    return len(run) == n and all(c in abbreviations for c in run) and \
        (len(before) == n or before[-n - 1] not in abbreviations)


def _slogan_cell(text: str, s: int, e: int) -> bool:
    """一个目标、一体推进、四项行动: a four-character cell among four-character cells."""
    delims = "、，,：:“”\"；;。 \n"
    a = s
    while a > 0 and text[a - 1] not in delims:
        a -= 1
    b = e
    while b < len(text) and text[b] not in delims:
        b += 1
    if b - a > 4 or any(c.isdigit() for c in text[s:e]):
        return False
    neighbours = 0
    if a > 0 and text[a - 1] == "、":
        j = a - 1
        k = j
        while k > 0 and text[k - 1] not in delims:
            k -= 1
        neighbours += 0 < j - k <= 4
    if b < len(text) and text[b] == "、":
        k = b + 1
        j = k
        while j < len(text) and text[j] not in delims:
            j += 1
        neighbours += 0 < j - k <= 4
    return neighbours >= 1


# ---------------------------------------------------------------- metric and subject


METRIC_TRIM = re.compile(r"^(?:其中|全市|全县|全区|全省|共|累计|实现|完成了|取得了|达到|达|为|约|超|已|同比|新增|对|在)+")
METRIC_STOP = re.compile(r"[的了在对把将是为]")


def metric_of(text: str, q: Quantity, clause_start: int, clause_end: int) -> str | None:
    """What the figure measures: the words before it in its clause, else the noun after it."""
    before = text[clause_start:q.start]
    before = re.sub(r"[约近超逾过达为是共计]+$", "", before)
    k = max((m.end() for m in METRIC_STOP.finditer(before)), default=0)
    phrase = METRIC_TRIM.sub("", before[k:])[-12:]
    if len(phrase) >= 2:
        return phrase
    after = text[q.end:clause_end]
    after = re.split(r"[的了在对把将是为，,。；;]", after)[0][:12]
    return after or None


REGION_RE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:自治区|自治州|新区|开发区|省|市|县|区|州|旗|镇|乡)")
ORG_RE = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:集团|有限公司|股份公司|公司)")
NOT_REGION = re.compile(r"^(?:全|各|本|该|我|城|市|县|区|省|全市|各县|园|景|地|社|小)")


def subject_of(text: str, q_start: int, project: str | None, fallback: str | None) -> str | None:
    """Whom the figure is about: its project, else the last region or company named before it."""
    if project:
        return project
    best, pos = None, -1
    for rx in (REGION_RE, ORG_RE):
        for m in rx.finditer(text, 0, q_start):
            name = m.group(0)
            if NOT_REGION.match(name) or m.start() <= pos:
                continue
            best, pos = name, m.start()
    return best or fallback


# ---------------------------------------------------------------- driver


def _paragraph_context(p: Paragraph, ref: Reference, names) -> ParagraphContext:
    text = p.text
    sentences = sentence_spans(text)
    quotes = quote_spans(text)
    titles = [m.span() for m in TITLE_MARKS.finditer(text)]
    try:
        voices = speech_regions(text, sentences, quotes)
    except Exception as err:  # noqa: BLE001 - no speaker beats no claims
        log.debug("speech regions failed in paragraph %s: %s", p.index, err)
        voices = []
    times = [t for t in find_time_expressions(text, ref)
             if not inside(t.start, titles) and not not_a_period(text, t)]
    topic = None
    for s, e, name in names:
        nxt = text[e:e + 1]
        prv = text[s - 1:s] if s else ""
        if nxt in ("、", "等") or prv == "、" or text[e:e + 1] == "和":
            continue
        topic = name
        break
    return ParagraphContext(text, sentences, quotes, titles, voices, times, names, topic,
                            anaphors=anaphor_spans(text))


def _default_finder():
    from index.claims.quantities import find_quantities  # noqa: PLC0415 - parallel module, bound late
    return find_quantities


def extract_claims(article: Article, find_quantities=None) -> list[Claim]:
    """Every numeric claim of `article`, in text order; never raises on article content.

    :param find_quantities: text -> [Quantity]; defaults to index.claims.quantities.find_quantities.
    """
    find = find_quantities or _default_finder()
    try:
        ref = Reference.of(article)
        paragraphs = [p for p in (article.paragraphs or []) if isinstance(getattr(p, "text", None), str)]
    except Exception as err:  # noqa: BLE001
        log.warning("unusable article %r: %s", getattr(article, "id", None), err)
        return []
    names_by_par = {}
    for p in paragraphs:
        try:
            names_by_par[p.index] = find_project_names(p.text)
        except Exception as err:  # noqa: BLE001
            log.debug("project names failed in paragraph %s: %s", p.index, err)
            names_by_par[p.index] = []
    try:
        canon = canonical_names(n for names in names_by_par.values() for _, _, n in names)
    except Exception:  # noqa: BLE001
        canon = {}
    claims: list[Claim] = []
    timed: set[int] = set()
    try:
        stories = article_pass.story_topics(paragraphs, names_by_par)
    except Exception as err:  # noqa: BLE001
        log.debug("story topics failed: %s", err)
        stories = {}
    names = tuple(dict.fromkeys(canon.values()))
    voice = _VoiceCarry()
    for p in paragraphs:
        try:
            claims.extend(_paragraph_claims(p, ref, names_by_par.get(p.index, []), canon, find, timed,
                                            stories.get(p.index), names, voice))
        except Exception as err:  # noqa: BLE001 - one paragraph must not sink the article
            log.warning("paragraph %s of %r skipped: %s", p.index, getattr(article, "id", None), err)
    try:
        _share_restated_periods(claims, {p.index: p.kind for p in paragraphs})
    except Exception as err:  # noqa: BLE001
        log.debug("restatement pass failed: %s", err)
    aliases: dict[str, list[str]] = {}
    for name, longest in canon.items():
        if name != longest:
            aliases.setdefault(longest, []).append(name)
    for c in claims:
        if c.project in aliases:
            c.project_aliases = tuple(aliases[c.project])
    try:
        article_pass.carry_release_periods(claims, {p.index: p.kind for p in paragraphs}, timed)
    except Exception as err:  # noqa: BLE001
        log.debug("release periods failed: %s", err)
    return claims


def _share_restated_periods(claims: list[Claim], kinds: dict[int, str]) -> None:
    """A headline, deck, heading or caption figure and the body figure it restates are one fact:
    one without a period takes the other's (谋划253个项目 <- 全年谋划各类项目253个)."""
    def key(c):
        return (c.quantity.value, c.quantity.unit, c.quantity.bound)
    furniture = [c for c in claims if kinds.get(c.paragraph, "body") != "body"]
    body = [c for c in claims if kinds.get(c.paragraph, "body") == "body"]
    for mine, theirs in ((furniture, body), (body, furniture)):
        by_key: dict = {}
        for c in theirs:
            by_key.setdefault(key(c), []).append(c)
        for c in mine:
            if c.period is not None:
                continue
            same = by_key.get(key(c), [])
            periods = {o.period for o in same if o.period is not None}
            if len(same) == 1 and len(periods) == 1:
                c.period = periods.pop()


class _VoiceCarry:
    """Who was speaking when the previous paragraph ended: a quotation running over several
    paragraphs (“… with no closing mark, then “… again) stays that person's."""

    def __init__(self):
        self.speaker: str | None = None

    def apply(self, p: Paragraph, voices: list) -> list:
        """`voices` of `p` with an unattributed opening quotation given to the carried speaker;
        remembers who, if anyone, is still speaking at the end of `p`."""
        carried, self.speaker = self.speaker, None
        text = p.text or ""
        if p.kind != "body":
            return voices
        if carried and text.startswith(tuple(OPEN_QUOTES)) and not any(v.start == 0 for v in voices):
            quote = quote_spans(text)[0]
            voices = [Voice(quote[0], quote[1], carried), *voices]
        ending = [v for v in voices if v.end >= len(text.rstrip()) - 1]
        self.speaker = ending[-1].speaker if ending else None
        return voices


def _paragraph_claims(p: Paragraph, ref: Reference, names, canon, find, timed: set[int],
                      story_topic: str | None = None, article_names: tuple = (),
                      voice: _VoiceCarry | None = None) -> list[Claim]:
    """The claims of one paragraph; adds its index to `timed` when it has a time expression."""
    text = p.text
    voice = voice or _VoiceCarry()
    quantities = []
    if text and any(c in NUMERAL_CHARS for c in text):
        try:
            quantities = sorted(find(text), key=lambda q: q.start)
        except Exception as err:  # noqa: BLE001
            log.debug("find_quantities failed on paragraph %s: %s", p.index, err)
    if not quantities:
        if text and any(mark in text for mark in OPEN_QUOTES):
            try:
                voice.apply(p, speech_regions(text, sentence_spans(text), quote_spans(text)))
            except Exception:  # noqa: BLE001 - no carried speaker beats no claims
                voice.speaker = None
        else:
            voice.speaker = None
        return []
    ctx = _paragraph_context(p, ref, names)
    ctx.voices = voice.apply(p, ctx.voices)
    ctx.quantities = quantities
    ctx.published = ref.published
    ctx.story_topic = story_topic
    ctx.article_names = article_names
    if ctx.times:
        timed.add(p.index)
    idioms = [m.span() for m in claim_filters()["idiom_re"].finditer(text)]
    out = []
    carry_time: TimeExpr | None = None
    carry_modality: str | None = None
    last_sent = None
    for q in quantities:
        try:
            if not isinstance(q.start, int) or text[q.start:q.end] != q.raw:
                continue
            sent = ctx.sentence_of(q.start)
            if sent != last_sent:
                # what earlier sentences of the paragraph pass on to this one: their last time
                # expression, and across a semicolon their modality cue
                # 目前 after the dates of earlier sentences turns the passage to the present
                prior = [t for t in ctx.times if t.end <= sent[0] and not is_deadline(text, t)]
                carry_time = prior[-1] if prior else None
                carry_modality = carried_modality(ctx, sent)
                last_sent = sent
            if not is_claim(text, q, ctx.quotes, ctx.titles, idioms):
                continue
            clause = (clause_start(text, q.start, sent[0]), clause_end(text, q.end, sent[1]))
            project = project_of(ctx, q, sent)
            period = period_of(ctx, q, sent, project, clause, carry_time)
            modality = modality_of(ctx, q, sent, project, clause, carry_modality)
            project = canon.get(project, project) if project else None
            out.append(Claim(
                paragraph=p.index,
                quantity=q,
                sentence=text[sent[0]:sent[1]].strip(),
                metric=metric_of(text, q, clause[0], clause[1]),
                subject=subject_of(text, q.start, project, None),
                project=project,
                period=period,
                modality=modality,
                speaker=speaker_of(ctx, q),
            ))
        except Exception as err:  # noqa: BLE001 - one odd match must not sink the paragraph
            log.debug("skipped %r in paragraph %s: %s", getattr(q, "raw", q), p.index, err)
    return out
