"""The newsclaims library: ingest, read, delete and search articles in one data folder.

SQLite holds the truth; the Whoosh index is derived from it and follows its generation
counter. Writes are serialised by a file lock (one Whoosh writer across processes) and
reach the index before they are acknowledged, so every worker reads its writes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from index.store import claim_filters
from index.store.claim_filters import SORTS as CLAIM_SORTS  # noqa: F401 - the front ends validate against it
from index.store import registry
from index.fulltext import indexer
from index.claims.extract import extract_claims
from index.errors import EmptyArticle, InvalidId
from index.locking import write_lock
from index.models import Article
from index.fulltext.searcher import PassageSearcher
from index.articles.segment import parse_article
from index.articles.clean import looks_like_html
from index.articles.html import decode as decode_page, parse_html  # decode_page: the CLI reads .html files
from index.models import paragraph_id
from index.store.database import Store
from index.store.shapes import (article_dict, claim_dict, ingested_dict, page_of, project_summary,
                                 search_hit)

ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
FULL_REBUILD_SHARE = 0.5     # when more than this share of articles changed, rebuild rather than patch
PRUNE_CHANGES_EVERY = 1000   # generations between two prunings of the database's change log


def valid_article_id(article_id: str) -> bool:
    return bool(ARTICLE_ID.fullmatch(article_id)) and ".." not in article_id


def input_digest(text: str, meta: dict) -> str:
    """Fingerprint of what was posted, so re-ingesting the same input can be skipped."""
    payload = [text] + [str(meta.get(k) or "") for k in ("title", "published", "source", "url")]
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

    def __init__(self, data_dir: str | Path, write_timeout: float = 10.0, catch_up: bool = True):
        """Open (or create) a data folder and bring its index up to date with the database,
        unless `catch_up` is False (a caller about to rebuild it: `newsclaims reindex`)."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "newsclaims.sqlite3"
        self.index_dir = self.data_dir / "whoosh"
        self.lock_path = self.data_dir / "write.lock"
        self.write_timeout = write_timeout
        self._local = threading.local()
        self._changes_pruned_at = 0
        # a SQLite connection must not cross fork() (gunicorn preloads the app in its master)
        os.register_at_fork(after_in_child=self._forget_connections)
        with write_lock(self.lock_path, self.write_timeout):
            self.ix = indexer.open_index(self.index_dir, create=True)
            if catch_up:
                if not indexer.schema_is_current(self.ix):      # written by an older version: rebuild
                    self._set_index_generation(-1)
                self._catch_up()
        self.searcher = PassageSearcher(self.ix)

    # -- plumbing -------------------------------------------------------------------------

    def _forget_connections(self) -> None:
        self._local = threading.local()

    @property
    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.db_path)
        return store

    @property
    def _generation_file(self) -> Path:
        return self.index_dir / "GENERATION"

    def index_generation(self) -> int:
        try:
            return int(self._generation_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return -1

    def _set_index_generation(self, generation: int) -> None:
        tmp = self._generation_file.with_suffix(".tmp")
        tmp.write_text(str(generation))
        os.replace(tmp, self._generation_file)
        # the change log only serves to bring an index up to date: what the index has can go
        if generation >= self._changes_pruned_at + PRUNE_CHANGES_EVERY:
            self.store.forget_changes(generation)
            self._changes_pruned_at = generation

    def _documents(self, article_id: str) -> list[dict] | None:
        article = self.store.article(article_id)
        if article is None:
            return None
        paragraphs = self.store.paragraphs(article_id)
        claims = self.store.claims_of_paragraphs([p["id"] for p in paragraphs])
        return [indexer.passage_document(article, p, claims[p["id"]]) for p in paragraphs]

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
        upserts, deletions = {}, []
        for article_id in changed:
            docs = self._documents(article_id)
            if docs is None:
                deletions.append(article_id)
            else:
                upserts[article_id] = docs
        indexer.replace_articles(self.ix, upserts, deletions)
        self._set_index_generation(target)
        return len(changed)

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
        Returns (article, claims, input digest), what add_articles stores.
        """
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
        return article, extract_claims(article), input_digest(text, meta)

    def add_articles(self, prepared: list[tuple[Article, list, str]]) -> list[Ingested]:
        """Store prepared articles durably, then index them; both before returning."""
        with write_lock(self.lock_path, self.write_timeout):
            replaced = self.store.put_articles(prepared)
            self._catch_up()
        return [Ingested(a.id, a.title, a.published.isoformat() if a.published else None, a.source, a.url,
                         a.body_count, len(claims), was)
                for (a, claims, _), was in zip(prepared, replaced)]

    def add_article(self, text: str, **meta) -> Ingested:
        return self.add_articles([self.prepare(text, **meta)])[0]

    def delete_article(self, article_id: str) -> bool:
        with write_lock(self.lock_path, self.write_timeout):
            gone = self.store.delete_article(article_id)
            if gone:
                self._catch_up()
        return gone

    def reindex(self) -> int:
        """Rebuild the whole index from the database."""
        with write_lock(self.lock_path, self.write_timeout):
            self._set_index_generation(-1)
            return self._catch_up()

    # -- reads ----------------------------------------------------------------------------

    def article(self, article_id: str) -> dict | None:
        stored = self.store.article(article_id)
        if stored is None:
            return None
        return article_dict(stored, self.store.paragraphs(article_id))

    def claims_of_article(self, article_id: str) -> list[dict] | None:
        stored = self.store.article(article_id)
        if stored is None:
            return None
        source = stored.source_info()
        return [claim_dict(row, source) for row in self.store.claims_of_article(article_id)]

    def search(self, q: str, page: int = 1, per_page: int = 10, highlight: bool = True,
               with_total: bool = True, **filters) -> dict:
        """Passages matching `q`, each with its article and claims."""
        result = self.searcher.search(q, page=page, per_page=per_page, highlight=highlight,
                                      with_total=with_total, **filters)
        articles = self.store.articles(hit.article_id for hit in result.hits)
        claims = self.store.claims_of_paragraphs([hit.passage_id for hit in result.hits])
        items = [search_hit(hit, articles[hit.article_id],
                            [claim_dict(row, articles[hit.article_id].source_info()) for row in claims[hit.passage_id]],
                            highlight)
                 for hit in result.hits
                 if hit.article_id in articles]          # else deleted between the index read and this one
        return page_of(items, page, per_page, total=result.total)

    # -- projects ---------------------------------------------------------------------

    def claims_by_project(self, project: str, page: int = 1, per_page: int | None = 20, sort: str = "text",
                          **filters) -> dict:
        """The claims about the project(s) `project` designates, filtered, sorted and paged
        (`per_page` None: all of them)."""
        aliases = self.store.project_aliases()
        matches = registry.resolve(project, aliases)
        ids = [m.project_id for m in matches]
        rows = [row for row in self.store.claims_of_projects(ids) if claim_filters.accepts(row, **filters)]
        sources = {a.id: a for a in self.store.articles(row["article_id"] for row in rows).values()}
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
            "metrics": [{"metric": metric or None, "claims": claims} for metric, claims in by_metric.items()]}

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


def _describe(err: Exception) -> str:
    """A one-line reason without file paths: the exception's class and message."""
    message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return f"{type(err).__name__}: {message}".strip().splitlines()[0][:200]


__all__ = ["Library", "EmptyArticle", "InvalidId", "Ingested", "valid_article_id", "content_id", "paragraph_id",
           "decode_page"]
