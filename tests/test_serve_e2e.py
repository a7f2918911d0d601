"""End to end through the installed `newsclaims serve` (gunicorn, production settings, several
workers) on a free port: /docs rendered in headless Chromium lists every operation of the
contract; /metrics adds up every worker's requests; request ids and JSON access lines; exports
are streamed (chunked)."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from helpers import ROOT
from servers import free_port, http, ingest_seeds

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent
WORKERS = 3
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio")


def chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`newsclaims serve` on the seeds; yields (base URL, path of its stderr log)."""
    data = tmp_path_factory.mktemp("serve") / "data"
    ingest_seeds(data)
    port = free_port()
    log_path = data.parent / "serve.log"
    log = open(log_path, "wb")
    env = {**os.environ, "NEWSCLAIMS_LOG_LEVEL": "INFO", "NEWSCLAIMS_LOG_FORMAT": "json"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)          # the server's own, made by gunicorn_conf.py
    process = subprocess.Popen(
        [str(BIN / "newsclaims"), "serve", "--data-dir", str(data), "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--threads", "2"],
        cwd=tmp_path_factory.getbasetemp(), env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if http(base, "GET", "/health", timeout=5).status == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("newsclaims serve did not start:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    yield base, log_path
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    log.close()


def operations() -> list[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return [(op["operationId"], op["summary"]) for item in spec["paths"].values()
            for method, op in item.items() if method in ("get", "post", "put", "delete", "patch")]


def test_docs_page_lists_every_operation_in_a_browser(served, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium found (apt-get install chromium): the /docs browser test needs one")
    base, _ = served
    profile = tempfile.mkdtemp(dir=tmp_path)
    done = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000",
                           "--dump-dom", f"{base}/docs"], capture_output=True, timeout=120)
    dom = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0 and "swagger-ui" in dom, done.stderr.decode(errors="replace")[-2000:]
    shown_ids = {html.unescape(m) for m in re.findall(r'opblock-summary-operation-id"[^>]*>([^<]+)<', dom)}
    shown_summaries = {html.unescape(m).strip()
                       for m in re.findall(r'opblock-summary-description"[^>]*>([^<]+)<', dom)}
    expected = operations()
    assert len(expected) >= 13                             # the operations of this version, at least
    assert {op for op, _ in expected} <= shown_ids, {op for op, _ in expected} - shown_ids
    assert {summary for _, summary in expected} <= shown_summaries
    assert "newsclaims" in dom and "OAS 3.1" in dom        # the contract's title and version rendered


def test_docs_assets_come_from_this_server(served):
    base, _ = served
    page = http(base, "GET", "/docs")
    assert page.status == 200 and page.mimetype == "text/html"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.body.decode())
    assert sources and all(s.startswith("/") for s in sources), sources     # no CDN
    for source in sources:
        assert http(base, "GET", source).status == 200, source
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_metrics_add_up_every_worker(served):
    base, _ = served

    def searches() -> float:
        text = http(base, "GET", "/metrics").body.decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "newsclaims_http_requests_total" and sample.labels == \
                        {"route": "/search", "method": "GET", "status": "200"}:
                    return sample.value
        return 0.0

    before = searches()
    for _ in range(4 * WORKERS):                  # new connections: spread over the workers
        assert http(base, "GET", "/search?q=%E6%8A%95%E8%B5%84").status == 200
    # whichever worker answers the scrape, it counts every worker's requests
    assert [searches() - before for _ in range(2 * WORKERS)] == [4 * WORKERS] * (2 * WORKERS)


def test_request_id_and_json_access_line(served):
    base, log_path = served
    reply = http(base, "GET", "/health", headers={"X-Request-ID": "e2e-trace-7"})
    assert reply.headers["x-request-id"] == "e2e-trace-7"
    generated = http(base, "GET", "/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in log_path.read_text(errors="replace").splitlines()
                 if line.startswith("{") and "e2e-trace-7" in line]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1
    line = lines[0]
    assert (line["method"], line["path"], line["status"], line["request_id"]) == ("GET", "/health", 200, "e2e-trace-7")
    assert line["duration_ms"] >= 0 and line["logger"] == "newsclaims.access"


def test_exports_are_streamed(served):
    base, _ = served
    url = base + "/claims?project=%E6%B8%85%E5%8E%9F&format=csv"       # 清原
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in response.headers
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.read().decode().startswith("id,article_id,")
