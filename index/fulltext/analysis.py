"""Chinese text analysis for the Whoosh index: jieba words with exact offsets and ordinal positions.

One segmentation serves indexing, querying and highlighting (and can serve the claim
extractor): `tokens(text)` gives jieba's words of a text as (word, start, end) tuples,
`index_terms(text)` the terms the index holds. What the stock `jieba.analyse.ChineseAnalyzer`
gets wrong and this module does instead:

- one-character non-Han tokens are kept: the 5 of 新增5个项目, the 3 of 3月, %;
- full-width characters are folded to half-width 1:1 first, so offsets still slice the text;
- English is lowercased, never stemmed;
- positions are token ordinals (characters go to start/end char), so phrase queries work;
- a number is one term (1,000 -> 1000; 12.5% -> 12.5 and %), followed by its unit as the
  next position: 190亿元 is 190 then 亿元, so the query side can ask for the phrase and
  "项目190个，总投资30亿元" never matches it;
- a long word is also indexed by the dictionary words inside it, at the same position
  (润滑油 also as 润滑), so a query for a part still finds it;
- punctuation and white space take no position, so a phrase spans them as if absent.

Importing this module does not import `jieba.analyse` (keyword tables: +0.5 s, +100 MB) and
does not load a dictionary; the segmenter is built on first use.

Segmentation runs on rjieba (jieba-rs, Rust): the same dictionary, HMM and user words as
jieba, 8x faster, ready in 0.1 s and sharing no Python objects. jieba-rs keeps a run such as
S-300, BQ.1.1 or 2023-2024 in one token where jieba cuts it with its `re_skip` pattern
(S - 300); `tokens()` cuts those runs the same way, so the words are jieba's own: over the
126,320 paragraphs of the test corpus every (word, start, end) is identical
(bench/ingest.py's README section). `segmenter()`, the Python jieba.Tokenizer, stays for
callers that need jieba's API; the index and queries do not load it.
"""
from __future__ import annotations

import functools
import logging
import re
import threading

from whoosh.analysis import Analyzer, Token

from index.lexicon import load_lines
from index.text import FULLWIDTH_ASCII, HAN

log = logging.getLogger(__name__)

# Full-width ASCII (！..～) -> ASCII, ideographic space -> space, ￥ -> ¥: one character for one.
WIDTH_FOLD = FULLWIDTH_ASCII | {0xFFE5: 0xA5}          # and ￥ -> ¥, a unit symbol kept in the index
NUMBER = re.compile(r"\d+(?:\.\d+)?")
NUMBER_WITH_SIGN = re.compile(r"(\d+(?:\.\d+)?)([%‰])")
DIGIT_GROUP = re.compile(r"\d{3}")
DIGIT_GROUPS = re.compile(r"\d[,，]\d{3}")     # in a text before width folding: 1,000 or 1，000
# Symbols that are units and must stay searchable although they are not word characters.
UNIT_SYMBOLS = frozenset("%‰℃$¥€£")
SKIP = re.compile(r"[\W_]+")             # punctuation and white space: no term, no position

CACHE_SIZE = 2048                          # texts whose segmentation is kept (highlighting, reindex)
SUBWORD_CACHE_SIZE = 50_000                # long words whose sub-words are kept (~10 MB at most)

# jieba's finalseg.re_skip: how jieba cuts a run of letters, digits and signs it does not know
JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
HAN_CHAR = re.compile(r"[\u4E00-\u9FD5]")

_lock = threading.Lock()
_segmenter = None
_fast = None


def fold_width(text: str) -> str:
    """Fold full-width ASCII and the ideographic space to half-width; same length as `text`."""
    return text.translate(WIDTH_FOLD)


def user_words() -> list[tuple[str, int | None]]:
    """(word, frequency or None) of each line of index/data/userdict.txt."""
    words = []
    for line in load_lines("userdict.txt"):
        word, *rest = line.split()
        words.append((word, int(rest[0]) if rest and rest[0].isdigit() else None))
    return words


def segmenter():
    """Our own jieba.Tokenizer with index/data/userdict.txt; jieba's global one stays untouched."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                import jieba   # deferred: building the prefix dictionary takes ~0.7 s

                seg = jieba.Tokenizer()
                seg.initialize()
                # add_word rather than load_userdict: the file has comments jieba would read as words
                for word, freq in user_words():
                    seg.add_word(word, freq)
                _segmenter = seg
    return _segmenter


def fast_segmenter():
    """An rjieba.Jieba with jieba's dictionary and index/data/userdict.txt (built once, 0.1 s)."""
    global _fast
    if _fast is None:
        with _lock:
            if _fast is None:
                import rjieba

                seg = rjieba.Jieba()
                for word, freq in user_words():
                    seg.add_word(word, freq, None)
                _fast = seg
    return _fast


def is_word(word: str) -> bool:
    """Whether `word` is in the segmentation dictionary (jieba's FREQ[word] > 0)."""
    return fast_segmenter().has_word(word)


def _jieba_words(text: str):
    """jieba's (word, start, end) of `text` (already width-folded), computed by rjieba."""
    out = []
    for token in fast_segmenter().tokenize(text):
        word = token[0]
        if len(word) > 1 and not word.isalnum() and not HAN_CHAR.search(word):
            start = token[1]
            for piece in JIEBA_SKIP.split(word):     # S-300 -> S, -, 300 as jieba has it
                if piece:
                    out.append((piece, start, start + len(piece)))
                    start += len(piece)
        else:
            out.append(token)
    return out


@functools.cache
def stopwords() -> frozenset[str]:
    """Query stopwords from index/data/stopwords.txt (lowercase)."""
    return frozenset(word.lower() for word in load_lines("stopwords.txt"))


@functools.lru_cache(maxsize=CACHE_SIZE)
def tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """Segment `text` once: jieba's words (after width folding) as (word, start, end) tuples.

    Every character belongs to exactly one tuple, punctuation and white space included, so
    `text[start:end]` is the word as written (before folding). Cached per text.
    """
    return tuple(_jieba_words(fold_width(text)))


def _merge_digit_groups(text: str, words):
    """Join 1 , 000 into one number word 1000 spanning the whole "1,000"."""
    if not DIGIT_GROUPS.search(text):
        return words
    out = []
    i = 0
    while i < len(words):
        word, start, end = words[i]
        if word.isdigit():
            text = word
            while (i + 2 < len(words) and words[i + 1][0] == "," and words[i + 1][1] == end
                   and DIGIT_GROUP.fullmatch(words[i + 2][0]) and words[i + 2][1] == end + 1):
                text += words[i + 2][0]
                end = words[i + 2][2]
                i += 2
            word = text
        out.append((word, start, end))
        i += 1
    return out


@functools.lru_cache(maxsize=SUBWORD_CACHE_SIZE)
def _subwords(word: str) -> tuple[tuple[str, int], ...]:
    """The dictionary words strictly inside a Han word of 3+ characters, as (sub, offset).

    Memoised: a long word costs ~n²/2 dictionary lookups, and the same words recur across
    passages (the cache holds the frequent ones; ~0.1 µs a hit instead of ~3 µs)."""
    known = fast_segmenter().has_word
    n = len(word)
    return tuple((word[i:j], i) for i in range(n - 1)
                 for j in range(i + 2, n + 1 if i else n)        # never the whole word itself
                 if known(word[i:j]))


@functools.lru_cache(maxsize=CACHE_SIZE)
def index_terms(text: str, subwords: bool = True) -> tuple[tuple[str, int, int, int], ...]:
    """The terms of `text` as (term, position, start, end); positions are word ordinals.

    Terms are lowercase, numbers without thousands separators; `text[start:end]` is the
    surface of each term. With `subwords`, the dictionary words inside a long word follow it
    at the same position (used for indexing; queries use the plain words).
    """
    out = []
    pos = 0
    for word, start, end in _merge_digit_groups(text, tokens(text)):
        # the regular expressions only where they can match: a word starting with a word
        # character is not SKIP, and only a word ending in % or ‰ is a number with its sign
        if not word[0].isalnum() and SKIP.fullmatch(word) and word not in UNIT_SYMBOLS:
            continue
        split = NUMBER_WITH_SIGN.fullmatch(word) if word[-1] in "%‰" else None
        if split:                                        # 12.5% -> 12.5, %
            cut = start + len(split.group(1))
            out.append((split.group(1), pos, start, cut))
            out.append((split.group(2), pos + 1, cut, end))
            pos += 2
            continue
        term = word.lower()
        out.append((term, pos, start, end))
        if subwords and len(word) > 2 and HAN.match(word):
            out.extend((sub, pos, start + offset, start + offset + len(sub)) for sub, offset in _subwords(word))
        pos += 1
    return tuple(out)


def is_number(term: str) -> bool:
    return bool(NUMBER.fullmatch(term))


class JiebaAnalyzer(Analyzer):
    """A Whoosh analyzer over `index_terms`; picklable, it holds no segmenter of its own.

    At index time it also yields the subwords of long words; in "query" mode only the words.
    """

    def __init__(self, subwords: bool = True):
        self.subwords = subwords

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        subwords = self.subwords and mode != "query"
        for term, pos, start, end in index_terms(value, subwords):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def chinese_analyzer() -> JiebaAnalyzer:
    """The analyzer of the `text` and `title` fields."""
    return JiebaAnalyzer()
