"""Raw article text -> Article with metadata and clean, typed paragraphs.

    article = parse_article(text, id=None, title=None, published=None, source=None, url=None)

Metadata given by the caller wins; what is missing is read from the page (clean.scan). The
paragraphs are the page's text lines, with lines cut mid-sentence joined again, page-copy
duplicates dropped and each one typed: title, deck, heading, caption or body.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from index.articles import clean
from index.models import Article, Paragraph

# Clauses end at a comma, a semicolon or a sentence mark (with closing quotes after it).
_CLAUSE = re.compile(r"[^，,；;。！？!?]*[，,；;。！？!?]+[”’\"'」』）)]*|[^，,；;。！？!?]+$")
_CLAUSE_TRIM = re.compile(r"[\s，,；;。！？!?”’\"'」』）)]+$")
_INNER_STOP = re.compile(r"[。！？!?]")
_ASCII_END = re.compile(r"[A-Za-z0-9]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9]")


@dataclass
class _Block:
    """A paragraph being built: text, whether a credit marked it a caption, and its kind."""
    text: str
    caption: bool = False
    kind: str | None = None


def parse_article(text, id=None, title=None, published=None, source=None, url=None) -> Article:
    """Clean and segment raw article text (or HTML); caller metadata wins over the page's."""
    raw = text if isinstance(text, str) else ""
    page = clean.scan(raw)
    blocks, header_date = _blocks(page.lines)
    limits = clean.rules().limits

    given_title = _given(title)
    found_title = _mark_title(blocks, given_title or page.h1, limits)
    if given_title and not found_title and blocks:        # only furniture -> still no paragraphs
        blocks.insert(0, _Block(" ".join(clean.fold(given_title).split()), kind="title"))
    if found_title:
        _mark_deck(blocks, limits)
    blocks = _join_fragments(blocks, limits)
    _type(blocks, limits)
    blocks = _drop_repeats(blocks, limits)
    paragraphs = [Paragraph(index=number, text=block.text, kind=block.kind)
                  for number, block in enumerate(blocks)]

    if isinstance(published, dt.datetime):
        published = published.date()
    published = published if isinstance(published, dt.date) else None
    published = published or page.published or header_date
    title_text = given_title or next((b.text for b in blocks if b.kind == "title"), None) or page.h1
    return Article(
        id=id,
        text=raw,
        title=title_text,
        published=published,
        source=_given(source) or page.source or page.site,
        url=_given(url) or page.url,
        author=page.author,
        year=published.year if published else establish_year(paragraphs),
        paragraphs=paragraphs,
    )


def _given(value) -> str | None:
    """A caller's metadata string, trimmed; None when missing or blank."""
    return value.strip() or None if isinstance(value, str) else None


def _blocks(lines: list[clean.Line]) -> tuple[list[_Block], dt.date | None]:
    """Text lines as blocks; a photo credit marks the line above it as a caption.

    Also returns the first date standing alone on a line above the first sentence (a page's
    date line under its headline), which dates the article when no labelled date does.
    """
    limits = clean.rules().limits
    blocks: list[_Block] = []
    header_date = None
    previous: clean.Line | None = None
    for line in lines:
        if line.role == clean.TEXT:
            blocks.append(_Block(line.text, caption=line.caption))
        elif line.role == clean.CREDIT:
            if (previous is not None and previous.role == clean.TEXT and blocks
                    and len(blocks[-1].text) <= limits["caption_max"]):
                blocks[-1].caption = True
        elif line.role == clean.DATE:
            if header_date is None and not any(clean.ends_sentence(b.text) for b in blocks):
                header_date = line.date
        if line.role != clean.BLANK:
            previous = line
    return blocks, header_date


def _heading_like(text: str, limits) -> bool:
    """Short, and stops without finishing a sentence or a clause: a heading, deck or caption."""
    return (len(clean.compact(text)) <= limits["heading_max"]
            and not clean.ends_sentence(text) and not clean.ends_clause(text))


def _title_like(text: str, limits) -> bool:
    """Short, with Chinese in it, and no finished or running sentence (no 。, no trailing comma)."""
    size = len(clean.compact(text))
    return (2 <= size <= limits["title_max"] and clean.has_cjk(text) and "。" not in text
            and not clean.ends_clause(text) and not text.endswith(("；", ";", "：", ":")))


def _same_title(line: str, title: str) -> bool:
    a, b = clean.compact(line), clean.compact(title)
    return a == b or (min(len(a), len(b)) >= 6 and (a.endswith(b) or b.endswith(a) or b.startswith(a)))


def _mark_title(blocks: list[_Block], title: str | None, limits) -> bool:
    """Mark the page's headline as the title paragraph; True when one was found.

    With a known title, the first of the opening lines that matches it; otherwise the first
    line when it reads like a headline (short, not a finished sentence).
    """
    if not blocks:
        return False
    if title:
        for block in blocks[:4]:
            if _same_title(block.text, title):
                block.kind = "title"
                return True
            if clean.is_prose(block.text):
                break
        return False
    first = blocks[0]
    if not first.caption and _title_like(first.text, limits):
        first.kind = "title"
        return True
    return False


def _mark_deck(blocks: list[_Block], limits) -> None:
    """A short line right under the title (a subtitle, a ——lead) is its deck."""
    for number, block in enumerate(blocks[:-1]):
        if block.kind == "title":
            below = blocks[number + 1]
            if (not below.caption and below.kind is None
                    and (below.text.startswith(("——", "—", "--"))
                         or (len(clean.compact(below.text)) <= limits["title_max"]
                             and not clean.ends_sentence(below.text) and not clean.ends_clause(below.text)))):
                below.kind = "deck"
            return


def _is_fragment(block: _Block, limits) -> bool:
    """A body line cut mid-sentence: it stops without a sentence mark, and it ends on a comma,
    or is longer than any heading, or already holds a finished sentence (no heading has a 。)."""
    if block.kind is not None or block.caption:
        return False
    text = block.text
    if clean.ends_sentence(text):
        return False
    return (clean.ends_clause(text) or len(clean.compact(text)) >= limits["fragment_min"]
            or bool(_INNER_STOP.search(text)))


def _continues(block: _Block, limits) -> bool:
    """Can this line be the rest of a cut sentence? Not a heading, caption or title."""
    return block.kind is None and not block.caption and not _heading_like(block.text, limits)


def _glue(left: str, right: str) -> str:
    space = " " if _ASCII_END.search(left) and _ASCII_START.search(right) else ""
    return left + space + right


def _join_fragments(blocks: list[_Block], limits) -> list[_Block]:
    """Join lines split mid-sentence, also across a caption printed between the halves."""
    out: list[_Block] = []
    pending = list(reversed(blocks))
    while pending:
        block = pending.pop()
        captions: list[_Block] = []        # printed inside the sentence; they go after it
        while _is_fragment(block, limits):
            skipped = []
            while pending and pending[-1].caption:
                skipped.append(pending.pop())
            if pending and _continues(pending[-1], limits):
                block = _Block(_glue(block.text, pending.pop().text))
                captions.extend(skipped)
            else:
                pending.extend(reversed(skipped))
                break
        out.append(block)
        out.extend(captions)
    return out


def _type(blocks: list[_Block], limits) -> None:
    """Give every block without a kind one: caption, heading or body."""
    for block in blocks:
        if block.kind:
            continue
        if block.caption:
            block.kind = "caption"
        elif _heading_like(block.text, limits):
            block.kind = "heading"
        else:
            block.kind = "body"
    # An image's alt text and its caption printed one after the other: the same short line twice.
    for before, after in zip(blocks, blocks[1:]):
        if (before.kind in ("heading", "caption") and after.kind == before.kind
                and clean.compact(before.text) == clean.compact(after.text)):
            before.kind = after.kind = "caption"


def _clauses(text: str) -> list[str]:
    return _CLAUSE.findall(text)


def _clause_key(clause: str) -> str:
    return _CLAUSE_TRIM.sub("", clause).replace(" ", "")


def _drop_repeats(blocks: list[_Block], limits) -> list[_Block]:
    """Drop what the page copy repeated: the second of two equal adjacent lines, a body
    paragraph already printed (alone or inside an earlier one), and runs of clauses a body
    paragraph repeats (a copy loop, or a sentence pasted again from an earlier paragraph)."""
    out: list[_Block] = []
    seen_bodies: set[str] = set()
    seen_clauses: set[str] = set()
    body_text: list[str] = []
    for block in blocks:
        key = clean.compact(block.text)
        if out and key == clean.compact(out[-1].text):
            continue
        if block.kind != "body":
            out.append(block)
            continue
        if key in seen_bodies:
            continue
        clauses = _clauses(block.text)
        keys = [_clause_key(clause) for clause in clauses]
        known = [k in seen_clauses and len(k) > 1 for k in keys]
        if clauses and sum(known) >= max(1, len(keys) - 1) and key in "".join(body_text):
            continue                       # the whole paragraph was printed before
        kept = _without_repeated_runs(clauses, keys, seen_clauses, limits["repeat_min"])
        text = "".join(kept).strip()
        if not text or (len(text) < len(block.text) and len(clean.compact(text)) < 4):
            continue
        block.text = text
        seen_bodies.add(key)
        body_text.append(clean.compact(text))
        out.append(block)
    return out


def _without_repeated_runs(clauses: list[str], keys: list[str], seen: set[str], minimum: int) -> list[str]:
    """The clauses minus every run of two or more already-seen clauses at least `minimum` long."""
    kept: list[str] = []
    run: list[str] = []

    def flush():
        if len(run) >= 2 and sum(map(len, run)) >= minimum:
            run.clear()                    # a repeated run: drop it
        else:
            kept.extend(run)
            run.clear()

    for clause, key in zip(clauses, keys):
        if key and key in seen and len(key) > 1:
            run.append(clause)
        else:
            flush()
            kept.append(clause)
        if key:
            seen.add(key)
    flush()
    return kept


def establish_year(paragraphs: list[Paragraph]) -> int | None:
    """The year the article's own text dates itself to, or None.

    Years written in the title, headings, captions and body count once, twice when a period
    or an event follows them (2024年一季度, 2024年“游购乡村”); years after a future marker
    (到2025年) do not count. The best-scored year wins, the later one on a tie.
    """
    rules_ = clean.rules()
    scores: Counter[int] = Counter()
    for paragraph in paragraphs:
        text = paragraph.text
        for match in rules_.year.finditer(text):
            if rules_.year_future_before.search(text, max(0, match.start() - 6), match.start()):
                continue
            telling = rules_.year_telling_after.match(text, match.end("year"))
            scores[int(match.group("year"))] += 2 if telling else 1
    if not scores:
        return None
    return max(scores, key=lambda year: (scores[year], year))
