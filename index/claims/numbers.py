"""Numerals -> exact Decimal: "3.2亿", "一千二百", "１２.５", "百分之五", "壹佰伍拾".

`parse_number` reads one number written in Arabic digits, Chinese numerals (小写 and 大写,
simplified and traditional), or a mix of both, with the magnitudes 万 / 亿 / 兆 (万亿 = 10^12)
multiplied out. It never goes through float.

We do not use cn2an here although it is installed: measured on cn2an 0.5.24 it returns
floats for decimals (三点三 -> 3.2999999999999998…), rejects 1.1万亿, 四万万, 百三 and
百分之…, reads 两两 as 22, and takes ~15 µs a call against ~2 µs here.
"""
from __future__ import annotations

import decimal
import functools
import re
from decimal import Decimal

from index import lexicon

MAX_LENGTH = 64            # no number in news is longer; bounds the work on hostile input
_CONTEXT = decimal.Context(prec=60)
_ARABIC = re.compile(r"[+-]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_POWER = re.compile(r"([+-]?\d*\.?\d+)\^([+-]*)(\d+)")
_MIXED_FRACTION = re.compile(r"([+-]?\d+)\s+(\d+)/(\d+)")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


@functools.cache
def _tables():
    """Digits, place values, magnitudes and the fold table, checked once."""
    numerals = lexicon.load_json("numerals.json")
    magnitudes = lexicon.load_json("magnitudes.json")
    try:
        digits = {k: int(v) for k, v in numerals["digits"].items()}
        places = {k: Decimal(v) for k, v in numerals["places"].items()}
        mags = {k: Decimal(v) for k, v in magnitudes.items()}
        multipliers = {k: Decimal(v) for k, v in numerals["suffix_multipliers"].items()}
        fold = numerals["fold"]
        approx = "".join(numerals["approx_markers"])
    except (KeyError, TypeError, ValueError, decimal.InvalidOperation) as err:
        raise lexicon.LexiconError(f"numerals.json / magnitudes.json: bad entry: {err!r}") from err
    if bad := [k for k, v in fold.items() if len(k) != 1 or len(v) != 1]:
        raise lexicon.LexiconError(f"numerals.json: fold entries must map one char to one char: {bad}")
    if bad := [k for k in list(digits) + list(places) + list(mags) if len(k) != 1]:
        raise lexicon.LexiconError(f"numerals.json / magnitudes.json: entries must be one char: {bad}")
    for name, table in (("places", places), ("magnitudes.json", mags)):
        if bad := [k for k, v in table.items() if v <= 1]:
            raise lexicon.LexiconError(f"{name}: values must exceed 1: {bad}")
    return digits, places, mags, multipliers, str.maketrans(fold), approx


def numeral_chars() -> str:
    """Every character that can be part of a Chinese numeral (digits, places, magnitudes)."""
    digits, places, mags, _, _, _ = _tables()
    return "".join(digits) + "".join(places) + "".join(mags)


def fold_table() -> dict:
    """The 1:1 str.translate table folding full-width and traditional numeral characters."""
    return _tables()[4]


@functools.lru_cache(maxsize=8192)
def parse_number(text: str) -> Decimal:
    """Return the exact value of one written number; raise ValueError if it is not one.

    "1,056" -> 1056, "1.1万亿" -> 1100000000000, "一千二百" -> 1200, "零点五" -> 0.5,
    "百分之五" -> 0.05 (a fraction, like 三分之一), "500余万" -> 5000000 (the 余/多/几 of an
    approximate number is dropped; find_quantities reports it as approx).
    """
    if not isinstance(text, str):
        raise ValueError(f"not a string: {text!r}")
    digits, places, mags, multipliers, fold, approx = _tables()
    if len(text) > MAX_LENGTH:
        raise ValueError(f"too long for a number: {len(text)} characters")
    s = text.translate(fold).strip()
    with decimal.localcontext(_CONTEXT):
        if m := _MIXED_FRACTION.fullmatch(s):           # "1 3/5": whole part and a fraction
            whole = Decimal(m.group(1))
            part = Decimal(m.group(2)) / Decimal(m.group(3))
            return whole - part if whole < 0 or m.group(1).startswith("-") else whole + part
        s = _SPACES.sub("", s)
        if not s:
            raise ValueError("empty number")
        value = _parse(s, digits, places, mags, multipliers, approx)
    return +value


def _parse(s, digits, places, mags, multipliers, approx) -> Decimal:
    negative = False
    while s and s[0] in "-+负":
        negative ^= s[0] in "-负"
        s = s[1:]
    if not s:
        raise ValueError("a sign alone is not a number")
    if "又" in s:                                            # 三又三分之一
        whole, _, part = s.partition("又")
        value = _parse(whole, digits, places, mags, multipliers, approx) + \
            _parse(part, digits, places, mags, multipliers, approx)
    elif "分之" in s:                                        # 三分之一, 百分之五
        denominator, _, numerator = s.partition("分之")
        den = _parse(denominator or "一", digits, places, mags, multipliers, approx) \
            if denominator else None
        if den is None:
            raise ValueError(f"fraction without a denominator: {s!r}")
        if den == 0:
            raise ValueError(f"zero denominator: {s!r}")
        value = _parse(numerator, digits, places, mags, multipliers, approx) / den
    elif "/" in s:
        numerator, _, denominator = s.partition("/")
        den = _parse(denominator, digits, places, mags, multipliers, approx)
        if den == 0:
            raise ValueError(f"zero denominator: {s!r}")
        value = _parse(numerator, digits, places, mags, multipliers, approx) / den
    elif m := _POWER.fullmatch(s):                          # 2^5, 1.1^+23, 2.5^-1
        exponent = int(m.group(3)) * (-1 if m.group(2).count("-") % 2 else 1)
        if exponent > 100:
            raise ValueError(f"exponent too large: {s!r}")
        value = Decimal(m.group(1)) ** exponent
    else:
        value = _plain(s, digits, places, mags, multipliers, approx)
    return -value if negative else value


def _plain(s, digits, places, mags, multipliers, approx) -> Decimal:
    if _ARABIC.fullmatch(s) and _DIGIT.search(s):
        if "e" in s.lower():
            exponent = s.lower().partition("e")[2]
            if abs(int(exponent)) > 100:
                raise ValueError(f"exponent too large: {s!r}")
        return Decimal(s.replace(",", ""))
    if s[-1] in multipliers and len(s) > 1:                # 40k, 2.5M, 五十打
        return _plain(s[:-1], digits, places, mags, multipliers, approx) * multipliers[s[-1]]
    if s == "半":
        return Decimal("0.5")
    if s.startswith("半") and len(s) == 2 and s[1] in places:   # 半百
        return places[s[1]] / 2
    s = "".join(c for c in s if c not in approx)            # 十余万, 一千多万, 二十几万
    if not s:
        raise ValueError("no digits")
    integer, point, fraction = s.partition("点")
    if point:
        if not fraction or any(c not in digits for c in fraction):
            raise ValueError(f"bad decimal part: {s!r}")
        frac = Decimal("0." + "".join(str(digits[c]) for c in fraction))
    else:
        frac = Decimal(0)
    if not integer:
        raise ValueError(f"no integer part: {s!r}")
    return _integer(_tokens(integer, digits, places, mags), digits) + frac


def _tokens(s, digits, places, mags):
    """Split "3万4千" / "一百零一" into ("n", value, chinese?), ("p", place), ("m", mag), ("z",)."""
    tokens = []
    i = 0
    while i < len(s):
        c = s[i]
        if c.isdigit() or c == ".":
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] in ".,"):
                j += 1
            literal = s[i:j].replace(",", "")
            if "," in s[i:j] and not _GROUPED.fullmatch(s[i:j]):
                raise ValueError(f"bad digit grouping: {s[i:j]!r}")
            if not _ARABIC.fullmatch(literal) or literal.count(".") > 1:
                raise ValueError(f"bad digits: {s[i:j]!r}")
            tokens.append(("n", Decimal(literal), False))
            i = j
            continue
        if c in digits:
            tokens.append(("z",) if digits[c] == 0 else ("n", Decimal(digits[c]), True))
        elif c in places:
            tokens.append(("p", places[c]))
        elif c in mags:
            tokens.append(("m", mags[c]))
        else:
            raise ValueError(f"not a numeral: {c!r} in {s!r}")
        i += 1
    return tokens


def _integer(tokens, digits) -> Decimal:
    """Value of a token list, splitting at its largest magnitude (四万万, 一万五千亿)."""
    if not tokens:
        raise ValueError("empty numeral")
    mag_positions = [i for i, t in enumerate(tokens) if t[0] == "m"]
    if not mag_positions:
        return _section(tokens)
    top = max(tokens[i][1] for i in mag_positions)
    cut = max(i for i in mag_positions if tokens[i][1] == top)
    left, right = tokens[:cut], tokens[cut + 1:]
    if not left:
        raise ValueError("a magnitude needs a number before it")
    high = _integer(left, digits) * top
    if not right:
        return high
    if len(right) == 1 and right[0][0] == "n" and right[0][2] and tokens[cut - 1][0] != "z":
        return high + right[0][1] * top / 10                  # 九万四 = 94000
    return high + _integer(right, digits)


def _section(tokens) -> Decimal:
    """Value below the smallest magnitude: 两千四百五 / 一千零十二 / 百三."""
    total = Decimal(0)
    pending = None          # a digit waiting for its place
    chinese = False
    last_place = None
    zero = False
    for token in tokens:
        kind = token[0]
        if kind == "n":
            if pending is not None:
                raise ValueError("two numbers in a row")      # 两两, 十四五
            pending, chinese = token[1], token[2]
        elif kind == "p":
            place = token[1]
            if last_place is not None and place >= last_place and not zero:
                raise ValueError("places out of order")
            total += (Decimal(1) if pending is None else pending) * place
            last_place, pending, zero = place, None, False
        else:  # zero
            if pending is not None:
                raise ValueError("zero after a digit")        # 二〇二四 is a year, not a number
            zero = True
    if pending is not None:
        if last_place is not None and chinese and not zero and last_place >= 10:
            total += pending * last_place / 10                # 两千四百五 = 2450
        else:
            total += pending
    elif last_place is None and not zero:
        raise ValueError("no digits")
    return total
