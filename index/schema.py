"""The Whoosh fields of one passage document (a paragraph of an article)."""
from __future__ import annotations

from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import chinese_analyzer

# Kinds of paragraph that are indexed (all of them; searches default to all kinds).
INDEXED_KINDS = ("title", "deck", "heading", "caption", "body")


def passage_schema() -> Schema:
    """One document per passage; `article_id` lets a writer drop all passages of an article."""
    analyzer = chinese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        article_id=ID(stored=True),
        index=STORED(),
        kind=ID(stored=True),
        # positions for phrases, start/end characters for highlights (Characters format)
        text=TEXT(analyzer=analyzer, stored=True, phrase=True, chars=True),
        # the article's title on every passage; searched with a lower boost (index/search.py)
        title=TEXT(analyzer=analyzer, phrase=False),
        source=ID(),
        published=DATETIME(),
        has_claims=BOOLEAN(),
        dimensions=KEYWORD(lowercase=True, scorable=False),
    )
