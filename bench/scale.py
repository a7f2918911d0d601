"""The cost curve: one node at 1x, 3x and 10x the shared corpus.

    .venv/bin/python bench/scale.py [--sizes 1 3 10] [--database-url URL] [--keep]

For each size k it writes a corpus of k copies of the shared corpus's records (copy 0 as it is;
copy c > 0 with ids `ID-xc` and each record's date moved by a random number of days within two
years, seeded), so postings grow as more articles of the same kind would make them grow. Then:

- ingest: `newsclaims ingest` into a fresh data folder under /tmp (the wall and CPU time, the peak
  memory the command reports for its largest process; the process tree's RSS sampled every
  0.5 s from /proc);
- sizes: the Whoosh index folder and the database (the SQLite file, or the PostgreSQL schema's
  relations);
- serving: gunicorn with the production config (2 workers x 2 threads) on port 8192: time to
  ready (process start to the first /search 200), one keep-alive client for 500 queries (p50,
  p95, p99), 8 clients for 20 s (req/s, p99), RSS per worker after them.

With `--database-url` every size gets a new schema in that PostgreSQL database (the index stays
in the local data folder). Figures depend on the machine's load: the 1-minute load average is
printed before each size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from procfs import descendants
from search import (BIN, DEFAULT_CORPUS, ROOT, Client, Pool, draw_queries, load, memory_line, ms, one_client,
                    start_gunicorn)

PORT = 8192
PAGE = os.sysconf("SC_PAGE_SIZE")


def write_corpus(source: Path, copies: int, out: Path, seed: int = 14) -> int:
    rng = random.Random(seed)
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    written = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as sink:
        for copy in range(copies):
            for record in records:
                if copy:
                    record = dict(record, id=f"{record['id']}-x{copy}")
                    if record.get("published"):
                        try:
                            day = dt.date.fromisoformat(str(record["published"])[:10])
                            record["published"] = (day + dt.timedelta(days=rng.randint(-365, 365))).isoformat()
                        except ValueError:
                            pass
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return written


def rss_tree(root: int) -> int:
    total = 0
    for pid in [root, *descendants(root)]:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def children_cpu() -> float:
    """CPU seconds of finished child processes: comparable across loads, unlike wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def database_size(url: str | None, data: Path) -> int:
    if not url:
        return sum(p.stat().st_size for p in data.glob("newsclaims.sqlite3*"))
    import psycopg

    with psycopg.connect(url) as db:
        return int(db.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                          " JOIN pg_namespace n ON n.oid = c.relnamespace"
                          " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')").fetchone()[0])


def fresh_schema(url: str, size: int) -> str:
    import psycopg

    name = f"scale_{size}x_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{name}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 10])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--database-url", default=None, help="PostgreSQL database (a new schema per size)")
    ap.add_argument("--work", default="/tmp/nc-scale", help="folder for the corpora and data folders")
    ap.add_argument("--single", type=int, default=500)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--keep", action="store_true", help="keep each size's data folder")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        corpus = work / f"corpus-{size}x.jsonl.gz"
        if not corpus.exists():
            started = time.perf_counter()
            count = write_corpus(Path(args.corpus), size, corpus)
            print(f"[{size}x] corpus {count} records written in {time.perf_counter() - started:.0f} s", flush=True)
        data = work / f"data-{size}x"
        shutil.rmtree(data, ignore_errors=True)
        env = {**os.environ, "NEWSCLAIMS_LOG_LEVEL": "WARNING"}
        url = fresh_schema(args.database_url, size) if args.database_url else None
        if url:
            env["NEWSCLAIMS_DATABASE_URL"] = url
        else:
            env.pop("NEWSCLAIMS_DATABASE_URL", None)
        load_before = os.getloadavg()[0]
        print(f"[{size}x] load {load_before:.2f}; ingesting", flush=True)
        started, cpu_before = time.perf_counter(), children_cpu()
        process = subprocess.Popen([str(BIN / "newsclaims"), "ingest", "--data-dir", str(data), str(corpus)],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak_tree = 0
        done = threading.Event()

        def sample():
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, rss_tree(process.pid))
                done.wait(0.5)
        sampler = threading.Thread(target=sample)
        sampler.start()
        out, err = process.communicate()
        done.set()
        sampler.join()
        ingest_s, ingest_cpu = time.perf_counter() - started, children_cpu() - cpu_before
        if process.returncode:
            raise SystemExit(f"ingest failed: {err[-2000:]}")
        largest = re.search(r"peak memory (\d+) MB", out)
        print(f"[{size}x] {out.strip()}", flush=True)
        index_mb = folder_size(data / "whoosh") / 1e6
        db_mb = database_size(url, data) / 1e6

        os.environ.update({k: v for k, v in env.items() if k == "NEWSCLAIMS_DATABASE_URL"})
        if not url:
            os.environ.pop("NEWSCLAIMS_DATABASE_URL", None)
        queries = draw_queries(url or data / "newsclaims.sqlite3", 6000, 5)
        probe, queries = queries[-1], queries[:-1]
        log_path = work / f"gunicorn-{size}x.log"
        server, ready = start_gunicorn(data, PORT, log_path, probe)
        try:
            time.sleep(0.5)
            pool = Pool(queries)
            client = Client(PORT)
            for _ in range(20):
                client.get(pool.take())
            single, errors = one_client(client, pool, args.single)
            single_errors = len(errors)
            client.conn.close()
            many, many_errors, wall = load(PORT, pool, 8, args.duration)
            workers = memory_line(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        row = {
            "size": f"{size}x", "articles": out.split(" articles")[0].split()[-1],
            "ingest": f"{ingest_s:.0f} s wall, {ingest_cpu:.0f} s CPU",
            "peak memory": f"{largest.group(1) if largest else '?'} MB largest, {peak_tree / 1e6:.0f} MB tree",
            "index": f"{index_mb:.0f} MB", "database": f"{db_mb:.0f} MB",
            "ready": f"{ready:.2f} s",
            "1 client": f"p50 {ms(single, 50)} / p95 {ms(single, 95)} / p99 {ms(single, 99)} ms ({single_errors} errors)",
            "8 clients": f"{len(many) / wall:.0f} req/s, p99 {ms(many, 99)} ms ({len(many_errors)} errors)",
            "workers": workers, "load": f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}",
        }
        rows.append(row)
        print(f"[{size}x] " + "; ".join(f"{k} {v}" for k, v in row.items()), flush=True)
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print()
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")


if __name__ == "__main__":
    main()
