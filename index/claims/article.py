"""The article-level pass: what one paragraph's figures inherit from the paragraphs around them.

Extraction is paragraph-local (index.claims.extract); news is not.
- story topics (before the paragraph pass): the project a story is about, named in its heading
  (or the title) or its first body paragraph; a paragraph that says only 项目, 该路段 or 电站
  resolves to it (index.claims.projects.project_of, rule e).
- release periods (after it): a figure with no time expression of its own, in a paragraph with none, takes
  the period of the figures just before it in the same story (a data release over several
  paragraphs) when it reads as a result of that release (a change, a share, a close: cues in
  data/article_pass.json); a heading starts a new story, a paragraph with its own time words
  stops the carry.
"""
from __future__ import annotations

import functools
import re

from index import lexicon
from index.models import Claim


@functools.cache
def _rules():
    d = lexicon.load_json("article_pass.json")
    return dict(
        result_re=re.compile("|".join(map(re.escape, sorted(d["release_result_cues"], key=len, reverse=True)))),
        level_dims=frozenset(d["release_level_dimensions"]),
        level_units=frozenset(d["release_level_units"]),
    )


def carry_release_periods(claims: list[Claim], kinds: dict[int, str], timed: set[int]) -> None:
    """Give period-less figures of untimed body paragraphs the period of the figures before them."""
    release = None
    last_par = None
    for c in claims:
        kind = kinds.get(c.paragraph, "body")
        if c.paragraph != last_par:
            if kind != "body":
                release = None
            last_par = c.paragraph
        if kind != "body":
            continue
        if c.paragraph in timed:
            if c.period is not None:
                release = c.period
            continue
        if c.period is None and release is not None and _carries(c):
            c.period = release


def _carries(c: Claim) -> bool:
    """A reported result (涨跌, 同比增长, 占比) of no project, stated as done: part of the release."""
    r = _rules()
    q = c.quantity
    return (c.project is None and c.modality == "actual" and q.dimension not in r["level_dims"]
            and q.unit not in r["level_units"] and r["result_re"].search(c.sentence or "") is not None)


def story_topics(paragraphs, names_by_par) -> dict[int, str]:
    """The project each paragraph's story is about: a heading (or the title, before any heading)
    opens a story; its topic is the project named first in the heading, else in the story's first
    body paragraph. A story naming several projects in its first lines has no single topic."""
    out: dict[int, str] = {}
    topic = None
    fresh = True              # no body paragraph of the story read yet
    for p in paragraphs:
        names = [n for _, _, n in names_by_par.get(p.index, [])]
        if p.kind != "body":
            topic = names[0] if len(set(names)) == 1 else None
            fresh = True
            continue
        if fresh and topic is None and len(set(names)) == 1:
            topic = names[0]
        fresh = False
        if topic:
            out[p.index] = topic
    return out
