"""newsclaims below the API: Chinese news in, clean paragraphs, numeric claims, a searchable index out.

The folders are the pipeline, in the order data flows through them:

    articles/   raw text, a record or a web page -> Article (metadata + clean, kind-tagged paragraphs)
    claims/     Article -> [Claim]: numbers and units, then one module per attribute
    store/      the truth (SQLite or PostgreSQL): articles, paragraphs, claims, the project registry,
                reprint and agreement groups, generations, change log; the JSON shapes
    fulltext/   the derived Whoosh index: analysis, schema, segment files, ranking, searcher
    library.py  the facade: write (parse -> extract -> store -> index), read, search, sync
    ingest.py   the same write path for whole corpora, in forked workers
    exports.py  claims as JSONL / CSV / JSON-LD
    cli/        the `newsclaims` command, a front end like service/ (Flask, outside this package)

Shared by all: models.py (Article, Paragraph, Claim, ids), errors.py (one base class),
lexicon.py (loads data/, documented in data/README.md, and jieba's word frequencies), locking.py (the one-writer file lock),
forking.py (waiting on forked workers, ending them with their parent), text.py (Han characters, width folding, word alternations).

The dependency rule (tests/test_layout.py keeps it true):
- the stages (articles, claims, store, fulltext) import only the shared modules and never one
  another: the facade joins them;
- library, ingest and exports may import any stage;
- the front ends (cli/ and service/) import only library, ingest, exports, errors and models.
Nothing here imports Flask.
"""
