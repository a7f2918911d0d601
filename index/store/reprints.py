"""Reprints: articles that are one story syndicated (a wire in several outlets, a retitled or
trimmed copy, the same page filed twice).

Candidates come from shared sentences: every sentence of at least MIN_SENTENCE letters, its
punctuation and spacing removed, is hashed into `story_sentences`; an article is compared with
the stored articles sharing one of its sentences (a sentence in more than MAX_POSTINGS articles
is boilerplate and proposes nobody). A candidate pair is one story when, over character
5-gram shingles of their texts (titles left out), the smaller text lies CONTAINED inside the
larger, the larger is COVERED at least in part (a digest quoting a brief is not its reprint),
they were published within MAX_DAYS of each other when both dates are known, and, below SURE
containment, the smaller text's numbers are mostly the larger's (an annual notice reworded
from last year's template keeps the template, not the dates and figures).

The decision depends on the two texts only, so groups do not depend on ingest order. Links are
stored pairwise (`reprint_links`); a group is a connected component of links, named by its
smallest article id (`reprint_groups.story`), rewritten when an article is added, replaced or
deleted. Measured on the shared corpus (bench/dossiers.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections import OrderedDict

MIN_SENTENCE = 12
SHINGLE = 5
MAX_POSTINGS = 50
CONTAINED = 0.8
SURE = 0.9
COVERED = 0.4
NUMBERS = 0.75
MAX_DAYS = 7
CACHE_SIZE = 2048              # fingerprints of stored articles kept per process

SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
NOT_LETTER = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
KEEP_WITH_ENDS = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff。！？；!?;\n]+")
NUMBER = re.compile(r"\d+(?:\.\d+)?")

SCHEMA = """
CREATE TABLE IF NOT EXISTS story_sentences (
    hash INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (hash, article_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reprint_links (
    a TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    b TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS reprint_links_b ON reprint_links(b);
CREATE TABLE IF NOT EXISTS reprint_groups (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reprint_groups_story ON reprint_groups(story);
"""


class Fingerprint:
    """An article's sentences (hashed), and on demand its shingles and numbers (only articles
    that share a sentence with another are ever compared, so most never need them)."""

    def __init__(self, text: str, published: dt.date | None):
        self.text, self.published = text, published
        kept = KEEP_WITH_ENDS.sub("", text)
        self.sentences = frozenset(_hash(s) for s in SENTENCE_END.split(kept) if len(s) >= MIN_SENTENCE)
        self._shingles = None

    @property
    def shingles(self) -> frozenset[str]:
        if self._shingles is None:
            letters = NOT_LETTER.sub("", self.text)
            self._shingles = frozenset(letters[i:i + SHINGLE] for i in range(max(1, len(letters) - SHINGLE + 1)))
        return self._shingles

    @property
    def numbers(self) -> frozenset[str]:
        return frozenset(NUMBER.findall(self.text))


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def fingerprint(texts: list[str], published: dt.date | None) -> Fingerprint:
    """The fingerprint of an article's paragraphs (without its title)."""
    return Fingerprint("\n".join(texts), published)


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    if a.published and b.published and abs((a.published - b.published).days) > MAX_DAYS:
        return False
    short, long_ = sorted((len(a.text), len(b.text)))
    if short < COVERED * long_ * 0.75:      # cannot cover enough of the longer one: skip the shingles
        return False
    small, large = sorted((len(a.shingles), len(b.shingles)))
    if not small or small < COVERED * large:
        return False
    shared = len(a.shingles & b.shingles)
    if shared < CONTAINED * small or shared < COVERED * large:
        return False
    if shared >= SURE * small:
        return True
    few, many = sorted((a.numbers, b.numbers), key=len)
    return not few or len(few & many) >= NUMBERS * len(few)


_cache: OrderedDict[tuple[str, str], Fingerprint] = OrderedDict()


def stored_fingerprint(db: sqlite3.Connection, article_id: str) -> Fingerprint | None:
    row = db.execute("SELECT digest, published FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    key = (article_id, row[0])
    found = _cache.get(key)
    if found is None:
        texts = [r[0] for r in db.execute(
            "SELECT text FROM paragraphs WHERE article_id = ? AND kind <> 'title' ORDER BY idx", (article_id,))]
        found = fingerprint(texts, dt.date.fromisoformat(row[1][:10]) if row[1] else None)
        _cache[key] = found
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def article_texts(article) -> list[str]:
    return [p.text for p in article.paragraphs if p.kind != "title"]


def add(db: sqlite3.Connection, article_id: str, print_: Fingerprint) -> set[str]:
    """Store an article's sentences and its links to the stored articles it is a reprint of
    (or that are its reprints). Returns the articles whose group may have changed."""
    hashes = list(print_.sentences)
    db.executemany("INSERT INTO story_sentences(hash, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                   [(h, article_id) for h in hashes])
    postings: dict[int, list[str]] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for h, other in db.execute(
                f"SELECT hash, article_id FROM story_sentences WHERE hash IN ({marks}) AND article_id <> ?",
                (*chunk, article_id)):
            postings.setdefault(h, []).append(other)
    candidates = sorted({other for ids in postings.values() if len(ids) < MAX_POSTINGS for other in ids})
    linked = []
    for other in candidates:
        theirs = stored_fingerprint(db, other)
        if theirs is not None and same_story(print_, theirs):
            linked.append(tuple(sorted((article_id, other))))
    db.executemany("INSERT INTO reprint_links(a, b) VALUES (?, ?) ON CONFLICT DO NOTHING", linked)
    return regroup(db, {article_id}) if linked else {article_id}


def forget(db: sqlite3.Connection, article_id: str) -> set[str]:
    """Before an article's rows go: drop its sentences (one B-tree, no per-article index: they
    are found again from its paragraphs) and return its neighbours, to regroup after."""
    stored = stored_fingerprint(db, article_id)
    if stored is not None:
        db.executemany("DELETE FROM story_sentences WHERE hash = ? AND article_id = ?",
                       [(h, article_id) for h in stored.sentences])
    return neighbours(db, article_id)


def neighbours(db: sqlite3.Connection, article_id: str) -> set[str]:
    rows = db.execute("SELECT b FROM reprint_links WHERE a = ? UNION SELECT a FROM reprint_links WHERE b = ?",
                      (article_id, article_id))
    return {r[0] for r in rows}


def component(db: sqlite3.Connection, article_id: str) -> set[str]:
    seen, todo = {article_id}, [article_id]
    while todo:
        for other in neighbours(db, todo.pop()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def regroup(db: sqlite3.Connection, seeds) -> set[str]:
    """Rename the groups around `seeds` after their links changed (a group may have merged with
    another or split); returns every article whose group may have changed."""
    pending = set(seeds)
    for seed in seeds:
        row = db.execute("SELECT story FROM reprint_groups WHERE article_id = ?", (seed,)).fetchone()
        if row:
            pending |= set(members(db, row[0]))
    touched: set[str] = set()
    while pending:
        members_ = component(db, pending.pop())
        pending -= members_
        touched |= members_
        if len(members_) > 1:
            story = min(members_)
            db.executemany("INSERT INTO reprint_groups(article_id, story) VALUES (?, ?)"
                           " ON CONFLICT (article_id) DO UPDATE SET story = excluded.story",
                           [(m, story) for m in members_])
        else:
            db.execute("DELETE FROM reprint_groups WHERE article_id = ?", tuple(members_))
    return touched


def stories(db: sqlite3.Connection, article_ids) -> dict[str, str]:
    """The group of each article among `article_ids` that has one."""
    ids = list(dict.fromkeys(article_ids))
    out = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for article_id, story in db.execute(
                f"SELECT article_id, story FROM reprint_groups WHERE article_id IN ({marks})", chunk):
            out[article_id] = story
    return out


def members(db: sqlite3.Connection, story: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT article_id FROM reprint_groups WHERE story = ? ORDER BY article_id",
                                     (story,))]
