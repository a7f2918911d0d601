"""Named projects in a paragraph, and the longest form of a name within one article.

`find_project_names(text)` returns `(start, end, name)` spans, in order, without overlaps:
- a name that ends in a project suffix (项目, 工程, 电站, 生产线 … from data/project_names.json),
  read leftwards until punctuation or a word a name never starts after (的, 和, 推动 …);
- a project named by description after its investment (投资3亿元的宏伟集团年4000万只鸡宰杀…等项目);
- the items of a list closed by 等…项目 (推动A、B等项目竣工投产).
Generic phrases (重点项目, 开复工项目, 4个万亿级产业基地) and batches (101个石化项目) are not names.

`canonical_names(names)` maps every name of an article to its longest form (清原抽蓄一期 ->
清原抽水蓄能电站项目), folding phases (一期, 二期) into the project.
"""
from __future__ import annotations

import functools
import re

from typing import TYPE_CHECKING

from index import lexicon
from index.claims.context import claim_filters, clause_start
from index.claims.works import (COUNT_AFTER, boundary_in_word, counted, descriptor_end, is_section_of, name_start,
                                valid_name, word_goes_on, work_names)
from index.text import alternation

if TYPE_CHECKING:
    from index.claims.context import ParagraphContext
    from index.models import Quantity

PUNCT = set("，,。、；;：:！!？?“”\"‘’'《》〈〉()（）[]【】 \t\n\r　—…·|")
MAX_NAME = 40
NUMERAL = "0-9０-９.零〇一二两三四五六七八九十百千万亿"



@functools.cache
def _tables():
    data = lexicon.load_json("project_names.json")
    suffixes = sorted(set(data["suffixes"]), key=len, reverse=True)
    phases = data["phases"]
    suffix_re = re.compile(rf"(?:{alternation(suffixes)})(?:(?:{alternation(phases)})?(?:{alternation(suffixes)}))*")
    phase_re = re.compile(alternation(phases))
    boundaries = tuple(sorted(set(data["left_boundaries"]) | set(data["breakers"]), key=len, reverse=True))
    generic_re = re.compile(rf"(?:{alternation(data['generic'] + data['suffixes'] + phases)}|[{NUMERAL}]|[个项家条批亿万元以上下级])+")
    status_re = re.compile(rf"(?:{alternation(data['status_generic'])}|[{NUMERAL}]|[个项家条批亿万元以上下])+")
    invest_re = re.compile(rf"(?:总投资|投资|计划投资)(?:额)?(?:约|达|为|超|近)?[{NUMERAL}]+(?:余|多)?(?:万|亿)?元(?:以上|左右)?的")
    list_end_re = re.compile(rf"等(?:[^，。；、,;]{{0,14}}?)(?:{alternation(['项目', '工程'])})")
    batch_start_re = re.compile(rf"^(?:[{NUMERAL}]+(?:余|多)?[个项家条批座处]|全省|全市|全县|全区|各|多|一批|这些|此类|上述)")
    count_inside_re = re.compile(rf"[{NUMERAL}]+(?:余|多)?[个项家批](?![{NUMERAL}])")
    threshold_re = re.compile(r"以上|以下|及以上|亿元|万元")
    list_verbs = tuple(sorted(set(data["list_verbs"]), key=len, reverse=True))
    weak = tuple(data.get("weak_suffixes", ()))
    list_stops = frozenset(list_verbs) | {"的", "在", "对"}
    return dict(boundary_set=frozenset(boundaries), word_boundaries=frozenset(data["word_boundaries"]),
                suffix_not_before=tuple(data["suffix_not_before"]), boundary_lengths=tuple(sorted({len(b) for b in boundaries})),
                list_stop_set=list_stops, list_verb_set=frozenset(list_verbs),
                list_stop_lengths=tuple(sorted({len(w) for w in list_stops})),
                suffix_re=suffix_re, phase_re=phase_re, boundaries=boundaries, generic_re=generic_re,
                invest_re=invest_re, status_re=status_re, list_end_re=list_end_re, batch_start_re=batch_start_re,
                count_inside_re=count_inside_re, threshold_re=threshold_re, list_verbs=list_verbs,
                phases=tuple(phases), weak=weak, single_verbs=set(data["single_verbs"]),
                company=re.compile(alternation(data["company_markers"])),
                region_only=re.compile(r"[\u4e00-\u9fff]{1,4}?(?:省|市|县|区|镇|乡)(?:委|政府)?"))


def _ends_with_any(text: str, i: int, words: frozenset, lengths: tuple[int, ...]) -> bool:
    return any(i >= n and text[i - n:i] in words for n in lengths)


def _left_start(text: str, end: int, limit: int, t) -> int:
    """Scan left from `end` to where a name starts: punctuation or a boundary word."""
    i = end
    floor = max(limit, end - MAX_NAME)
    words, lengths = t["boundary_set"], t["boundary_lengths"]
    while i > floor:
        if text[i - 1] in PUNCT or (_ends_with_any(text, i, words, lengths)
                                    and not (text[i - 1] in t["word_boundaries"] and boundary_in_word(text, i))):
            break
        i -= 1
    return i


def _valid(name: str, t, suffix_len: int = 0, min_rest: int = 2, described: bool = False) -> bool:
    core = name[: len(name) - suffix_len] if suffix_len else name
    if len(name) < 3 or len(name) > MAX_NAME or len(core) < 2:
        return False
    if t["batch_start_re"].search(name) or t["threshold_re"].search(name):
        return False
    if t["count_inside_re"].search(name):
        return False
    if described:
        # named by description (投资10亿元的国家现代农业产业园, a list item): sector words count
        return not t["status_re"].fullmatch(name) and len(t["status_re"].sub("", name)) >= 3
    if t["generic_re"].fullmatch(core):
        return False
    # a name must carry at least two non-generic characters (a place, a firm, a product)
    rest = t["generic_re"].sub("", core)
    if len(rest) < min_rest or t["region_only"].fullmatch(core) or t["region_only"].fullmatch(rest):
        return False
    # 大抓项目, 建项目: a verb right before the (generic) tail makes a verb phrase
    tail = core
    while True:
        m = t["generic_re"].search(tail)
        if m and m.end() == len(tail) and m.start() > 0:
            tail = tail[: m.start()]
        else:
            break
    return tail[-1:] not in t["single_verbs"]


def find_project_names(text: str) -> list[tuple[int, int, str]]:
    """Named projects in `text` as (start, end, name), in text order, not overlapping."""
    if not text:
        return []
    t = _tables()
    found: list[tuple[int, int, str]] = []

    # 1. 投资X的NAME: the name runs to a suffix, a phase, 等, or punctuation
    for m in t["invest_re"].finditer(text):
        s = m.end()
        e = s
        limit = min(len(text), s + MAX_NAME)
        while e < limit and text[e] not in PUNCT and text[e] != "等":
            sm = t["suffix_re"].match(text, e)
            if sm:
                e = sm.end()
                pm = t["phase_re"].match(text, e)
                if pm:
                    e = pm.end()
                break
            pm = t["phase_re"].match(text, e)
            if pm and e > s + 1:
                e = pm.end()
                break
            if text.startswith(("和投资", "与投资", "以及", "和总投资"), e):
                break
            e += 1
        name = text[s:e]
        if _valid(name, t, described=True):
            found.append((s, e, name))

    # 2. suffix names, read leftwards
    for m in t["suffix_re"].finditer(text):
        e = m.end()
        pm = t["phase_re"].match(text, e)
        if pm:
            e = pm.end()
        elif word_goes_on(text, e, m.group(0)) or text.startswith(t["suffix_not_before"], e):
            continue                      # 汽车工程|系, 雷诺集团中国工程|副总裁: no project ends there
        s = _left_start(text, m.start(), 0, t)
        name = text[s:e]
        weak = not t["suffix_re"].fullmatch(text, m.start(), m.end()) or m.group(0).endswith(t["weak"])
        if weak and not t["company"].search(name):
            continue
        if _valid(name, t, e - m.start(), min_rest=3):
            found.append((s, e, name))

    # 3. list items closed by 等…项目
    for m in t["list_end_re"].finditer(text):
        j = m.start()
        items = []
        while True:
            s = _left_start_list(text, j, t)
            items.append((s, j))
            if s > 0 and text[s - 1] == "、":
                j = s - 1
                continue
            break
        if len(items) < 2 and not (items and _after_list_verb(text, items[-1][0], t)):
            continue
        for s, e in items:
            name = text[s:e]
            if _valid(name, t, described=True):
                found.append((s, e, name))

    works = [(s, e, n) for s, e, n in work_names(text)
             if valid_name(n) and not COUNT_AFTER.match(text, e) and not counted(text, s)]
    return _dedupe(_refined(text, found, t) + works)


def _suffix_len(name: str, t) -> int:
    ends = [m for m in t["suffix_re"].finditer(name) if m.end() == len(name)]
    return len(ends[0].group(0)) if ends else 0


def _refined(text: str, found, t) -> list[tuple[int, int, str]]:
    """Names as the reader would write them: what was read before the name proper dropped
    (介绍|中国载人航天工程, 我国|离岸…), then checked (no count, verb, event or description);
    a category being counted (运营管理项目220余个) is no name."""
    out = []
    for s, e, name in found:
        if COUNT_AFTER.match(text, e):
            continue
        d = descriptor_end(name, name_start(name))
        s, name = s + d, name[d:]
        if len(name) < 3 or not valid_name(name) or not _valid(name, t, described=True) or counted(text, s):
            continue
        if d and not _valid(name, t, _suffix_len(name, t), min_rest=2):
            continue                      # 投运|新型储能项目: nothing proper is left
        out.append((s, e, name))
    return out


def _left_start_list(text: str, end: int, t) -> int:
    """Start of one list item ending at `end`: punctuation, 、, or a list verb."""
    i = end
    floor = max(0, end - MAX_NAME)
    while i > floor:
        ch = text[i - 1]
        if ch in PUNCT:
            break
        if _ends_with_any(text, i, t["list_stop_set"], t["list_stop_lengths"]):
            break
        i -= 1
    return i


def _after_list_verb(text: str, start: int, t) -> bool:
    return _ends_with_any(text, start, t["list_verb_set"], t["list_stop_lengths"])


def _dedupe(found):
    """Keep the longest of overlapping spans; text order."""
    found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[tuple[int, int, str]] = []
    for s, e, name in sorted(found, key=lambda x: -(x[1] - x[0])):
        if all(e <= s2 or s >= e2 for s2, e2, _ in out):
            out.append((s, e, name))
    return sorted(out)


def base_name(name: str) -> str:
    """The name without trailing phase and 项目 (清原抽蓄一期 -> 清原抽蓄)."""
    t = _tables()
    prev = None
    while prev != name:
        prev = name
        name = name.removesuffix("项目").removesuffix("建设")
        for p in t["phases"]:
            name = name.removesuffix(p)
    return name


def _strip_phase(name: str) -> str:
    for p in _tables()["phases"]:
        if name.endswith(p):
            return name[: -len(p)]
    return name


def _abbreviates(short: str, long: str) -> bool:
    """短名 is an abbreviation of the long name: same first two characters, characters in order."""
    if len(short) < 4 or short[:2] != long[:2]:
        return False
    it = iter(long)
    return all(ch in it for ch in short)


SECTION_END = re.compile(r"(?:至|到)[\u4e00-\u9fff]{2,5}段$")


def canonical_names(names) -> dict[str, str]:
    """Map each name to the longest name of the same project in the article; two names ending in
    the same section between two places are one project (川青铁路镇江关至黄胜关段 ->
    四川成都至青海西宁铁路镇江关至黄胜关段)."""
    names = list(dict.fromkeys(n for n in names if n))
    out = {}
    for n in names:
        b = base_name(n)
        best = n
        folded = _strip_phase(n)
        if folded != n and len(base_name(folded)) >= 3:
            best = folded                # 宽甸矿泉水项目一期 -> 宽甸矿泉水项目
        if len(b) >= 3:
            for other in names:
                ob = base_name(other)
                if other == n or _strip_phase(other) != other or len(other) <= len(best) \
                        or is_section_of(n, other):
                    continue
                if b in ob or _abbreviates(b, ob):
                    best = other
        section = SECTION_END.search(n)
        if section and section.start() >= 2:
            ends = n[section.start() - 2:]          # 雅安至林芝段: two characters of the first place
            for other in names:
                if len(other) > len(best) and other.endswith(ends) and len(ends) < len(n):
                    best = other
        out[n] = best
    return out



# ---------------------------------------------------------------- which project a figure belongs to

BATCH_AFTER = re.compile(r"[^，。；,;]{0,14}?(?:项目|工程)")
BATCH_BEFORE = re.compile(r"(?:项目|工程)[^，。；,;、]{0,2}$")
NAME_CONNECT = re.compile(r"^(?:的)?(?:当年|今年|累计|计划|已|一期|二期)?(?:完成|实际|计划|总)?(?:投资|投资额|总投资|占地|占地面积|建筑面积|装机|装机容量|产能|年产能|年产)?(?:约为|约|达到|达|为|超过|超|近)?$")


def project_of(ctx: ParagraphContext, q: Quantity, sent: tuple[int, int]) -> str | None:
    """The named project the figure `q` of sentence `sent` belongs to, as written, or None.

    a. inside a name (康泰三期8.5万吨/年…项目); counts of a batch (20个重点项目) belong to none;
    b. right before a name (投资109亿元的…项目); company-level figures (抚顺特钢目前年产) to none;
    c. a name before it in its clause, joined by 总投资/装机/…; d. the name opening the sentence;
    d2. the last name opening a clause before it (在/借助 X…，…) or its apposition (A——B);
    e. an anaphor before it (项目, 该路段, 目前平台: data/work_types.json) -> the paragraph's
       project, else its story's (index.claims.article.story_topics);
    f. a route A至B in its clause -> the one article name holding or abbreviating both ends.
    The caller maps the name to its longest form in the article (canonical_names)."""
    text = ctx.text
    f = claim_filters()
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
    c0 = clause_start(text, q.start, ss)
    if f["company_re"].search(text, c0, q.start):
        return None                         # 抚顺特钢目前年产2万吨: the company's, not the project's
    for s, e, name in ctx.names:            # c. 清原抽蓄一期当年完成投资10亿元
        if c0 <= s and e <= q.start and NAME_CONNECT.match(text[e:q.start]):
            return name
    # d. the sentence is about a project named at its start
    first = [(s, e, n) for s, e, n in ctx.names if ss <= s < q.start]
    if first:
        s, e, name = first[0]
        lead = text[ss:s]
        if not _listed(text, s, e) and (not lead or re.fullmatch(r"[^，,。；;]{0,14}[，,]|[^，,。；;]{0,3}(?:投资|总投资)[^，,。；;]{0,12}的|[“\"]", lead)
                                        or TIME_LEAD.fullmatch(lead)):
            return name
    # d2. a later clause opens with the project (…，几内亚博法项目作为…，2025年…增长55.3%;
    # 借助亚吉铁路的畅通运行，…13个): it holds the rest of the sentence
    subject = _clause_subject(text, ctx.names, ss, q.start)
    if subject:
        return subject
    # e. 项目总投资51亿元 / 该项目 / 该路段 / 目前平台: the paragraph's project, else its story's
    topic = ctx.topic or ctx.story_topic
    if topic and any(ss <= a < q.start for a, _ in ctx.anaphors):
        return topic
    # f. 金阳至宁南从4小时缩至2.5小时: a route whose ends name a section of the article (金宁段)
    return route_project(text[c0:q.start], ctx.article_names)


ROUTE = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:至|到)([\u4e00-\u9fff]{2,4}?)(?=的|从|由|[\u4e00-\u9fff]{0,4}(?:从|由|车程|行车|通行|时间))")
TIME_LEAD = re.compile(r"[今去明前后全上下半本当0-9一二三四五六七八九十个年月日季度]{1,6}")


def route_project(clause: str, names) -> str | None:
    """The project a route "A至B" stands for: the one name holding both ends (马边至昭觉段), or a
    section abbreviating them (宁南至攀枝花 -> 宁攀段); None when no single name fits."""
    m = ROUTE.search(clause)
    if not m or not names:
        return None
    a, b = m.groups()
    fits = set()
    for name in names:
        if a in name and b in name:
            fits.add(name)
        elif name.endswith("段") and len(name) >= 3 and name[-3:-1] in (a[0] + b[0], b[0] + a[0]):
            fits.add(name)
    return fits.pop() if len(fits) == 1 else None


def _listed(text: str, s: int, e: int) -> bool:
    return text[e:e + 1] in ("、", "等", "和") or text[s - 1:s] == "、"


def _clause_subject(text: str, names, ss: int, q_start: int) -> str | None:
    """The last project before the figure in its sentence that opens a clause (after 在/借助/随着
    at most), or follows another such name as its apposition (A——B): not one of a list."""
    best = None
    prev_end = None
    for s, e, name in names:
        if not (ss <= s and e <= q_start) or _listed(text, s, e):
            continue
        lead = text[clause_start(text, s, ss):s]
        appositive = prev_end is not None and text[prev_end:s] in ("——", "—", "：", ":")
        if appositive or lead == "" or lead in claim_filters()["subject_leads"]:
            best = name
            prev_end = e
    return best
