"""The routes of openapi.yaml behave as documented on the seeds and on articles written by tests."""
from __future__ import annotations

import re

from helpers import AUTH, SEEDS

SEED_ID = "004_da0b7fb5938abbd5"
ARTICLE = ("某市经济运行报告\n时间:2024-05-06 文章来源:某市日报\n"
           "今年一季度,某市新开工项目52个,总投资86亿元,同比增长12.5%。\n"
           "该市计划全年实施项目300个以上。\n")


def test_get_article_returns_clean_paragraphs_with_ids(client):
    body = client.get(f"/articles/{SEED_ID}").get_json()
    assert body["id"] == SEED_ID and body["published"] == "2024-03-23"
    assert [p["index"] for p in body["paragraphs"]] == list(range(len(body["paragraphs"])))
    assert all(p["id"].startswith(SEED_ID) for p in body["paragraphs"])
    assert not any("免责声明" in p["text"] or "当前位置" in p["text"] for p in body["paragraphs"])


def test_claims_of_an_article_slice_their_passage(client):
    article = client.get(f"/articles/{SEED_ID}").get_json()
    texts = {p["id"]: p["text"] for p in article["paragraphs"]}
    claims = client.get(f"/articles/{SEED_ID}/claims").get_json()["items"]
    assert claims
    for claim in claims:
        start, end = claim["span"]
        assert texts[claim["passage_id"]][start:end] == claim["raw"]
        assert claim["sentence"] in texts[claim["passage_id"]]
        assert claim["source"]["published"] == "2024-03-23"


def test_search_hits_carry_article_claims_and_highlight(client):
    body = client.get("/search", query_string={"q": "清原抽水蓄能电站"}).get_json()
    assert body["total"] >= 1 and body["page"] == 1 and body["per_page"] == 10
    hit = body["items"][0]
    assert hit["article"]["id"] == SEED_ID
    assert "<mark>" in hit["passage"]["highlight"]
    assert any(c["raw"].endswith("亿元") for c in hit["claims"])


def test_search_filters_by_source_date_and_claims(client):
    def ids(**params):
        items = client.get("/search", query_string={"q": "项目", "per_page": 100, **params}).get_json()["items"]
        return {item["article"]["id"] for item in items}, items
    by_source, _ = ids(source="中共辽宁省委组织部")
    assert by_source == {SEED_ID}
    by_date, _ = ids(published_from="2023-01-01")
    assert by_date == {SEED_ID}
    _, with_claims = ids(has_claims="true")
    assert with_claims and all(item["claims"] for item in with_claims)
    _, money = ids(dimension="money")
    assert money and all(any(c["dimension"] == "money" for c in item["claims"]) for item in money)


def test_search_pages_do_not_overlap_and_past_the_end_is_empty(client):
    first = client.get("/search", query_string={"q": "项目", "per_page": 5}).get_json()
    second = client.get("/search", query_string={"q": "项目", "per_page": 5, "page": 2}).get_json()
    assert {i["passage"]["id"] for i in first["items"]}.isdisjoint({i["passage"]["id"] for i in second["items"]})
    far = client.get("/search", query_string={"q": "项目", "page": 100})
    assert far.status_code == 200 and far.get_json()["items"] == []


def test_post_replace_delete_cycle(fresh_client):
    created = fresh_client.post("/articles", json={"id": "t-1", "text": ARTICLE}, headers=AUTH)
    assert created.status_code == 201
    body = created.get_json()
    assert body["published"] == "2024-05-06" and body["paragraphs"] >= 1 and body["claims"] >= 2
    assert fresh_client.get("/search", query_string={"q": "新开工项目"}).get_json()["total"] >= 1
    replaced = fresh_client.post("/articles", json={"id": "t-1", "text": ARTICLE.replace("52个", "53个")},
                                 headers=AUTH)
    assert replaced.status_code == 200
    raws = [c["raw"] for c in fresh_client.get("/articles/t-1/claims").get_json()["items"]]
    assert "53个" in raws and "52个" not in raws
    assert fresh_client.delete("/articles/t-1", headers=AUTH).status_code == 204
    assert fresh_client.get("/articles/t-1").status_code == 404
    assert fresh_client.get("/search", query_string={"q": "新开工项目"}).get_json()["total"] == 0


def test_same_text_without_id_is_one_article(fresh_client):
    first = fresh_client.post("/articles", json={"text": ARTICLE}, headers=AUTH)
    second = fresh_client.post("/articles", json={"text": ARTICLE}, headers=AUTH)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]


def test_client_metadata_wins_over_the_text(fresh_client):
    body = fresh_client.post("/articles", headers=AUTH, json={
        "id": "t-2", "text": ARTICLE, "title": "Given", "published": "2023-01-02", "source": "S",
        "url": "https://example.org/a"}).get_json()
    assert (body["title"], body["published"], body["source"], body["url"]) == (
        "Given", "2023-01-02", "S", "https://example.org/a")


def test_seed_paragraph_ids_are_stable(client):
    seed = sorted(SEEDS.glob("*.txt"))[0].stem
    first = client.get(f"/articles/{seed}").get_json()["paragraphs"]
    second = client.get(f"/articles/{seed}").get_json()["paragraphs"]
    assert first == second


def test_health_reports_counts(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["articles"] == 5 and body["passages"] > 50
    assert body["generation"]["database"] == body["generation"]["index"]


def test_openapi_is_served(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200 and b"openapi: 3.1" in response.data


def test_search_facets_count_every_match_with_the_filters(client):
    """facets=… adds exact counts over the whole match set (not the page), filters applied."""
    names = "source,month,dimension,has_claims"
    everything = client.get("/search", query_string={"q": "项目", "per_page": 100}).get_json()
    assert everything["total"] <= 100 and "facets" not in everything
    body = client.get("/search", query_string={"q": "项目", "per_page": 1, "facets": names}).get_json()
    assert list(body["facets"]) == names.split(",")
    with_claims = sum(1 for item in everything["items"] if item["claims"])
    assert {b["value"]: b["count"] for b in body["facets"]["has_claims"]} == \
        {k: v for k, v in {True: with_claims, False: everything["total"] - with_claims}.items() if v}
    for name in names.split(","):
        counts = [b["count"] for b in body["facets"][name]]
        assert counts == sorted(counts, reverse=True)
    assert sum(b["count"] for b in body["facets"]["source"]) <= body["total"]
    assert all(re.fullmatch(r"\d{4}-\d{2}", b["value"]) for b in body["facets"]["month"])
    filtered = client.get("/search", query_string={"q": "项目", "facets": "source", "source": "中共辽宁省委组织部"}).get_json()
    assert filtered["facets"]["source"] == [{"value": "中共辽宁省委组织部", "count": filtered["total"]}]


def test_a_query_of_stopwords_only_is_answered(client):
    body = client.get("/search", query_string={"q": "的", "per_page": 3, "facets": "has_claims"}).get_json()
    assert body["total"] > 3 and len(body["items"]) == 3
    assert all("<mark>的</mark>" in item["passage"]["highlight"] for item in body["items"])
    assert sum(b["count"] for b in body["facets"]["has_claims"]) == body["total"]


def test_json_answers_are_readable_utf8(client):
    """Chinese as UTF-8 bytes (three per character), never \\uXXXX escapes (six), on every route."""
    project = client.get("/projects", query_string={"per_page": 1}).get_json()["items"][0]["id"]
    for path, params in [("/search", {"q": "清原抽水蓄能电站", "facets": "source"}), (f"/articles/{SEED_ID}", {}),
                         (f"/articles/{SEED_ID}/claims", {}), ("/claims", {"project": "清原"}), ("/projects", {}),
                         (f"/projects/{project}", {}), ("/claims", {"project": "清原", "format": "jsonl"})]:
        raw = client.get(path, query_string=params).data
        assert b"\\u" not in raw, path
        assert re.search("[\u4e00-\u9fff]", raw.decode("utf-8")), path


def test_search_metric_facet_counts_the_claims_canonical_metrics(client):
    from collections import Counter

    everything = client.get("/search", query_string={"q": "投资", "per_page": 100}).get_json()
    assert everything["total"] <= 100
    expected = Counter(key for item in everything["items"]
                       for key in {c["metric_key"] for c in item["claims"] if c["metric_key"]})
    assert expected                                            # the seeds' claims have canonical metrics
    body = client.get("/search", query_string={"q": "投资", "per_page": 1, "facets": "metric"}).get_json()
    assert {b["value"]: b["count"] for b in body["facets"]["metric"]} == dict(expected)
