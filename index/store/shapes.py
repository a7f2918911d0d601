"""Every JSON object the API and the CLI's --json answer with, built here and nowhere else.

Each function turns stored rows (or a search hit) into the objects `openapi.yaml` names in
`components.schemas`; list answers share one envelope, `page_of`.
"""
from __future__ import annotations

from collections.abc import Sequence


def claim_dict(row: dict, source: dict | None = None) -> dict:
    """A stored claim row as a `Claim`; `source` is its article's `Source`."""
    has_range = row["range_low"] is not None
    period = {"start": row["period_start"], "end": row["period_end"]} if row["period_start"] else None
    return {
        "id": row["id"], "raw": row["raw"], "value": row["value"], "unit": row["unit"],
        "dimension": row["dimension"], "approx": bool(row["approx"]), "bound": row["bound"],
        "range": [row["range_low"], row["range_high"]] if has_range else None,
        "metric": row["metric"], "subject": row["subject"], "project": row["project"],
        "period": period, "modality": row["modality"], "speaker": row["speaker"],
        "article_id": row["article_id"], "passage_id": row["paragraph_id"],
        "span": [row["span_start"], row["span_end"]], "sentence": row["sentence"],
        "source": source,
        "metric_key": row.get("metric_key"), "agreement": agreement_of(row),
    }


def agreement_of(row: dict) -> dict | None:
    """A claim's `agreement` (index/store/agreement.py): {group, status, sources}, or None when
    it cannot be compared with others."""
    if not row.get("group_id"):
        return None
    return {"group": row["group_id"], "status": row["agreement_status"], "sources": row["agreement_sources"]}


def article_ref(stored) -> dict:
    """A stored article as an `ArticleRef` (what a hit or a claim says of its article)."""
    return {"id": stored.id, "title": stored.title, "published": stored.published,
            "source": stored.source, "url": stored.url}


def article_dict(stored, paragraphs: list[dict]) -> dict:
    """A stored article with its paragraph rows as an `Article`."""
    return article_ref(stored) | {"paragraphs": [{"id": p["id"], "index": p["idx"], "kind": p["kind"],
                                                  "text": p["text"]} for p in paragraphs]}


def ingested_dict(done) -> dict:
    """What `POST /articles` answers: the article's metadata and what was kept of it."""
    return {"id": done.id, "title": done.title, "published": done.published, "source": done.source,
            "url": done.url, "paragraphs": done.paragraphs, "claims": done.claims}


def search_hit(hit, stored, claims: list[dict], highlight: bool) -> dict:
    """A searcher's hit, its stored article and its claims as a `SearchHit`."""
    passage = {"id": hit.passage_id, "article_id": hit.article_id, "index": hit.index,
               "kind": hit.kind, "text": hit.text}
    if highlight:
        passage["highlight"] = hit.highlight
    return {"passage": passage, "score": round(hit.score, 4), "article": article_ref(stored), "claims": claims}


def project_summary(project: dict) -> dict:
    """A registry row as a `ProjectSummary`."""
    return {"id": project["id"], "name": project["name"], "aliases": project["aliases"], "claims": project["claims"]}


def page_of(items: Sequence, page: int, per_page: int | None, shape=None, total: int | None = None) -> dict:
    """The envelope of every list answer: `total`, `page`, `per_page` and that page's `items`.

    `per_page` None puts every item on one page (exports); `shape` turns a row into its object
    (only the page's rows are shaped); `total` when `items` is already the page.
    """
    if per_page is None:
        chosen, page, per_page = items, 1, max(len(items), 1)
    elif total is None:
        chosen = items[(page - 1) * per_page: page * per_page]
    else:
        chosen = items
    return {"total": len(items) if total is None else total, "page": page, "per_page": per_page,
            "items": [shape(item) for item in chosen] if shape else list(chosen)}
