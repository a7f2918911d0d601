"""Claims as export formats: JSON Lines, CSV and schema.org JSON-LD, written line by line.

Each writer takes an iterable of API Claim dicts (`index.store.shapes.claim_dict`) and yields text
chunks, so the API can stream them and the CLI can write them to a file without holding the
whole export in memory.

- JSONL: one Claim object per line, exactly the API's JSON.
- CSV: one row per claim, the Claim flattened (`CSV_COLUMNS`); empty cell = null.
- JSON-LD: a schema.org `ClaimReview` per claim, the shape fact-checking tools read
  (Google Fact Check Tools, ClaimBuster and the like): `claimReviewed` is the sentence,
  `itemReviewed` a `Claim` whose `appearance` is the article (url, headline, datePublished,
  publisher) and whose `author` is the outlet as an `Organization`; the extracted numbers are
  `additionalProperty` `PropertyValue` entries. There is no `reviewRating`: newsclaims
  extracts what was reported, it does not rate it; a fact-checker adds the rating.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMATS = ("jsonl", "csv", "jsonld")
MEDIA_TYPES = {"json": "application/json", "jsonl": "application/x-ndjson",
               "csv": "text/csv; charset=utf-8", "jsonld": "application/ld+json"}
EXTENSIONS = {"json": "json", "jsonl": "jsonl", "csv": "csv", "jsonld": "jsonld"}

CSV_COLUMNS = ("id", "article_id", "passage_id", "raw", "value", "unit", "dimension", "approx", "bound",
               "range_low", "range_high", "metric", "subject", "project", "period_start", "period_end",
               "modality", "speaker", "span_start", "span_end", "sentence",
               "title", "published", "source", "url")
SCHEMA_ORG = "https://schema.org"
CLAIM_URN = "urn:newsclaims:claim:"


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def jsonl(claims: Iterable[dict]) -> Iterator[str]:
    """One Claim object per line."""
    for claim in claims:
        yield _dumps(claim) + "\n"


def csv_row(claim: dict) -> dict:
    """The claim flattened to `CSV_COLUMNS`; None becomes an empty cell."""
    source = claim.get("source") or {}
    low, high = claim["range"] or (None, None)
    period = claim["period"] or {}
    row = {k: claim.get(k) for k in CSV_COLUMNS if k in claim}
    row.update({"approx": "true" if claim["approx"] else "false",
                "range_low": low, "range_high": high,
                "period_start": period.get("start"), "period_end": period.get("end"),
                "span_start": claim["span"][0], "span_end": claim["span"][1],
                "title": source.get("title"), "published": source.get("published"),
                "source": source.get("source"), "url": source.get("url")})
    return {k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS}


def csv_text(claims: Iterable[dict]) -> Iterator[str]:
    """A header line, then one RFC 4180 row per claim (UTF-8, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield take()
    for claim in claims:
        writer.writerow(csv_row(claim))
        yield take()


def _number(text: str | None):
    """A decimal string as a JSON number (int when whole), for tools that compare values."""
    if text is None:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _property(property_id: str, value, **extra) -> dict:
    return {"@type": "PropertyValue", "propertyID": property_id, "name": property_id, "value": value, **extra}


def claim_review(claim: dict) -> dict:
    """One claim as a schema.org ClaimReview (without rating) around a schema.org Claim."""
    source = claim.get("source") or {}
    outlet = {"@type": "Organization", "name": source["source"]} if source.get("source") else None
    appearance = {"@type": "NewsArticle", "url": source.get("url"), "headline": source.get("title"),
                  "datePublished": source.get("published"), "publisher": outlet}
    value = _property("value", _number(claim["value"]), unitText=claim["unit"], description=claim["raw"])
    if claim["range"]:
        value |= {"minValue": _number(claim["range"][0]), "maxValue": _number(claim["range"][1])}
    properties = [value]
    for key in ("dimension", "bound", "metric", "subject", "project", "modality", "speaker"):
        if claim.get(key) is not None:
            properties.append(_property(key, claim[key]))
    properties.append(_property("approx", claim["approx"]))
    if claim["period"]:
        properties.append(_property("period", f"{claim['period']['start']}/{claim['period']['end']}",
                                    startDate=claim["period"]["start"], endDate=claim["period"]["end"]))
    properties.append(_property("span", f"{claim['span'][0]}-{claim['span'][1]}",
                                description=f"characters of passage {claim['passage_id']}"))
    item = {"@type": "Claim", "@id": CLAIM_URN + claim["id"], "text": claim["sentence"],
            "appearance": appearance, "datePublished": source.get("published"), "author": outlet,
            "additionalProperty": properties}
    review = {"@type": "ClaimReview", "claimReviewed": claim["sentence"], "itemReviewed": item,
              "url": source.get("url"), "datePublished": source.get("published")}
    return _prune(review)


def _prune(obj):
    """Drop null members: JSON-LD has no null, absent is the way to say unknown."""
    if isinstance(obj, dict):
        return {k: _prune(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_prune(v) for v in obj]
    return obj


def jsonld(claims: Iterable[dict]) -> Iterator[str]:
    """One JSON-LD document: {"@context": schema.org, "@graph": [ClaimReview, ...]}."""
    yield '{"@context":"' + SCHEMA_ORG + '","@graph":['
    for number, claim in enumerate(claims):
        yield ("," if number else "") + "\n" + _dumps(claim_review(claim))
    yield "\n]}\n"


WRITERS = {"jsonl": jsonl, "csv": csv_text, "jsonld": jsonld}


def write(claims: Iterable[dict], fmt: str) -> Iterator[str]:
    """The chunks of `claims` in format `fmt` (one of FORMATS)."""
    return WRITERS[fmt](claims)


def all_claims(library) -> Iterator[dict]:
    """Every claim of every article, article by article in id order, each in text order."""
    for article_id in library.store.article_ids():
        yield from library.claims_of_article(article_id) or ()


def project_claims(library, project: str, **filters) -> tuple[dict, list[dict]]:
    """The /claims answer for `project` (unpaged): (body without items, every matching claim)."""
    body = library.claims_by_project(project, per_page=None, **filters)
    return {k: v for k, v in body.items() if k != "items"}, body["items"]
