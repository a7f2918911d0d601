"""Two API nodes on one PostgreSQL database: search load, writers on both, cross-node visibility.

    .venv/bin/python bench/twonode.py [--database-url URL] [--records 2000] [--duration 30]

1. The database: `--database-url` (a fresh schema is created in it), or a throwaway PostgreSQL
   cluster in a temporary folder (tests/pg_fixtures.py; as the `postgres` user when root).
2. Node A's data folder gets the seeds and the first `--records` corpus records
   (`newsclaims ingest`); node B starts on an empty folder and builds its index from the
   database (time to ready printed).
3. Two gunicorn nodes (production config, 2 workers x 2 threads each) on ports 8190 and 8191.
4. For `--duration` seconds: 8 search clients (4 per node, keep-alive, queries drawn from the
   passages as bench/search.py does) and 4 writers (2 per node) posting new articles, each with
   a word of its own. After each 201 a watcher polls the *other* node's /search for that word
   every 5 ms: the time from the acknowledgement to the first answer that finds it is the
   cross-node visibility.
5. Prints search req/s and latency, write latency, visibility p50/p99/max, errors (any non-2xx
   or a failed connection), and lost writes: every acknowledged article is looked up in the
   database and searched on both nodes at the end.

`--in-process N`: instead, two `Library` objects in this process (no HTTP, no other load): N
writes one after the other on A, each timed until B (following with its thread) finds it: what
the mechanism costs without contention.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from search import BIN, DEFAULT_CORPUS, ROOT, Client, Pool, draw_queries, ms   # bench/ first on sys.path

TOKEN = "bench-twonode"
PORTS = (8190, 8191)
TEXT = "某市今年新开工项目{n}个,总投资{n}亿元,同比增长{n}%。编号{word}。\n项目建成后预计年产值{n}亿元。"


def throwaway_database() -> tuple[str, object]:
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_fixtures import PostgresCluster, pg_bindir

    bindir = pg_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL binaries; pass --database-url")
    cluster = PostgresCluster(bindir).start()
    return cluster.new_schema(), cluster


def fresh_schema(url: str) -> str:
    import psycopg

    name = f"bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{name}"


def start_node(data: Path, port: int, env: dict, log: Path) -> tuple[subprocess.Popen, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
         "service:create_app()"],
        cwd=ROOT, env={**env, "NEWSCLAIMS_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"), start_new_session=True)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return process, time.perf_counter() - started
        except OSError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 300:
            sys.exit(f"node on {port} did not start:\n" + log.read_text(errors="replace")[-2000:])
        time.sleep(0.02)


def request(port: int, method: str, path: str, body: dict | None = None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, raw
    finally:
        if own:
            conn.close()


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def in_process(url: str, count: int, folder: Path) -> None:
    from index.library import Library

    a = Library(folder / "a", database_url=url)
    b = Library(folder / "b", database_url=url)
    b.follow(interval=1.0)
    rng = random.Random(1)
    writes, seen = [], []
    for n in range(count):
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
        started = time.perf_counter()
        a.add_article(TEXT.format(n=n + 1, word=word), id=f"v{n}")
        acked = time.perf_counter()
        while b.search(word, highlight=False)["total"] < 1:
            time.sleep(0.002)
        writes.append(acked - started)
        seen.append(time.perf_counter() - acked)
    b.stop_following()
    print(f"in process       {count} writes on A one after the other: p50 {pct(writes, 50) * 1000:.0f} ms, "
          f"p99 {pct(writes, 99) * 1000:.0f} ms; searchable on B after p50 {pct(seen, 50) * 1000:.0f} ms, "
          f"p99 {pct(seen, 99) * 1000:.0f} ms, max {max(seen) * 1000:.0f} ms (load {os.getloadavg()[0]:.2f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None, help="PostgreSQL server to use (a new schema in it)")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--records", type=int, default=2000, help="corpus records ingested first (0: the seeds only)")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--in-process", type=int, default=0, metavar="N", help="N writes on A, B following, in this process")
    args = ap.parse_args()

    cluster = None
    url = fresh_schema(args.database_url) if args.database_url else None
    if url is None:
        url, cluster = throwaway_database()
    folder = Path(tempfile.mkdtemp(prefix="nc-twonode-"))
    env = {**os.environ, "NEWSCLAIMS_DATABASE_URL": url, "NEWSCLAIMS_API_TOKEN": TOKEN,
           "NEWSCLAIMS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    nodes = []
    try:
        if args.in_process:
            in_process(url, args.in_process, folder)
            return
        sources = [str(ROOT / "seeds")]
        if args.records:
            sample = folder / "records.jsonl"
            import gzip
            with gzip.open(args.corpus, "rt", encoding="utf-8") as lines, open(sample, "w", encoding="utf-8") as out:
                for n, line in zip(range(args.records), lines):
                    out.write(line)
            sources.append(str(sample))
        started = time.perf_counter()
        subprocess.run([str(BIN / "newsclaims"), "ingest", "--data-dir", str(folder / "a"), *sources],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        print(f"ingest on A      {time.perf_counter() - started:.1f} s ({args.records} records + seeds)")
        from index.store.database import Store
        store = Store(url)
        queries = draw_queries(url, 4000, 5)
        print(f"load before      {os.getloadavg()[0]:.2f} (1-min load average, 2 cores shared)")
        for name, port in zip("ab", PORTS):
            process, ready = start_node(folder / name, port, env, folder / f"gunicorn-{name}.log")
            nodes.append(process)
            print(f"node {name.upper()} ready     {ready:.2f} s" + ("  (empty index folder: built from the database)"
                                                              if name == "b" else ""))

        stop = threading.Event()
        lock = threading.Lock()
        search_lat, search_errors, write_lat, write_errors, visibility, acknowledged = [], [], [], [], [], []
        pool = Pool(queries)

        def searcher(port):
            client, mine, bad = Client(port), [], []
            while not stop.is_set():
                elapsed, error = client.get(pool.take())
                mine.append(elapsed)
                if error:
                    bad.append(error)
            with lock:
                search_lat.extend(mine)
                search_errors.extend(bad)

        def watch(port, word, acked_at):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            path = "/search?" + urllib.parse.urlencode({"q": word, "highlight": "false"})
            while time.perf_counter() - acked_at < 30:
                status, raw = request(port, "GET", path, conn=conn)
                if status == 200 and json.loads(raw)["total"] >= 1:
                    with lock:
                        visibility.append(time.perf_counter() - acked_at)
                    return
                time.sleep(0.005)
            with lock:
                visibility.append(float("inf"))

        def writer(index, port, other):
            rng = random.Random(index)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n = 0
            while not stop.is_set():
                word = "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
                article_id = f"w{index}-{n}"
                started = time.perf_counter()
                try:
                    body = {"id": article_id, "text": TEXT.format(n=n + 1, word=word)}
                    status, raw = request(port, "POST", "/articles", body, conn=conn)
                except (OSError, http.client.HTTPException) as err:
                    status, raw = 0, str(err).encode()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                acked = time.perf_counter()
                with lock:
                    write_lat.append(acked - started)
                    if status == 201:
                        acknowledged.append((article_id, word))
                    else:
                        write_errors.append(f"{status} {raw[:200]!r}")
                if status == 201:
                    threading.Thread(target=watch, args=(other, word, acked), daemon=True).start()
                n += 1
                time.sleep(0.05)

        threads = [threading.Thread(target=searcher, args=(PORTS[i % 2],)) for i in range(args.clients)]
        threads += [threading.Thread(target=writer, args=(i, PORTS[i % 2], PORTS[1 - i % 2]))
                    for i in range(args.writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        deadline = time.time() + 35
        while len(visibility) < len(acknowledged) and time.time() < deadline:
            time.sleep(0.1)

        print(f"search           {args.clients} clients over both nodes: {len(search_lat)} requests, "
              f"{len(search_lat) / wall:.0f} req/s, p50 {ms(search_lat, 50)} ms, p95 {ms(search_lat, 95)} ms, "
              f"p99 {ms(search_lat, 99)} ms, errors {len(search_errors)}"
              f"{' (' + search_errors[0] + ')' if search_errors else ''}")
        print(f"writes           {args.writers} writers (half per node): {len(acknowledged)} acknowledged, "
              f"p50 {ms(write_lat, 50)} ms, p99 {ms(write_lat, 99)} ms, errors {len(write_errors)}"
              f"{' (' + write_errors[0] + ')' if write_errors else ''}")
        seen = [v for v in visibility if v != float("inf")]
        print(f"visibility       on the other node after the 201: p50 {pct(seen, 50) * 1000:.0f} ms, "
              f"p99 {pct(seen, 99) * 1000:.0f} ms, max {max(seen, default=float('nan')) * 1000:.0f} ms; "
              f"{len(visibility) - len(seen)} not seen within 30 s")
        stored = set(store.digests(a for a, _ in acknowledged))
        lost_db = [a for a, _ in acknowledged if a not in stored]
        lost_index = 0
        for article_id, word in acknowledged:
            for port in PORTS:
                status, raw = request(port, "GET", "/search?" + urllib.parse.urlencode({"q": word}))
                if status != 200 or json.loads(raw)["total"] < 1:
                    lost_index += 1
        print(f"lost writes      {len(lost_db)} missing from the database, {lost_index} (article, node) pairs "
              f"not searchable at the end")
        print(f"load after       {os.getloadavg()[0]:.2f}")
        store.close()
    finally:
        for process in nodes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
