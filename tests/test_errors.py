"""Every client mistake is a 4xx application/problem+json with type/title/status/detail (never a 500)."""
from __future__ import annotations

import pytest

from conftest import AUTH, TOKEN, make_app


@pytest.mark.parametrize("params, status", [
    ({}, 400),                                       # q missing
    ({"q": ""}, 400),
    ({"q": "   "}, 400),
    ({"q": "x" * 10_000}, 400),
    ({"q": "项目", "per_page": 0}, 400),
    ({"q": "项目", "per_page": 1_000_000}, 400),
    ({"q": "项目", "page": 0}, 400),
    ({"q": "项目", "page": "two"}, 400),
    ({"q": "项目", "limt": 5}, 400),                 # unknown parameter
    ({"q": "项目", "dimension": "weight"}, 400),
    ({"q": "项目", "published_from": "2024-13-01"}, 400),
    ({"q": "项目", "has_claims": "maybe"}, 400),
])
def test_bad_search_parameters(client, params, status):
    response = client.get("/search", query_string=params)
    assert response.status_code == status
    assert response.get_json()["type"].startswith("/problems/")


@pytest.mark.parametrize("q", ["*", '"项目', "(项目", "项目)", "AND OR NOT", "项目 AND", "[a TO", "::", "\\", "'", "~2^3"])
def test_hostile_queries_never_fail(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400)


def test_unknown_parameters_on_reads(client):
    assert client.get("/articles/004_da0b7fb5938abbd5", query_string={"x": 1}).status_code == 400
    assert client.get("/health", query_string={"verbose": 1}).status_code == 400


@pytest.mark.parametrize("article_id, status", [
    ("nope", 404), ("a..b", 400), ("-x", 400), ("项目", 400), ("a" * 129, 400), ("x%00y", 400)])
def test_bad_or_unknown_ids(client, article_id, status):
    assert client.get(f"/articles/{article_id}").status_code == status
    assert client.get(f"/articles/{article_id}/claims").status_code == status


def test_ids_with_slashes_are_not_routes(client):
    assert client.get("/articles/a/b/c").status_code == 404
    # werkzeug resolves dot segments before routing, so these never reach a view with ".." in the id
    for path in ("/articles/..", "/articles/../etc/passwd", "/articles/%2e%2e"):
        response = client.client.get(path)
        assert response.status_code in (400, 404) and response.mimetype == "application/problem+json"


def test_wrong_method(client):
    response = client.put("/articles/004_da0b7fb5938abbd5")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert client.delete("/search").status_code == 405


@pytest.mark.parametrize("headers, status", [
    ({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": f"Basic {TOKEN}"}, 401),
    ({"Authorization": "Bearer"}, 401)])
def test_writes_need_the_token(fresh_client, headers, status):
    assert fresh_client.post("/articles", json={"text": "今年投资10亿元。"}, headers=headers).status_code == status
    assert fresh_client.delete("/articles/x", headers=headers).status_code == status


def test_writes_refused_without_configured_token(tmp_path, contract, spec_paths):
    from conftest import ContractClient
    client = ContractClient(make_app(tmp_path, API_TOKEN=None).test_client(), contract, spec_paths)
    response = client.post("/articles", json={"text": "今年投资10亿元。"}, headers=AUTH)
    assert response.status_code == 403 and "NEWSCLAIMS_API_TOKEN" in response.get_json()["detail"]


@pytest.mark.parametrize("data, content_type, status", [
    (b"{not json", "application/json", 400),
    (b'{"text": "\xff\xfe"}', "application/json", 400),              # invalid UTF-8
    (b"[1, 2]", "application/json", 400),
    (b'{"text": "x"}', "text/plain", 415),
    (b'{"text": ""}', "application/json", 400),
    (b'{"text": "   \\n "}', "application/json", 400),
    (b'{"text": 5}', "application/json", 400),
    (b'{"text": "a", "colour": "red"}', "application/json", 400),      # unknown field
    (b'{"text": "a", "published": "yesterday"}', "application/json", 400),
    (b'{"text": "a", "id": "../x"}', "application/json", 400),
    (b'{"text": "a", "url": "javascript:alert(1)"}', "application/json", 400),
])
def test_bad_bodies(fresh_client, data, content_type, status):
    response = fresh_client.post("/articles", data=data, content_type=content_type, headers=AUTH)
    assert response.status_code == status, response.get_json()


def test_only_furniture_is_unprocessable(fresh_client):
    furniture = "网易首页 > 网易辽宁 > 正文\n0\n分享至\n相关推荐\n热点推荐\n[免责声明] 本文来源于网络转载。"
    response = fresh_client.post("/articles", json={"text": furniture}, headers=AUTH)
    assert response.status_code == 422


def test_body_over_the_limit(tmp_path, contract, spec_paths):
    from conftest import ContractClient
    client = ContractClient(make_app(tmp_path, MAX_CONTENT_LENGTH=1024).test_client(), contract, spec_paths)
    response = client.post("/articles", json={"text": "数" * 5000}, headers=AUTH)
    assert response.status_code == 413


def test_twenty_megabytes_is_refused(fresh_client):
    response = fresh_client.post("/articles", data=b'{"text": "' + b"a" * (20 * 1024 * 1024) + b'"}',
                                 content_type="application/json", headers=AUTH)
    assert response.status_code == 413


def test_unknown_route(client):
    assert client.get("/nope").status_code == 404
