"""Raw HTML page -> the article's main text (one block per line, headline first), title, date, outlet.

The page is decoded (UTF-8 when it is UTF-8, else its declared charset when that decodes, else
charset-normalizer's guess), parsed with lxml, stripped of code and page chrome, and the element
holding the article is found by text density: every paragraph with Chinese text gives points to
its container (punctuation, length) and half to the container's parent; link-heavy containers lose
their points, and a container far below the headline scores less. The text is then read block by
block, skipping furniture elements (share tools, related lists) inside it; the line-level furniture
rules of clean.py and the segmenter do the rest, as for text input.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import charset_normalizer
import lxml.etree
import lxml.html

from index.articles import clean
from index.articles.segment import parse_article
from index.errors import LexiconError
from index.lexicon import load_json
from index.models import Article
from index.text import HAN, HAN_RANGES

HTML_RULES = "html.json"

_BLOCK = frozenset("p div br li ul ol h1 h2 h3 h4 h5 h6 tr table tbody thead section article header main "
                   "blockquote pre hr figure figcaption dd dt dl center address td th caption".split())
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CONTAINERS = ("div", "section", "article", "main", "td", "span", "font", "center", "li", "body")
_PUNCT = re.compile(r"[，。,；！？]")
# libxml2 refuses text with control characters and non-characters; they carry no text anyway
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_DECL = re.compile(r"^[\s\ufeff]*<\?xml[^>]*>", re.I)
_DOCUMENT = re.compile(r"<(?:html|head|body)\b", re.I)         # a whole page, not a feed item's fragment
# Included headers close </body></html> early; libxml2 then drops the rest of the page.
_EARLY_CLOSE = re.compile(r"</(?:html|body)\s*>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ARROW_LINK = re.compile(r"\S.{0,20}(?:>>|»|›)\s*")      # 返回首页>>, 更多»: a way out of the article
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|\s-\s|—|-)\s*")


@dataclass
class Rules:
    """html.json, compiled."""
    dropped: tuple[str, ...]
    furniture: re.Pattern
    article: re.Pattern


@functools.cache
def rules() -> Rules:
    """Load and compile index/data/html.json once."""
    data = load_json(HTML_RULES)
    try:
        return Rules(tuple(data["dropped_tags"]["tags"]), re.compile(data["furniture_attributes"]["pattern"]),
                     re.compile(data["article_attributes"]["pattern"]))
    except (KeyError, TypeError, re.error) as err:
        raise LexiconError(f"{HTML_RULES}: missing or malformed entry: {err!r}") from err


@dataclass
class HtmlPage:
    text: str
    title: str | None = None
    published: dt.date | None = None
    source: str | None = None
    url: str | None = None


# ---------------------------------------------------------------- decoding

def decode(data: bytes) -> str:
    """Bytes in any charset -> str: UTF-8 if it decodes, else the declared charset if it decodes, else a guess."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data, 0, 4096)
    if declared:
        name = declared.group(1).decode("ascii").lower()
        if name in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
            name = "gb18030"                                   # the superset pages really use
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", "replace")


# ---------------------------------------------------------------- helpers

def _size(text: str) -> int:
    return len("".join(text.split()))


def _attrs(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def _is_furniture(el, rules_) -> bool:
    attrs = _attrs(el)
    return bool(attrs) and bool(rules_.furniture.search(attrs)) and not rules_.article.search(attrs)


def _link_size(el) -> int:
    return sum(_size(a.text_content()) for a in el.iter("a"))


def _link_heavy(el) -> bool:
    """A list of links (related news, tags), or a block that is nothing but a link (点击进入…>>)."""
    if el.tag not in _BLOCK:
        return False
    links = el.findall(".//a")
    if not links:
        return False
    total = _size(el.text_content())
    share = _link_size(el) / total if total else 0
    return (len(links) >= 2 and share > 0.5) or share >= 0.9


def _arrow_link(el) -> bool:
    return el.tag == "a" and bool(_ARROW_LINK.fullmatch(el.text_content().strip()))


def _prune(root, rules_) -> None:
    for el in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        el.drop_tree()
    for el in list(root.iter(*rules_.dropped)):
        if el.getparent() is not None:
            el.drop_tree()


def _own_text(el) -> str:
    """A container's own text: its text, inline children and tails, not its blocks."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _BLOCK and child.tag != "a":
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return "".join(parts)


def _scores(body) -> dict:
    scores: dict = {}
    for el in body.iter("p", "pre", *_CONTAINERS):
        text = el.text_content() if el.tag in ("p", "pre") else _own_text(el)
        size = _size(text)
        if size < 20 or not HAN.search(text):
            continue
        points = 1 + len(_PUNCT.findall(text)) + min(size / 100, 3)
        holder = el.getparent() if el.tag in ("p", "pre") else el
        for level in (0, 1):
            if holder is None:
                break
            scores[holder] = scores.get(holder, 0) + points / (1 + level)
            holder = holder.getparent()
    return scores


def _lines(el, out: list[str], rules_, skip: int, state: dict) -> None:
    """Text of el, a newline at every block boundary; furniture and link lists inside are skipped
    (`skip`: elements holding at least this many characters are never skipped). A photo credit
    printed right under an image is the image's and is left out: above it is no caption."""
    if el.tag in _BLOCK:
        out.append("\n")
    if el.tag == "img":
        state["image"] = True
    _add(el.text, out, state)
    for child in el:
        if isinstance(child.tag, str):
            if skip and (_is_furniture(child, rules_) or _link_heavy(child) or _arrow_link(child)) \
                    and _size(child.text_content()) < skip:
                out.append("\n")
            else:
                _lines(child, out, rules_, skip, state)
        _add(child.tail, out, state)
    if el.tag in _BLOCK:
        out.append("\n")


def _add(text: str | None, out: list[str], state: dict) -> None:
    if not text or not text.strip():
        if text:
            out.append(text)
        return
    if state.get("image"):
        state["image"] = False
        if clean.rules().photo_credit.fullmatch(clean.fold(" ".join(text.split()))):
            out.append("\n")
            return
    out.append(text)


def _text(parts, rules_, skip=True) -> str:
    out: list[str] = []
    state: dict = {}
    for el in parts:
        _lines(el, out, rules_, max(1, _size(el.text_content()) // 2) if skip else 0, state)
    return "".join(out)


def _title_keys(root) -> list[str]:
    keys = []
    title = root.find(".//title")
    if title is not None:
        keys.append(title.text_content())
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("og:title", "twitter:title", "title"):
            keys.append(meta.get("content") or "")
    return [" ".join(k.split()) for k in keys if k and k.strip()]


def _headline(body, title_keys):
    """The heading that the page's <title> (or og:title) names, if any.

    A title is 标题_频道_站名 or 频道--标题: its longest part is the headline. A heading equal to it
    wins; one that adds a short column tag (棱镜|…) or that the title cut short (…) also counts.
    """
    parts = [clean.compact(max(_TITLE_SPLIT.split(k), key=len)) for k in title_keys]
    best, best_rank = None, None
    for el in body.iter(*_HEADINGS, "div", "span", "p", "strong", "td", "b"):
        if el.tag not in _HEADINGS and "title" not in _attrs(el).lower():
            continue
        text = " ".join(el.text_content().split())
        key = clean.compact(text)
        if not 4 <= len(key) <= 100:
            continue
        for order, part in enumerate(parts):
            if key == part:
                rank = (2, -order)
            elif ((part in key and len(key) <= len(part) + 12)
                  or (len(part) >= 8 and key.startswith(part.rstrip(".…")))):
                rank = (1, -order)
            else:
                continue
            if best_rank is None or rank > best_rank:
                best, best_rank = (el, text), rank
    return best


def _positions(body) -> dict:
    """Text offset at which each element starts, in document order."""
    offsets, at = {}, 0
    for el in body.iter():
        offsets[el] = at
        at += len(el.text or "") + len(el.tail or "")
    return offsets


def _meta_date(root) -> dt.date | None:
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in ("article:published_time", "og:release_date", "pubdate", "publishdate", "datepublished",
                   "publish_date", "date", "dc.date", "dc.date.issued", "weibo:article:create_at",
                   "firstpublishedtime"):                    # firstpublishedtime: TRS, the CMS of many government sites
            found = clean.parse_date(meta.get("content") or "")
            if found:
                return found
    return None


def _canonical(root) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and (link.get("href") or "").startswith("http"):
            return link.get("href")
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:url" and (meta.get("content") or "").startswith("http"):
            return meta.get("content")
    return None


_SITE_SUFFIX = re.compile(r"(?:官方网站|官网)$")
_SOURCE_END = re.compile(r"\s|[|｜/]")
# 人民网-文化频道, 新浪财经-自媒体综合: the outlet, then its channel
_CHANNEL = re.compile(rf"[-－_·|｜].{{0,10}}(?:频道|栏目|专栏|版)$|(?<=[{HAN_RANGES}])[-－].*$")


def _clean_source(value: str) -> str | None:
    value = value.strip(" :：-|｜/,，;；")
    value = _SOURCE_END.split(value, maxsplit=1)[0]
    value = _CHANNEL.sub("", value)
    if not value or len(value) > 40 or value in clean.rules().placeholders:
        return None
    return value


def _labelled(text: str):
    """(date, source) read from label: value pairs in a stretch of page text."""
    rules_ = clean.rules()
    date = source = None
    matches = list(rules_.label_any.finditer(text))
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        field = rules_.labels[match.group("label") or match.group("boxed")]
        value = text[match.end():end]
        if field == "published" and date is None:
            date = clean.parse_date(value[:40])
        elif field == "source" and source is None:
            source = _clean_source(value)
    return date, source


def _header_meta(text: str):
    """Date and outlet of the lines between the headline and the article (2019-09-07 13:43 来源: X)."""
    flat = " ".join(text.split())[:400]
    date, source = _labelled(flat)
    dated = clean.rules().date_line.search(flat)
    if dated:
        date = date or clean.parse_date(dated.group(0))
        if source is None:
            after = flat[dated.end():].lstrip(" |｜")
            token = _SOURCE_END.split(after, maxsplit=1)[0] if after else ""
            if (2 <= len(token) <= 20 and HAN.search(token) and not clean.rules().label_any.match(after)
                    and not clean.rules().furniture.fullmatch(token)):
                source = _clean_source(token)
    return date, source


def _site_name(title_keys) -> str | None:
    """The site part of <title> (标题_网易科技, 标题--当代商报) as the outlet of last resort."""
    if not title_keys:
        return None
    parts = [p.strip() for p in _TITLE_SPLIT.split(title_keys[0]) if p.strip()]
    if len(parts) < 2:
        return None
    named = [p for p in parts[1:] if HAN.search(p)]          # 澎湃新闻-The Paper: the Chinese name
    if not named:
        return None
    return _clean_source(_SITE_SUFFIX.sub("", named[-1]))


# ---------------------------------------------------------------- extraction

def extract(markup) -> HtmlPage:
    """The article of an HTML page or fragment: main text, headline, date, outlet, canonical URL."""
    if isinstance(markup, bytes):
        markup = decode(markup)
    fragment = not _DOCUMENT.search(markup)
    markup = _EARLY_CLOSE.sub("", _XML_DECL.sub("", _NOT_XML.sub("", markup), count=1))
    rules_ = rules()
    try:
        root = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):          # empty, or nothing but markup
        return HtmlPage("")
    title_keys = _title_keys(root)
    meta_date, url = _meta_date(root), _canonical(root)
    _prune(root, rules_)
    body = root.find("body")
    if body is None:
        body = root
    if fragment:                       # a feed item's body: all of it is the article
        return HtmlPage(_text([body], rules_), url=url)
    offsets = _positions(body)
    headline = _headline(body, title_keys)
    parts = _main(body, headline, offsets, rules_)
    if not parts:
        return HtmlPage("", title=headline[1] if headline else None, url=url)
    text = _text(parts, rules_)
    if headline is None:
        headline = _nearest_heading(body, parts[0], offsets)
    title = headline[1] if headline else (max(_TITLE_SPLIT.split(title_keys[0]), key=len) if title_keys else None)
    if headline is not None and not any(headline[0] is el or el in headline[0].iterancestors() for el in parts):
        text = headline[1] + "\n" + text
    date, source = _around(body, headline, text, rules_)
    return HtmlPage(text, title=title or None, published=date or meta_date,
                    source=source or _site_name(title_keys), url=url)


def _main(body, headline, offsets, rules_) -> list:
    """The element that holds the article, with its siblings that score nearly as well."""
    scores = _scores(body)
    head_end = head_chain = None
    if headline is not None:
        head_end = offsets[headline[0]] + len(headline[0].text_content())
        head_chain = set(headline[0].iterancestors())
    best, best_score, adjusted = None, 0.0, {}
    for el, points in scores.items():
        total = _size(el.text_content()) or 1
        points *= 1 - _link_size(el) / total
        if _is_furniture(el, rules_):
            points *= 0.5
        adjusted[el] = points
        if head_end is not None and el not in head_chain:
            distance = offsets[el] - head_end     # far below the headline: a sidebar; above it: a banner
            points *= 0.5 if distance < 0 else 1 / (1 + distance / 1000)
        if points > best_score:
            best, best_score = el, points
    if best is None:
        return []
    parent = best.getparent()
    if parent is None:
        return [best]
    threshold = max(10.0, adjusted[best] * 0.2)
    return [el for el in parent if el is best or (
        adjusted.get(el, 0) >= threshold and not _is_furniture(el, rules_) and not _link_heavy(el))]


def _nearest_heading(body, first, offsets):
    """A heading (h1-h6, or a *title* element) just above the article's first sentence, when <title> names none."""
    found, start = None, None
    for el in body.iter(*_HEADINGS, "div", "span", "p", "strong", "b"):
        if offsets[el] >= offsets[first]:
            own = el.text_content() if el.tag == "p" else _own_text(el)
            if len(clean.compact(own)) >= 20 and _PUNCT.search(own):
                start = offsets[el]                         # the article's first sentence
                break
        if el.tag in _HEADINGS or "title" in _attrs(el).lower():
            text = " ".join(el.text_content().split())
            if 4 <= len(clean.compact(text)) <= 60 and "。" not in text:
                found = (el, text)
    if found and start is not None and start - offsets[found[0]] <= 400:
        return found
    return None


def _around(body, headline, text, rules_):
    """Date and outlet from the page lines between the headline and the article, else labelled ones after it."""
    lines = [line.strip() for line in _text([body], rules_, skip=False).split("\n")]
    lines = [line for line in lines if line]
    key = clean.compact(headline[1]) if headline else None
    content = [line.strip() for line in text.split("\n")
               if len(clean.compact(line)) >= 20 and _PUNCT.search(line) and clean.compact(line) != key]
    first = next((i for i, line in enumerate(lines) if content and line == content[0]), None)
    last = next((i for i in range(len(lines) - 1, -1, -1) if content and lines[i] == content[-1]), None)
    date = source = None
    if headline is not None and first is not None:
        start = next((i for i, line in enumerate(lines[:first]) if clean.compact(line) == key), None)
        if start is not None:
            date, source = _header_meta("\n".join(lines[start + 1:first])) if first - start <= 40 else (None, None)
    if last is not None and (date is None or source is None):
        after_date, after_source = _labelled(" ".join(lines[last + 1:last + 40])[:1500])
        date, source = date or after_date, source or after_source
    return date, source


def parse_html(markup, id=None, title=None, published=None, source=None, url=None) -> Article:
    """An HTML page (str, or bytes in any charset) as an Article; caller metadata wins over the page's.

    The page's main text goes through the same segmenter as text input; `Article.text` keeps
    the markup as received.
    """
    if isinstance(markup, bytes):
        markup = decode(markup)
    page = extract(markup)
    article = parse_article(page.text, id=id, title=title or page.title,
                            published=published or page.published,
                            source=source or page.source, url=url or page.url)
    article.text = markup
    return article
