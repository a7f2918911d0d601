"""The newsclaims library: ingest, read, delete and search articles in one data folder.

The database holds the truth: SQLite in the data folder, or a PostgreSQL database that several
nodes share (`database_url`, or NEWSCLAIMS_DATABASE_URL). The Whoosh index in the data folder is
derived from it and follows its generation counter. Writes on one node are serialised by a file
lock (one Whoosh writer across its processes), and across nodes by the database; a write
reaches this node's index before it is acknowledged, so every worker reads its writes. With a
shared database, `Follower` brings this node's index up to what other nodes wrote.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import shutil
import threading
from decimal import Decimal
import weakref
from dataclasses import dataclass
from pathlib import Path

from index.store import claim_filters
from index.store.claim_filters import SORTS as CLAIM_SORTS  # noqa: F401 - the front ends validate against it
from index.store import registry
from index.fulltext import indexer, ranking
from index.claims import metrics
from index.claims.extract import extract_claims
from index.errors import EmptyArticle, InvalidId, TransactionAborted
from index.locking import write_lock
from index.models import Article, Claim, Paragraph, Quantity
from index.fulltext.facets import FACETS
from index.fulltext.searcher import PassageSearcher
from index.articles.segment import parse_article
from index.articles.clean import looks_like_html
from index.articles.html import decode as decode_page, parse_html  # decode_page: the CLI reads .html files
from index.models import paragraph_id
from index.store import dossiers, layers
from index.store.backends import is_postgres, redact
from index.store.follower import Follower
from index.store.database import Store
from index.store.shapes import (article_dict, article_ref, claim_dict, ingested_dict, page_of, project_summary,
                                 search_hit)

ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
COLLAPSE_FETCH = 3           # collapse=reprints ranks this many times the page's depth of passages
MAX_COLLAPSE_DEPTH = 1000
EXPORT_PAGE = 1000           # claims read per query while an export streams
FULL_REBUILD_SHARE = 0.5     # when more than this share of articles changed, rebuild rather than patch
SEARCH_FACETS = tuple(FACETS)      # what `search(facets=…)` counts: source, month, dimension, has_claims, metric
PRUNE_CHANGES_EVERY = 1000   # generations between two prunings of the database's change log
# A shared database keeps this many generations of its log below the pruning node's index, for
# nodes that lag (stopped, restarting); one further behind rebuilds its index.
SHARED_CHANGES_KEPT = 100_000
DATABASE_URL_ENV = "NEWSCLAIMS_DATABASE_URL"
_inherited: list = []        # connections of the parent process, see Library._forget_connections


def valid_article_id(article_id: str) -> bool:
    return bool(ARTICLE_ID.fullmatch(article_id)) and ".." not in article_id


@functools.cache
def extraction_version() -> str:
    """A fingerprint of the code and data that turn an input into paragraphs and claims."""
    package = Path(__file__).parent
    sources = [package / name for name in ("models.py", "text.py", "lexicon.py")]
    for stage in ("articles", "claims", "data"):
        sources += (package / stage).rglob("*")
    digest = hashlib.sha256()
    for path in sorted(p for p in sources if p.is_file() and p.suffix not in (".pyc", ".md")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def input_digest(text: str, meta: dict) -> str:
    """Fingerprint of what was posted and of the extraction that read it: the same input
    ingested again is skipped, unless a newer version of newsclaims would read it otherwise."""
    payload = [extraction_version(), text] + [str(meta.get(k) or "") for k in ("title", "published", "source", "url")]
    if meta.get("format") == "html":
        payload.append("html")            # the same string read as a web page is another input
    return hashlib.sha256("\x1f".join(payload).encode("utf-8")).hexdigest()


def content_id(text: str) -> str:
    """The id of an article posted without one: same text (modulo white space), same id."""
    digest = hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()
    return f"a{digest[:20]}"


@dataclass(frozen=True)
class Ingested:
    id: str
    title: str | None
    published: str | None
    source: str | None
    url: str | None
    paragraphs: int
    claims: int
    replaced: bool

    def as_json(self) -> dict:
        return ingested_dict(self)


class Library:
    """Everything the API and the CLI do, on one data folder."""

    def __init__(self, data_dir: str | Path, write_timeout: float = 10.0, catch_up: bool = True,
                 database_url: str | None = None, postings_cache: int | None = None):
        """Open (or create) a data folder and bring its index up to date with the database,
        unless `catch_up` is False (a caller about to rebuild it: `newsclaims reindex`).

        The database: `database_url` (postgresql://…), else NEWSCLAIMS_DATABASE_URL, else the
        SQLite file in the data folder. `postings_cache`: decoded postings the searches of this
        process keep (default `ranking.POSTINGS_CACHE`).
        :raise store.database.SchemaError: the database has another schema version.
        """
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "newsclaims.sqlite3"
        self.database_url = database_url or os.environ.get(DATABASE_URL_ENV) or None
        if self.database_url and not is_postgres(self.database_url):
            raise ValueError(f"not a PostgreSQL URL: {redact(self.database_url)} (postgresql://…)")
        self.database = self.database_url or self.db_path
        self.index_dir = self.data_dir / "whoosh"
        self.lock_path = self.data_dir / "write.lock"
        self.write_timeout = write_timeout
        self._local = threading.local()
        self._changes_pruned_at = 0
        self._follower = None
        # a connection must not cross fork() (gunicorn preloads the app in its master); a weak
        # reference, so that the registration does not keep every Library alive
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (library := ref()) is not None and library._forget_connections())
        with write_lock(self.lock_path, self.write_timeout):
            self.ix = indexer.open_index(self.index_dir, create=True)
            if catch_up:
                if layers.version(self.store.db) != layers.current_version():
                    self._rebuild_layers_retrying()                      # (and marks the index for a rebuild)
                if not indexer.schema_is_current(self.ix):      # written by an older version: rebuild
                    self._set_index_generation(-1)
                if self._database_id_file.exists() and self._database_id_file.read_text() != self.store.database_id():
                    self._set_index_generation(-1)              # built from another database: rebuild
                self._catch_up()
        if postings_cache is not None:
            ranking.set_postings_cache(postings_cache)
        self.searcher = PassageSearcher(self.ix)

    # -- plumbing -------------------------------------------------------------------------

    def _forget_connections(self) -> None:
        # Kept, never closed nor collected: closing a PostgreSQL connection in the child would
        # end the parent's session on the socket they share.
        _inherited.append(self._local)
        self._local = threading.local()
        self._follower = None

    @property
    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is not None and store.broken():      # the server restarted or the link dropped
            _inherited.append(store)
            store = None
        if store is None:
            store = self._local.store = Store(self.database, lock_timeout=self.write_timeout)
        return store

    @property
    def shared(self) -> bool:
        """Whether other nodes may write to this library's database (PostgreSQL)."""
        return self.database_url is not None

    @property
    def _generation_file(self) -> Path:
        return self.index_dir / "GENERATION"

    @property
    def _database_id_file(self) -> Path:
        return self.index_dir / "DATABASE"

    def index_generation(self) -> int:
        try:
            return int(self._generation_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return -1

    def _set_index_generation(self, generation: int) -> None:
        if generation < 0:
            self._database_id_file.unlink(missing_ok=True)
        elif not self._database_id_file.exists():
            self._database_id_file.write_text(self.store.database_id())
        tmp = self._generation_file.with_suffix(".tmp")
        tmp.write_text(str(generation))
        os.replace(tmp, self._generation_file)
        # the change log only serves to bring an index up to date: what the index has can go
        # (with a shared database, what every node's index probably has)
        if generation >= self._changes_pruned_at + PRUNE_CHANGES_EVERY:
            keep = SHARED_CHANGES_KEPT if self.shared else 0
            if generation - keep > 0:
                self.store.forget_changes(generation - keep)
            self._changes_pruned_at = generation

    def _documents(self, article_id: str) -> list[dict] | None:
        article = self.store.article(article_id)
        if article is None:
            return None
        paragraphs = self.store.paragraphs(article_id)
        claims = self.store.claims_of_paragraphs([p["id"] for p in paragraphs])
        return indexer.passage_documents(article, paragraphs, claims)

    def _catch_up(self) -> int:
        """Bring the index to the database's generation; the caller holds the write lock."""
        target = self.store.generation()
        current = self.index_generation()
        if current == target:
            return 0
        total = max(1, self.store.article_count())
        changed = self.store.changed_since(current) if 0 <= current < target else None
        if changed is None or len(changed) > FULL_REBUILD_SHARE * total:
            self.ix = indexer.rebuild(self.index_dir, self._all_documents())
            if getattr(self, "searcher", None) is not None:
                self.searcher = PassageSearcher(self.ix)
            self._set_index_generation(target)
            return total
        self._reindex_articles(changed)
        self._set_index_generation(target)
        return len(changed)

    def _reindex_articles(self, article_ids) -> None:
        """Replace each article's passages in the index by the database's (gone: deleted)."""
        upserts, deletions = {}, []
        for article_id in article_ids:
            docs = self._documents(article_id)
            if docs is None:
                deletions.append(article_id)
            else:
                upserts[article_id] = docs
        indexer.replace_articles(self.ix, upserts, deletions)

    def _catch_up_foreign(self, since: int, own: set[int]) -> int:
        """After a bulk write that put its own articles (generations `own`) straight into the
        index: apply the changes other nodes committed meanwhile, then record the generation.
        The caller holds the write lock."""
        target = self.store.generation()
        changes = self.store.changes_since(since)
        if changes is None:
            self._set_index_generation(-1)
            return self._catch_up()
        foreign = sorted({article_id for generation, article_id in changes
                          if generation <= target and generation not in own})
        if foreign:
            self._reindex_articles(foreign)
        self._set_index_generation(target)
        return len(foreign)

    def follow_once(self, timeout: float | None = None) -> int:
        """Bring the index up to what other nodes committed; returns the articles re-indexed.
        Does nothing when the index is current (and rebuilds it when it is ahead: the database
        was restored from a backup); raises Busy when a write held the lock for
        `timeout` seconds (it brings the index up to date itself)."""
        if self.store.generation() == self.index_generation():
            return 0
        with write_lock(self.lock_path, self.write_timeout if timeout is None else timeout):
            return self._catch_up()

    def follow(self, interval: float = 1.0) -> None:
        """Start following the shared database in this process (a no-op with SQLite, or when
        already following): a thread catches the index up after each commit of another node."""
        if not self.shared or (self._follower is not None and self._follower.is_alive()):
            return
        self._follower = Follower(self.database_url, self, interval)
        self._follower.start()

    def stop_following(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None

    def _all_documents(self):
        for article_id in self.store.article_ids():
            yield from self._documents(article_id) or ()

    # -- writes ---------------------------------------------------------------------------

    def prepare(self, text: str, *, id: str | None = None, title: str | None = None,
                published: dt.date | None = None, source: str | None = None, url: str | None = None,
                format: str = "text"):
        """Clean, segment and extract claims; no storage. Raises EmptyArticle or InvalidId.

        `format="html"`: `text` is a web page; its main text, headline, date and outlet are read
        from the markup (index/articles/html.py) and then segmented like text.
        Returns (article, claims, input digest), what add_articles stores. NUL characters are
        dropped from the text and metadata first: PostgreSQL's text cannot hold them, and both
        databases must store the same thing.
        """
        text = text.replace("\x00", "")
        title, source, url = (v.replace("\x00", "") if isinstance(v, str) else v for v in (title, source, url))
        article_id = id if id is not None else content_id(text)
        if not valid_article_id(article_id):
            raise InvalidId(f"invalid article id {article_id!r}: use 1-128 of A-Z a-z 0-9 . _ -")
        # text that is a page or a fragment of markup takes the same path as a page sent as html
        parse = parse_html if format == "html" or looks_like_html(text) else parse_article
        article = parse(text, id=article_id, title=title, published=published, source=source, url=url)
        if article.body_count == 0:
            what = "page" if format == "html" else "text"
            raise EmptyArticle(f"the {what} holds no article body once page furniture is removed")
        meta = {"title": title, "published": published, "source": source, "url": url, "format": format}
        claims = extract_claims(article)
        metrics.assign(article, claims, project_key=registry.name_key)
        return article, claims, input_digest(text, meta)

    def _write(self, commit):
        """`commit()` (a database transaction), then the index brought up to it; both before
        returning. With SQLite, this node's writer lock covers both: it is what orders the file's
        writers. With PostgreSQL it covers only the index: the database orders writers itself (a
        row lock on the generation counter), and a write queued there while holding the node's
        lock would keep the followers from indexing what other nodes committed ahead of it."""
        if not self.shared:
            with write_lock(self.lock_path, self.write_timeout):
                result = commit()
                self._catch_up()
            return result
        result = commit()
        with write_lock(self.lock_path, self.write_timeout):
            self._catch_up()
        return result

    def add_articles(self, prepared: list[tuple[Article, list, str]]) -> list[Ingested]:
        """Store prepared articles durably, then index them; both before returning."""
        replaced = self._write(lambda: self.store.put_articles(prepared))
        return [Ingested(a.id, a.title, a.published.isoformat() if a.published else None, a.source, a.url,
                         a.body_count, len(claims), was)
                for (a, claims, _), was in zip(prepared, replaced)]

    def add_article(self, text: str, **meta) -> Ingested:
        return self.add_articles([self.prepare(text, **meta)])[0]

    def delete_article(self, article_id: str) -> bool:
        return self._write(lambda: self.store.delete_article(article_id))

    def regroup(self) -> int:
        """Recompute metric keys, reprint groups and agreement groups of every stored article
        (after a change of index/data/metrics.json: done by itself when a data folder opens)."""
        with write_lock(self.lock_path, self.write_timeout):
            count = self._rebuild_layers(force=True)
            self._catch_up()
            return count

    def _rebuild_layers_retrying(self, attempts: int = 3) -> int:
        """Nodes restarting together after a taxonomy change all try the rebuild; PostgreSQL may
        end one of two such transactions as a deadlock: the next attempt finds the work done."""
        for attempt in range(attempts):
            try:
                return self._rebuild_layers()
            except TransactionAborted:
                if attempt == attempts - 1:
                    raise
        return 0

    def _rebuild_layers(self, force: bool = False) -> int:
        """The cross-article layers from the stored rows; the caller holds the write lock. Unless
        `force`, nothing is done when they are current once the writers' lock is ours (another
        node or process sharing the database rebuilt them while this one waited)."""
        store = self.store
        with store.transaction() as db:
            if not force and layers.version(db) == layers.current_version():
                return 0
            layers.clear(db)
            derived = layers.Layers(db)
            ids = store.article_ids()
            for article_id in ids:
                stored = store.article(article_id)
                article = Article(id=article_id, text="", title=stored.title, source=stored.source,
                                  published=dt.date.fromisoformat(stored.published) if stored.published else None,
                                  paragraphs=[Paragraph(p["idx"], p["text"], p["kind"]) for p in store.paragraphs(article_id)])
                rows = store.claims_of_article(article_id)
                claims = [claim_of_row(row) for row in rows]
                metrics.assign(article, claims, project_key=registry.name_key)
                derived.add(article, claims, [row["id"] for row in rows])
            derived.finish()
            layers.set_version(db, layers.current_version())
        self._set_index_generation(-1)      # the index holds each passage's metric keys (facets)
        return len(ids)

    def reindex(self) -> int:
        """Rebuild the whole index from the database."""
        with write_lock(self.lock_path, self.write_timeout):
            self._set_index_generation(-1)
            return self._catch_up()

    def snapshot(self, dest: str | Path) -> int:
        """Copy this node's index to the new folder `dest`, under the write lock (no write changes
        it meanwhile); returns its generation. A node given the copy (`restore_index`) starts
        from there and replays the database's log, instead of rebuilding everything."""
        dest = Path(dest)
        if dest.exists():
            raise FileExistsError(f"{dest} exists: a snapshot goes into a new folder")
        with write_lock(self.lock_path, self.write_timeout):
            shutil.copytree(self.index_dir, dest)
        return int((dest / "GENERATION").read_text())

    # -- reads ----------------------------------------------------------------------------

    def article(self, article_id: str) -> dict | None:
        stored = self.store.article(article_id)
        if stored is None:
            return None
        group, members = dossiers.reprint_group(self.store.db, article_id)
        return article_dict(stored, self.store.paragraphs(article_id)) | {"reprint_group": group,
                                                                           "reprint_members": members}

    def claims_of_article(self, article_id: str) -> list[dict] | None:
        stored = self.store.article(article_id)
        if stored is None:
            return None
        source = stored.source_info()
        return [claim_dict(row, source) for row in self.store.claims_of_article(article_id)]

    def search(self, q: str, page: int = 1, per_page: int = 10, highlight: bool = True,
               with_total: bool = True, collapse: str | None = None, **filters) -> dict:
        """Passages matching `q`, each with its article and claims; with collapse="reprints",
        one passage per story (the best), the other articles of the story under `reprints`;
        `facets=[names]` (of SEARCH_FACETS) adds their counts over every match."""
        if collapse == "reprints":
            return self._collapsed_search(q, page, per_page, highlight, with_total, **filters)
        result = self.searcher.search(q, page=page, per_page=per_page, highlight=highlight,
                                      with_total=with_total, **filters)
        articles = self.store.articles(hit.article_id for hit in result.hits)
        claims = self.store.claims_of_paragraphs([hit.passage_id for hit in result.hits])
        items = [search_hit(hit, articles[hit.article_id],
                            [claim_dict(row, articles[hit.article_id].source_info()) for row in claims[hit.passage_id]],
                            highlight)
                 for hit in result.hits
                 if hit.article_id in articles]          # else deleted between the index read and this one
        body = page_of(items, page, per_page, total=result.total)
        if result.facets is not None:
            body["facets"] = result.facets
        return body

    def _collapsed_search(self, q, page, per_page, highlight, with_total, **filters) -> dict:
        """The ranked passages down to COLLAPSE_FETCH times the requested depth, one per story."""
        depth = min(MAX_COLLAPSE_DEPTH, page * per_page * COLLAPSE_FETCH)
        ranked = self.search(q, page=1, per_page=depth, highlight=highlight, with_total=with_total, **filters)
        groups = dossiers.reprint_groups(self.store.db, {item["article"]["id"] for item in ranked["items"]})
        stories: dict[str, dict] = {}
        for item in ranked["items"]:
            article_id = item["article"]["id"]
            members = groups.get(article_id, [article_id])
            if members[0] not in stories:
                others = self.store.articles(m for m in members if m != article_id)
                stories[members[0]] = item | {"reprints": [article_ref(a) for a in others.values()]}
        hits = list(stories.values())
        body = page_of(hits[(page - 1) * per_page:page * per_page], page, per_page, total=ranked["total"])
        if "facets" in ranked:
            body["facets"] = ranked["facets"]
        return body

    # -- projects ---------------------------------------------------------------------

    def claims_by_project(self, project: str, page: int = 1, per_page: int | None = 20, sort: str = "text",
                          metric_key: str | None = None, has_conflict: bool | None = None,
                          source: str | None = None, **filters) -> dict:
        """The claims about the project(s) `project` designates, filtered, sorted and paged
        (`per_page` None: all of them)."""
        aliases = self.store.project_aliases()
        matches = registry.resolve(project, aliases)
        ids = [m.project_id for m in matches]
        rows = [row for row in self.store.claims_of_projects(ids) if claim_filters.accepts(row, **filters)
                and _agreement_accepts(row, metric_key, has_conflict)]
        sources = {a.id: a for a in self.store.articles(row["article_id"] for row in rows).values()}
        if source:
            rows = [row for row in rows if sources[row["article_id"]].source == source]
        rows = claim_filters.sort(rows, sort, sources)
        found = {p["id"]: p for p in self.store.projects(ids)}
        body = {"query": project,
                "projects": [project_summary(found[m.project_id]) | {"match": m.how}
                             for m in matches if m.project_id in found],
                **page_of(rows, page, per_page,
                          shape=lambda row: claim_dict(row, sources[row["article_id"]].source_info()))}
        if not matches:
            body["suggestions"] = registry.suggestions(project, sorted({n for ns in aliases.values() for n in ns}))
        return body

    def projects(self, q: str | None = None, page: int = 1, per_page: int = 20) -> dict:
        """Known projects, those matching `q` when given, with aliases and claim counts."""
        aliases = self.store.project_aliases()
        ids = [m.project_id for m in registry.resolve(q, aliases)] if q else sorted(aliases)
        found = self.store.projects(ids)
        if not q:
            found.sort(key=lambda p: (-p["claims"], p["name"]))
        return page_of(found, page, per_page, shape=project_summary)

    def project(self, project_id: int) -> dict | None:
        """One project with its claims grouped by metric."""
        found = self.store.projects([project_id])
        if not found:
            return None
        rows = self.store.claims_of_projects([project_id])
        sources = self.store.articles(row["article_id"] for row in rows)
        by_metric: dict[str, list[dict]] = {}
        for row in rows:
            by_metric.setdefault(row["metric"] or "", []).append(
                claim_dict(row, sources[row["article_id"]].source_info()))
        return project_summary(found[0]) | {
            "articles": found[0]["articles"],
            "metrics": [{"metric": metric or None, "claims": claims} for metric, claims in by_metric.items()],
            "dossier": self._dossier(rows)}

    # -- across articles: claims of the whole table, agreement groups, conflicts, dossiers ----

    def claims(self, page: int = 1, per_page: int = 20, sort: str = "text", **filters) -> dict:
        """Claims of every article matching the filters (metric_key, dimension, value range,
        period, source, region, modality, has_conflict …), sorted and paged."""
        total, rows = dossiers.query_claims(self.store.db, sort=sort, offset=(page - 1) * per_page,
                                            limit=per_page, **filters)
        return page_of([claim_dict(row, dossiers.source_of(row)) for row in rows], page, per_page, total=total)

    def all_claims(self, sort: str = "text", **filters):
        """Every claim matching the filters, in `sort` order (for exports), page by page."""
        offset = 0
        while True:
            _, rows = dossiers.query_claims(self.store.db, sort=sort, offset=offset, limit=EXPORT_PAGE, **filters)
            yield from (claim_dict(row, dossiers.source_of(row)) for row in rows)
            if len(rows) < EXPORT_PAGE:
                return
            offset += EXPORT_PAGE

    def group(self, group_id: str) -> dict | None:
        """An agreement group: what it measures, its status and its claims with outlets and dates."""
        rows = dossiers.group_rows(self.store.db, group_id)
        return _group_body(group_id, rows) if rows else None

    def conflicts(self, page: int = 1, per_page: int = 20, project: str | None = None, **filters) -> dict:
        """Groups in conflict with a claim matching the filters, the most recently reported first."""
        project_ids = None
        if project:
            project_ids = [m.project_id for m in registry.resolve(project, self.store.project_aliases())]
        total, ids = dossiers.conflict_groups(self.store.db, offset=(page - 1) * per_page, limit=per_page,
                                              project_ids=project_ids, **filters)
        return page_of([self.group(i) for i in ids], page, per_page, total=total)

    def conflict_claims(self, project: str | None = None, **filters):
        """Every claim of every conflicting group matching the filters (for exports)."""
        page = 1
        while True:
            body = self.conflicts(page=page, per_page=EXPORT_PAGE, project=project, **filters)
            for group in body["items"]:
                yield from group["claims"]
            if page * EXPORT_PAGE >= body["total"]:
                return
            page += 1

    def _dossier(self, rows: list[dict]) -> list[dict]:
        """Per metric key, the project's reported values in time: one entry per agreement group."""
        by_key: dict[str, dict[str, None]] = {}
        for row in rows:
            if row.get("group_id") and row.get("metric_key"):
                by_key.setdefault(row["metric_key"], {})[row["group_id"]] = None
        out = []
        for key in sorted(by_key):
            timeline = [_timeline_entry(self.group(gid)) for gid in by_key[key]]
            timeline.sort(key=lambda e: ((e["period"] or {}).get("start") or "", e["first_reported"] or "", e["group"]))
            metric = metrics.metric(key)
            out.append({"metric_key": key, "label": metric.label if metric else key,
                        "dimension": sorted(metric.dimensions)[0] if metric else None, "timeline": timeline})
        return out

    def health(self) -> dict:
        """Database and index state; never raises: an unusable part is named in `errors`.

        status: ok (both usable, index at the database's generation), degraded (the index lags),
        unavailable (the database or the index cannot be read).
        """
        state = {"status": "ok", "generation": {"database": None, "index": None},
                 "articles": None, "passages": None, "claims": None}
        errors = {}
        try:
            state |= self.store.counts()
            state["generation"]["database"] = self.store.generation()
        except Exception as err:          # sqlite3.DatabaseError (corrupt, locked), OSError
            errors["database"] = _describe(err)
        try:
            with self.ix.reader() as reader:  # opens the table of contents and the segment files
                reader.doc_count()
            state["generation"]["index"] = self.index_generation()
        except Exception as err:          # whoosh EmptyIndexError, OSError, a corrupt segment
            errors["index"] = _describe(err)
        if errors:
            state["status"], state["errors"] = "unavailable", errors
        elif state["generation"]["database"] != state["generation"]["index"]:
            state["status"] = "degraded"
        return state


def restore_index(source: str | Path, data_dir: str | Path) -> None:
    """Put a snapshot (`Library.snapshot`) into a data folder that has no index yet; opening
    the folder then brings it up to the database (or rebuilds it, if the snapshot was made from
    another database or the log no longer reaches back to it)."""
    source, index_dir = Path(source), Path(data_dir) / "whoosh"
    if not (source / "GENERATION").is_file():
        raise FileNotFoundError(f"{source} is not a newsclaims index snapshot (no GENERATION file)")
    if index_dir.exists() and any(index_dir.iterdir()):
        raise FileExistsError(f"{data_dir} already has an index: restore into an empty data folder")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.with_name("whoosh.restoring")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    if index_dir.exists():
        index_dir.rmdir()
    os.replace(tmp, index_dir)


def migrate_database(url: str) -> tuple[int, int]:
    """Create or upgrade the schema of the database at `url`; (version before, version after)."""
    store = Store(url, check=False)
    try:
        return store.migrate()
    finally:
        store.close()


def _describe(err: Exception) -> str:
    """A one-line reason without file paths: the exception's class and message."""
    message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return f"{type(err).__name__}: {message}".strip().splitlines()[0][:200]


def _agreement_accepts(row: dict, metric_key: str | None, has_conflict: bool | None) -> bool:
    if metric_key and row.get("metric_key") != metric_key:
        return False
    if has_conflict is not None and (row.get("agreement_status") == "conflict") != has_conflict:
        return False
    return True


def _group_body(group_id: str, rows: list[dict]) -> dict:
    about = dossiers.describe_bucket(rows[0]["bucket"])
    metric = metrics.metric(about["metric_key"])
    claims = [claim_dict(row, dossiers.source_of(row)) for row in rows]
    dates = sorted(r["a_published"] for r in rows if r["a_published"])
    return {"id": group_id, "status": rows[0]["agreement_status"], "sources": rows[0]["agreement_sources"],
            "metric_key": about["metric_key"], "label": metric.label if metric else about["metric_key"],
            "project": about["about"]["project"], "scope": about["about"]["scope"],
            "period": about["period"], "season": about["season"], "estimate": about["estimate"], "unit": about["unit"],
            "outlets": sorted({r["a_source"] for r in rows if r["a_source"]}),
            "first_reported": dates[0] if dates else None, "last_reported": dates[-1] if dates else None,
            "claims": claims}


def _timeline_entry(group: dict) -> dict:
    """A group as one point of a dossier timeline: the values reported, by whom and when."""
    values: dict[str, int] = {}
    for claim in group["claims"]:
        values[claim["raw"]] = values.get(claim["raw"], 0) + 1
    return {"group": group["id"], "status": group["status"], "sources": group["sources"],
            "period": group["period"], "estimate": group["estimate"], "unit": group["unit"],
            "values": sorted(values, key=lambda raw: -values[raw]),
            "outlets": group["outlets"], "first_reported": group["first_reported"],
            "last_reported": group["last_reported"], "claims": [c["id"] for c in group["claims"]]}


def claim_of_row(row: dict) -> Claim:
    """A stored claim row as the Claim the extractor made (what the cross-article layers read)."""
    has_range = row["range_low"] is not None
    quantity = Quantity(row["raw"], row["span_start"], row["span_end"], Decimal(row["value"]), row["unit"],
                        row["dimension"], bool(row["approx"]), row["bound"],
                        (Decimal(row["range_low"]), Decimal(row["range_high"])) if has_range else None)
    period = (dt.date.fromisoformat(row["period_start"]), dt.date.fromisoformat(row["period_end"])) \
        if row["period_start"] else None
    return Claim(paragraph=int(row["paragraph_id"].rsplit("-p", 1)[1]), quantity=quantity, sentence=row["sentence"],
                 metric=row["metric"], subject=row["subject"], project=row["project"], period=period,
                 modality=row["modality"], speaker=row["speaker"])


__all__ = ["Library", "EmptyArticle", "InvalidId", "Ingested", "valid_article_id", "content_id", "paragraph_id",
           "decode_page"]
