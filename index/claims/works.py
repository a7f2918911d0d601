"""Named works that carry no 项目/工程 (issue 16): railways and their sections, expressways,
channels, stations, platforms named in quotes. The work types, what makes no name, and the
anaphors that stand for a named work are data (data/work_types.json).

`work_names(text)` returns (start, end, name) spans like index.claims.projects.find_project_names,
which merges them with its own; `anaphor_spans(text)` finds where a sentence says 该路段, 项目 or
电站 instead of the name; `is_section_of(short, long)` says when a longer name is a section of a
work (its own project, not an alias).

A name is a head of proper-noun characters read leftwards from a work type (at most MAX_HEAD,
stopping at punctuation, digits or a stop word), or a route "A至B" before the type, with a
section right after the type (马边至昭觉段); a head is valid when it is not generic, not a region's
whole network (四川高速公路), and holds no verb, comparison, count or date.
"""
from __future__ import annotations

import functools
import re

from index import lexicon
from index.claims.context import alt as _alt

HAN_RE = re.compile(r"[\u4e00-\u9fff]")
DIGITS_RE = re.compile(r"[0-9０-９]")
MAX_HEAD = 8
TIME_RESIDUE = re.compile(r"^[年月日号]+")
COUNT_AFTER = re.compile(r"(?:[0-9.]+|[一二两三四五六七八九十百千]+)(?:余|多)?[个项家座所条处]")
COUNTED_RE = re.compile(r"[一二两三四五六七八九十百千万]+[个座条家县市省区项所批]")


@functools.cache
def _works():
    d = lexicon.load_json("work_types.json")
    types = _alt(d["types"])
    span = r"[\u4e00-\u9fff]{2,5}"
    section = rf"(?:{span}(?:至|到|—|-){span}|[\u4e00-\u9fff]{{2,4}})段"
    return dict(
        type_re=re.compile(rf"(?:{types})+(?:{_alt(d['type_tails'])})?"),
        route_re=re.compile(rf"(?P<a>[\u4e00-\u9fff]{{2,4}})(?:至|到)(?P<b>[\u4e00-\u9fff]{{2,4}}?)的?(?P<t>{types})"),
        section_re=re.compile(section),
        lone_section_re=re.compile(r"(?:^|(?<=[，。、；：,;:\s])|(?<=此次)|(?<=其中))([\u4e00-\u9fff]{2})段"),
        quoted_re=re.compile(rf"[“\"]([^“”\"]{{3,24}}(?:{_alt(d['quoted_types'])}))[”\"]"),
        generic=frozenset(d["generic_heads"]),
        regions=frozenset(d["region_heads"]),
        section_stop=tuple(d["section_stop"]),
        head_stops=tuple(sorted(d["head_stops"], key=len, reverse=True)),
        not_inside=re.compile(_alt(d["not_inside"])),
        descriptor=re.compile("^(?:" + "|".join(d["descriptors"]) + ")"),
        not_before={k: tuple(v) for k, v in d["type_not_before"].items()},
        anaphor_re=re.compile(rf"(?:^|(?<=[，,。；;：:“\s]))(?:{_alt(d['anaphor_openers'])})?(?:{_alt(d['anaphors'])})(?![数个量库])"),
        any_type=re.compile(types),
        blockers=re.compile(_alt(d["name_blockers"])),
    )


def _work_head(text: str, end: int, w) -> int:
    """Where the proper-noun head of a work ending at `end` starts (Han characters only)."""
    i = end
    floor = max(0, end - MAX_HEAD)
    while i > floor and HAN_RE.match(text[i - 1]):
        if any(text.startswith(s, i - len(s)) and i - len(s) >= floor for s in w["head_stops"]):
            break
        i -= 1
    return i


def _stop_section(section: str, w) -> bool:
    """路段, 阶段, 金宁部分路段: no section name."""
    return section in w["section_stop"] or any(section.endswith(x) for x in w["section_stop"] if len(x) >= 3)


def is_section_of(short: str, long: str) -> bool:
    """`long` names a section of the work `short` names (雄忻高铁 -> 雄忻高铁雄安地下段): its own project."""
    return long.endswith("段") and not short.endswith("段")


def _valid_head(head: str, w) -> bool:
    if len(head) < 2 or head in w["generic"] or head in w["regions"]:
        return False
    if w["not_inside"].search(head) or any(head.endswith(g) for g in w["generic"] if len(g) >= 2):
        return False
    if w["any_type"].search(head) or COUNTED_RE.search(head):
        return False             # 忻高铁雄安地下段|隧道: a part of another work; 昭觉三县: a count
    return not DIGITS_RE.search(head)


def work_names(text: str) -> list[tuple[int, int, str]]:
    """Named works without 项目/工程: 乐西高速公路马边至昭觉段, 雄忻高铁, 亚吉铁路, 西部陆海新通道,
    四川成都至青海西宁铁路镇江关至黄胜关段, a section named alone beside them (金宁段), and a
    quoted name of a platform or programme (“酒泉枸杞产业数字化平台”)."""
    w = _works()
    found = []
    for m in w["route_re"].finditer(text):
        s = m.start()
        a = m.group("a")
        stop = next((x for x in w["head_stops"] if a.startswith(x) and len(a) - len(x) >= 2), None)
        if stop:                                  # 新建|成都至自贡铁路
            s, a = s + len(stop), a[len(stop):]
        if not (_valid_head(a, w) and _valid_head(m.group("b"), w)):
            continue
        e = m.end()
        sec = w["section_re"].match(text, e)
        if sec and not _stop_section(sec.group(0), w):
            e = sec.end()
        found.append((s, e, text[s:e]))
    for m in w["type_re"].finditer(text):
        t = m.group(0)
        if any(t.endswith(k) and text.startswith(v, m.end()) for k, v in w["not_before"].items()):
            continue
        s = _work_head(text, m.start(), w)
        head = text[s:m.start()]
        lead = TIME_RESIDUE.match(head)           # 前5月|西部陆海新通道
        if lead:
            s, head = s + lead.end(), head[lead.end():]
        d = w["descriptor"].match(head)
        if d:
            s, head = s + d.end(), head[d.end():]
        if not _valid_head(head, w) or "至" in head or "到" in head:
            continue                              # a route's half: the route reading has it whole
        e = m.end()
        sec = w["section_re"].match(text, e)
        if sec and not _stop_section(sec.group(0), w) and not w["not_inside"].search(sec.group(0)):
            e = sec.end()
        found.append((s, e, text[s:e]))
    if found or w["any_type"].search(text):
        for m in w["lone_section_re"].finditer(text):
            name = m.group(0)
            if _stop_section(name, w) or text.startswith(w["section_stop"], m.start()) \
                    or not _valid_head(name[:-1], w):
                continue
            found.append((m.start(), m.end(), name))
    for m in w["quoted_re"].finditer(text):
        name = m.group(1)
        if not w["not_inside"].search(name.replace("年", "")) and len(name) >= 5:
            found.append((m.start(1), m.end(1), name))
    return found


COUNT_INSIDE = re.compile(r"[0-9０-９一二两三四五六七八九十百千万]+(?:余|多)?[个座条家项批所台处栋套]")


def valid_name(name: str) -> bool:
    """A name from either finder is no project when it holds a count (山西12座变电站), a verb or a
    comparison (李强出席…, 相当于12座三峡水电站)."""
    w = _works()
    return not COUNT_INSIDE.search(name) and not w["blockers"].search(name)


def anaphor_spans(text: str) -> list[tuple[int, int]]:
    """Where a sentence names its project by a bare word (该路段, 项目, 电站)."""
    return [m.span() for m in _works()["anaphor_re"].finditer(text)]
