"""Security properties: the token check, CORS off unless configured, no tracebacks or debug mode
in production, ids checked before the library sees them."""
from __future__ import annotations

import hmac
import logging

import pytest

from helpers import AUTH, TOKEN, make_app
from index.library import Library
from service import create_app, requests

TEXT = "某市今年新开工项目52个,总投资86亿元。"


def test_the_token_is_compared_in_constant_time(fresh_client, monkeypatch):
    compared, original = [], hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return original(a, b)
    monkeypatch.setattr(requests.hmac, "compare_digest", spy)
    wrong = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")           # same length, last character off
    assert fresh_client.post("/articles", json={"text": TEXT}, headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    assert fresh_client.post("/articles", json={"text": TEXT}, headers=AUTH).status_code == 201
    assert compared == [(wrong.encode(), TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


@pytest.mark.parametrize("token", ["1e3", "true", "123456", "null-ish", '{"a": 1}'])
def test_a_token_from_the_environment_is_taken_verbatim(tmp_path, monkeypatch, token):
    """from_prefixed_env parses values as JSON: NEWSCLAIMS_API_TOKEN=1e3 must stay "1e3", not 1000.0."""
    monkeypatch.setenv("NEWSCLAIMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSCLAIMS_API_TOKEN", token)
    client = create_app().test_client()
    response = client.post("/articles", json={"text": TEXT}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()


def test_production_config_has_no_debug_or_testing(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSCLAIMS_DATA_DIR", str(tmp_path))
    app = create_app()
    assert not app.debug and not app.testing and not app.config["PROPAGATE_EXCEPTIONS"]


@pytest.mark.parametrize("testing", [False, True])
def test_an_internal_error_is_a_bare_problem_and_the_traceback_is_logged(tmp_path, monkeypatch, caplog, testing):
    def broken(*_, **__):
        raise RuntimeError("secret-internal-detail /srv/data")
    monkeypatch.setattr(Library, "search", broken)
    client = make_app(tmp_path, TESTING=testing).test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/search", query_string={"q": "项目"})
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 500 and body["type"] == "/problems/internal-error"
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "secret-internal-detail", "/srv/data", "library.py"):
        assert leak not in text
    assert "secret-internal-detail" in caplog.text          # ...it went to the log instead


def test_no_cors_headers_unless_configured(fresh_client):
    origin = {"Origin": "https://evil.example"}
    for response in (fresh_client.get("/health", headers=origin),
                     fresh_client.client.options("/articles", headers={**origin, "Access-Control-Request-Method": "POST"})):
        assert not any(h.lower().startswith("access-control-") for h in response.headers.keys())


def test_cors_allows_only_the_configured_origins(tmp_path):
    client = make_app(tmp_path, CORS_ORIGINS="https://app.example, https://other.example").test_client()
    allowed = client.get("/health", headers={"Origin": "https://app.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in allowed.headers["Vary"]
    # a browser client may read the request id it needs to report a problem
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    refused = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    # no credentials are ever allowed cross-origin
    assert "Access-Control-Allow-Credentials" not in allowed.headers
