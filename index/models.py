"""The pipeline's data: Article, Paragraph, Quantity, Claim."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

PARAGRAPH_KINDS = ("title", "deck", "heading", "caption", "body")
DIMENSIONS = ("money", "count", "percent", "mass", "rate", "area", "power", "duration", "rank", "other")
BOUNDS = ("exact", "at_least", "at_most", "range")
MODALITIES = ("actual", "plan", "target", "forecast")


def paragraph_id(article_id: str, index: int) -> str:
    """The stable id of an article's `index`-th kept paragraph (a passage in search)."""
    return f"{article_id}-p{index}"


def claim_id(article_id: str, ordinal: int) -> str:
    return f"{article_id}-c{ordinal}"


@dataclass
class Paragraph:
    index: int                 # position among the article's kept paragraphs, from 0
    text: str                  # clean text; claim spans slice this
    kind: str = "body"         # one of PARAGRAPH_KINDS; only "body" counts as a body paragraph


@dataclass
class Article:
    id: str | None
    text: str                                  # the raw text as received
    title: str | None = None
    published: dt.date | None = None           # stated by the client or the page, never guessed
    source: str | None = None                  # outlet
    url: str | None = None
    author: str | None = None
    year: int | None = None                    # the year the text itself establishes when `published` is absent
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def body_count(self) -> int:
        return sum(1 for p in self.paragraphs if p.kind == "body")

    @property
    def reference_date(self) -> dt.date | None:
        """The date relative time expressions (今年, 一季度) resolve against."""
        if self.published:
            return self.published
        return dt.date(self.year, 12, 31) if self.year else None


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as written: 约200亿元, 8.5万吨/年, 10%—15%, 排名第四."""
    raw: str                   # text[start:end]
    start: int
    end: int
    value: Decimal             # plain units (元, not 亿元); the low end of a range
    unit: str                  # as written without magnitude words: 元, 吨/年, %, 个, 月
    dimension: str             # one of DIMENSIONS
    approx: bool = False
    bound: str = "exact"       # one of BOUNDS
    range: tuple[Decimal, Decimal] | None = None


@dataclass
class Claim:
    """A Quantity stated by an article, with what it measures, about whom, when and by whom."""
    paragraph: int             # Paragraph.index of the paragraph it was read from
    quantity: Quantity         # span and raw are relative to that paragraph's text
    sentence: str
    metric: str | None = None
    subject: str | None = None
    project: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    modality: str = "actual"
    speaker: str | None = None
    # set by index.claims.metrics.assign (the facade calls it after extraction)
    metric_key: str | None = None          # canonical metric (index/data/metrics.json)
    scope: str | None = None               # what the metric is about, from the words before it
    release: str = "reported"              # reported | estimate | revision
    comparison: str | None = None          # the quantity it reports: same key, comparable claims
    project_aliases: tuple[str, ...] = ()   # the project's other names in the article (registry only)
