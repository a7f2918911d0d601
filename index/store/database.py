"""SQLite, the source of truth: articles, paragraphs and claims, plus a change log the index follows.

Every write is one transaction that also bumps a generation counter and logs which
articles changed, so the derived Whoosh index can catch up to any generation.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from index.store import layers, registry
from index.models import Article, Claim, claim_id, paragraph_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT, published TEXT, source TEXT, url TEXT, author TEXT, year INTEGER,
    raw_text TEXT NOT NULL,
    digest TEXT NOT NULL,
    body_paragraphs INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraphs (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_article ON paragraphs(article_id, idx);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    paragraph_id TEXT NOT NULL REFERENCES paragraphs(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    raw TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL, dimension TEXT NOT NULL,
    approx INTEGER NOT NULL, bound TEXT NOT NULL, range_low TEXT, range_high TEXT,
    metric TEXT, subject TEXT, project TEXT,
    period_start TEXT, period_end TEXT, modality TEXT NOT NULL, speaker TEXT,
    span_start INTEGER NOT NULL, span_end INTEGER NOT NULL, sentence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_article ON claims(article_id, ordinal);
CREATE INDEX IF NOT EXISTS claims_paragraph ON claims(paragraph_id);
CREATE TABLE IF NOT EXISTS projects (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS project_aliases (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    alias TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (article_id, alias)
);
CREATE INDEX IF NOT EXISTS project_aliases_key ON project_aliases(key);
CREATE INDEX IF NOT EXISTS project_aliases_project ON project_aliases(project_id);
CREATE TABLE IF NOT EXISTS changes (
    generation INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL
);
"""

# a claim row with its canonical metric and agreement group (index/store/agreement.py)
CLAIM_COLUMNS = "c.*, g.metric_key, g.group_id, g.status AS agreement_status, g.sources AS agreement_sources"
CLAIMS_JOINED = "claims c LEFT JOIN claim_agreement g ON g.claim_id = c.id"

ARTICLE_FIELDS = "id, title, published, source, url, author, year, body_paragraphs, created_at, updated_at"


@dataclass(frozen=True)
class StoredArticle:
    """What the store holds of an article besides its paragraphs and claims."""
    id: str
    title: str | None
    published: str | None
    source: str | None
    url: str | None
    author: str | None
    year: int | None
    body_paragraphs: int
    created_at: str
    updated_at: str

    def source_info(self) -> dict:
        return {"title": self.title, "published": self.published, "source": self.source, "url": self.url}


def decimal_text(value: Decimal) -> str:
    """Exact decimal text without exponent: Decimal('2E+10') -> '20000000000'."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


class Store:
    """One connection per thread; open with `Store(path)`, close with `close()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")     # an acknowledged write survives power loss
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA + layers.SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT; rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- generation and change log ------------------------------------------------------

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row["value"]) if row else 0

    def _bump(self, db: sqlite3.Connection, article_id: str) -> int:
        generation = self.generation() + 1
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (str(generation),))
        db.execute("INSERT INTO changes(generation, article_id) VALUES (?, ?)", (generation, article_id))
        return generation

    def changed_since(self, generation: int) -> list[str] | None:
        """Ids of the articles written or deleted after `generation`, once each; None when the
        log no longer goes back that far (`forget_changes` dropped what was needed)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'changes_from'").fetchone()
        if row and generation < int(row["value"]):
            return None
        rows = self.db.execute(
            "SELECT DISTINCT article_id FROM changes WHERE generation > ? ORDER BY article_id", (generation,))
        return [row["article_id"] for row in rows]

    def forget_changes(self, upto: int) -> int:
        """Drop the log's rows at or below generation `upto` (an index at `upto` has them);
        `changed_since` answers None for generations below it from then on. Returns the rows dropped."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'changes_from'").fetchone()
            if row and int(row["value"]) >= upto:
                return 0
            dropped = db.execute("DELETE FROM changes WHERE generation <= ?", (upto,)).rowcount
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('changes_from', ?)", (str(upto),))
        return dropped

    # -- writes -----------------------------------------------------------------------

    def put_articles(self, items: list[tuple[Article, list[Claim], str]]) -> list[bool]:
        """Insert or replace (article, claims, input digest) triples in one transaction.

        Returns, per article, True when it replaced an existing one.
        """
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        replaced = []
        with self.transaction() as db:
            derived = layers.Layers(db)
            for article, claims, digest in items:
                old = db.execute("SELECT created_at FROM articles WHERE id = ?", (article.id,)).fetchone()
                replaced.append(old is not None)
                if old:
                    derived.forget(article.id)
                    db.execute("DELETE FROM articles WHERE id = ?", (article.id,))
                generation = self._bump(db, article.id)
                db.execute(
                    "INSERT INTO articles(id, title, published, source, url, author, year, raw_text, digest,"
                    " body_paragraphs, generation, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article.id, article.title, article.published.isoformat() if article.published else None,
                     article.source, article.url, article.author, article.year, article.text, digest,
                     article.body_count, generation, old["created_at"] if old else now, now))
                db.executemany(
                    "INSERT INTO paragraphs(id, article_id, idx, kind, text) VALUES (?, ?, ?, ?, ?)",
                    [(paragraph_id(article.id, p.index), article.id, p.index, p.kind, p.text)
                     for p in article.paragraphs])
                db.executemany(
                    "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [claim_row(article.id, ordinal, claim) for ordinal, claim in enumerate(claims)])
                derived.add(article, claims, [claim_id(article.id, ordinal) for ordinal in range(len(claims))])
                self._register_projects(db, article.id, [c.project for c in claims if c.project],
                                        registry.article_region(article.title, article.paragraphs),
                                        {c.project: c.project_aliases for c in claims if c.project_aliases})
            derived.finish()
            self._forget_orphan_projects(db)
        return replaced

    def _register_projects(self, db: sqlite3.Connection, article_id: str, names: list[str],
                           region: str | None = None, aliases: dict | None = None) -> None:
        """Attach the article's project names, with the other names the article gives them
        (`aliases`), to known projects (same key) or to new ones; a name of generic words only is
        keyed with the article's region (registry.registry_key)."""
        for group in registry.cluster(names):
            group = group + [a for n in group for a in (aliases or {}).get(n, ()) if a not in group]
            keys = {registry.registry_key(n, region) for n in group} - {""}
            qualified = any(k != registry.name_key(n) for n, k in ((n, registry.registry_key(n, region)) for n in group))
            marks_k, marks_n = ",".join("?" * len(keys)), ",".join("?" * len(group))
            by_name = "" if qualified else f" UNION ALL SELECT id FROM projects WHERE name IN ({marks_n})"
            row = db.execute(
                f"SELECT project_id AS id FROM project_aliases WHERE key IN ({marks_k}) AND length(key) >= ?"
                f"{by_name} LIMIT 1",
                (*keys, registry.min_key_chars(), *(() if qualified else group))).fetchone()
            project_id = row["id"] if row else db.execute(
                "INSERT INTO projects(name) VALUES (?)", (group[0],)).lastrowid
            db.executemany(
                "INSERT OR IGNORE INTO project_aliases(project_id, article_id, alias, key) VALUES (?, ?, ?, ?)",
                [(project_id, article_id, name, registry.registry_key(name, region)) for name in group])

    def _forget_orphan_projects(self, db: sqlite3.Connection) -> None:
        """Drop projects no article names any more; name the rest by their longest alias."""
        db.execute("DELETE FROM projects WHERE id NOT IN (SELECT project_id FROM project_aliases)")
        db.execute("UPDATE projects SET name = (SELECT alias FROM project_aliases a WHERE a.project_id = projects.id"
                   " ORDER BY length(alias) DESC, alias LIMIT 1)")

    def delete_article(self, article_id: str) -> bool:
        """Delete an article with its paragraphs and claims; False when there was none."""
        with self.transaction() as db:
            derived = layers.Layers(db)
            derived.forget(article_id)
            gone = db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
            derived.finish()
            if gone:
                self._bump(db, article_id)
                self._forget_orphan_projects(db)
        return bool(gone)

    # -- reads ------------------------------------------------------------------------

    def article(self, article_id: str) -> StoredArticle | None:
        row = self.db.execute(f"SELECT {ARTICLE_FIELDS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return StoredArticle(**dict(row)) if row else None

    def articles(self, ids) -> dict[str, StoredArticle]:
        ids = list(dict.fromkeys(ids))
        out = {}
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {ARTICLE_FIELDS} FROM articles WHERE id IN ({marks})", chunk):
                out[row["id"]] = StoredArticle(**dict(row))
        return out

    def digests(self, ids) -> dict[str, str]:
        """The input digest of each stored article among `ids` (for idempotent bulk ingest)."""
        ids = list(dict.fromkeys(ids))
        out = {}
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT id, digest FROM articles WHERE id IN ({marks})", chunk):
                out[row["id"]] = row["digest"]
        return out

    def article_ids(self) -> list[str]:
        return [row["id"] for row in self.db.execute("SELECT id FROM articles ORDER BY id")]

    def paragraphs(self, article_id: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT id, article_id, idx, kind, text FROM paragraphs WHERE article_id = ? ORDER BY idx", (article_id,))
        return [dict(row) for row in rows]

    def claims_of_article(self, article_id: str) -> list[dict]:
        rows = self.db.execute(f"SELECT {CLAIM_COLUMNS} FROM {CLAIMS_JOINED} WHERE c.article_id = ? ORDER BY c.ordinal", (article_id,))
        return [dict(row) for row in rows]

    def claims_of_paragraphs(self, paragraph_ids) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {pid: [] for pid in paragraph_ids}
        for chunk in chunks(list(out), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT {CLAIM_COLUMNS} FROM {CLAIMS_JOINED} WHERE c.paragraph_id IN ({marks}) ORDER BY c.article_id, c.ordinal", chunk)
            for row in rows:
                out[row["paragraph_id"]].append(dict(row))
        return out

    # -- projects ---------------------------------------------------------------------

    def project_aliases(self) -> dict[int, list[str]]:
        """Every project id with its distinct aliases."""
        out: dict[int, list[str]] = {}
        for row in self.db.execute("SELECT DISTINCT project_id, alias FROM project_aliases ORDER BY project_id, alias"):
            out.setdefault(row["project_id"], []).append(row["alias"])
        return out

    def projects(self, ids) -> list[dict]:
        """id, name, aliases, articles and claim count of each project in `ids`, in that order."""
        ids = list(dict.fromkeys(ids))
        found = {}
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT id, name FROM projects WHERE id IN ({marks})", chunk):
                found[row["id"]] = {"id": row["id"], "name": row["name"], "aliases": [], "articles": [], "claims": 0}
            for row in self.db.execute(
                    f"SELECT project_id, alias, article_id FROM project_aliases WHERE project_id IN ({marks})"
                    " ORDER BY alias", chunk):
                project = found[row["project_id"]]
                if row["alias"] not in project["aliases"]:
                    project["aliases"].append(row["alias"])
                if row["article_id"] not in project["articles"]:
                    project["articles"].append(row["article_id"])
            for row in self.db.execute(
                    "SELECT a.project_id, COUNT(*) AS n FROM claims c JOIN project_aliases a"
                    " ON a.article_id = c.article_id AND a.alias = c.project"
                    f" WHERE a.project_id IN ({marks}) GROUP BY a.project_id", chunk):
                found[row["project_id"]]["claims"] = row["n"]
        return [found[i] for i in ids if i in found]

    def claims_of_projects(self, project_ids) -> list[dict]:
        ids = list(dict.fromkeys(project_ids))
        rows = []
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows += [dict(row) for row in self.db.execute(
                f"SELECT {CLAIM_COLUMNS}, a.project_id FROM {CLAIMS_JOINED} JOIN project_aliases a"
                " ON a.article_id = c.article_id AND a.alias = c.project"
                f" WHERE a.project_id IN ({marks}) ORDER BY c.article_id, c.ordinal", chunk)]
        return rows

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def counts(self) -> dict[str, int]:
        def count(table):
            return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return {"articles": count("articles"), "passages": count("paragraphs"), "claims": count("claims")}


def claim_row(article_id: str, ordinal: int, claim: Claim) -> tuple:
    q = claim.quantity
    low, high = (decimal_text(q.range[0]), decimal_text(q.range[1])) if q.range else (None, None)
    start, end = (claim.period[0].isoformat(), claim.period[1].isoformat()) if claim.period else (None, None)
    return (claim_id(article_id, ordinal), article_id, paragraph_id(article_id, claim.paragraph), ordinal,
            q.raw, decimal_text(q.value), q.unit, q.dimension, int(q.approx), q.bound, low, high,
            claim.metric, claim.subject, claim.project, start, end, claim.modality, claim.speaker,
            q.start, q.end, claim.sentence)


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
