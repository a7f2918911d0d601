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
from index.claims import hmm
from index.text import alternation

HAN_RE = re.compile(r"[\u4e00-\u9fff]")
DIGITS_RE = re.compile(r"[0-9０-９]")
MAX_HEAD = 8
TIME_RESIDUE = re.compile(r"^[年月日号份]+")     # 前5月|…, 3月份|中老铁路
COUNT_AFTER = re.compile(r"(?:[0-9.]+|[一二两三四五六七八九十百千]+)(?:余|多)?[个项家座所条处]")
# 9座长江大桥, 98座换乘站: a count right before the name makes it a batch of works, not one
COUNT_BEFORE = re.compile(r"(?:[0-9]+|[一二两三四五六七八九十百千]+)(?:余|多)?[个项家座所条处]$")
ADMIN_CUT = re.compile(r"[省市县州]+")
COUNTED_RE = re.compile(r"[一二两三四五六七八九十百千万]+[个座条家县市省区项所批]")


@functools.cache
def _works():
    d = lexicon.load_json("work_types.json")
    types = alternation(d["types"])
    span = r"[\u4e00-\u9fff]{2,5}"
    section = rf"(?:{span}(?:至|到|—|-){span}|[\u4e00-\u9fff]{{2,4}})段"
    return dict(
        type_re=re.compile(rf"(?:{types})+(?:{alternation(d['type_tails'])})?"),
        route_re=re.compile(rf"(?P<a>(?:(?![至到])[\u4e00-\u9fff]){{2,4}})(?:至|到)(?P<b>[\u4e00-\u9fff]{{2,4}}?)的?(?P<t>{types})"),
        section_re=re.compile(section),
        lone_section_re=re.compile(r"(?:^|(?<=[，。、；：,;:\s])|(?<=此次)|(?<=其中))([\u4e00-\u9fff]{2})段"),
        quoted_re=re.compile(rf"[“\"]([^“”\"]{{3,24}}(?:{alternation(d['quoted_types'])}))[”\"]"),
        generic=frozenset(d["generic_heads"]),
        regions=frozenset(d["region_heads"]),
        section_stop=tuple(d["section_stop"]),
        head_stops=tuple(sorted(d["head_stops"], key=len, reverse=True)),
        not_inside=re.compile(alternation(d["not_inside"])),
        descriptor=re.compile("^(?:" + "|".join(d["descriptors"]) + ")"),
        not_before={k: tuple(v) for k, v in d["type_not_before"].items() if k != "*"},
        not_before_any=tuple(d["type_not_before"].get("*", ())),
        type_word_keeps=frozenset(d["type_word_keeps"]),
        inner_ends=tuple(d["inner_ends"]),
        anaphor_re=re.compile(rf"(?:^|(?<=[，,。；;：:“\s]))(?:{alternation(d['anaphor_openers'])})?(?:{alternation(d['anaphors'])})(?![数个量库])"),
        any_type=re.compile(types),
        blockers=re.compile(alternation(d["name_blockers"])),
        name_verbs=frozenset(d["name_verbs"]),
        leading_flags=frozenset(d["leading_flags"]),
        cut_flags=frozenset(d["cut_flags"]),
        events=re.compile(alternation(d["event_words"] + d["programme_words"])),
        cut_words=tuple(d["cut_words"]),
        cut_leading=tuple(d["cut_words_leading"]),
        time_prefix=re.compile(d["time_prefixes"]),
        not_routes=tuple(d["not_routes"]),
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


def _next_word(text: str, s: int, end: int) -> int:
    """The first word boundary at or after `s` before `end`, by jieba's dictionary words read from
    a little before `s` (`s` itself when none is)."""
    import jieba  # noqa: PLC0415 - loaded with the tagger the names need anyway

    lo = max(0, s - 4)
    pos = lo
    for word in jieba.cut(text[lo:end], HMM=False):
        if pos >= s:
            return pos if pos < end - 1 else s
        pos += len(word)
    return s


def word_goes_on(text: str, end: int, matched: str) -> bool:
    """The suffix or work type `matched`, ending at `end`, is the start of a longer word with the
    next character (工程|师, 项目|组, 中心|区, 铁路|网): no name ends there, unless that word is a
    work too (铁路桥, 立交桥: data type_word_keeps)."""
    if end >= len(text) or not HAN_RE.match(text[end]):
        return False
    freq = lexicon.word_frequencies()
    w = _works()
    for k in range(2, min(len(matched), 4) + 1):
        word = matched[-k:] + text[end]
        if freq.get(word, 0) > 0 and word not in w["type_word_keeps"]:
            return True
    return False


def boundary_in_word(text: str, i: int) -> bool:
    """The one-character boundary word before `i` makes a word with the one or two characters at
    `i` (在|线, 在|建, 和|田, 向|家坝): it is no boundary there."""
    freq = lexicon.word_frequencies()
    return i < len(text) and (freq.get(text[i - 1:i + 1], 0) > 0 or freq.get(text[i - 1:i + 2], 0) > 0)


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
    if w["any_type"].search(head) or COUNTED_RE.search(head) or head.endswith("一"):
        return False             # 忻高铁雄安地下段|隧道: a part of another work; 昭觉三县: a count; 州一|机场: "an"
    return not DIGITS_RE.search(head)


def work_names(text: str) -> list[tuple[int, int, str]]:
    """Named works without 项目/工程: 乐西高速公路马边至昭觉段, 雄忻高铁, 亚吉铁路, 西部陆海新通道,
    四川成都至青海西宁铁路镇江关至黄胜关段, a section named alone beside them (金宁段), and a
    quoted name of a platform or programme (“酒泉枸杞产业数字化平台”)."""
    w = _works()
    found = []
    quoted = "“" in text or '"' in text
    if not w["any_type"].search(text):
        return _quoted_names(text, w) if quoted else found
    routes = w["route_re"].finditer(text) if ("至" in text or "到" in text) else ()
    for m in routes:
        s = m.start()
        a = m.group("a")
        joint = m.end("a")
        if any(text.startswith(x, joint - x.rfind("到" if "到" in x else "至")) for x in w["not_routes"]):
            continue                              # 总书记来到河套灌区: a verb, not a route
        stop = next((x for x in w["head_stops"] if a.startswith(x) and len(a) - len(x) >= 2), None)
        if stop:                                  # 新建|成都至自贡铁路
            s, a = s + len(stop), a[len(stop):]
        elif s > 0 and HAN_RE.match(text[s - 1]):    # read from mid-word (高|铁哈尔滨至伊春…): the next word
            k = _next_word(text, s, joint)
            s, a = k, text[k:joint]
        if not (_valid_head(a, w) and _valid_head(m.group("b"), w)):
            continue
        e = m.end()
        sec = w["section_re"].match(text, e)
        if sec and not _stop_section(sec.group(0), w):
            e = sec.end()
        found.append((s, e, text[s:e]))
    for m in w["type_re"].finditer(text):
        t = m.group(0)
        if any(t.endswith(k) and text.startswith(v, m.end()) for k, v in w["not_before"].items()) \
                or text.startswith(w["not_before_any"], m.end()) or word_goes_on(text, m.end(), t):
            continue                              # 霍尔果斯铁路|口岸, 中国大运河|研究院: no work
        s = _work_head(text, m.start(), w)
        if s == m.start() - MAX_HEAD and s > 0 and HAN_RE.match(text[s - 1]):
            cut = ADMIN_CUT.search(text, s, m.start())  # read to the limit mid-word (贵|州省铜仁市…):
            if cut and cut.end() < m.start() - 1:       # start after the first administrative word
                s = cut.end()
            else:                                       # else at the next word (高|铁重庆…, 距|离万泉河…)
                s = _next_word(text, s, m.start())
        head = text[s:m.start()]
        lead = TIME_RESIDUE.match(head)           # 前5月|西部陆海新通道
        if lead:
            s, head = s + lead.end(), head[lead.end():]
        d = w["descriptor"].match(head)
        if d:
            s, head = s + d.end(), head[d.end():]
        k = name_start(text[s:m.end()], eager=True) if head else 0
        if k > len(head) - 2 and k:
            continue                              # 实验室连着|生产线: nothing of a name is left
        s, head = s + k, head[k:]                 # 攻击|卡霍夫卡水电站, 一季度|西部陆海新通道
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
            if _stop_section(name, w) or text.startswith(w["section_stop"], m.start()) or name[-2:] in w["section_stop"] \
                    or not _valid_head(name[:-1], w):
                continue
            found.append((m.start(), m.end(), name))
    if quoted:
        found.extend(_quoted_names(text, w))
    return found


def _quoted_names(text: str, w) -> list[tuple[int, int, str]]:
    return [(m.start(1), m.end(1), m.group(1)) for m in w["quoted_re"].finditer(text)
            if not w["not_inside"].search(m.group(1)) and len(m.group(1)) >= 5]


COUNT_INSIDE = re.compile(r"[0-9０-９一二两三四五六七八九十百千万]+(?:余|多)?[个座条家项批所台处栋套辆艘架名种位人组]|[0-9]%")


def counted(text: str, start: int) -> bool:
    """The name starting at `start` follows a count (9座|长江大桥): one of a batch, no name."""
    return COUNT_BEFORE.search(text, max(0, start - 6), start) is not None


def valid_name(name: str) -> bool:
    """A name from either finder is no project when it holds a count (山西12座变电站), a verb or a
    comparison (李强出席…, 相当于12座三峡水电站), a date or a year (2023年…), or names an event, a
    list entry or a programme (花样游泳双人项目, 立法项目, 载人航天工程)."""
    w = _works()
    return not (COUNT_INSIDE.search(name) or w["blockers"].search(name) or w["events"].search(name)
                or LEADING_DATE.match(name) or YEAR_INSIDE.search(name))


PHASE = re.compile(r"[一二三四五六七八九十首]期")


def _ends_before_name(words, k: int, w, eager: bool = False) -> bool:
    """A verb of two characters or more right before a proper noun (观摩|雅万高铁, 位于|广西…)
    is no part of the name; inside a name verbs describe the work (抽水蓄能电站, 再生铝项目).
    `eager`: any such verb ends what comes before (a work's head is short: 覆盖|河套灌区)."""
    word, flag = words[k]
    before_proper = k + 1 < len(words) and words[k + 1][1] in PROPER_FLAGS
    if flag == "v" and len(word) == 1 and k > 0 and before_proper and word not in w["name_verbs"]:
        return True                     # 货运量占|郑州机场; at the start a verb opens a name (引|江补汉工程)
    return (flag.startswith("v") and len(word) >= 2 and word not in w["name_verbs"]
            and (eager or before_proper))


def descriptor_end(name: str, start: int = 0) -> int:
    """Past a leading description (西北地区首条, 华南地区规模最大的, 我国) from `start`."""
    m = _works()["descriptor"].match(name, start)
    return m.end() if m and m.end() < len(name) else start


PROPER_FLAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "nt", "j"})
LEADING_CLASSIFIER = re.compile(r"(?:[条座个家处所台套批]|项(?!目))+")
LEADING_DATE = re.compile(r"[0-9]{2,4}年|[0-9]{1,2}月")
YEAR_INSIDE = re.compile(r"(?:19|20)[0-9]{2}年")          # 上海浦东2024年重大工程: a year's batch


@functools.lru_cache(maxsize=8192)
def name_start(name: str, eager: bool = False) -> int:
    """Where the name proper starts in a candidate read leftwards to punctuation: after the last
    verb that is not part of a work (介绍|中国载人航天工程, 攻击|卡霍夫卡水电站), adverb, pronoun,
    time word, preposition or particle (标志着|中吉乌铁路), a cut word (data: 来到, 以来; for a
    name read from a 项目/工程 suffix only at its start), and past leading function words."""
    w = _works()
    try:
        words = [(x.word, x.flag) for x in _posseg().cut(name)]
    except Exception:  # noqa: BLE001 - a tagger hiccup keeps the name as read
        return 0
    starts, pos = [], 0
    for word, _ in words:
        starts.append(pos)
        pos += len(word)
    cut = 0
    for k, (word, flag) in enumerate(words[:-1]):     # the last word is the suffix or the work type
        # a verb ends what comes before the name only right before a proper noun (观摩|雅万高铁):
        # inside a name verbs describe the work (抽水蓄能电站, 鸡宰杀分割及精深加工)
        if _ends_before_name(words, k, w, eager) or (flag in w["cut_flags"] and not PHASE.fullmatch(word)):
            cut = starts[k] + len(word)
    # the tagger splits words by context (标志|着雅|万): cut words are matched on the string too
    last = len(name) - len(words[-1][0]) if words else len(name)
    for word in w["cut_words"] + (w["cut_leading"] if eager else ()):
        i = name.rfind(word, 0, last)
        if i >= 0:
            cut = max(cut, i + len(word))
    while True:
        lead = next((x for x in w["cut_leading"] if name.startswith(x, cut) and cut + len(x) < last), None)
        t = w["time_prefix"].match(name, cut)
        if lead:
            cut += len(lead)
        elif t and t.end() < last and t.end() > cut:
            cut = t.end()
        else:
            break
    cut = max(cut, _inner_end(words, starts, cut, w))
    k = next((k for k, st in enumerate(starts) if st >= cut), len(words))
    while k < len(words) - 1 and not PHASE.fullmatch(words[k][0]) and (
            words[k][1] in w["leading_flags"] or _ends_before_name(words, k, w, eager)):
        cut = starts[k] + len(words[k][0])
        k += 1
    m = LEADING_CLASSIFIER.match(name, cut)
    return m.end() if m and m.end() < len(name) else cut


def _inner_end(words, starts, cut: int, w) -> int:
    """Past a generic work or project read before the name (水利工程|金塘冲水库, 能源项目|大渡河…,
    变电站|河北邢台…变电站): a word ending like a work, with no proper noun from `cut` to it."""
    end = cut
    for k, (word, flag) in enumerate(words[:-1]):
        if starts[k] < cut:
            continue
        if word.endswith(w["inner_ends"]):
            if len("".join(x for x, _ in words[k + 1:])) >= 3:
                end = starts[k] + len(word)
        elif flag in PROPER_FLAGS:
            break
    return end


def _posseg():
    import jieba.posseg  # noqa: PLC0415 - loaded only when a name is read
    hmm.install(jieba.posseg)          # the same tags, decoded faster
    import logging  # noqa: PLC0415
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba.posseg


def anaphor_spans(text: str) -> list[tuple[int, int]]:
    """Where a sentence names its project by a bare word (该路段, 项目, 电站)."""
    return [m.span() for m in _works()["anaphor_re"].finditer(text)]
