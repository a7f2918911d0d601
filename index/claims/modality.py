"""Whether a figure is done, planned, targeted or forecast (spec: Conventions, modality): the cue
governing its clause, the outer one winning. Cue words are data (data/modality_cues.json).
"""
from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from index import lexicon
from index.claims.context import inside
from index.text import alternation

if TYPE_CHECKING:
    from index.claims.context import ParagraphContext
    from index.models import Quantity


@functools.cache
def _cues():
    d = lexicon.load_json("modality_cues.json")
    scope = []   # (regex, modality), matched anywhere before the figure
    for modality, words in d["scope"].items():
        scope.append((re.compile(alternation(words)), modality))
    for modality, patterns in d.get("scope_regex", {}).items():
        for p in patterns:
            scope.append((re.compile(p), modality))
    local = []
    duration_only = set(d.get("duration_only", ()))
    for modality, words in d["local"].items():
        local.append((re.compile(rf"(?:{alternation(words)})[^，。；,;]{{0,4}}$"), modality, bool(set(words) & duration_only)))
    for modality, patterns in d.get("local_regex", {}).items():
        for p in patterns:
            local.append((re.compile(p), modality, False))
    return dict(
        scope=scope, local=local,
        output_re=re.compile(rf"(?:{alternation(d['project_output'])})[^，。；,;]{{0,4}}$"),
        later_re=re.compile("|".join(f"(?:{p})" for p in d["project_later"])),
        done_re=re.compile(alternation(d["project_done"])),
        disposal_re=re.compile(rf"[^，。；,;]{{0,20}}?(?:{alternation(d['disposal_after_jiang'])})"),
        reset_re=re.compile(alternation(d["actual_reset"])),
        trailing_plan_re=re.compile(r"[^，。；,;、]{0,10}?(?:计划|拟|即将)"),
        trailing_target_re=re.compile(r"[^。；;]*?(?:目标)"),
        trailing_forecast_re=re.compile(r"[^，,。；;、]{0,10}?预计"),
        effect_re=re.compile(alternation(d.get("effect_verbs", ()))),
        not_after=tuple(d.get("cue_not_after", ())),
        duration_only=tuple(d.get("duration_only", ())),
    )


def _scope_cue(text: str, start: int, end: int, quotes=(), at: int | None = None):
    """The leftmost scope cue in text[start:end] (the outer one wins); a cue inside a quotation
    that does not hold the figure at `at` (“谋划储备一批”) governs nothing outside it."""
    cues = _cues()
    best = None
    for rx, modality in cues["scope"]:
        for m in rx.finditer(text, start, end):
            quote = inside(m.start(), quotes)
            if quote and not (at is not None and quote[0] <= at < quote[1]):
                continue
            if modality == "plan" and m.group(0) == "将" and (
                    cues["disposal_re"].match(text, m.end()) or text[m.end():m.end() + 1] in set("近来军士领帅")):
                continue
            if text.endswith(cues["not_after"], 0, m.start()):
                continue                # 比计划提前9个月: the plan is a comparison base
            if best is None or m.start() < best[0]:
                best = (m.start(), modality, m.end())
            break
    if best is None:
        return None
    return best[0], best[1], best[2]


def modality_of(ctx: ParagraphContext, q: Quantity, sent: tuple[int, int], project: str | None,
                clause: tuple[int, int], carry: str | None) -> str:
    """actual, plan, target or forecast for the figure `q` of sentence `sent` and clause `clause`.

    In order: the leftmost scope cue of the sentence before the figure (the outer one wins;
    目前/已 after it state the present; 将 + an effect is a forecast); a local cue right before it
    in its clause (工期 for durations only); a project's output (年销售收入) is a forecast; a
    project figure followed by a later step (6月开工) is a plan, by a step taken (已竣工) actual;
    trailing 计划/拟 (plan) and 预计 (forecast) in the clause; `carry`, the cue a sentence
    inherits over semicolons; a trailing 目标 in the sentence (target); else actual."""
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
        if modality == "plan" and text[pos:cue_end] == "将" and cues["effect_re"].search(text, cue_end, clause[1]):
            return "forecast"           # 将使…增长2.8%: what will follow, not a step someone takes
        return modality
    for rx, modality, has_schedule in cues["local"]:
        m = rx.search(text, clause[0], q.start)
        if m and has_schedule and q.dimension != "duration" and any(m.group(0).startswith(w) for w in cues["duration_only"]):
            continue                    # 工期缩短20%: a result, not a schedule
        if m:
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
    if cues["trailing_forecast_re"].match(text, q.end):
        return "forecast"
    if carry:
        return carry
    m = cues["trailing_target_re"].match(text, q.end, se)
    if m and not cues["reset_re"].search(text, clause[0], q.start) \
            and not any(rx.search(text, q.end, m.end() - 2) for rx, _ in cues["scope"]):
        return "target"             # …项目500个……定下具体目标, unless a present state or another cue
    return "actual"


def carried_modality(ctx: ParagraphContext, sent: tuple[int, int]) -> str | None:
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
