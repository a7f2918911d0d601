"""The cross-article layers, reprint groups and agreement groups, kept in step with each write.

`Store.put_articles` and `Store.delete_article` drive one `Layers` per transaction: `forget`
before an article's rows go (its buckets and its reprint neighbours must be revisited), `add`
after an article's claims are in, `finish` once at the end (regroup, then recompute every
touched bucket). Everything runs inside the write transaction: readers never see an article
without its groups.
"""
from __future__ import annotations

import hashlib
import sqlite3

from index import lexicon

from index.store import agreement, reprints

VERSION_KEY = "layers"
FORMAT = 4            # bump when what the layers store changes (their columns: a schema migration)

SCHEMA = reprints.SCHEMA + agreement.SCHEMA


class Layers:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.buckets: set[str] = set()
        self.regroup: set[str] = set()

    def forget(self, article_id: str) -> None:
        """Before the article's rows are deleted (to be replaced or for good)."""
        self.buckets |= agreement.buckets_of(self.db, [article_id])
        self.regroup |= reprints.forget(self.db, article_id)

    def add(self, article, claims, claim_ids: list[str]) -> None:
        self.buckets |= agreement.add(self.db, article, claims, claim_ids)
        print_ = reprints.fingerprint(reprints.article_texts(article), article.published)
        touched = reprints.add(self.db, article.id, print_)
        if len(touched) > 1:
            self.buckets |= agreement.buckets_of(self.db, touched)

    def finish(self) -> None:
        if self.regroup:
            touched = reprints.regroup(self.db, self.regroup)
            self.buckets |= agreement.buckets_of(self.db, touched)
        agreement.refresh(self.db, self.buckets)
        self.buckets, self.regroup = set(), set()


def current_version() -> str:
    """What this code computes the layers with: the format and the taxonomy (data/metrics.json),
    so that stored metric keys and groups follow a change of either."""
    digest = hashlib.sha256(lexicon.data_path("metrics.json").read_bytes()).hexdigest()[:12]
    return f"{FORMAT}:{digest}"


def version(db: sqlite3.Connection) -> str | None:
    """What the layers were computed with (Store.meta), None when never computed."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
    return row[0] if row else None


def set_version(db: sqlite3.Connection, value: str) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               (VERSION_KEY, value))


def clear(db) -> None:
    """Empty the layers' tables. Rows only: a change of their columns is a schema migration
    (store/database.py MIGRATIONS), and no DDL here means no exclusive table lock that a
    concurrent reader on another node could deadlock with."""
    for table in ("claim_agreement", "reprint_groups", "reprint_links", "story_sentences"):
        db.execute(f"DELETE FROM {table}")
