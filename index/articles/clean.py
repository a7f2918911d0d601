"""Raw page text -> clean lines: width folding, whitespace, HTML, furniture and metadata lines.

The patterns live in index/data/boilerplate.json; this module only applies them. Every line of
the input gets one role, so segment.py can build paragraphs from the "text" lines and still know
where captions, credits and header dates were.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from index.errors import LexiconError
from index.lexicon import load_json
from index.text import FULLWIDTH_ALNUM, has_han

BOILERPLATE = "boilerplate.json"

# Full-width ASCII that news pages mix into numbers (１２.５％, ＧＤＰ) and the ideographic space.
# One character in, one character out: claim spans found on folded text hold on the original.
# Chinese punctuation (，。：；（）) is left alone; it is part of the text.
FOLD = FULLWIDTH_ALNUM
_FOLDABLE = re.compile("[" + "".join(map(chr, FOLD)) + "]")
_SPACES = re.compile(r"[^\S\n]+")                      # any whitespace run except a newline
# Control characters, zero-width marks and lone surrogates carry no text.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u00ad\ud800-\udfff]")
_MD_HEADING = re.compile(r"#{1,6}\s+")
# A line that ends a sentence: 。！？; or a closing bracket after one; or a parenthetical
# (“……市场。（记者汪海月）”); a colon ends a lead-in (……表示：) that stands as its own
# paragraph. Ends with a comma or mid-word -> the sentence goes on.
_ENDS_SENTENCE = re.compile(r"(?:[。！？!?…；;：:][”’\"'」』）)】》]*|[）)])\s*$")
_ENDS_CLAUSE = re.compile(r"[，,、—-]\s*$")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_HTML_START = re.compile(r"\s*<(?:!doctype|html|head|body|div|p|span|article|section|table|br|h[1-6])\b", re.I)
_HTML_INSIDE = re.compile(r"<html\b|<p>|<p\s|<div[\s>]|<br\s*/?>", re.I)

# Roles of a line.
TEXT, BLANK, FURNITURE, META, DATE, CREDIT, TAIL = "text", "blank", "furniture", "meta", "date", "credit", "tail"


def fold(text: str) -> str:
    """Fold full-width digits, Latin letters, % . + and the ideographic space to ASCII, 1:1."""
    # str.translate walks every character; most texts have nothing to fold, so look first.
    return text.translate(FOLD) if _FOLDABLE.search(text) else text


def compact(text: str) -> str:
    """The text without any whitespace, for lengths and comparisons."""
    return "".join(text.split())


def ends_sentence(text: str) -> bool:
    return bool(_ENDS_SENTENCE.search(text))


def ends_clause(text: str) -> bool:
    return bool(_ENDS_CLAUSE.search(text))


def has_cjk(text: str) -> bool:
    return has_han(text)


def parse_date(text: str) -> dt.date | None:
    """The first real calendar date written as 2022-2-18, 2024/03/23 or 2026年01月27日."""
    for match in _DATE.finditer(text):
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:                 # 2024-13-45 is not a date; try the next one
            continue
    return None


@dataclass
class Rules:
    """boilerplate.json, compiled."""
    labels: dict[str, str]                  # label -> field (published, source, …, ignored)
    label_start: re.Pattern
    label_any: re.Pattern
    placeholders: frozenset[str]
    meta_max: int
    date_line: re.Pattern
    print_citation: re.Pattern
    url_line: re.Pattern
    nav_site: re.Pattern
    generic_sites: frozenset[str]
    furniture: re.Pattern
    link_list_item: re.Pattern
    tail_marker: re.Pattern
    photo_credit: re.Pattern
    credit_suffix: re.Pattern
    byline: re.Pattern
    year: re.Pattern
    year_future_before: re.Pattern
    year_telling_after: re.Pattern
    limits: dict[str, int]


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as err:
        raise LexiconError(f"{BOILERPLATE}: {where}: bad pattern: {err}") from err


def _alternation(entries, where: str) -> re.Pattern:
    parts = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("pattern") or not entry.get("note"):
            raise LexiconError(f"{BOILERPLATE}: {where}[{number}]: needs a pattern and a note")
        _compile(entry["pattern"], f"{where}[{number}] ({entry['note'][:30]})")
        parts.append(f"(?:{entry['pattern']})")
    return re.compile("|".join(parts))


@functools.cache
def rules() -> Rules:
    """Load and compile index/data/boilerplate.json once."""
    data = load_json(BOILERPLATE)
    try:
        meta = data["metadata"]
        labels = {label: name for name, names in meta["labels"].items() for label in names}
        # Longest label first so 消息来源 wins over 来源 and 原文链接 over 原文.
        label_re = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
        year = data["year"]
        limits = data["limits"]
        return Rules(
            labels=labels,
            # 来源：X, 【来源】X, [来源]：X
            label_start=re.compile(rf"[-*•·]?\s*(?:[【\[](?:{label_re})[】\]]\s*[:：]?|(?:{label_re})\s*[:：])"),
            label_any=re.compile(rf"(?:[【\[](?P<boxed>{label_re})[】\]]\s*[:：]?|(?P<label>{label_re})\s*[:：])\s*"),
            placeholders=frozenset(meta["placeholder_values"]),
            meta_max=int(meta["max_line"]),
            date_line=_compile(data["date_line"]["pattern"], "date_line"),
            print_citation=_compile(data["print_citation"]["pattern"], "print_citation"),
            url_line=_compile(data["url_line"]["pattern"], "url_line"),
            nav_site=_compile(data["navigation"]["site"], "navigation.site"),
            generic_sites=frozenset(data["navigation"]["generic_sites"]),
            furniture=_alternation(data["furniture"], "furniture"),
            link_list_item=_alternation(data["link_list_item"], "link_list_item"),
            tail_marker=_alternation(data["tail_markers"], "tail_markers"),
            photo_credit=_alternation(data["photo_credit"], "photo_credit"),
            credit_suffix=_compile(data["credit_suffix"]["pattern"], "credit_suffix"),
            byline=_alternation(data["byline"], "byline"),
            year=_compile(year["pattern"], "year.pattern"),
            year_future_before=_compile(year["future_before"], "year.future_before"),
            year_telling_after=_compile(year["telling_after"], "year.telling_after"),
            limits={key: int(value) for key, value in limits.items() if key != "note"},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        if isinstance(err, LexiconError):
            raise
        raise LexiconError(f"{BOILERPLATE}: missing or malformed entry: {err!r}") from err


@dataclass
class Line:
    text: str
    role: str = TEXT
    caption: bool = False                # a photo credit was cut from its end: it is a caption
    date: dt.date | None = None          # for DATE lines


@dataclass
class Page:
    """A page's lines with their roles, and the metadata its furniture stated."""
    lines: list[Line] = field(default_factory=list)
    published: dt.date | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    site: str | None = None              # from a breadcrumb (网易首页 > …): the outlet if nothing else says
    h1: str | None = None                # the page's headline (<h1>/<h2>) when the input was HTML


# ---------------------------------------------------------------- HTML


class _TextParser(HTMLParser):
    """Keep text, turn block boundaries into newlines, skip scripts, menus and forms.

    Also notes the page's <title> and where each <h1>/<h2> starts, to find the headline.
    """

    BLOCK = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table tbody thead section article header main "
        "blockquote pre hr figure figcaption dd dt dl center address td th caption".split())
    SKIP = frozenset("script style noscript template svg iframe head select option button textarea "
                     "nav footer aside form object embed canvas map".split())
    VOID = frozenset("br hr img input meta link area base col embed source track wbr param".split())

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.headings: list[tuple[int, list[str]]] = []   # (offset in parts, text pieces)
        self.in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP and tag not in self.VOID:
            self.skipping.append(tag)
        elif tag in self.BLOCK:
            self.parts.append("\n")
        if tag in ("h1", "h2") and not self.skipping:
            self.in_heading = True
            self.headings.append((len(self.parts), []))

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag in self.BLOCK:
            self.parts.append("\n")
        if tag in ("h1", "h2"):
            self.in_heading = False

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if not self.skipping:
            self.parts.append(data)
            if self.in_heading and self.headings:
                self.headings[-1][1].append(data)

    def headline(self) -> tuple[int, str] | None:
        """The first <h1>/<h2> that the <title> starts with (or contains); else the first <h1> when no <title>."""
        title = compact("".join(self.title))
        for offset, pieces in self.headings:
            text = " ".join("".join(pieces).split())
            key = compact(text)
            if len(key) >= 4 and (not title or title.startswith(key[:12]) or key in title):
                return offset, text
        return None

    def page_title(self) -> str | None:
        """The <title> without its site suffix (标题_网易财经, 标题--当代商报, 标题 - 新华网)."""
        text = " ".join("".join(self.title).split())
        text = _TITLE_SUFFIX.split(text, maxsplit=1)[0].strip()
        return text if len(compact(text)) >= 4 else None


_TAG = re.compile(r"<[^>]{0,2000}>")
_TITLE_SUFFIX = re.compile(r"\s*(?:_|\||｜|--|\s-\s|\s—\s)\s*")


def looks_like_html(text: str) -> bool:
    """True for a page or fragment of HTML (starts with a tag, or has <html / <p> / <div / <br>)."""
    return bool(_HTML_START.match(text) or _HTML_INSIDE.search(text, 0, 20000))


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Text of an HTML page, one block per line, and its headline; from the headline on when found."""
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:                      # noqa: BLE001 - html.parser can trip on broken markup; strip tags instead
        return _TAG.sub("\n", markup), None
    parts, headline = parser.parts, parser.headline()
    if headline:
        parts = parts[headline[0]:]        # menus and banners above the headline are not the article
        return "".join(parts), headline[1]
    return "".join(parts), parser.page_title()


# ---------------------------------------------------------------- lines


def normalise(text: str) -> list[str]:
    """Fold widths, drop invisible characters, collapse spaces, strip each line."""
    text = _INVISIBLE.sub("", fold(text))
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("#"):
            line = _MD_HEADING.sub("", line, count=1) if _MD_HEADING.match(line) else line
        lines.append(line)
    return lines


def _clean_value(value: str, rules_: Rules) -> str | None:
    value = value.strip(" -|｜/,，;；:：。")
    value = re.split(r"\s{2,}|[（(【\[]", value, maxsplit=1)[0].strip()
    if not value or value in rules_.placeholders or len(value) > 60:
        return None
    return value


def _read_labels(page: Page, text: str, rules_: Rules) -> None:
    """Read every label: value pair of a metadata line into page (the first of each field wins)."""
    matches = list(rules_.label_any.finditer(text))
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        field_ = rules_.labels[match.group("label") or match.group("boxed")]
        value = text[match.end():end]
        if field_ == "published":
            if page.published is None:
                page.published = parse_date(value)
        elif field_ == "url":
            found = re.search(r"https?://\S+", value)
            if found and page.url is None:
                page.url = found.group(0).rstrip("。，,;；)）")
        elif field_ in ("source", "author") and getattr(page, field_) is None:
            setattr(page, field_, _clean_value(value.split(" ")[0] if field_ == "source" else value, rules_))


def _classify(line: str, page: Page, rules_: Rules) -> Line:
    """Give one normalised line its role; read metadata it states into page."""
    if not line:
        return Line(line, BLANK)
    size = len(line)
    if size > rules_.limits["furniture_max"]:
        return Line(line, TEXT)
    if size <= rules_.meta_max:
        if rules_.label_start.match(line):
            _read_labels(page, line, rules_)
            return Line(line, META)
        dated = rules_.date_line.match(line)
        if dated:
            rest = line[dated.end():].strip()
            if not rest:
                return Line(line, DATE, date=parse_date(line))
            if rules_.label_start.match(rest):
                _read_labels(page, rest, rules_)
                if page.published is None:
                    page.published = parse_date(line[:dated.end()])
                return Line(line, META)
        cited = rules_.print_citation.fullmatch(line)
        if cited:
            page.source = page.source or cited.group("source").strip()
            page.published = page.published or parse_date(cited.group("date"))
            return Line(line, META)
        linked = rules_.url_line.fullmatch(line)
        if linked:
            page.url = page.url or linked.group("url")
            return Line(line, META)
    if rules_.tail_marker.fullmatch(line):
        return Line(line, TAIL)
    if rules_.photo_credit.fullmatch(line):
        return Line(line, CREDIT)
    if rules_.byline.fullmatch(line) or rules_.furniture.fullmatch(line) or rules_.link_list_item.fullmatch(line):
        site = rules_.nav_site.match(line)
        if site and page.site is None and site.group("site") not in rules_.generic_sites:
            page.site = site.group("site")
        return Line(line, FURNITURE)
    if size <= rules_.limits["caption_max"] + 30 and (line[-1] in "摄)）" or "图" in line[-24:]):
        credit = rules_.credit_suffix.search(line)
        if credit and credit.start() > 0 and has_cjk(line[:credit.start()]):
            return Line(line[:credit.start()].rstrip(), TEXT, caption=True)
    return Line(line, TEXT)


def is_prose(text: str) -> bool:
    """A real paragraph: long enough and finishing its sentence."""
    return len(text) >= 40 and ends_sentence(text)


def _cut_tail(lines: list[Line]) -> None:
    """After a related/hot-news header that follows prose, drop the list: every line to the end.

    A header followed by prose within the next lines (a digest's 宏观要闻 section) is only a
    heading that is dropped; the prose after it stays.
    """
    seen_prose = False
    for number, line in enumerate(lines):
        if line.role == TEXT and is_prose(line.text):
            seen_prose = True
        elif line.role == TAIL:
            window = [other for other in lines[number + 1:number + 40] if other.role == TEXT][:12]
            if seen_prose and not any(is_prose(other.text) for other in window):
                for other in lines[number:]:
                    other.role = TAIL
                return
            line.role = FURNITURE


def scan(text: str) -> Page:
    """Split raw text (or HTML) into classified lines and the metadata its furniture states."""
    page = Page()
    if not isinstance(text, str) or not text.strip():
        return page
    if looks_like_html(text):
        text, page.h1 = html_to_text(text)
        page.h1 = fold(page.h1) if page.h1 else None
    rules_ = rules()
    lines = [_classify(line, Page(), rules_) for line in normalise(text)]
    _cut_tail(lines)
    # Metadata is read again, in order, from the lines that survived the tail cut: a related
    # story's 来源 or timestamp must not become this article's.
    for line in lines:
        if line.role in (META, FURNITURE):
            _classify(line.text, page, rules_)
    page.lines = [line for line in lines if line.role != TAIL]
    return page
