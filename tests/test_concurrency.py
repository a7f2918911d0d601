"""Concurrent writers and readers against gunicorn with 4 workers.

8 client threads POST 200 distinct articles (each with a unique marker word) while 4 others
search without pause. Every acknowledged write must be readable and searchable at once from
any worker (each request is a new connection), no response may be a 5xx other than a proper
503 (problem+json with Retry-After), and a LockError must never reach a client."""
from __future__ import annotations

import itertools
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import TOKEN
from servers import Gunicorn, http

pytestmark = [pytest.mark.server, pytest.mark.slow]

ARTICLES, WRITERS, SEARCHERS = 200, 8, 4
TEXT = ("{m}新区今年新开工项目{a}个,总投资{b}亿元,同比增长{c}%。\n"
        "{m}项目建成后预计年产值{d}亿元,新增就业{a}00人。")
DEADLINE = 150          # seconds for the whole test: it stops by itself


def marker(n: int) -> str:
    """A word no other article holds: zq + three letters (jieba keeps it whole)."""
    letters = ""
    for _ in range(3):
        letters = "abcdefghijklmnopqrstuvwxyz"[n % 26] + letters
        n //= 26
    return "zq" + letters


def article(n: int) -> dict:
    return {"id": f"cc-{n:03d}", "text": TEXT.format(m=marker(n), a=n + 3, b=n + 10, c=n % 50 + 1, d=n + 20)}


def search(base: str, q: str, **params):
    return http(base, "GET", "/search?" + urllib.parse.urlencode({"q": q, **params}))


def check_not_5xx(reply, what: str) -> None:
    """Only a proper 503 may be a 5xx; a LockError or traceback never reaches the client."""
    text = repr(reply.body)
    assert "LockError" not in text and "Traceback" not in text, (what, text[:300])
    if reply.status == 503:
        assert reply.mimetype == "application/problem+json", (what, reply.headers)
        assert int(reply.headers["retry-after"]) > 0, (what, reply.headers)
    else:
        assert reply.status < 500, (what, reply.status, text[:300])


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory):
    server = Gunicorn(tmp_path_factory.mktemp("concurrency") / "data", workers=4, threads=4).start()
    yield server
    server.stop()


def test_concurrent_writers_and_readers(four_workers):
    base = four_workers.base
    started = time.monotonic()
    acked: dict[str, dict] = {}
    busy: list[float] = []
    searches = itertools.count()
    writing = threading.Event()
    writing.set()
    lock = threading.Lock()

    def write(n: int) -> None:
        body = article(n)
        while True:
            reply = http(base, "POST", "/articles", body, TOKEN)
            check_not_5xx(reply, f"POST {body['id']}")
            if reply.status != 503:
                break
            busy.append(float(reply.headers["retry-after"]))
            assert time.monotonic() - started < DEADLINE, "writes stayed busy"
            time.sleep(float(reply.headers["retry-after"]))
        assert reply.status == 201, reply.body
        assert reply.body["claims"] > 0 and reply.body["paragraphs"] == 2, reply.body
        with lock:
            acked[body["id"]] = reply.body
        # read-your-writes: the very next request, on a new connection to any worker, sees it
        found = search(base, marker(n))
        check_not_5xx(found, f"search {marker(n)}")
        assert found.status == 200 and {i["article"]["id"] for i in found.body["items"]} == {body["id"]}, found.body

    def keep_searching(k: int) -> None:
        words = ["新开工项目", "总投资", "年产值", "新增就业", '"同比增长"', "zqaaa"]
        for i in itertools.count(k):
            if not writing.is_set() or time.monotonic() - started > DEADLINE:
                return
            reply = search(base, words[i % len(words)], per_page=20, page=1 + i % 3)
            check_not_5xx(reply, "search")
            assert reply.status == 200, reply.body
            next(searches)

    with ThreadPoolExecutor(WRITERS + SEARCHERS) as pool:
        readers = [pool.submit(keep_searching, k) for k in range(SEARCHERS)]
        writers = [pool.submit(write, n) for n in range(ARTICLES)]     # 8 threads take them in turn
        try:
            for future in writers:
                future.result(timeout=DEADLINE)
        finally:
            writing.clear()
        elapsed = time.monotonic() - started
        for future in readers:
            future.result(timeout=30)
    searched = next(searches)
    print(f"\nconcurrency: {len(acked)} writes in {elapsed:.1f} s = {len(acked) / elapsed:.1f} writes/s "
          f"(8 writer threads); {searched} searches = {searched / elapsed:.1f} searches/s (4 threads); "
          f"{len(busy)} answers 503")
    assert len(acked) == ARTICLES

    # afterwards: every acknowledged article, from any worker (each request a new connection)
    for n in range(ARTICLES):
        article_id = f"cc-{n:03d}"
        for _ in range(2):
            got = http(base, "GET", f"/articles/{article_id}")
            assert got.status == 200
            assert sum(p["kind"] == "body" for p in got.body["paragraphs"]) == acked[article_id]["paragraphs"]
            found = search(base, marker(n))
            assert found.status == 200 and found.body["total"] == 2     # its two paragraphs
        claims = http(base, "GET", f"/articles/{article_id}/claims")
        assert len(claims.body["items"]) == acked[article_id]["claims"]
    health = http(base, "GET", "/health")
    assert health.status == 200 and health.body["status"] == "ok" and health.body["articles"] == ARTICLES
    all_of_them = search(base, "新开工项目", per_page=100, total="true")
    assert all_of_them.body["total"] >= ARTICLES
