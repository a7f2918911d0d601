"""End to end: gunicorn with the production config on a free port, talked to over HTTP."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers import ROOT, SEEDS, TOKEN

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw and "json" in response.headers["Content-Type"] else raw)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "NEWSCLAIMS_DATA_DIR": str(tmp_path_factory.mktemp("e2e")),
           "NEWSCLAIMS_API_TOKEN": TOKEN, "NEWSCLAIMS_WORKERS": "3", "NEWSCLAIMS_LOG_LEVEL": "WARNING"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}", "service:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if call(base, "GET", "/health")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)


def test_post_then_search_in_every_worker(server):
    seed = sorted(SEEDS.glob("*.txt"))[4]
    status, body = call(server, "POST", "/articles", {"id": seed.stem, "text": seed.read_text(encoding="utf-8")}, TOKEN)
    assert status == 201 and body["claims"] > 0
    # new connections land on any of the workers: each must see the write at once
    for _ in range(12):
        status, page = call(server, "GET", "/search?q=%E6%B8%85%E5%8E%9F")      # 清原
        assert status == 200 and page["total"] >= 1


def test_errors_over_http_are_problems(server):
    status, body = call(server, "GET", "/search?q=")
    assert status == 400 and body["status"] == 400
    status, body = call(server, "POST", "/articles", {"text": "x"}, "wrong")
    assert status == 401


def test_delete_is_seen_by_every_worker(server):
    status, _ = call(server, "POST", "/articles", {"id": "e2e-del", "text": "某县今年新建zyxwv厂房3万平方米。\n计划投资5亿元。"}, TOKEN)
    assert status == 201
    assert call(server, "DELETE", "/articles/e2e-del", token=TOKEN)[0] == 204
    for _ in range(9):
        assert call(server, "GET", "/articles/e2e-del")[0] == 404
        assert call(server, "GET", "/search?q=zyxwv")[1]["total"] == 0
