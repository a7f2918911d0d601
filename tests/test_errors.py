"""Every client mistake is a 4xx application/problem+json with type/title/status/detail (never a 500)."""
from __future__ import annotations

import pytest

from helpers import AUTH, TOKEN, make_app
from index.library import Library


@pytest.mark.parametrize("params, status", [
    ({}, 400),                                       # q missing
    ({"q": ""}, 400),
    ({"q": "   "}, 400),
    ({"q": "x" * 10_000}, 400),
    ({"q": "项目", "per_page": 0}, 400),
    ({"q": "项目", "per_page": 1_000_000}, 400),
    ({"q": "项目", "page": 0}, 400),
    ({"q": "项目", "page": "two"}, 400),
    ({"q": "项目", "page": "٣"}, 400),               # other scripts' digits: int() reads them, the contract does not
    ({"q": "项目", "per_page": "１０"}, 400),
    ({"q": "项目", "limt": 5}, 400),                 # unknown parameter
    ({"q": "项目", "dimension": "weight"}, 400),
    ({"q": "项目", "published_from": "2024-13-01"}, 400),
    ({"q": "项目", "has_claims": "maybe"}, 400),
    ({"q": "项目", "facets": "colour"}, 400),
    ({"q": "项目", "facets": "source,source"}, 400),
    ({"q": "项目", "facets": ""}, 400),
    ({"q": "项目", "facets": "source,"}, 400),
])
def test_bad_search_parameters(client, params, status):
    response = client.get("/search", query_string=params)
    assert response.status_code == status
    assert response.get_json()["type"].startswith("/problems/")


@pytest.mark.parametrize("q", ["*", '"项目', "(项目", "项目)", "AND OR NOT", "项目 AND", "[a TO", "::", "\\", "'", "~2^3",
                               "的", "所等", "和地", "得的", "，。", "\x00"])
def test_hostile_queries_and_stopwords_are_answered(client, q):
    """A query the contract accepts is never refused for its content (stopwords only, punctuation only)."""
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["total"] == len(response.get_json()["items"]) or response.get_json()["total"] > 10


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
    from helpers import ContractClient
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
    from helpers import ContractClient
    client = ContractClient(make_app(tmp_path, MAX_CONTENT_LENGTH=1024).test_client(), contract, spec_paths)
    response = client.post("/articles", json={"text": "数" * 5000}, headers=AUTH)
    assert response.status_code == 413


def test_twenty_megabytes_is_refused(fresh_client):
    response = fresh_client.post("/articles", data=b'{"text": "' + b"a" * (20 * 1024 * 1024) + b'"}',
                                 content_type="application/json", headers=AUTH)
    assert response.status_code == 413


def test_unknown_route(client):
    assert client.get("/nope").status_code == 404


# -- more hostile input (issue 6) -------------------------------------------------------------

@pytest.mark.parametrize("raw_id", [
    "%F0%9F%98%80",            # an emoji
    "%C0%AE", "%C0%AE%C0%AE",  # overlong UTF-8 for "." / ".."
    "a%E2%80%8Fb", "a%E2%80%AEb",   # right-to-left mark, right-to-left override
    "%ED%A0%80",               # an encoded UTF-16 surrogate (invalid UTF-8)
    "%FF", "a%0Ab", "a%20b", "%2E", "a%2Fb",
])
def test_odd_unicode_ids_are_refused_before_the_library(client, fresh_client, raw_id, monkeypatch):
    def never(*_, **__):
        raise AssertionError("an invalid id reached the library")
    for method in ("article", "claims_of_article", "delete_article"):
        monkeypatch.setattr(Library, method, never)          # would answer 500
    assert client.get(f"/articles/{raw_id}").status_code in (400, 404)
    assert client.get(f"/articles/{raw_id}/claims").status_code in (400, 404)
    assert fresh_client.delete(f"/articles/{raw_id}", headers=AUTH).status_code in (400, 404)


@pytest.mark.parametrize("q", ["%F0%9F%98%80", "%C0%AE", "%E2%80%8F", "%E2%80%AE%E9%A1%B9%E7%9B%AE", "%00",
                               "%ED%A0%80", "%FF%FE", "%EF%BB%BF", "%E9%A1%B9%00%E7%9B%AE"])
def test_odd_unicode_queries_never_fail(client, q):
    response = client.get(f"/search?q={q}")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("query", ["q=a&q=b", "q=%E9%A1%B9%E7%9B%AE&page=1&page=2", "q=x&per_page=5&per_page=5"])
def test_repeated_query_parameters_are_refused(client, query):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400 and "more than once" in response.get_json()["detail"]


def test_repeated_parameters_on_other_routes(client):
    assert client.get("/claims?project=a&project=b").status_code == 400
    assert client.get("/projects?page=1&page=1").status_code == 400


@pytest.mark.parametrize("data", [
    b'{"text": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",      # JSON nested 10,000 deep
    b"[" * 100_000 + b"]" * 100_000,
    b'{"text": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_001,
])
def test_deeply_nested_json_is_400_not_a_recursion_error(fresh_client, data):
    response = fresh_client.post("/articles", data=data, content_type="application/json", headers=AUTH)
    assert response.status_code == 400 and "nested" in response.get_json()["detail"]


@pytest.mark.parametrize("data", [
    b'{"text": 1e999}', b'{"text": "x", "title": 1e999}', b'{"text": "x", "id": -1e999}',
    b'{"text": NaN}', b'{"text": "x", "published": Infinity}', b'{"text": "x", "source": 123456789012345678901234567890}',
    b'{"text": "\\ud800"}', b'{"text": "a\\udfffb"}',                    # unpaired surrogate escapes
    b'{"text": "\\u00e9t\\u00e9", "text": "x"}',                          # a key given twice
    b'\xef\xbb\xbf{"text": "x"}',                                        # a byte-order mark
    b"", b"null", b'"text"',
])
def test_odd_json_values_are_400(fresh_client, data):
    response = fresh_client.post("/articles", data=data, content_type="application/json", headers=AUTH)
    assert response.status_code == 400, response.get_json()


@pytest.mark.parametrize("params, status", [
    ({"project": "x", "min_value": "NaN"}, 400), ({"project": "x", "max_value": "-Infinity"}, 400),
    ({"project": "x", "min_value": "1e999"}, 200),     # a (huge) number: nothing is that big
    ({"project": "x", "page": "1e3"}, 400), ({"project": "x", "per_page": "1.5"}, 400),
    ({"project": "x", "min_value": "١٢"}, 400), ({"project": "x", "page": "２"}, 400),
    ({"project": "x", "period_from": "2024-02-30"}, 400),
])
def test_numbers_and_dates_in_claim_filters(client, params, status):
    assert client.get("/claims", query_string=params).status_code == status


def test_a_page_deeper_than_the_search_goes_is_400(client):
    assert client.get("/search", query_string={"q": "项目", "page": 101}).status_code == 400
    assert client.get("/search", query_string={"q": "项目", "page": 100, "per_page": 100}).status_code == 200


def test_a_project_id_beyond_sqlite_integers_is_400(client):
    assert client.get(f"/projects/{2**63}").status_code == 400
    assert client.get(f"/projects/{2**63 - 1}").status_code == 404


# -- HTTP framing, through gunicorn: what the Flask test client cannot send ---------------------

LIMIT = 65536


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    from servers import Gunicorn
    server = Gunicorn(tmp_path_factory.mktemp("framing") / "data", workers=1, threads=2,
                      env={"NEWSCLAIMS_MAX_CONTENT_LENGTH": str(LIMIT)}).start()
    yield server
    server.stop()


def exchange(server, head: str, body: bytes = b"") -> tuple[int, str, bytes]:
    """Send raw bytes, close our side, read the whole answer: (status, content type, body)."""
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    content_type = next((line.split(b":", 1)[1].strip().decode() for line in headers.split(b"\r\n")
                         if line.lower().startswith(b"content-type:")), "")
    return int(status_line.split()[1]), content_type, payload


def post_head(extra: str) -> str:
    return (f"POST /articles HTTP/1.1\nHost: localhost\nAuthorization: Bearer {TOKEN}\n"
            f"Content-Type: application/json\nConnection: close\n{extra}")


ARTICLE = '{"text": "某市今年新开工项目52个,总投资86亿元。"}'.encode()


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


@pytest.mark.parametrize("extra, body, status", [
    (f"Content-Length: {len(ARTICLE) - 10}\n", ARTICLE, 400),            # shorter than the body: cut JSON
    (f"Content-Length: {len(ARTICLE) + 100}\n", ARTICLE, 400),           # longer: the body ends early
    ("Transfer-Encoding: chunked\n", chunked(ARTICLE[:20], ARTICLE[20:]), 201),
    ("Transfer-Encoding: chunked\n", chunked(b'{"text": "', b"a" * LIMIT, b'"}'), 413),   # over the limit
    ("Transfer-Encoding: chunked\n", b"zz\r\nabc\r\n0\r\n\r\n", 400),                # a broken chunk size
    (f"Content-Length: {LIMIT + 1}\n", b"{}", 413),
])
@pytest.mark.server
def test_lying_framing_is_a_problem_not_a_500(small_server, extra, body, status):
    got, content_type, payload = exchange(small_server, post_head(extra), body)
    assert got == status, payload[:300]
    if status >= 400:
        assert content_type == "application/problem+json" and b"Traceback" not in payload


@pytest.mark.parametrize("extra", ["Content-Length: -1\n", "Content-Length: 12abc\n",
                                   "Content-Length: 5\nContent-Length: 6\n",
                                   "Content-Length: 5\nTransfer-Encoding: chunked\n"])
@pytest.mark.server
def test_contradictory_lengths_are_refused_by_gunicorn(small_server, extra):
    """gunicorn answers these itself (400, text/html) before the app: never a 5xx, never smuggled."""
    got, _, _ = exchange(small_server, post_head(extra), b"{}")
    assert got == 400


def test_a_project_id_in_another_scripts_digits_is_not_that_project(client):
    some = client.get("/projects").get_json()["items"][0]["id"]
    assert client.get(f"/projects/{some}").status_code == 200
    for other in (str(some).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
                  str(some).translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        response = client.get(f"/projects/{other}")
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("raw", [b"q=%FF%FE", b"q=%E9%A1%B9", b"q=%E9%A1", b"project=x&q=%C3"])
def test_a_query_string_that_is_not_utf8_is_400(client, raw):
    response = client.get("/search?" + raw.decode("ascii"))
    if raw == b"q=%E9%A1%B9":                              # 项 in UTF-8: fine
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["detail"]
