"""Who a figure is quoted from (spec: Conventions, speaker): a named person's quotation, or their
indirect speech after "X介绍/表示/说，" to the end of the paragraph unless another source takes
over. Verbs, titles and non-persons are data (data/speech.json).
"""
from __future__ import annotations

import bisect
import functools
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index import lexicon
from index.claims import hmm
from index.claims.context import HAN
from index.text import alternation

if TYPE_CHECKING:
    from index.claims.context import ParagraphContext
    from index.models import Quantity


@functools.cache
def _speech():
    d = lexicon.load_json("speech.json")
    verbs = alternation(d["verbs"])
    return dict(
        verb_end_re=re.compile(rf"(?:{verbs})(?:道)?[，,：:]?\s*$"),
        verb_after_re=re.compile(rf"(?:{verbs})(?:道)?(?=[。，,：:！!]|$)"),
        indirect_re=re.compile(rf"(?:{verbs})[，,：:](?!\s*[“\"「])"),
        title_re=re.compile(alternation(d["titles"])),
        adverbial_re=re.compile(rf"(?:{alternation(d['adverbial_tail'])})+$"),
        takeover_re=re.compile(alternation(d["takeovers"])),
        not_persons=frozenset(d["not_persons"]),
        org_suffixes=tuple(d.get("org_suffixes", ())),
        forecast_re=re.compile(rf"(?:{alternation(d.get('forecast_verbs', ()))})[，,：:](?!\s*[“\"「])"),
        pronouns=frozenset(d.get("pronouns", ())),
    )


PRONOUN = "\0pronoun"        # _person_before's answer for 他/她: resolved by the caller
LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z\u00C0-\u024F'’.-]+(?:\s+[A-Z][a-z\u00C0-\u024F'’.-]+){1,2}")


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
    if cand in sp["pronouns"]:
        return PRONOUN               # 他表示: the person who spoke last
    latin = [m for m in LATIN_NAME.finditer(cand) if m.end() == len(cand)]
    if latin:
        return latin[-1].group(0)    # …CEO Börje Ekholm, 交易员 Mark Thompson
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
    hmm.install(jieba.posseg)          # the same tags, decoded faster
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
        if who == PRONOUN:
            who = voices[-1].speaker if voices else None
        if who:
            voices.append(Voice(qs, qe, who))
    # X预计，… : a person's forecast is their indirect speech too
    indirect = sorted([*sp["indirect_re"].finditer(text), *sp["forecast_re"].finditer(text)], key=lambda m: m.start())
    for m in indirect:
        who = _person_before(text[max(0, m.start() - 40):m.start()])
        if who == PRONOUN:
            earlier = [v for v in voices if v.start < m.start()]
            who = earlier[-1].speaker if earlier else None
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


def speaker_of(ctx: ParagraphContext, q: Quantity) -> str | None:
    """The person the figure `q` is quoted from: the innermost voice (speech_regions: quotations,
    indirect speech after X表示/说/预计，, 他/她 resolved to the last speaker) holding it, or None."""
    best = None
    for v in ctx.voices:
        if v.start <= q.start < v.end:
            if best is None or v.start >= best.start:
                best = v
    return best.speaker if best else None
