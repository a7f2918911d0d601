"""Quantity expressions in a paragraph: 约200亿元, 8.5万吨/年, 10%—15%, 3600余家, 排名第四.

`find_quantities(text)` returns every number that carries a unit (or inherits one from a
range, a list or a money word before it), in text order, without overlaps, each with
`text[q.start:q.end] == q.raw`. Whether a quantity is a *claim* is decided by index.claims.extract.

How it works: one compiled regex finds numerals (and the special forms 百分之…, X分之Y, 第N,
a bare 亿元); for each match cheap Python code looks left for a hedge (约, 超过, 不到…) and
right for 余/多, a magnitude, 个, the unit (longest surface of units.json first) and a
trailing hedge (以上, 左右…). Two linear passes then join ranges (5-10亿元) and give unitless
numbers the unit of the next item of their list (12.9、10.1%) or 元 after a money word
(总投资超600亿). The regex runs on a 1:1 folded copy of the text (full-width digits,
traditional numerals), so offsets hold.

Units are written as in the text minus magnitude words (亿元 -> 元, 万千瓦 -> 千瓦, 个月 -> 月);
currencies keep their own unit (美元, 欧元, 港元 …, dimension money, one spelling per
currency: 美金 -> 美元, 港币 -> 港元); 人民币 -> 元. Percent forms: 12% and 百分之十二 -> %,
3个百分点 -> 个百分点, 六成 -> 成, fractions in words -> % (三分之一, 一半 -> 50).
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from index import lexicon
from index.models import BOUNDS, DIMENSIONS, Quantity
from index.claims.numbers import fold_table, parse_number

log = logging.getLogger(__name__)

__all__ = ["find_quantities", "units", "unit_entry", "UnitEntry"]

_CN_DIGITS = "〇零一二两三四五六七八九壹贰叁肆伍陆柒捌玖俩"
_CN_PLACES = "十百千拾佰仟"
_CN_MAGS = "万亿"            # 兆 is 10^12 for parse_number only: in running text it is 兆瓦's mega
_TEXT_MAGS = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7,
              "百万": Decimal(10) ** 6, "十万": Decimal(10) ** 5, "万": Decimal(10) ** 4,
              "千": Decimal(1000), "百": Decimal(100)}
_CLAUSE_END = "，。；;：:！？!?\n、,（）()"
_OPEN_QUOTES = "“\"「『‘'《"
_CLOSE_QUOTES = "”\"」』’'》"
_CODE_CHARS = set("0123456789+-NnXx个、 " + _CN_DIGITS + _CN_PLACES)
_ONE = ("一", "壹")
_LONE = {"百", "千", "万", "千万", "百万", "亿", "万亿"}
_HEX2 = re.compile(r"[0-9A-F]{2}")
_LONE_OK_DIMS = frozenset({"power", "mass", "rate"})     # 百万千瓦, 千万吨: a capacity, not an idiom
_HALF_BLOCKERS = "上下前后大多过一"
_RANK_STOPPERS = "届期次批季轮个年月日章条号代批"


@dataclass(frozen=True)
class UnitEntry:
    """What a unit surface means: the unit as reported, its dimension and any scale."""
    surface: str
    unit: str
    dimension: str
    scale: Decimal = Decimal(1)
    not_before: tuple[str, ...] = ()


@functools.cache
def units() -> dict[str, UnitEntry]:
    """Unit surfaces of units.json, longest first so 亿元 wins over 元, 个月 over 个."""
    table = lexicon.load_json("units.json")
    if not isinstance(table, dict):
        raise lexicon.LexiconError("units.json: expected an object of surface -> entry")
    out = {}
    for surface, entry in table.items():
        if not surface or not isinstance(entry, dict):
            raise lexicon.LexiconError(f"units.json: bad entry {surface!r}")
        if entry.get("dimension") not in DIMENSIONS:
            raise lexicon.LexiconError(f"units.json: unknown dimension for {surface!r}: {entry.get('dimension')!r}")
        if not isinstance(entry.get("unit"), str) or not entry["unit"]:
            raise lexicon.LexiconError(f"units.json: missing unit for {surface!r}")
        if surface[0] in _CN_DIGITS + _CN_MAGS or surface[0].isdigit():
            raise lexicon.LexiconError(f"units.json: {surface!r} starts with a numeral")
        try:
            scale = Decimal(entry.get("scale", "1"))
        except ArithmeticError as err:
            raise lexicon.LexiconError(f"units.json: bad scale for {surface!r}") from err
        not_before = entry.get("not_before", [])
        if not isinstance(not_before, list) or not all(isinstance(s, str) and s for s in not_before):
            raise lexicon.LexiconError(f"units.json: bad not_before for {surface!r}")
        out[surface] = UnitEntry(surface, entry["unit"], entry["dimension"], scale, tuple(not_before))
    return dict(sorted(out.items(), key=lambda item: -len(item[0])))


def unit_entry(unit: str) -> UnitEntry | None:
    """The entry of a unit as found in Quantity.unit (元, 个, 吨/年), or None if unknown."""
    return _unit_by_name().get(unit)


@functools.cache
def _unit_by_name() -> dict[str, UnitEntry]:
    out: dict[str, UnitEntry] = {}
    for entry in units().values():
        if entry.unit not in out or entry.surface == entry.unit:
            out[entry.unit] = entry
    return out


@dataclass(frozen=True)
class _Lexicon:
    by_first: dict          # first char -> (lengths longest first, {surface: UnitEntry})
    prefix: dict
    prefix_not_after: dict
    prefix_only_before: dict
    prefix_lengths: tuple
    suffix: dict
    suffix_lengths: tuple
    suffix_not_before: dict
    infix: str
    after_unit: str
    ranges: tuple
    lists: tuple
    money_cues: tuple
    rank_cues: tuple
    rank_classifiers: tuple
    span_followers: tuple
    bare_units: tuple
    bare_followers: tuple
    year_duration_followers: tuple
    one_count_before: tuple
    one_count_units: frozenset
    people_nouns: tuple
    cap_before: tuple
    fixed: dict
    symbols: dict
    pattern: re.Pattern
    idioms: re.Pattern
    fold: dict
    foldable: re.Pattern


def _check_kinds(name, table, kinds):
    if not isinstance(table, dict):
        raise lexicon.LexiconError(f"{name}: expected an object")
    if bad := [k for k, v in table.items() if v not in kinds or not k]:
        raise lexicon.LexiconError(f"{name}: unknown kind for {bad}")


@functools.cache
def _lexicon() -> _Lexicon:
    hedges = lexicon.load_json("hedges.json")
    cues = lexicon.load_json("quantity_cues.json")
    try:
        prefix, suffix = hedges["prefix"], hedges["suffix"]
        _check_kinds("hedges.json: prefix", prefix, ("approx", "at_least", "at_most"))
        _check_kinds("hedges.json: suffix", suffix, ("approx", "at_least", "at_most"))
        idioms = [s for s in cues["not_quantities"] if s]
        lists = {key: tuple(cues[key]) for key in (
            "money_cues", "rank_cues", "rank_classifiers", "time_span_followers",
            "bare_magnitude_units", "bare_magnitude_followers")}
        connectors = tuple(sorted(hedges["range"], key=len, reverse=True))
        list_joiners = tuple(hedges["list"])
        infix, after_unit = "".join(hedges["infix"]), "".join(hedges["approx_after_unit"])
        prefix_not_after = hedges.get("prefix_not_after", {})
        prefix_only_before = hedges.get("prefix_only_before", {})
        suffix_not_before = hedges.get("suffix_not_before", {})
        cap_before = tuple(hedges.get("cap_before", ()))
        extra = {key: tuple(cues.get(key, ())) for key in (
            "year_duration_followers", "one_count_before", "one_count_units", "people_nouns")}
    except (KeyError, TypeError) as err:
        raise lexicon.LexiconError(f"hedges.json / quantity_cues.json: missing or bad key {err}") from err
    for name, table in (("prefix_not_after", prefix_not_after), ("prefix_only_before", prefix_only_before)):
        if bad := [k for k in table if k not in prefix]:
            raise lexicon.LexiconError(f"hedges.json: {name} names unknown prefixes {bad}")
    if bad := [k for k in suffix_not_before if k not in suffix]:
        raise lexicon.LexiconError(f"hedges.json: suffix_not_before names unknown suffixes {bad}")
    if bad := [s for s in connectors + list_joiners if not s]:
        raise lexicon.LexiconError("hedges.json: empty connector")
    fixed = {}
    for phrase, entry in cues.get("fixed_quantities", {}).items():
        try:
            unit = entry["unit"]
            fixed[phrase] = (Decimal(entry["value"]), unit, _unit_by_name()[unit].dimension)
        except (KeyError, TypeError, ArithmeticError) as err:
            raise lexicon.LexiconError(f"quantity_cues.json: fixed_quantities: bad entry {phrase!r}") from err
    symbols = cues.get("currency_symbols", {})
    if bad := [k for k, v in symbols.items() if len(k) != 1 or v not in _unit_by_name()]:
        raise lexicon.LexiconError(f"quantity_cues.json: currency_symbols: bad entries {bad}")
    patterns = _compile(idioms, fixed)
    fold = _text_fold()
    grouped: dict[str, dict] = {}
    for surface, entry in units().items():
        grouped.setdefault(surface[0], {})[surface] = entry
    by_first = {c: (tuple(sorted({len(s) for s in table}, reverse=True)), table)
                for c, table in grouped.items()}
    return _Lexicon(
        by_first=by_first, prefix=prefix, prefix_not_after=prefix_not_after,
        prefix_only_before=prefix_only_before,
        prefix_lengths=tuple(sorted({len(k) for k in prefix}, reverse=True)),
        suffix=suffix, suffix_lengths=tuple(sorted({len(k) for k in suffix}, reverse=True)),
        suffix_not_before=suffix_not_before, infix=infix, after_unit=after_unit,
        ranges=connectors, lists=list_joiners,
        money_cues=lists["money_cues"], rank_cues=lists["rank_cues"],
        rank_classifiers=lists["rank_classifiers"], span_followers=lists["time_span_followers"],
        bare_units=lists["bare_magnitude_units"], bare_followers=tuple(
            sorted(lists["bare_magnitude_followers"], key=len, reverse=True)),
        year_duration_followers=extra["year_duration_followers"],
        one_count_before=tuple(sorted(extra["one_count_before"], key=len, reverse=True)),
        one_count_units=frozenset(extra["one_count_units"]),
        people_nouns=tuple(sorted(extra["people_nouns"], key=len, reverse=True)), cap_before=cap_before,
        fixed=fixed, symbols=symbols, pattern=patterns[0], idioms=patterns[1], fold=fold, foldable=_foldable(fold))


def _text_fold() -> dict:
    """numbers' fold table minus the Chinese comma, which separates list items in running text."""
    table = dict(fold_table())
    table.pop(ord("，"), None)
    return table


def _compile(idioms, fixed_phrases) -> tuple[re.Pattern, re.Pattern]:
    """The numeral pattern and the pattern of set phrases that hold numerals but no quantity."""
    numeral = rf"[{_CN_DIGITS}{_CN_PLACES}]"
    cn = rf"{numeral}[{_CN_DIGITS}{_CN_PLACES}{_CN_MAGS}]*(?:点[{_CN_DIGITS}]+)?[{_CN_MAGS}]*"
    arabic = r"(?<![0-9A-Za-z.])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?" \
             rf"[{_CN_PLACES}{_CN_MAGS}]*"
    any_num = rf"(?:{arabic}|{cn})"
    fixed = "|".join(re.escape(s) for s in sorted(fixed_phrases, key=len, reverse=True)) or "(?!)"
    not_numeral = rf"(?<![{_CN_DIGITS}{_CN_PLACES}{_CN_MAGS}0-9.数几])"
    # The leading lookahead lets the regex engine skip fast to characters that can start a
    # number: without it every position tries every branch (3x slower on news text).
    numbers = re.compile(
        rf"(?=[0-9{_CN_DIGITS}{_CN_PLACES}{_CN_MAGS}第半负打\-])(?:"
        rf"(?P<fixed>{fixed})"
        rf"|{not_numeral}(?P<pct>[百千万]分之)(?P<pnum>{any_num})"
        rf"|(?P<fden>{any_num})分之(?P<fnum>{any_num})"
        rf"|第(?P<ord>{any_num})"
        rf"|{not_numeral}(?P<bare>万亿|亿|万)(?=元|美元)"
        rf"|(?P<sign>(?<![0-9A-Za-z.])[-负])?(?P<num>{arabic}|{cn}|半))")
    idiom = "|".join(re.escape(s) for s in sorted(set(idioms), key=len, reverse=True)) or "(?!)"
    return numbers, re.compile(idiom)


def _foldable(fold: dict) -> re.Pattern:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in fold) + "]")


@dataclass
class _Cand:
    """A quantity being built; unit None means a number still looking for its unit."""
    start: int
    end: int
    num_end: int            # end of the number and magnitude, before 个/unit
    value: Decimal
    unit: str | None
    dimension: str | None
    approx: bool = False
    bound: str = "exact"
    range: tuple | None = None
    magnitude: Decimal | None = None    # a magnitude written after the numeral (万, 亿)
    signed: bool = False
    has_suffix: bool = False


def find_quantities(text: str) -> list[Quantity]:
    """Return every quantity expression in `text`, in order, with spans that slice `text`."""
    if not isinstance(text, str) or not text:
        return []
    lex = _lexicon()
    folded = text.translate(lex.fold) if lex.foldable.search(text) else text
    idioms = [(m.start(), m.end()) for m in lex.idioms.finditer(folded)]
    cands: list[_Cand] = []
    k = 0
    for match in lex.pattern.finditer(folded):
        while k < len(idioms) and idioms[k][1] <= match.start():
            k += 1
        if k < len(idioms) and idioms[k][0] < match.end():
            continue                                         # inside 一年四季, 千家万户 …
        try:
            cand = _build(folded, match, lex)
        except (ValueError, ArithmeticError) as err:     # one odd number must not sink the text
            log.debug("skipped %r: %s", match.group(0), err)
            continue
        if cand is not None:
            cands.append(cand)
    cands = _join_ranges(folded, cands, lex)
    cands = _join_compound_durations(folded, cands)
    _inherit_units(folded, cands, lex)
    out = []
    for c in cands:
        if c.unit is None or c.dimension is None:
            continue
        out.append(Quantity(raw=text[c.start:c.end], start=c.start, end=c.end, value=c.value,
                            unit=c.unit, dimension=c.dimension, approx=c.approx, bound=c.bound,
                            range=c.range))
    return out


# ---------------------------------------------------------------- one match

def _unit_at(t: str, i: int, lex: _Lexicon) -> UnitEntry | None:
    """The longest unit surface starting at i whose not_before words don't follow it."""
    table = lex.by_first.get(t[i:i + 1])
    if table is None:
        return None
    lengths, surfaces = table
    for n in lengths:
        entry = surfaces.get(t[i:i + n])
        if entry is None:
            continue
        j = i + n
        if entry.not_before and any(t.startswith(s, j) for s in entry.not_before):
            continue
        if entry.surface[-1].isascii() and entry.surface[-1].isalpha() and \
                t[j:j + 1].isascii() and t[j:j + 1].isalpha():
            continue                                         # 5MWh is not 5 MW
        return entry
    return None


def _prefix(t: str, start: int, first: str, lex: _Lexicon):
    """The hedge word ending at `start` (约, 超过, 不到 …) as (length, kind), or (0, None)."""
    for k in lex.prefix_lengths:
        if k > start:
            continue
        word = t[start - k:start]
        kind = lex.prefix.get(word)
        if kind is None:
            continue
        before = t[start - k - 1:start - k]
        if before and before in lex.prefix_not_after.get(word, ()):
            continue
        only = lex.prefix_only_before.get(word)
        if only is not None and first not in only:
            continue
        return k, kind
    return 0, None


def _capped(t: str, i: int, lex: _Lexicon) -> bool:
    """A prohibition earlier in the clause (不得, 严禁 …) turns 超过 X into a cap."""
    window = t[max(0, i - 20):i]
    cut = max(window.rfind(c) for c in _CLAUSE_END)
    window = window[cut + 1:]
    return any(w in window for w in lex.cap_before)


def _suffix(t: str, j: int, lex: _Lexicon):
    """The hedge word starting at j (以上, 左右 …) as (length, kind), or (0, None)."""
    for n in lex.suffix_lengths:
        word = t[j:j + n]
        kind = lex.suffix.get(word)
        if kind is None:
            continue
        if any(t.startswith(s, j + n) for s in lex.suffix_not_before.get(word, ())):
            continue
        return n, kind
    return 0, None


def _apply_hedges(t, cand: _Cand, first: str, lex) -> None:
    k, kind = _prefix(t, cand.start, first, lex)
    if kind == "at_least" and _capped(t, cand.start - k, lex):
        kind = "at_most"                                     # 不得…超过5000元: a cap
    if kind:
        cand.start -= k
        _mark(cand, kind)
    k, kind = _suffix(t, cand.end, lex)
    if kind:
        cand.end += k
        cand.has_suffix = True
        _mark(cand, kind)


def _mark(cand: _Cand, kind: str) -> None:
    if kind == "approx":
        cand.approx = True
    elif kind in BOUNDS:
        cand.bound = kind


def _build(t: str, m: re.Match, lex: _Lexicon) -> _Cand | None:
    kind = m.lastgroup
    if m.group("fixed") is not None:
        value, unit, dimension = lex.fixed[m.group("fixed")]
        return _finish(t, _Cand(m.start(), m.end(), m.end(), value, unit, dimension), m.group(0), lex)
    if m.group("pnum") is not None:
        return _percent_words(t, m, lex)
    if m.group("fnum") is not None:
        return _fraction(t, m, lex)
    if m.group("ord") is not None:
        return _rank(t, m, lex)
    if m.group("bare") is not None:
        return _bare_magnitude(t, m, lex)
    if kind not in ("num", "sign"):
        return None
    return _number(t, m, lex)


def _number(t: str, m: re.Match, lex: _Lexicon) -> _Cand | None:
    num = m.group("num")
    start, i = m.start(), m.end("num")
    signed = bool(m.group("sign"))
    if start and t[start - 1] == "%":
        return None                                          # %28 in a URL
    if start and t[start - 1] in "数几" and num[0] in _CN_PLACES + _CN_MAGS:
        return None                                          # 数十名, 几百家: no definite number
    if len(num) > 1 and num[0] == "0" and num[1].isdigit():
        return None                                          # 千帆极轨03组: a serial number
    entry, extra, half = _unit_after(t, i, lex)
    if len(num) > 1 and num[-1] in _CN_PLACES and (entry is None or num[-2].isdigit()):
        # 16万千瓦, 三千瓦: 千 belongs to the unit; after digits also before another unit
        # (2290千米 is 2290 km, not 2290000 m; 三千米 stays 3000 m)
        shrunk, _, _ = _unit_after(t, i - 1, lex)
        if shrunk is not None:
            num, i, entry = num[:-1], i - 1, shrunk
    if num == "半" and (entry is None or entry.dimension not in ("duration", "percent")
                       or (start and t[start - 1] in _HALF_BLOCKERS)):
        return None
    if entry is not None and entry.unit == "折" and len(num) == 2 and all(c in _CN_DIGITS for c in num):
        value = parse_number(num[0]) + parse_number(num[1]) / 10     # 五五折 = 5.5折
    else:
        value = parse_number(num)
    approx = extra
    magnitude = None
    if num[0].isdigit() and num[-1] in _CN_PLACES + _CN_MAGS:
        magnitude = parse_number("1" + num.lstrip("0123456789.,"))      # 3千 -> 1000, 1.1万亿 -> 10^12
    elif num[-1] in _CN_MAGS:
        magnitude = _TEXT_MAGS["万亿"] if num.endswith("万亿") else _TEXT_MAGS[num[-1]]
    if entry is None and t[i:i + 1] and t[i] in lex.infix:
        # 余/多 before a magnitude or unit: 3600余家, 500余万元, 3万余人, 10多个
        j = i + 1
        mag = _magnitude_at(t, j) if magnitude is None else None
        if mag:
            j += len(mag)
        after, extra, half = _unit_after(t, j, lex)
        if after is not None or mag:
            approx = True
            if mag:
                magnitude = _TEXT_MAGS[mag]
                value *= magnitude
            i, entry = j, after
    if entry is None and num[0].isdigit() and t[i:i + 1] == " ":
        entry, extra, half = _unit_after(t, i + 1, lex)       # "300 美元": one space
        if entry is not None:
            i += 1
    if entry is None and start and t[start - 1] in lex.symbols and num[0].isdigit():
        entry = unit_entry(lex.symbols[t[start - 1]])        # $20, ￥300
        start -= 1
        if entry is not None:
            value = value * entry.scale
            if signed:
                value = -value
            return _finish(t, _Cand(start, i, i, value, entry.unit, entry.dimension,
                                    approx=approx, magnitude=magnitude), num, lex)
    if signed:
        value = -value
    num_end = i
    if entry is None:
        if t[i:i + 1] == "级" or _is_lone(num) or num in _ONE:
            return None
        return _Cand(start, i, num_end, value, None, None, approx=approx, magnitude=magnitude,
                     signed=signed)
    j = i + len(entry.surface) + (1 if (extra or half) and entry.surface.startswith("个") else 0)
    value = value * entry.scale + (Decimal("0.5") if half else 0)
    cand = _Cand(start, j, num_end, value, entry.unit, entry.dimension,
                 approx=approx, magnitude=magnitude, signed=signed)
    if entry.unit == "折" and value >= 10 and not (num.isdigit() and len(num) == 2):
        return None                                          # 十折 is not a discount
    if entry.dimension == "duration" or entry.unit == "成":
        if t[j:j + 1] == "半":                               # 两年半, 三成半
            cand.value += Decimal("0.5")
            cand.end += 1
        elif t[j:j + 1] and t[j] in lex.after_unit and _unit_after(t, j + 1, lex)[0] is None:
            cand.approx = True                               # 一年多
            cand.end += 1
    return _finish(t, cand, num, lex)


def _unit_after(t: str, i: int, lex: _Lexicon):
    """The unit at i as (entry, approx, half); 个多月 / 个半小时 read as 月 / 小时."""
    if t[i:i + 1] == "个" and t[i + 1:i + 2] in ("多", "余", "半"):
        mark = t[i + 1]
        for entry in lex.by_first["个"][1].values() if "个" in lex.by_first else ():
            rest = entry.surface[1:]
            if rest and entry.dimension == "duration" and t.startswith(rest, i + 2):
                return entry, mark != "半", mark == "半"
    return _unit_at(t, i, lex), False, False


def _magnitude_at(t: str, j: int) -> str | None:
    for mag in ("万亿", "亿", "千万", "百万", "万", "千", "百"):
        if t.startswith(mag, j):
            return mag
    return None


def _is_lone(num: str) -> bool:
    return num in _LONE


def _finish(t: str, cand: _Cand, num: str, lex: _Lexicon) -> _Cand | None:
    """Attach hedges and apply the 'not a quantity' rules to a number with a unit."""
    unit, end = cand.unit, cand.end
    if unit == "年" and re.fullmatch(r"[0-9]{4}", num) and not cand.approx and \
            not any(t.startswith(s, end) for s in lex.year_duration_followers):
        return None                                          # 2024年 is a year; 3000年历史 is not
    if cand.dimension == "duration" and any(t.startswith(s, end) for s in lex.span_followers):
        return None                                          # 两年来, 五年间: time, not a quantity
    if unit == "次" and cand.start and t[cand.start - 1] == "届":
        return None                                          # 十四届一次会议: a session, not a count
    if num in _ONE and cand.dimension == "count" and unit != "次" and cand.magnitude is None \
            and not _counted_one(t, cand.start, unit, lex):
        return None                                          # 一批, 一个缩影: indefinite 一
    if unit == "%" and _HEX2.match(t, end):
        return None                                          # %2F in a URL
    first = num[0]
    if _is_lone(num):
        lone_ok = unit == "年" or t[end:end + 1] == "级" or cand.approx or (
            cand.start and _prefix(t, cand.start, first, lex)[1] is not None) or (
            len(num) > 1 and cand.dimension in _LONE_OK_DIMS)   # 上百家, 近千列, 千余名, 百万千瓦
        if not lone_ok:
            return None
    _apply_hedges(t, cand, first, lex)
    if _quoted_code(t, cand):
        return None
    return cand


def _counted_one(t: str, start: int, unit: str, lex: _Lexicon) -> bool:
    """一 counts (新开工一个项目, 仅一家企业) after a verb of counting, with a plain classifier."""
    return unit in lex.one_count_units and any(t.endswith(w, 0, start) for w in lex.one_count_before)


def counted_one(text: str, start: int, unit: str) -> bool:
    """Whether the 一 at `start` counts one thing rather than being the indefinite article."""
    return isinstance(text, str) and _counted_one(text, start, unit, _lexicon())


def _quoted_code(t: str, cand: _Cand) -> bool:
    if not cand.start or t[cand.start - 1] not in _OPEN_QUOTES:
        return False
    close = cand.end
    while close < len(t) and close - cand.start < 12 and t[close] not in _CLOSE_QUOTES:
        close += 1
    if close >= len(t) or t[close] not in _CLOSE_QUOTES:
        return False
    body = t[cand.start:close]
    digits = sum(c.isdigit() or c in _CN_DIGITS for c in body)
    return all(c in _CODE_CHARS for c in body) and digits >= 2


def _percent_words(t, m, lex) -> _Cand | None:
    """百分之十二 -> 12 %, 千分之三 -> 0.3 %."""
    head = m.group("pct")[0]
    pnum, end = m.group("pnum"), m.end()
    for _ in range(3):                                       # 百分之七十百分位: drop the trailing 百
        try:
            value = parse_number(pnum)
            break
        except ValueError:
            if len(pnum) < 2 or pnum[-1] not in _CN_PLACES + _CN_MAGS:
                raise
            pnum, end = pnum[:-1], end - 1
    else:
        return None
    value *= {"百": 1, "千": Decimal("0.1"), "万": Decimal("0.01")}[head]
    cand = _Cand(m.start("pct"), end, end, value, "%", "percent")
    return _finish(t, cand, m.group("pct") + pnum, lex)


def _fraction(t, m, lex) -> _Cand | None:
    """三分之一 -> 33.33… %: fractions in words become percent."""
    den, numr = parse_number(m.group("fden")), parse_number(m.group("fnum"))
    if den == 0:
        return None
    cand = _Cand(m.start(), m.end(), m.end(), numr / den * 100, "%", "percent")
    return _finish(t, cand, m.group("fnum"), lex)


def _rank(t, m, lex) -> _Cand | None:
    """排名第四 -> 4 名; 第3位 -> 3 位; other 第N (第二届, 第一季度) are not quantities."""
    num, end = m.group("ord"), m.end()
    nxt = t[end:end + 1]
    if nxt and nxt in _RANK_STOPPERS:
        return None
    unit = None
    for classifier in lex.rank_classifiers:
        if t.startswith(classifier, end):
            unit, end = classifier, end + len(classifier)
            break
    if unit is None:
        window = t[max(0, m.start() - 10):m.start()]
        cut = max(window.rfind(c) for c in _CLAUSE_END)
        window = window[cut + 1:]
        if nxt == "大" or any(cue in window for cue in lex.rank_cues):
            unit = "名"
        else:
            return None
    return _Cand(m.start(), end, end, parse_number(num), unit, "rank")


def _bare_magnitude(t, m, lex) -> _Cand | None:
    """亿元以上项目 -> 亿元以上 (100000000 元, at_least); 亿元重点项目 -> 亿元."""
    mag = m.group("bare")
    i = m.end()
    entry = None
    for surface in lex.bare_units:
        if t.startswith(surface, i):
            entry = _unit_at(t, i, lex)
            break
    if entry is None:
        return None
    j = i + len(entry.surface)
    if not any(t.startswith(f, j) for f in lex.bare_followers) and _prefix(t, m.start(), mag, lex)[1] is None:
        return None                                          # 亿元 alone only after 突破, 超过, 近 …
    cand = _Cand(m.start(), j, i, _TEXT_MAGS[mag], entry.unit, entry.dimension)
    _apply_hedges(t, cand, mag, lex)
    return cand


# ---------------------------------------------------------------- passes over the matches

@functools.cache
def _compounds() -> dict:
    table = lexicon.load_json("quantity_cues.json").get("compound_durations", {})
    minor = r"([0-9]{1,2}|[一二两三四五六七八九十]{1,3})"
    return {unit: (re.compile(minor + spec["tail"]), spec["unit"], spec["dimension"], Decimal(spec["factor"]))
            for unit, spec in table.items()}


def _join_compound_durations(t: str, cands: list[_Cand]) -> list[_Cand]:
    """1年8个月 -> 20 月, 1小时39分 -> 99 分钟: a duration written in two units is one quantity,
    in the smaller unit (quantity_cues.json: compound_durations)."""
    table = _compounds()
    out: list[_Cand] = []
    skip_until = -1
    for c in cands:
        if c.start < skip_until:
            continue
        spec = table.get(c.unit or "")
        m = spec[0].match(t, c.end) if spec and c.bound == "exact" and c.range is None else None
        if m:
            try:
                minor = parse_number(m.group(1))
            except (ValueError, ArithmeticError):
                minor = None
            if minor is not None:
                c = _Cand(c.start, m.end(), m.end(), c.value * spec[3] + minor, spec[1], spec[2], approx=c.approx)
                skip_until = m.end()
        out.append(c)
    return out


def _join_ranges(t: str, cands: list[_Cand], lex: _Lexicon) -> list[_Cand]:
    """5-10亿元, 一亿元到五亿元, 5亿元至1亿元, 10%—15%, 2到4次 -> one range quantity."""
    out: list[_Cand] = []
    for c in cands:
        prev = out[-1] if out else None
        if prev is not None and c.unit is not None and prev.range is None \
                and prev.bound == "exact" and not prev.has_suffix and c.bound in ("exact",) \
                and (prev.unit is None or prev.unit == c.unit):
            gap = t[prev.end:c.start]
            joined = gap in lex.ranges or (gap == "" and c.signed and t[c.start] == "-")
            if joined:
                low = prev.value
                high = -c.value if (gap == "" and c.signed) else c.value
                if prev.unit is None and prev.magnitude is None and c.magnitude is not None:
                    low = low * c.magnitude
                if prev.unit is None and c.unit is not None:
                    entry = unit_entry(c.unit)
                    if entry is not None:
                        low = low * entry.scale
                lo, hi = (low, high) if low <= high else (high, low)
                out[-1] = _Cand(prev.start, c.end, c.num_end, lo, c.unit, c.dimension,
                                approx=prev.approx or c.approx, bound="range", range=(lo, hi),
                                has_suffix=c.has_suffix)
                continue
        out.append(c)
    return out


def _inherit_units(t: str, cands: list[_Cand], lex: _Lexicon) -> None:
    """Give a unitless number the unit of the next item of its list, or 元 after a money word."""
    for k in range(len(cands) - 2, -1, -1):
        a, b = cands[k], cands[k + 1]
        if b.unit is None or t[a.end:b.start] not in lex.lists:
            continue
        if a.unit is None:
            a.unit, a.dimension = b.unit, b.dimension
            if a.magnitude is None and b.magnitude is not None and b.bound != "range":
                a.value *= b.magnitude
        elif a.unit == "个" and b.unit.startswith("个") and b.unit != "个":
            a.unit, a.dimension = b.unit, b.dimension        # 12.9个、10.1个百分点
    for c in cands:
        if c.unit is None and c.magnitude is not None and any(t.startswith(w, c.end) for w in lex.people_nouns):
            c.unit, c.dimension = "人", "count"              # 20万农村居民: people counted as 人
            k, kind = _prefix(t, c.start, "", lex)
            if kind:
                c.start -= k
                _mark(c, kind)
            continue
        if c.unit is None and c.magnitude is not None and t[c.end:c.end + 1] != "级":
            window = t[max(0, c.start - 16):c.start]
            cut = max(window.rfind(ch) for ch in _CLAUSE_END)
            window = window[cut + 1:]
            if any(cue in window for cue in lex.money_cues):
                c.unit, c.dimension = "元", "money"
                k, kind = _prefix(t, c.start, "", lex)
                if kind:
                    c.start -= k
                    _mark(c, kind)
                k, kind = _suffix(t, c.end, lex)
                if kind:
                    c.end += k
                    _mark(c, kind)
