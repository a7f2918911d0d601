"""The user's words -> the Whoosh query we build ourselves, and the typed filters.

Never hands user input to Whoosh's query-language parser. What a query means:

- "quoted text" (also “…” and 「…」) is a phrase every hit contains, words in that order;
- a number with its unit (190亿元, 3月, 12.5%) is such a phrase too, so 190亿元 never
  matches "项目190个，总投资30亿元"; a bare number is a required term;
- every other word is optional but ranked: a word jieba splits into parts (清原抽水蓄能电站)
  scores highest where its parts stand together, then where they all occur, and still
  matches a passage with only a part (清原抽蓄一期). The article's title adds a little to
  passages the text matched;
- with several words, a passage's score is multiplied by the share of them it holds
  (coordination), so the passage with every word the reader remembers comes first;
- an article's title passage weighs half: every hit shows its article's title already;
- a heading is also found through the paragraph it heads, at half that paragraph's score: a
  快讯 headline restates its brief without the figures the reader remembers. Stopwords, operators (AND OR NOT) and punctuation (* ( ") are plain text.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from whoosh import query as wq

from index.errors import QueryError
from index.fulltext.analysis import HAN, fold_width, index_terms, is_number, is_word, stopwords
from index.fulltext.queries import Coordinated, CountedPhrase, KindPrior, WithSection

MAX_QUERY_CHARS = 200        # longer input is searched up to here (the API refuses q over MAX_QUERY_CHARS, 500)
MAX_TERMS = 24               # terms beyond this are ignored
PHRASE_BOOST = 1.5           # parts of one word standing together, in order
ALL_PARTS_BOOST = 0.5        # all parts of one word occurring in the passage
TITLE_BOOST = 0.25           # a query term in the article's title
ABBREVIATION_BOOST = 0.5     # 抽蓄 for 抽水蓄能
# The article's title passage repeats what every hit shows (its article's title) and already adds
# to every passage through the title field: it ranks after a body passage that says as much.
KIND_WEIGHTS = {"title": 0.5}
SECTION_WEIGHT = 0.5         # a heading matched through the paragraph it heads, times that paragraph's score
COORDINATION = 1.0           # exponent of (words matched / words typed) on the score (0: off)

QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
QUOTES = re.compile(r'["“”「」『』]')


@dataclass(frozen=True)
class ParsedQuery:
    """What to ask the index: required phrases/terms, optional ranked words, what to mark."""
    query: wq.Query | None               # None: nothing to search for (punctuation only)
    marks: tuple[tuple[str, ...], ...]   # term sequences to highlight (length 1: a single term)


# -- building the query ---------------------------------------------------------------------

def _terms(text: str) -> list[tuple[str, int, int, int]]:
    return list(index_terms(text, subwords=False))


def _term_query(term: str) -> wq.Query:
    return wq.Term("text", term)


def _sequence_query(words: list[str]) -> wq.Query:
    return wq.Term("text", words[0]) if len(words) == 1 else CountedPhrase("text", words)


def _number_groups(terms):
    """Split a chunk's terms into number groups (a number, its unit, the next number…) and the rest."""
    groups, rest = [], []
    i = 0
    while i < len(terms):
        if not is_number(terms[i][0]):
            rest.append(terms[i])
            i += 1
            continue
        group = [terms[i]]
        i += 1
        while i < len(terms) and terms[i][2] == group[-1][3]:      # touches the previous term
            if is_number(group[-1][0]) or is_number(terms[i][0]):
                group.append(terms[i])
                i += 1
            else:
                break
        groups.append([t[0] for t in group])
    return groups, rest


def _runs(terms):
    """Maximal runs of terms at consecutive positions."""
    runs, run = [], []
    for term in terms:
        if run and term[1] != run[-1][1] + 1:
            runs.append(run)
            run = []
        run.append(term)
    if run:
        runs.append(run)
    return runs


def _abbreviations(terms, stop, known) -> list[str]:
    """Contractions of adjacent parts by their first characters (抽水 蓄能 -> 抽蓄) that are words.

    Chinese abbreviates a compound by the first character of each part; only contractions
    that are words (in the dictionary, or `known`: found in the index as a word) are used.
    """
    out = []
    for run in _runs([t for t in terms if t[0] not in stop]):
        words = [t[0] for t in run]
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                parts = words[i:i + size]
                if all(len(p) >= 2 and HAN.match(p) for p in parts):
                    short = "".join(p[0] for p in parts)
                    if short not in words and (is_word(short) or (known and known(short))):
                        out.append(short)
    return list(dict.fromkeys(out))


def _word_query(terms, stop, known=None) -> tuple[wq.Query | None, list[tuple[str, ...]]]:
    """The optional, ranked query of one whitespace-separated word of the user's."""
    content = list(dict.fromkeys(t[0] for t in terms if t[0] not in stop))
    if not content:
        return None, []
    marks = [(t,) for t in content]
    if len(content) == 1:
        return _term_query(content[0]), marks
    parts = [wq.Or([_term_query(t) for t in content])]
    if ALL_PARTS_BOOST:
        parts.append(wq.And([wq.Term("text", t) for t in content], boost=ALL_PARTS_BOOST))
    for run in _runs(terms):
        words = [t[0] for t in run]
        if len(words) > 1 and any(w not in stop for w in words):
            parts.append(CountedPhrase("text", words, boost=PHRASE_BOOST))
    if ABBREVIATION_BOOST:
        for short in _abbreviations(terms, stop, known):
            parts.append(wq.Term("text", short, boost=ABBREVIATION_BOOST))
            marks.append((short,))
    return wq.Or(parts), marks


def _with_section(q: wq.Query) -> wq.Query:
    """`q`, also matching a heading through the paragraph it heads (queries.WithSection)."""
    if not SECTION_WEIGHT:
        return q
    source = q
    if type(q) is wq.Or and any(type(s) is CountedPhrase for s in q.subqueries):
        source = wq.Or([s for s in q.subqueries if type(s) is not CountedPhrase], boost=q.boost)
    return WithSection(q, source, SECTION_WEIGHT)


def parse_query(q: str, known=None) -> ParsedQuery:
    """Turn the user's text into a Whoosh query (None when it holds no word: punctuation only).

    `known(word) -> bool` tells whether the index holds a word (used for abbreviations).
    A query made only of stopwords (的, 和地) is searched as written: its words, ranked like
    any others, rather than refused.
    """
    parsed = _parse(q, stopwords(), known)
    return parsed if parsed.query is not None else _parse(q, frozenset(), known)


def _parse(q: str, stop, known) -> ParsedQuery:
    text = fold_width((q or "")[:MAX_QUERY_CHARS])
    required: list[wq.Query] = []
    optional: list[wq.Query] = []
    marks: list[tuple[str, ...]] = []
    budget = MAX_TERMS

    def take(terms):
        nonlocal budget
        terms = terms[:max(budget, 0)]
        budget -= len(terms)
        return terms

    phrases = []

    def keep_phrase(match):
        phrases.append(next(g for g in match.groups() if g is not None))
        return " "
    loose = QUOTES.sub(" ", QUOTED.sub(keep_phrase, text))   # an unbalanced quote is plain text

    for phrase in phrases:
        words = [t[0] for t in take(_terms(phrase))]
        if words:
            required.append(_with_section(_sequence_query(words)))
            marks.append(tuple(words))
    for chunk in loose.split():
        groups, rest = _number_groups(take(_terms(chunk)))
        for words in groups:
            required.append(_with_section(_sequence_query(words)))
            marks.append(tuple(words))
        word_query, word_marks = _word_query(rest, stop, known)
        if word_query is not None:
            optional.append(_with_section(word_query))
            marks.extend(word_marks)

    if not required and not optional:
        return ParsedQuery(None, ())
    if COORDINATION and len(required) + len(optional) > 1:
        query = Coordinated(required, optional, COORDINATION)
    else:
        should = optional[0] if len(optional) == 1 else wq.Or(optional) if optional else None
        if required:
            must = required[0] if len(required) == 1 else wq.And(required)
            query = wq.AndMaybe(must, should) if should is not None else must
        else:
            query = should
    titled = list(dict.fromkeys(t for seq in marks for t in seq if t not in stop and not is_number(t)))
    if TITLE_BOOST and titled:
        # the title only adds to passages the text matched: it ranks, it never widens the result
        query = wq.AndMaybe(query, wq.Or([wq.Term("title", t) for t in titled], boost=TITLE_BOOST))
    if KIND_WEIGHTS:
        query = KindPrior(query, KIND_WEIGHTS)
    return ParsedQuery(query, tuple(dict.fromkeys(marks)))


# -- filters ----------------------------------------------------------------------------------

def _date(value, end=False) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError as err:
            raise QueryError(f"not a date (YYYY-MM-DD): {value!r}") from err
    if end:
        return dt.datetime(value.year, value.month, value.day, 23, 59, 59, 999999)
    return dt.datetime(value.year, value.month, value.day)


def filter_query(source=None, published_from=None, published_to=None, has_claims=None,
                 dimension=None, kind=None) -> wq.Query | None:
    """The typed filters as one Whoosh query (None: no filter)."""
    parts: list[wq.Query] = []
    if source:
        parts.append(wq.Term("source", source))
    start, end = _date(published_from), _date(published_to, end=True)
    if start or end:
        parts.append(wq.DateRange("published", start, end))
    if has_claims is not None:
        parts.append(wq.Term("has_claims", bool(has_claims)))
    if dimension:
        parts.append(wq.Term("dimensions", str(dimension).lower()))
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        parts.append(wq.Or([wq.Term("kind", k) for k in kinds]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
