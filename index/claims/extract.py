"""Article -> [Claim]: every numeric claim with its sentence, metric, subject, project, period,
modality and speaker (docs/claims.md says what a claim is).

Per paragraph: quantities (index.claims.quantities.find_quantities), sentences, quotations and their
speakers, time expressions (index.claims.periods) and project names (index.claims.projects) are found once;
each quantity is then judged (claim or not) and described. One odd quantity is logged and
skipped, never raised: the loop survives any paragraph. Cue words live in index/data/*.json.
"""
from __future__ import annotations

import bisect
import functools
import logging
import re
from dataclasses import dataclass, field

from index import lexicon
from index.models import Article, Claim, Paragraph, Quantity
from index.claims.periods import Period, Reference, TimeExpr, find_time_expressions, period_for_current
from index.claims.projects import canonical_names, find_project_names

log = logging.getLogger(__name__)

SENTENCE_END = "。！？；!?;\n"
CLOSERS = "”’」』\"'）)"
CLAUSE_END = "，,、：:" + SENTENCE_END
OPEN_QUOTES = {"“": "”", "「": "」", "『": "』"}
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMERAL_CHARS = "0123456789０１２３４５６７８９.零〇一二两三四五六七八九十百千万亿"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# ---------------------------------------------------------------- lexicons, compiled once


@functools.cache
def _filters():
    d = lexicon.load_json("claim_filters.json")
    return dict(
        name_followers=tuple(d["name_followers"]),
        idiom_re=re.compile(_alt(d["idioms"])),
        rank_cue_re=re.compile(rf"(?:{_alt(d['rank_cues'])})$"),
        duration_cue_re=re.compile(rf"(?:{_alt(d['duration_cues'])})[^，。；,;、]{{0,6}}$"),
        duration_after=tuple(d["duration_after_ok"]),
        time_followers=tuple(d["time_followers"]),
        company_re=re.compile(rf"(?:{_alt(d['company_level'])})[^，。；,;]{{0,8}}$"),
        batch_units=frozenset(d["batch_units"]),
        slogan_max=int(d["slogan_max_len"]),
        not_claims=frozenset(d["not_claims"]),
        reference_before=frozenset(d["reference_before"]),
        not_claim_units=frozenset(d.get("not_claim_units", ())),
        occasions=frozenset((u, w) for u, words in d.get("occasion_followers", {}).items() for w in words),
        counting_units=tuple(d.get("counting_units", ())),
        abbreviations=frozenset(d.get("place_abbreviations", "")),
    )


@functools.cache
def _cues():
    d = lexicon.load_json("modality_cues.json")
    scope = []   # (regex, modality), matched anywhere before the figure
    for modality, words in d["scope"].items():
        scope.append((re.compile(_alt(words)), modality))
    for modality, patterns in d.get("scope_regex", {}).items():
        for p in patterns:
            scope.append((re.compile(p), modality))
    local = []
    for modality, words in d["local"].items():
        local.append((re.compile(rf"(?:{_alt(words)})[^，。；,;]{{0,4}}$"), modality))
    for modality, patterns in d.get("local_regex", {}).items():
        for p in patterns:
            local.append((re.compile(p), modality))
    return dict(
        scope=scope, local=local,
        output_re=re.compile(rf"(?:{_alt(d['project_output'])})[^，。；,;]{{0,4}}$"),
        later_re=re.compile("|".join(f"(?:{p})" for p in d["project_later"])),
        done_re=re.compile(_alt(d["project_done"])),
        disposal_re=re.compile(rf"[^，。；,;]{{0,20}}?(?:{_alt(d['disposal_after_jiang'])})"),
        reset_re=re.compile(_alt(d["actual_reset"])),
        trailing_plan_re=re.compile(r"[^，。；,;、]{0,10}?(?:计划|拟|即将)"),
        trailing_target_re=re.compile(r"[^。；;]*?(?:目标)"),
    )


@functools.cache
def _speech():
    d = lexicon.load_json("speech.json")
    verbs = _alt(d["verbs"])
    return dict(
        verb_end_re=re.compile(rf"(?:{verbs})(?:道)?[，,：:]?\s*$"),
        verb_after_re=re.compile(rf"(?:{verbs})(?:道)?(?=[。，,：:！!]|$)"),
        indirect_re=re.compile(rf"(?:{verbs})[，,：:](?!\s*[“\"「])"),
        title_re=re.compile(_alt(d["titles"])),
        adverbial_re=re.compile(rf"(?:{_alt(d['adverbial_tail'])})+$"),
        takeover_re=re.compile(_alt(d["takeovers"])),
        not_persons=frozenset(d["not_persons"]),
        org_suffixes=tuple(d.get("org_suffixes", ())),
    )


# ---------------------------------------------------------------- paragraph structure


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as (start, end): split after 。！？；and line ends, closing quotes kept."""
    spans, start, i, n = [], 0, 0, len(text)
    while i < n:
        if text[i] in SENTENCE_END:
            j = i + 1
            while j < n and (text[j] in CLOSERS or text[j] in SENTENCE_END):
                j += 1
            spans.append((start, j))
            start = i = j
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return spans or [(0, n)]


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Quotations as (start, end) including the marks; an unclosed one runs to the end."""
    out, i, n = [], 0, len(text)
    while i < n:
        close = OPEN_QUOTES.get(text[i])
        if close:
            j = text.find(close, i + 1)
            j = n if j < 0 else j + 1
            out.append((i, j))
            i = j
            continue
        i += 1
    return out


def _person_before(chunk: str) -> str | None:
    """The person named at the end of an attribution chunk (…总经理张茂对记者 -> 张茂)."""
    sp = _speech()
    chunk = re.split(r"[，,。；;：:！!？?“”\"]", chunk)[-1]
    chunk = sp["adverbial_re"].sub("", chunk)
    # 信心十足地 / 激动地: drop an adverbial ending in 地
    k = chunk.rfind("地")
    if k > 0 and len(chunk) - k <= 1:
        chunk = chunk[:k]
    titles = list(sp["title_re"].finditer(chunk))
    cand = chunk[titles[-1].end():] if titles else chunk
    cand = cand.strip()
    if cand.endswith(sp["org_suffixes"]) and not titles:
        return None            # 国资委提到: an organisation speaks, no person
    if 2 <= len(cand) <= 3 and HAN.fullmatch(cand[0]) and cand not in sp["not_persons"] and all(HAN.match(c) for c in cand):
        return cand
    return _jieba_person(cand if titles else chunk)


@functools.cache
def warm_up() -> None:
    """Load jieba's tagger (speakers' names) now rather than on the first quotation (~1 s)."""
    _posseg().lcut("张茂说")


def _posseg():
    import jieba.posseg  # noqa: PLC0415 - loaded only when an attribution needs it
    jieba_logger = logging.getLogger("jieba")
    jieba_logger.setLevel(logging.WARNING)
    return jieba.posseg


@functools.lru_cache(maxsize=4096)      # one answer per chunk: 他, 大家, 据, 乌克兰方面 recur
def _jieba_person(chunk: str) -> str | None:
    if not chunk or len(chunk) > 30:
        return None
    try:
        words = list(_posseg().cut(chunk))
    except Exception:  # noqa: BLE001 - a tagger hiccup means no speaker, not a failure
        return None
    names = [w.word for w in words if w.flag == "nr" and 2 <= len(w.word) <= 4]
    if names and names[-1] not in _speech()["not_persons"]:
        return names[-1]
    return None


@dataclass
class Voice:
    start: int
    end: int
    speaker: str


def speech_regions(text: str, sentences, quotes) -> list[Voice]:
    """Stretches of the paragraph a named person speaks: their quotations, and indirect speech
    after "X介绍/表示/说，" to the paragraph end unless another source takes over."""
    sp = _speech()
    voices: list[Voice] = []
    starts = [s for s, _ in sentences]
    for qs, qe in quotes:
        who = None
        before = text[max(0, qs - 40):qs]
        if sp["verb_end_re"].search(before):
            m = sp["verb_end_re"].search(before)
            who = _person_before(before[: m.start()])
        if who is None:
            # attribution after the quotation, up to the end of its sentence
            k = bisect.bisect_right(starts, qe - 1) - 1
            s_end = sentences[k][1] if k >= 0 else len(text)
            if s_end <= qe:
                nxt = [e for s, e in sentences if s >= qe]
                s_end = nxt[0] if nxt else len(text)
            after = text[qe:min(s_end, qe + 60)]
            m = sp["verb_after_re"].search(after)
            if m and not re.search(r"[“「]", after[: m.start()]):
                who = _person_before(after[: m.start()])
        if who:
            voices.append(Voice(qs, qe, who))
    for m in sp["indirect_re"].finditer(text):
        who = _person_before(text[max(0, m.start() - 40):m.start()])
        if not who:
            continue
        end = len(text)
        t = sp["takeover_re"].search(text, m.end())
        if t:
            end = t.start()
        for qs, qe in quotes:      # another quotation takes over
            if qs >= m.end() and not any(v.start == qs for v in voices if v.speaker == who):
                end = min(end, qs)
                break
        voices.append(Voice(m.end(), end, who))
    return voices


# ---------------------------------------------------------------- claim or not


def _inside(pos: int, spans) -> tuple[int, int] | None:
    for s, e in spans:
        if s <= pos < e:
            return s, e
    return None


def counted_one(text: str, start: int, unit: str) -> bool:
    from index.claims.quantities import counted_one as counted  # noqa: PLC0415 - bound late, like the finder
    return counted(text, start, unit)


def is_claim(text: str, q: Quantity, quotes, titles, idioms) -> bool:
    """Spec "Not claims": names, idioms, slogans, codes, indefinite 一, tiers without unit,
    ranks without 排名, durations used as time."""
    f = _filters()
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
    if _inside(s, titles):
        return False
    quote = _inside(s, quotes)
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


# ---------------------------------------------------------------- attributes


def _clause_start(text: str, pos: int, floor: int) -> int:
    i = pos
    while i > floor and text[i - 1] not in CLAUSE_END:
        i -= 1
    return i


def _clause_end(text: str, pos: int, ceil: int) -> int:
    i = pos
    while i < ceil and text[i] not in CLAUSE_END:
        i += 1
    return i


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


# ---------------------------------------------------------------- paragraph context


@dataclass
class ParagraphContext:
    text: str
    sentences: list[tuple[int, int]]
    quotes: list[tuple[int, int]]
    titles: list[tuple[int, int]]
    voices: list[Voice]
    times: list[TimeExpr]
    names: list[tuple[int, int, str]]
    topic: str | None
    quantities: list[Quantity] = field(default_factory=list)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        starts = [s for s, _ in self.sentences]
        k = max(0, bisect.bisect_right(starts, pos) - 1)
        return self.sentences[k]


TITLE_MARKS = re.compile(r"《[^《》]{0,80}》")
ANAPHOR_RE = re.compile(r"(?:^|[，,。；;：:“\s])(?:该|本|此|这个|整个|这一)?(?:一期|二期|三期|四期|首期)?(?:项目|工程)(?![数个量库])")
BATCH_AFTER = re.compile(r"[^，。；,;]{0,14}?(?:项目|工程)")
BATCH_BEFORE = re.compile(r"(?:项目|工程)[^，。；,;、]{0,2}$")
OWN_TOTAL = re.compile(r"(?<!完成)(?<!年度)(?<!当年)(?:总投资|投资总额|投资额|投资|占地面积|占地|建筑面积|总建筑面积|装机容量|装机规模|装机|产能|规模)(?:约为|约|达到|达|为|超过|超|近)?$")
CARRIED_DIMS = frozenset({"money", "count", "percent", "rank"})   # results, not levels or sizes
UNTIL_WORDS = ("截至", "截止")
CARRIED_UNITS = frozenset({"倍"})                                 # 增长4.7倍 is a result too
CAPACITY_DIMS = frozenset({"mass", "rate", "power", "area"})
CAPACITY_UNITS = frozenset({"头", "只", "羽", "吨", "千瓦", "兆瓦", "万千瓦"})
NAME_CONNECT = re.compile(r"^(?:的)?(?:当年|今年|累计|计划|已|一期|二期)?(?:完成|实际|计划|总)?(?:投资|投资额|总投资|占地|占地面积|建筑面积|装机|装机容量|产能|年产能|年产)?(?:约为|约|达到|达|为|超过|超|近)?$")


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


def _not_a_period(text: str, t: TimeExpr) -> bool:
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


def _deadline(text: str, t: TimeExpr) -> bool:
    """6月底前, 年底之前: a deadline, which passes no period on to later sentences."""
    return text.startswith(_time_roles()["deadline_after"], t.end)


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
             if not _inside(t.start, titles) and not _not_a_period(text, t)]
    topic = None
    for s, e, name in names:
        nxt = text[e:e + 1]
        prv = text[s - 1:s] if s else ""
        if nxt in ("、", "等") or prv == "、" or text[e:e + 1] == "和":
            continue
        topic = name
        break
    return ParagraphContext(text, sentences, quotes, titles, voices, times, names, topic)


# ---------------------------------------------------------------- project


def project_of(ctx: ParagraphContext, q: Quantity, sent: tuple[int, int]) -> str | None:
    text = ctx.text
    f = _filters()
    ss, se = sent
    for s, e, name in ctx.names:            # a. inside the name (康泰三期8.5万吨/年…项目)
        if s <= q.start and q.end <= e:
            return name
    # batch counts: 20个重点项目, 重点项目101个 count projects, they belong to none
    if q.unit in f["batch_units"] and (BATCH_AFTER.match(text, q.end) or BATCH_BEFORE.search(text, ss, q.start)):
        return None
    for s, e, name in ctx.names:            # b. 投资109亿元的清原抽水蓄能电站项目
        if q.end <= s <= q.end + 1 and text[q.end:s] in ("", "的"):
            return name
    clause_start = _clause_start(text, q.start, ss)
    if f["company_re"].search(text, clause_start, q.start):
        return None                         # 抚顺特钢目前年产2万吨: the company's, not the project's
    for s, e, name in ctx.names:            # c. 清原抽蓄一期当年完成投资10亿元
        if clause_start <= s and e <= q.start and NAME_CONNECT.match(text[e:q.start]):
            return name
    # d. the sentence is about a project named at its start
    first = [(s, e, n) for s, e, n in ctx.names if ss <= s < q.start]
    if first:
        s, e, name = first[0]
        lead = text[ss:s]
        listed = text[e:e + 1] in ("、", "等", "和") or text[s - 1:s] == "、"
        if not listed and (not lead or re.fullmatch(r"[^，,。；;]{0,14}[，,]|[^，,。；;]{0,3}(?:投资|总投资)[^，,。；;]{0,12}的|[“\"]", lead)):
            return name
    # e. 项目总投资51亿元 / 该项目 / 工程总体进度: the paragraph's project
    if ctx.topic and ANAPHOR_RE.search(text, max(0, ss - 1), q.start):
        return ctx.topic
    return None


# ---------------------------------------------------------------- period


def _resolve_time(ctx: ParagraphContext, t: TimeExpr) -> Period | None:
    if t.kind == "current":
        return period_for_current(ctx.times, t.start)
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


# ---------------------------------------------------------------- modality


def _scope_cue(text: str, start: int, end: int, quotes=(), at: int | None = None):
    """The leftmost scope cue in text[start:end] (the outer one wins); a cue inside a quotation
    that does not hold the figure at `at` (“谋划储备一批”) governs nothing outside it."""
    cues = _cues()
    best = None
    for rx, modality in cues["scope"]:
        for m in rx.finditer(text, start, end):
            quote = _inside(m.start(), quotes)
            if quote and not (at is not None and quote[0] <= at < quote[1]):
                continue
            if modality == "plan" and m.group(0) == "将" and (
                    cues["disposal_re"].match(text, m.end()) or text[m.end():m.end() + 1] in set("近来军士领帅")):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), modality, m.end())
            break
    if best is None:
        return None
    return best[0], best[1], best[2]


def modality_of(ctx: ParagraphContext, q: Quantity, sent: tuple[int, int], project: str | None,
                clause: tuple[int, int], carry: str | None) -> str:
    text = ctx.text
    cues = _cues()
    ss, se = sent
    cue = _scope_cue(text, ss, q.start, ctx.quotes, q.start)
    if cue and q.dimension == "rank" and cue[1] == "plan":
        cue = None                      # 年度计划投资排名第三: a standing is a fact
    if cue:
        pos, modality, cue_end = cue
        # 目前年产2万吨 after 建成后: the present state is stated as fact
        if cues["reset_re"].search(text, max(cue_end, clause[0]), q.start) and modality != "target":
            return "actual"
        return modality
    for rx, modality in cues["local"]:
        if rx.search(text, clause[0], q.start):
            return modality
    if project and cues["output_re"].search(text, clause[0], q.start):
        return "forecast"
    if project:
        rest = text[q.end:se]
        later = cues["later_re"].search(rest)
        done = cues["done_re"].search(rest)
        if later and (not done or later.start() < done.start()):
            return "plan"
        if done:
            return "actual"
    if cues["trailing_plan_re"].match(text, q.end):
        return "plan"
    if carry:
        return carry
    if cues["trailing_target_re"].match(text, q.end, se):
        return "target"
    return "actual"


# ---------------------------------------------------------------- speaker


def speaker_of(ctx: ParagraphContext, q: Quantity) -> str | None:
    best = None
    for v in ctx.voices:
        if v.start <= q.start < v.end:
            if best is None or v.start >= best.start:
                best = v
    return best.speaker if best else None


# ---------------------------------------------------------------- driver


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
    for p in paragraphs:
        try:
            claims.extend(_paragraph_claims(p, ref, names_by_par.get(p.index, []), canon, find))
        except Exception as err:  # noqa: BLE001 - one paragraph must not sink the article
            log.warning("paragraph %s of %r skipped: %s", p.index, getattr(article, "id", None), err)
    try:
        _share_restated_periods(claims, {p.index: p.kind for p in paragraphs})
    except Exception as err:  # noqa: BLE001
        log.debug("restatement pass failed: %s", err)
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


def _carried_modality(ctx: ParagraphContext, sent: tuple[int, int]) -> str | None:
    """The scope cue a sentence inherits over semicolons (计划实施…；推进…；对…12条)."""
    k = ctx.sentences.index(sent) if sent in ctx.sentences else 0
    if any(sent[0] <= t.start < sent[1] for t in ctx.times if t.kind != "current"):
        return None
    while k > 0:
        s0, e0 = ctx.sentences[k - 1]
        if ctx.text[e0 - 1:e0] not in "；;":
            return None
        cue = _scope_cue(ctx.text, s0, e0, ctx.quotes)
        if cue:
            return cue[1]
        k -= 1
    return None


def _paragraph_claims(p: Paragraph, ref: Reference, names, canon, find) -> list[Claim]:
    text = p.text
    if not text or not any(c in NUMERAL_CHARS for c in text):
        return []
    try:
        quantities = sorted(find(text), key=lambda q: q.start)
    except Exception as err:  # noqa: BLE001
        log.debug("find_quantities failed on paragraph %s: %s", p.index, err)
        return []
    if not quantities:
        return []
    ctx = _paragraph_context(p, ref, names)
    ctx.quantities = quantities
    idioms = [m.span() for m in _filters()["idiom_re"].finditer(text)]
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
                prior = [t for t in ctx.times if t.end <= sent[0] and not _deadline(text, t)]
                carry_time = prior[-1] if prior else None
                carry_modality = _carried_modality(ctx, sent)
                last_sent = sent
            if not is_claim(text, q, ctx.quotes, ctx.titles, idioms):
                continue
            clause = (_clause_start(text, q.start, sent[0]), _clause_end(text, q.end, sent[1]))
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
