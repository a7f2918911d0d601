"""What every attribute of a claim reads in its paragraph: sentences, clauses, quotations, and the
paragraph's context (ParagraphContext) built once per paragraph by index.claims.extract.

Also the claim-filter lexicon (data/claim_filters.json), which both the claim-or-not judgement
(extract) and project attribution (projects) read.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index import lexicon
from index.models import Quantity
from index.text import alternation

if TYPE_CHECKING:
    from index.claims.periods import TimeExpr
    from index.claims.speaker import Voice

SENTENCE_END = "。！？；!?;\n"
CLOSERS = "”’」』\"'）)"
CLAUSE_END = "，,、：:" + SENTENCE_END
OPEN_QUOTES = {"“": "”", "「": "」", "『": "』"}
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMERAL_CHARS = "0123456789０１２３４５６７８９.零〇一二两三四五六七八九十百千万亿"



@functools.cache
def claim_filters():
    d = lexicon.load_json("claim_filters.json")
    return dict(
        name_followers=tuple(d["name_followers"]),
        idiom_re=re.compile(alternation(d["idioms"])),
        rank_cue_re=re.compile(rf"(?:{alternation(d['rank_cues'])})$"),
        duration_cue_re=re.compile(rf"(?:{alternation(d['duration_cues'])})[^，。；,;、]{{0,6}}$"),
        duration_after=tuple(d["duration_after_ok"]),
        time_followers=tuple(d["time_followers"]),
        company_re=re.compile(rf"(?:{alternation(d['company_level'])})[^，。；,;]{{0,8}}$"),
        batch_units=frozenset(d["batch_units"]),
        slogan_max=int(d["slogan_max_len"]),
        not_claims=frozenset(d["not_claims"]),
        reference_before=frozenset(d["reference_before"]),
        not_claim_units=frozenset(d.get("not_claim_units", ())),
        occasions=frozenset((u, w) for u, words in d.get("occasion_followers", {}).items() for w in words),
        counting_units=tuple(d.get("counting_units", ())),
        abbreviations=frozenset(d.get("place_abbreviations", "")),
        subject_leads=frozenset(d.get("subject_leads", ())),
    )


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


def inside(pos: int, spans) -> tuple[int, int] | None:
    for s, e in spans:
        if s <= pos < e:
            return s, e
    return None


def clause_start(text: str, pos: int, floor: int) -> int:
    i = pos
    while i > floor and text[i - 1] not in CLAUSE_END:
        i -= 1
    return i


def clause_end(text: str, pos: int, ceil: int) -> int:
    i = pos
    while i < ceil and text[i] not in CLAUSE_END:
        i += 1
    return i


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
    story_topic: str | None = None          # the project of the paragraph's story (index.claims.article)
    article_names: tuple = ()               # every project name of the article, longest forms
    anaphors: list = field(default_factory=list)    # 该项目, 该路段, 目前平台 … spans
    quantities: list[Quantity] = field(default_factory=list)
    published: dt.date | None = None

    def sentence_of(self, pos: int) -> tuple[int, int]:
        starts = [s for s, _ in self.sentences]
        k = max(0, bisect.bisect_right(starts, pos) - 1)
        return self.sentences[k]
