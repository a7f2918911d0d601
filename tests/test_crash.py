"""Crash safety of the service: SIGKILL gunicorn (master and workers) in the middle of concurrent
POSTs, restart it on the same data folder, and find every acknowledged article whole, the index
caught up, and no article half there. (test_library.py kills the CLI the same way.)"""
from __future__ import annotations

import pytest

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import TOKEN
from index.library import Library
from servers import Gunicorn, http
from test_concurrency import article, marker, search

pytestmark = [pytest.mark.server, pytest.mark.slow]

BULK, THREADS = 400, 8
KILL_AFTER = 40          # acknowledged writes before the kill


def test_sigkill_mid_bulk_post_loses_nothing_acknowledged(tmp_path):
    data = tmp_path / "data"
    server = Gunicorn(data, workers=3, threads=4).start()
    acked: dict[str, dict] = {}
    failed = []                          # requests cut off by the kill: unknown outcome
    enough = threading.Event()
    lock = threading.Lock()

    def post(n: int) -> None:
        if failed:
            return
        try:
            reply = http(server.base, "POST", "/articles", article(n), TOKEN, timeout=30)
        except OSError as err:           # connection reset / refused once the server is dead
            failed.append((n, repr(err)))
            return
        assert reply.status == 201, (reply.status, reply.body)
        with lock:
            acked[reply.body["id"]] = reply.body
            if len(acked) >= KILL_AFTER:
                enough.set()

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(post, n) for n in range(BULK)]
            assert enough.wait(timeout=120), f"only {len(acked)} writes acknowledged"
            server.kill()
            for future in futures:
                future.result(timeout=60)
    finally:
        server.kill()
    assert failed, "the kill should have cut off requests in flight"

    restarted = Gunicorn(data, workers=3, threads=4).start()
    try:
        health = http(restarted.base, "GET", "/health")
        assert health.status == 200 and health.body["status"] == "ok", health.body
        stored = health.body["articles"]
        assert len(acked) <= stored < BULK
        oracle = Library(tmp_path / "oracle")           # what each text yields, without storing it
        for n in range(BULK):
            article_id = f"cc-{n:03d}"
            got = http(restarted.base, "GET", f"/articles/{article_id}")
            if got.status == 404:
                assert article_id not in acked, f"acknowledged {article_id} is lost"
                continue
            assert got.status == 200
            prepared, claims, _ = oracle.prepare(**article(n))
            body_paragraphs = sum(p["kind"] == "body" for p in got.body["paragraphs"])
            claim_items = http(restarted.base, "GET", f"/articles/{article_id}/claims").body["items"]
            # whole, whether acknowledged or committed just before the kill cut the response
            assert body_paragraphs == prepared.body_count and len(claim_items) == len(claims) > 0, article_id
            if article_id in acked:
                assert body_paragraphs == acked[article_id]["paragraphs"]
                assert len(claim_items) == acked[article_id]["claims"]
            found = search(restarted.base, marker(n))
            assert found.status == 200 and found.body["total"] == prepared.body_count, (article_id, found.body)
        print(f"\ncrash: killed after {len(acked)} acknowledged writes, {len(failed)} requests cut off, "
              f"{stored} articles stored ({stored - len(acked)} committed unacknowledged); "
              f"{time.monotonic() - started:.1f} s")
        # and the service takes writes again
        assert http(restarted.base, "POST", "/articles", article(BULK), TOKEN).status == 201
    finally:
        restarted.stop()
