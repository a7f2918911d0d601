"""What every stage needs to know about Chinese text: which characters are Han, how full-width
forms fold to ASCII, how a word list becomes a regular expression. One definition of each, so
cleaning, extraction and search never disagree."""
from __future__ import annotations

import re
from collections.abc import Iterable

# CJK Unified Ideographs, Extension A and the compatibility block.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGES}]")

# Full-width ASCII (！..～) -> ASCII and the ideographic space -> space: one character for one,
# so spans found on folded text hold on the original.
FULLWIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Only digits, Latin letters, ％ ． ＋ and the space: what cleaning folds and numbers need;
# Chinese punctuation (，：（）) stays as written, it is part of the text.
FULLWIDTH_ALNUM = {code: to for code, to in FULLWIDTH_ASCII.items() if chr(to).isalnum() or chr(to) in "%.+ "}


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, escaped, longest first so 亿元 wins over 元."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


def abbreviates(short: str, long: str) -> bool:
    """`short` is `long` with characters left out, in order (金上到湖北 in 金沙江上游送湖北 once
    the connectors are gone; 文化企业 in 规模以上文化及相关产业企业): a shortened name."""
    if not short or len(short) > len(long):
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)
