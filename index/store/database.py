"""The source of truth (SQLite, or PostgreSQL shared by nodes): articles, paragraphs and claims,
plus a change log the index follows.

Every write is one transaction that also bumps a generation counter and logs which
articles changed, so the derived Whoosh index can catch up to any generation. The schema is
written once, below, in SQLite's words (`backends.postgres_ddl` translates it); its version is
`SCHEMA_VERSION`, kept in the database, and `MIGRATIONS` bring an older database up to it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from index.store import layers, registry
from index.errors import SchemaError
from index.models import Article, Claim, claim_id, paragraph_id
from index.store import backends

SCHEMA_VERSION = 2

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
SCHEMA += layers.SCHEMA          # the cross-article layers: reprint groups, agreement groups (index/store/layers.py)
# MIGRATIONS[n]: the statements (SQLite's words, as SCHEMA) that turn a version-n database into
# version n + 1; applied in one transaction by `migrate` (`newsclaims migrate`).
MIGRATIONS: dict[int, list[str]] = {
    1: [layers.SCHEMA],          # version 2 added the layers' tables
}

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
    """One connection per thread; open with `Store(path or postgresql:// URL)`, close with `close()`."""

    def __init__(self, target, lock_timeout: float = 30.0, check: bool = True):
        """`check`: create or check the schema (SchemaError when it has another version); off
        only for `migrate`."""
        self.target = target
        self.db = backends.connect(target, lock_timeout)
        self.kind, self.shared = self.db.kind, self.db.shared
        if check:
            try:
                self._check_schema()
            except BaseException:
                self.db.close()
                raise

    def _check_schema(self) -> None:
        """Create the schema in an empty database; refuse one of another version (SchemaError).

        A SQLite file (one machine, one version of the code) is migrated here; a shared
        database only by `migrate`, so that nodes still running the older code are not left
        reading a schema they do not know.
        """
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            if self.kind == "sqlite" and self._meta("database_id") is None:    # a file from before ids
                self._set_meta("database_id", uuid.uuid4().hex, insert_only=True)
            return
        if version is None:
            with self.db.schema_lock():
                if self.schema_version() is None:
                    # a SQLite file written before versions were recorded holds version 1
                    before = 1 if self.db.table_exists("meta") else SCHEMA_VERSION
                    self.db.executescript(SCHEMA)
                    if before == SCHEMA_VERSION:            # a new database: its (empty) layers are current
                        self._set_meta(layers.VERSION_KEY, layers.current_version(), insert_only=True)
                    self._set_meta("schema_version", before, insert_only=True)
                    self._set_meta("database_id", uuid.uuid4().hex, insert_only=True)
                    self._set_meta("generation", 0, insert_only=True)
            version = self.schema_version()
        if version < SCHEMA_VERSION and not self.shared:
            self.migrate()
        elif version != SCHEMA_VERSION:
            where = backends.redact(self.target)
            if version > SCHEMA_VERSION:
                raise SchemaError(f"the database {where} has schema version {version}, newer than this "
                                  f"code's {SCHEMA_VERSION}: upgrade newsclaims")
            raise SchemaError(f"the database {where} has schema version {version}, older than this code's "
                              f"{SCHEMA_VERSION}: run `newsclaims migrate`")

    def schema_version(self) -> int | None:
        """The version recorded in the database; None when it holds no schema yet."""
        if not self.db.table_exists("meta"):
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row["value"]) if row else None

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def _set_meta(self, key: str, value, insert_only: bool = False) -> None:
        action = "NOTHING" if insert_only else "UPDATE SET value = excluded.value"
        self.db.execute(f"INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO {action}",
                        (key, str(value)))

    def migrate(self) -> tuple[int, int]:
        """Bring the schema to SCHEMA_VERSION, one transaction under the schema lock.
        Returns (version before, version after)."""
        with self.db.schema_lock():
            before = self.schema_version()
            if before is None:
                self.db.executescript(SCHEMA)
                self._set_meta("generation", 0, insert_only=True)
                self._set_meta("database_id", uuid.uuid4().hex, insert_only=True)
                before = SCHEMA_VERSION
            elif before > SCHEMA_VERSION:
                raise SchemaError(f"schema version {before} is newer than this code's {SCHEMA_VERSION}")
            for version in range(before, SCHEMA_VERSION):
                for statement in MIGRATIONS[version]:
                    self.db.executescript(statement)
            self._set_meta("schema_version", SCHEMA_VERSION)
        return before, SCHEMA_VERSION

    def close(self) -> None:
        self.db.close()

    def broken(self) -> bool:
        """Whether the connection is lost (a new Store is needed)."""
        return self.db.broken()

    @contextmanager
    def transaction(self):
        """A write transaction: writers (of any node) queue for it; rolled back on any error."""
        with self.db.writing() as db:
            yield db

    # -- generation and change log ------------------------------------------------------

    def database_id(self) -> str:
        """A random id given to the database when its schema was created: an index built from
        another database (a data folder pointed elsewhere) is told apart by it."""
        return self.db.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()["value"]

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row["value"]) if row else 0

    def _bump(self, db, article_id: str) -> int:
        generation = self.generation() + 1
        self._set_meta("generation", generation)
        db.execute("INSERT INTO changes(generation, article_id) VALUES (?, ?)", (generation, article_id))
        db.notify()
        return generation

    def changes_since(self, generation: int) -> list[tuple[int, str]] | None:
        """(generation, article id) of every logged change after `generation`, in order; None
        when the log no longer goes back that far."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'changes_from'").fetchone()
        if row and generation < int(row["value"]):
            return None
        rows = self.db.execute("SELECT generation, article_id FROM changes WHERE generation > ? ORDER BY generation",
                               (generation,))
        return [(row["generation"], row["article_id"]) for row in rows]

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
            self._set_meta("changes_from", upto)
        return dropped

    # -- writes -----------------------------------------------------------------------

    def put_articles(self, items: list[tuple[Article, list[Claim], str]],
                     generations: list[int] | None = None) -> list[bool]:
        """Insert or replace (article, claims, input digest) triples in one transaction.

        Returns, per article, True when it replaced an existing one; appends the generation of
        each write to `generations` when given. Rows go in with one statement per table (a
        round trip each on PostgreSQL), not one per article.
        """
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        replaced, last = [], {article.id: n for n, (article, _, _) in enumerate(items)}
        with self.transaction() as db:
            derived = layers.Layers(db)
            created = {}
            for chunk in chunks(list(last), 500):
                marks = ",".join("?" * len(chunk))
                created.update((row["id"], row["created_at"]) for row in db.execute(
                    f"SELECT id, created_at FROM articles WHERE id IN ({marks})", chunk))
            for article_id in created:          # before its rows go: its groups must be revisited
                derived.forget(article_id)
            for chunk in chunks(list(created), 500):
                db.execute(f"DELETE FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            generation = self.generation()
            articles, paragraphs, claim_rows, changes = [], [], [], []
            seen = set()
            for n, (article, claims, digest) in enumerate(items):
                generation += 1
                changes.append((generation, article.id))
                replaced.append(article.id in created or article.id in seen)
                seen.add(article.id)
                if generations is not None:
                    generations.append(generation)
                if last[article.id] != n:           # the same id again later in `items`: that one wins
                    continue
                articles.append(
                    (article.id, article.title, article.published.isoformat() if article.published else None,
                     article.source, article.url, article.author, article.year, article.text, digest,
                     article.body_count, generation, created.get(article.id, now), now))
                paragraphs += [(paragraph_id(article.id, p.index), article.id, p.index, p.kind, p.text)
                               for p in article.paragraphs]
                claim_rows += [claim_row(article.id, ordinal, claim) for ordinal, claim in enumerate(claims)]
            db.executemany(
                "INSERT INTO articles(id, title, published, source, url, author, year, raw_text, digest,"
                " body_paragraphs, generation, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
            db.executemany("INSERT INTO paragraphs(id, article_id, idx, kind, text) VALUES (?, ?, ?, ?, ?)", paragraphs)
            db.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                claim_rows)
            db.executemany("INSERT INTO changes(generation, article_id) VALUES (?, ?)", changes)
            self._set_meta("generation", generation)
            touched = set()
            for n, (article, claims, _) in enumerate(items):
                if last[article.id] != n:
                    continue
                derived.add(article, claims, [claim_id(article.id, ordinal) for ordinal in range(len(claims))])
                touched |= self._register_projects(
                    db, article.id, [c.project for c in claims if c.project],
                    registry.article_region(article.title, article.paragraphs),
                    {c.project: c.project_aliases for c in claims if c.project_aliases},
                    registry.name_places(article, claims))
            derived.finish()
            # aliases only went away with replaced articles: otherwise only the touched projects' names
            self._forget_orphan_projects(db, None if created else touched)
            db.notify()
        return replaced

    def _register_projects(self, db, article_id: str, names: list[str], region: str | None = None,
                           aliases: dict | None = None, places: dict | None = None) -> set[int]:
        """Attach the article's project names, with the other names the article gives them
        (`aliases`), to known projects (same key) or to new ones; a name of generic words only is
        keyed with the article's region (registry.registry_key); a name that identifies no project
        alone (in `places`, registry.name_places) with the place named before it, which also
        prefixes its shown name, and is not registered when no place is named. Returns the ids."""
        touched = set()
        places = places or {}
        for group in registry.cluster(names):
            where, qualify = region, all(n in places for n in group)
            if qualify:
                where = next((places[n] for n in group if places[n]), None)
                if where is None:
                    continue
            group = group + [a for n in group for a in (aliases or {}).get(n, ()) if a not in group]
            if qualify and not group[0].startswith(where):
                group.append(where + group[0])          # 再生铝项目 of 义县: 义县再生铝项目
            keys = {registry.registry_key(n, where, qualify) for n in group} - {""}
            qualified = any(k != registry.name_key(n) for n, k in ((n, registry.registry_key(n, where, qualify)) for n in group))
            marks_k, marks_n = ",".join("?" * len(keys)), ",".join("?" * len(group))
            # the first by key, then the oldest project: the same answer on SQLite and PostgreSQL;
            # a key qualified by the region never joins a project by its bare name
            by_name = "" if qualified else f" UNION ALL SELECT id, 1, name FROM projects WHERE name IN ({marks_n})"
            row = db.execute(
                f"SELECT id FROM (SELECT project_id AS id, 0 AS by_name, key FROM project_aliases"
                f" WHERE key IN ({marks_k}) AND length(key) >= ?{by_name}) AS found"
                f" ORDER BY by_name, key, id LIMIT 1",
                (*keys, registry.min_key_chars(), *(() if qualified else group))).fetchone()
            project_id = row["id"] if row else db.execute(
                "INSERT INTO projects(name) VALUES (?) RETURNING id", (group[0],)).fetchone()["id"]
            db.executemany(
                "INSERT INTO project_aliases(project_id, article_id, alias, key) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(project_id, article_id, name, registry.registry_key(name, where, qualify)) for name in group])
            touched.add(project_id)
        return touched

    def _forget_orphan_projects(self, db, touched: set[int] | None = None) -> None:
        """Drop projects no article names any more; name the rest by the alias the most articles
        use, the longest of those (a leftover read into one article's name, 前两天港珠澳大桥公路,
        loses to 港珠澳大桥) (only the `touched` projects, when given: no alias went away)."""
        longest = ("(SELECT alias FROM project_aliases a WHERE a.project_id = projects.id"
                   " GROUP BY alias ORDER BY COUNT(*) DESC, length(alias) DESC, alias LIMIT 1)")
        if touched is None:
            db.execute("DELETE FROM projects WHERE id NOT IN (SELECT project_id FROM project_aliases)")
            # only the rows whose name changes: PostgreSQL writes a new version of every updated row
            db.execute(f"UPDATE projects SET name = {longest} WHERE name <> {longest}")
            return
        for chunk in chunks(sorted(touched), 500):
            marks = ",".join("?" * len(chunk))
            db.execute(f"UPDATE projects SET name = {longest} WHERE id IN ({marks}) AND name <> {longest}", chunk)

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
        return self.db.execute("SELECT COUNT(*) AS n FROM articles").fetchone()["n"]

    def counts(self) -> dict[str, int]:
        def count(table):
            return self.db.execute(f"SELECT COUNT(*) AS n FROM {table}").fetchone()["n"]
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
