"""The Whoosh fields of one passage document (a paragraph of an article)."""
from __future__ import annotations

from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from index.fulltext.analysis import chinese_analyzer

# Kinds of paragraph that are indexed (all of them; searches default to all kinds).
INDEXED_KINDS = ("title", "deck", "heading", "caption", "body")


class PublishedDate(DATETIME):
    """A DATETIME indexed as one term per document.

    Whoosh's DATETIME indexes 8 terms per document (one per 8 bits of precision) so that a range
    over millions of distinct instants expands to few terms; passages have a few thousand
    distinct dates, a range over them is a cheap term range (cached per searcher, see
    search.PassageSearcher), and the 7 extra terms were 12% of the index's postings.
    """

    def __init__(self, stored: bool = False):
        super().__init__(stored=stored)
        self.shift_step = self.bits


def passage_schema() -> Schema:
    """One document per passage; `article_id` lets a writer drop all passages of an article."""
    analyzer = chinese_analyzer()
    return Schema(
        # stored only: nothing looks a passage up by its id in the index (articles are deleted by
        # article_id), and 148,000 one-posting terms were ~3% of a bulk ingest's CPU
        id=STORED(),
        article_id=ID(stored=True),
        index=STORED(),
        kind=ID(stored=True),
        # positions for phrases, start/end characters for highlights (Characters format)
        text=TEXT(analyzer=analyzer, stored=True, phrase=True, chars=True),
        # the article's title on every passage; searched with a lower boost (query.py)
        title=TEXT(analyzer=analyzer, phrase=False),
        source=ID(),
        published=PublishedDate(),
        has_claims=BOOLEAN(),
        # true on a heading whose next document is the paragraph it heads (a 快讯 headline, then
        # its brief): the search finds the heading with that paragraph (queries.WithSection)
        heads=BOOLEAN(),
        dimensions=KEYWORD(lowercase=True, scorable=False),
        # the canonical metric keys of the passage's claims (index/data/metrics.json), for facets
        metrics=KEYWORD(scorable=False),
    )
