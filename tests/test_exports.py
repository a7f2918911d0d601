"""GET /claims?format=jsonl|csv|jsonld: streamed downloads whose claims, parsed back, are the
JSON API's claims; the JSON-LD is schema.org ClaimReview-shaped."""
from __future__ import annotations

import csv
import io
import json

import pytest

from index import exports

PROJECT = "清原抽水蓄能电站"


@pytest.fixture
def api_claims(client):
    return client.get("/claims", query_string={"project": PROJECT, "per_page": 100}).get_json()["items"]


def download(client, fmt, **params):
    response = client.get("/claims", query_string={"project": PROJECT, "format": fmt, **params})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert f".{fmt}" in response.headers["Content-Disposition"]
    return response


def test_jsonl_is_the_api_claims_one_per_line(client, api_claims):
    response = download(client, "jsonl")
    assert response.mimetype == "application/x-ndjson"
    assert [json.loads(line) for line in response.get_data(as_text=True).splitlines()] == api_claims


def test_csv_parses_back_to_the_api_claims(client, api_claims):
    response = download(client, "csv")
    assert response.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert len(rows) == len(api_claims) > 0
    for row, claim in zip(rows, api_claims):
        source = claim["source"]
        expected = {**{k: claim[k] for k in ("id", "article_id", "raw", "value", "unit", "dimension", "bound",
                                             "metric", "subject", "project", "modality", "speaker", "sentence")},
                    "passage_id": claim["passage_id"], "approx": "true" if claim["approx"] else "false",
                    "range_low": claim["range"][0] if claim["range"] else None,
                    "range_high": claim["range"][1] if claim["range"] else None,
                    "period_start": (claim["period"] or {}).get("start"),
                    "period_end": (claim["period"] or {}).get("end"),
                    "span_start": str(claim["span"][0]), "span_end": str(claim["span"][1]),
                    "title": source["title"], "published": source["published"], "source": source["source"],
                    "url": source["url"]}
        assert row == {k: "" if v is None else str(v) for k, v in expected.items()}


def test_csv_survives_commas_quotes_and_newlines():
    claim = {"id": "a-c0", "article_id": "a", "passage_id": "a-p0", "raw": "1,2亿元", "value": "120000000",
             "unit": "元", "dimension": "money", "approx": True, "bound": "range", "range": ["1", "2"],
             "metric": '他说"投资"', "subject": None, "project": None, "period": None, "modality": "plan",
             "speaker": None, "span": [0, 5], "sentence": "第一行\n第二行, 有逗号", "source": None}
    rows = list(csv.DictReader(io.StringIO("".join(exports.csv_text([claim])), newline="")))
    assert rows[0]["metric"] == '他说"投资"' and rows[0]["sentence"] == "第一行\n第二行, 有逗号"
    assert rows[0]["range_low"] == "1" and rows[0]["source"] == ""


def test_jsonld_is_claimreview_of_each_api_claim(client, api_claims):
    response = download(client, "jsonld")
    assert response.mimetype == "application/ld+json"
    document = json.loads(response.get_data(as_text=True))
    assert document["@context"] == "https://schema.org"
    assert len(document["@graph"]) == len(api_claims)
    for review, claim in zip(document["@graph"], api_claims):
        assert review["@type"] == "ClaimReview" and "reviewRating" not in review
        assert review["claimReviewed"] == claim["sentence"]
        item = review["itemReviewed"]
        assert item["@type"] == "Claim" and item["text"] == claim["sentence"]
        assert item["appearance"]["url"] == claim["source"]["url"]
        assert item["datePublished"] == claim["source"]["published"]
        assert item["author"] == {"@type": "Organization", "name": claim["source"]["source"]}
        props = {p["propertyID"]: p for p in item["additionalProperty"]}
        assert all(p["@type"] == "PropertyValue" for p in props.values())
        assert str(props["value"]["value"]) == claim["value"] and props["value"]["unitText"] == claim["unit"]
        assert props["value"]["description"] == claim["raw"]
        assert props["dimension"]["value"] == claim["dimension"]
        assert props["modality"]["value"] == claim["modality"]
        if claim["metric"]:
            assert props["metric"]["value"] == claim["metric"]


def test_export_holds_every_claim_unless_paged(client):
    total = client.get("/claims", query_string={"project": PROJECT, "per_page": 2}).get_json()["total"]
    assert total > 2
    lines = client.get("/claims", query_string={"project": PROJECT, "format": "jsonl"}).get_data(as_text=True)
    assert len(lines.splitlines()) == total
    page = client.get("/claims", query_string={"project": PROJECT, "format": "jsonl", "per_page": 2, "page": 2})
    assert [json.loads(line) for line in page.get_data(as_text=True).splitlines()] == \
        client.get("/claims", query_string={"project": PROJECT, "per_page": 2, "page": 2}).get_json()["items"]


def test_filename_is_safe_and_keeps_the_name(client):
    response = client.get("/claims", query_string={"project": "a/b c", "format": "csv"})
    disposition = response.headers["Content-Disposition"]
    assert 'filename="claims-a_b_c.csv"' in disposition
    chinese = client.get("/claims", query_string={"project": PROJECT, "format": "csv"}).headers["Content-Disposition"]
    assert 'filename="claims.csv"' in chinese and "filename*=UTF-8''claims-%E6%B8%85" in chinese


def test_unknown_format_is_400(client):
    response = client.get("/claims", query_string={"project": PROJECT, "format": "xml"})
    assert response.status_code == 400 and "format" in response.get_json()["errors"]


def test_default_format_is_json(client):
    response = client.get("/claims", query_string={"project": PROJECT})
    assert response.mimetype == "application/json" and "Content-Disposition" not in response.headers
