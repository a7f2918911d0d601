"""Operations in-process: request ids echoed, one JSON access line per request, /metrics in
Prometheus format (parsed back with prometheus_client's parser), /health that reports a broken
database or index with 503 instead of raising."""
from __future__ import annotations

import json
import logging

import pytest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.test import EnvironBuilder

from helpers import SEEDS, break_index, make_app
from service import observability


def scrape(client) -> dict:
    """{(name, labels as sorted tuple): value} of one /metrics answer."""
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_of(samples, route, status="200", method="GET") -> float:
    key = ("newsclaims_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


def test_request_id_is_echoed(client):
    response = client.get("/health", headers={"X-Request-ID": "trace-42.a_b:c"})
    assert response.headers["X-Request-ID"] == "trace-42.a_b:c"


def test_request_id_is_generated_when_absent_or_unsafe(client):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health", headers={"X-Request-ID": "bad id; <script>" + "x" * 200}).headers["X-Request-ID"]
    assert len(first) == len(second) == 32 and first != second and "<" not in second


def test_errors_carry_the_request_id_too(client):
    response = client.get("/articles/nope-nope", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "err-1"


def test_one_access_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="newsclaims.access"):
        client.get("/search", query_string={"q": "投资"}, headers={"X-Request-ID": "acc-1"})
    lines = [r for r in caplog.records if r.name == "newsclaims.access"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.path, record.route, record.status) == ("GET", "/search", "/search", 200)
    assert record.request_id == "acc-1" and record.duration_ms >= 0


def test_log_lines_are_json_with_the_request_id(seeded_app):
    formatter = observability.log_formatter("json")
    record = logging.LogRecord("newsclaims.access", logging.INFO, __file__, 1, "GET %s %s", ("/health", 200), None)
    with seeded_app.test_request_context("/health", headers={"X-Request-ID": "json-1"}):
        observability.start_request()
        observability.RequestIdFilter().filter(record)
    record.status = 200
    line = json.loads(formatter.format(record))
    assert line["message"] == "GET /health 200" and line["request_id"] == "json-1"
    assert line["level"] == "INFO" and line["logger"] == "newsclaims.access" and line["status"] == 200
    assert "time" in line


def test_metrics_count_requests_by_route_and_status(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/articles/000_a3ecd82a3e1ecb89")
    client.get("/articles/no-such-article")
    client.get("/no/such/route")
    after = scrape(client)
    route = "/articles/<article_id>"
    assert requests_of(after, route) - requests_of(before, route) == 3
    assert requests_of(after, route, "404") - requests_of(before, route, "404") == 1
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1
    count = ("newsclaims_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert after[count] - before.get(count, 0) == 4
    inf = ("newsclaims_http_request_duration_seconds_bucket", (("le", "+Inf"), ("method", "GET"), ("route", route)))
    assert after[inf] == after[count]


def test_metrics_report_the_data(client):
    samples = scrape(client)
    health = client.get("/health").get_json()
    for name in ("articles", "passages", "claims"):
        assert samples[(f"newsclaims_{name}", ())] == health[name]
    assert samples[("newsclaims_generation", (("store", "database"),))] == health["generation"]["database"]
    assert samples[("newsclaims_generation", (("store", "index"),))] == health["generation"]["index"]
    assert samples[("newsclaims_healthy", ())] == 1


def test_metrics_speak_openmetrics_when_asked(client):
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.mimetype == "application/openmetrics-text"
    assert response.get_data(as_text=True).rstrip().endswith("# EOF")


def seeded_fresh_app(tmp_path):
    app = make_app(tmp_path / "data")
    seed = sorted(SEEDS.glob("*.txt"))[0]
    app.extensions["newsclaims"].add_article(seed.read_text(encoding="utf-8"), id=seed.stem)
    return app


def health(app, contract):
    """GET /health, checked against the contract (a 503 here is a Health body, not a problem)."""
    response = app.test_client().get("/health")
    request = EnvironBuilder(path="/health", method="GET").get_request()
    contract.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
    return response


@pytest.mark.sqlite_only
def test_health_503_when_the_database_is_unreadable(tmp_path, contract):
    app = seeded_fresh_app(tmp_path)
    assert health(app, contract).status_code == 200
    library = app.extensions["newsclaims"]
    library.store.close()
    library._forget_connections()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / "data" / f"newsclaims.sqlite3{suffix}").unlink(missing_ok=True)
    (tmp_path / "data" / "newsclaims.sqlite3").write_bytes(b"not a database " * 500)
    response = health(app, contract)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and "database" in body["errors"] and body["articles"] is None
    assert str(tmp_path) not in json.dumps(body)          # no file paths to clients
    assert scrape(app.test_client())[("newsclaims_healthy", ())] == 0


def test_health_503_when_the_index_is_unreadable(tmp_path, contract):
    app = seeded_fresh_app(tmp_path)
    break_index(tmp_path / "data" / "whoosh")
    response = health(app, contract)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and "index" in body["errors"] and body["articles"] == 1


