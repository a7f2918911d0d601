#!/usr/bin/env python3
"""Time `GET /search` under gunicorn (production config) on a corpus data folder; compare with FTS5.

    .venv/bin/python bench/search.py [--data /tmp/nc-perf] [--build] [--corpus ../shared/corpus/news.jsonl.gz]
                                     [--single 1000] [--clients 8] [--duration 30] [--soak 0]
                                     [--fts5-queries 500] [--seed 5] [--writes 0]

What it does, in one run:

1. `--build` (or no index in `--data`): `newsclaims ingest --data-dir DATA CORPUS` first. The
   corpus is for internal testing only: keep the data folder under /tmp.
2. Draws distinct queries of 1-2 words from the passages in DATA's SQLite (seeded, so every
   run asks the same questions): a random passage, a random word of it (jieba's words, no
   stopword, number or punctuation), frequent words as often as the corpus has them. Half the
   queries are one word; the other half two adjacent words, written as the text has them
   (高质量发展: one chunk the parser splits again: Or + And + phrase) or space-separated
   (two optional words), alternately. Each query is sent once (nothing comes from a cache).
3. Starts gunicorn with service/gunicorn_conf.py (its workers and threads unless
   NEWSCLAIMS_WORKERS / NEWSCLAIMS_THREADS are set) and times how long until the first
   `/search` answers 200 (time to ready, from the process start).
   `--writes N`: then N `POST /articles` in a row, each one a corpus article sent again with
   its own id and metadata (the same text: every document the search sees stays the same,
   so relevance is unaffected, but each write replaces an article's passages in one commit,
   as any update does), and prints their latency, the index's segments and files before and
   after (`docs/performance.md`: segments that stay merged). It changes the data folder
   (segments, generations): run it on a copy (`cp -a`).
4. One keep-alive client (Python http.client, one connection): `--single` queries in a row,
   after 20 warm-up queries; p50/p95/p99/max.
5. `--clients` keep-alive clients (threads, one http.client connection each) for `--duration`
   seconds: requests/s, p50/p95/p99, errors. Every response must be 200 with `highlight` and
   `claims` in every hit, else it counts as an error.
6. `--soak S`: the same load for S more seconds, printing each worker's memory every 30 s.
7. Resident memory (RSS) and proportional memory (PSS: pages shared with the master or the
   other worker counted by share) of each worker, from /proc, at ready, after each phase.
8. Relevance beside the latency: the dev known items (`--qrels`, ../shared/gold/
   corpus-dev.known_items.jsonl, over the corpus in DATA) and the seeds qrels (`--seeds-qrels`,
   over a seeds-only data folder built once under /tmp), scored exactly as
   ../shared/eval/score_search.py scores them (its own functions): recall@10, MRR, nDCG@10 of
   `Library.search` and of SQLite FTS5 (bm25, any of the query's terms) over the same tokens.
9. `--facet-queries N` (default 300): one client again, each request with
   facets=source,month,dimension,has_claims; p50/p95/p99.
10. The library alone in this process (`Library.search`, highlights, claims, total) against
   SQLite FTS5 over the same passages, tokenised with the same analyser (our index terms,
   space-joined; ascii tokenizer so every space-separated term is one token), for the same
   `--fts5-queries` queries, interleaved query by query so a busy machine slows both alike:
   FTS5 answers top 10 by bm25, the total count, FTS5's highlight() and the same article and
   claim lookups. Prints both latencies and the ratio. The FTS5 table is built once per data
   folder generation under /tmp (nc-bench-fts5-*.sqlite3).

The client runs in this process and shares the machine's cores with the server.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from procfs import children      # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
BIN = Path(sys.executable).parent
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- queries ----------------------------------------------------------------------------------

def draw_queries(database, count: int, seed: int) -> list[str]:
    """`database`: the SQLite file's path or a postgresql:// URL."""
    from index.fulltext.analysis import HAN, index_terms, is_number, stopwords
    from index.store.database import Store

    stop = stopwords()
    store = Store(database)
    texts = [row[0] for row in store.db.execute("SELECT text FROM paragraphs ORDER BY id")]
    store.close()
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    attempts = 0
    while len(out) < count and attempts < count * 50:
        attempts += 1
        terms = index_terms(rng.choice(texts), subwords=False)
        if not terms:
            continue
        i = rng.randrange(len(terms))
        word = terms[i][0]
        if word in stop or is_number(word) or not HAN.match(word):
            continue
        if len(out) % 2 == 0:
            query = word
        else:
            if i + 1 >= len(terms) or terms[i + 1][1] != terms[i][1] + 1:
                continue
            nxt = terms[i + 1][0]
            if nxt in stop or is_number(nxt) or not HAN.match(nxt):
                continue
            query = word + nxt if len(out) % 4 == 1 else f"{word} {nxt}"
        if query not in seen:
            seen.add(query)
            out.append(query)
    return out


class Pool:
    """Hands out each query once (then starts over, and says so)."""

    def __init__(self, queries):
        self.queries, self.next, self.wrapped = queries, 0, 0
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            if self.next >= len(self.queries):
                self.next, self.wrapped = 0, self.wrapped + 1
            q = self.queries[self.next]
            self.next += 1
            return q


# -- memory -----------------------------------------------------------------------------------

def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss / 1024, pss / 1024


def memory_line(master: int) -> str:
    parts = [f"master {memory(master)[0]:.0f}"]
    for pid in children(master):
        rss, pss = memory(pid)
        parts.append(f"worker {rss:.0f} (pss {pss:.0f})")
    return "RSS MB: " + ", ".join(parts)


# -- HTTP -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FACETS = "source,month,dimension,has_claims"


def path_of(q: str, facets: str | None = None) -> str:
    return "/search?" + urllib.parse.urlencode({"q": q, **({"facets": facets} if facets else {})})


def check(status: int, raw: bytes, facets: str | None = None) -> str | None:
    """None when the answer is a good search page, else what is wrong."""
    if status != 200:
        return f"status {status}"
    body = json.loads(raw)
    if facets and list(body.get("facets") or ()) != facets.split(","):
        return "facets missing"
    for item in body["items"]:
        if "highlight" not in item["passage"] or "claims" not in item:
            return "a hit without highlight or claims"
    if body.get("total") is None:
        return "no total"
    return None


class Client:
    """One keep-alive connection."""

    def __init__(self, port: int, facets: str | None = None):
        self.port, self.facets = port, facets
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, q: str) -> tuple[float, str | None]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", path_of(q, self.facets))
            response = self.conn.getresponse()
            raw = response.read()
            elapsed = time.perf_counter() - started
            if response.getheader("Connection", "").lower() == "close":
                self.reconnect()
            return elapsed, check(response.status, raw, self.facets)
        except (OSError, http.client.HTTPException, ValueError) as err:
            self.reconnect()
            return time.perf_counter() - started, f"{type(err).__name__}: {err}"

    def reconnect(self):
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(values, p) -> str:
    return f"{pct(values, p) * 1000:.1f}"


def one_client(client: Client, pool: Pool, requests: int) -> tuple[list[float], list[str]]:
    """`requests` queries one after the other on `client`'s connection: latencies and errors."""
    lat, errors = [], []
    for _ in range(requests):
        elapsed, error = client.get(pool.take())
        lat.append(elapsed)
        if error:
            errors.append(error)
    return lat, errors


def load(port: int, pool: Pool, clients: int, duration: float, master: int | None = None,
         every: float = 0.0) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def run():
        client = Client(port)
        mine, bad = [], []
        while not stop.is_set():
            elapsed, error = client.get(pool.take())
            mine.append(elapsed)
            if error:
                bad.append(error)
        client.conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    if master and every:
        end = started + duration
        while time.perf_counter() < end:
            time.sleep(min(every, max(0.0, end - time.perf_counter())))
            print(f"  {time.perf_counter() - started:5.0f} s  {memory_line(master)}", flush=True)
    else:
        time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def start_gunicorn(data: Path, port: int, log_path: Path, probe: str,
                   token: str | None = None) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "NEWSCLAIMS_DATA_DIR": str(data), "NEWSCLAIMS_LOG_LEVEL": "WARNING"}
    env.pop("NEWSCLAIMS_API_TOKEN", None)
    if token:
        env["NEWSCLAIMS_API_TOKEN"] = token
    log = open(log_path, "wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
         "service:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path_of(probe))
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return process, time.perf_counter() - started
        except OSError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 120:
            os.killpg(process.pid, signal.SIGKILL)
            sys.exit("gunicorn did not start:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.01)


def index_shape(data: Path) -> str:
    """The Whoosh index's segments (live passages each) and how many files its folder holds."""
    from index.fulltext import indexer

    ix = indexer.open_index(data / "whoosh", create=False)
    sizes = sorted((s.doc_count_all() - s.deleted_count() for s in ix._segments()), reverse=True)
    shown = ", ".join(map(str, sizes[:12])) + (", …" if len(sizes) > 12 else "")
    return f"{len(sizes)} segments ({shown}), {len(os.listdir(data / 'whoosh'))} files"


def write_articles(port: int, token: str, corpus: Path, count: int, seed: int) -> None:
    """`count` POST /articles of corpus articles sent again unchanged (their own id and metadata)."""
    import gzip

    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    rng = random.Random(seed)
    records = [r for r in rng.sample(records, min(len(records), count * 2)) if (r.get("text") or "").strip()]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, errors, started = [], [], time.perf_counter()
    for record in records:
        if len(latencies) >= count:
            break
        body = {"id": record["id"], "text": record["text"],
                **{k: record[k] for k in ("title", "published", "source", "url") if record.get(k)}}
        t0 = time.perf_counter()
        conn.request("POST", "/articles", body=json.dumps(body, ensure_ascii=False).encode("utf-8"), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        if response.status in (200, 201):
            latencies.append(time.perf_counter() - t0)
        elif response.status != 422:              # an article the cleaner finds empty: skipped
            errors.append(f"{response.status} {raw[:200]!r}")
            latencies.append(time.perf_counter() - t0)
    conn.close()
    wall = time.perf_counter() - started
    print(f"writes           {len(latencies)} POST /articles in {wall:.1f} s: p50 {ms(latencies, 50)} ms"
          f"  p95 {ms(latencies, 95)} ms  max {ms(latencies, 100)} ms  errors {len(errors)}"
          f"{' (' + errors[0] + ')' if errors else ''}")


# -- FTS5 -------------------------------------------------------------------------------------

def fts5_db(data: Path) -> Path:
    from index.fulltext.analysis import index_terms

    src = data / "newsclaims.sqlite3"
    with sqlite3.connect(src) as db:
        generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        passages = db.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
    tag = hashlib.sha256(f"{data.resolve()}|{generation}|{passages}".encode()).hexdigest()[:12]
    path = Path(f"/tmp/nc-bench-fts5-{tag}.sqlite3")
    if path.exists():
        return path
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as out, sqlite3.connect(src) as db:
        out.execute("CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, terms, tokenize = 'ascii')")
        rows = ((pid, " ".join(t[0] for t in index_terms(text)))
                for pid, text in db.execute("SELECT id, text FROM paragraphs ORDER BY id"))
        out.executemany("INSERT INTO fts (id, terms) VALUES (?, ?)", rows)
        out.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    tmp.rename(path)
    print(f"FTS5 table built in {time.perf_counter() - started:.0f} s: {path}", flush=True)
    return path


def fts5_compare(data: Path, queries: list[str]) -> None:
    from index.fulltext.analysis import index_terms, stopwords
    from index.library import Library
    from index.store.database import Store

    library = Library(data)
    store = Store(data / "newsclaims.sqlite3")
    fts = sqlite3.connect(fts5_db(data))
    stop = stopwords()

    def fts5_search(q):
        terms = list(dict.fromkeys(t[0] for t in index_terms(q, subwords=False) if t[0] not in stop))
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        hits = fts.execute("SELECT id, highlight(fts, 1, '<mark>', '</mark>'), bm25(fts) FROM fts "
                           "WHERE fts MATCH ? ORDER BY rank LIMIT 10", (match,)).fetchall()
        total = fts.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]
        ids = [h[0] for h in hits]
        articles = store.articles(i.rsplit("-p", 1)[0] for i in ids)
        claims = store.claims_of_paragraphs(ids)
        return total, hits, articles, claims

    ours, theirs = [], []
    for q in queries[:3]:                       # warm both (dictionaries, page cache)
        library.search(q + " 预热")
        fts5_search(q + " 预热")
    for q in queries:
        t0 = time.perf_counter()
        library.search(q)
        t1 = time.perf_counter()
        fts5_search(q)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
    print(f"library vs FTS5, {len(queries)} queries, one thread, in this process (ms):")
    print(f"  Library.search  p50 {ms(ours, 50)}  p95 {ms(ours, 95)}  p99 {ms(ours, 99)}  mean {statistics.mean(ours) * 1000:.1f}")
    print(f"  FTS5            p50 {ms(theirs, 50)}  p95 {ms(theirs, 95)}  p99 {ms(theirs, 99)}  mean {statistics.mean(theirs) * 1000:.1f}")
    print(f"  ratio (ours / FTS5)  p50 {pct(ours, 50) / pct(theirs, 50):.2f}  p95 {pct(ours, 95) / pct(theirs, 95):.2f}"
          f"  mean {statistics.mean(ours) / statistics.mean(theirs):.2f}")


# -- relevance --------------------------------------------------------------------------------

def scorer(shared: Path):
    """norm_text and passage_of of ../shared/eval/score_search.py: its rules, not a copy."""
    sys.path.insert(0, str(shared / "eval"))
    from score_search import norm_text, passage_of
    return norm_text, passage_of


def judge(qrels: list[dict], ranked_of, norm_text, k: int = 10, on_query=None) -> tuple[float, float, float]:
    """Mean recall@k, MRR@k, nDCG@k (binary gains) as score_search.py counts them;
    `ranked_of(query)` -> [(article id, passage text)] best first; `on_query(query, found,
    relevant, gains, ndcg)` is told each query's figures."""
    recalls, rrs, ndcgs = [], [], []
    for q in qrels:
        ranked = ranked_of(q["query"])[:k]
        rel = [(os.path.splitext(r["article"])[0], norm_text(r["context"])) for r in q["relevant"]]
        found, gains = set(), []
        for article, text in ranked:
            t = norm_text(text)
            hit = [i for i, (a, c) in enumerate(rel) if a == article and c in t and i not in found]
            found.update(hit)
            gains.append(1 if hit else 0)
        recalls.append(len(found) / len(rel))
        rrs.append(next((1 / (i + 1) for i, g in enumerate(gains) if g), 0.0))
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), k)))
        ndcgs.append(dcg / idcg if idcg else 0.0)
        if on_query is not None:
            on_query(q["query"], len(found), len(rel), gains, ndcgs[-1])
    n = len(qrels) or 1
    return sum(recalls) / n, sum(rrs) / n, sum(ndcgs) / n


def fts5_ranked(data: Path):
    """FTS5 over the same index terms: the top 10 by bm25 of passages with any query term."""
    from index.fulltext.analysis import index_terms, stopwords

    fts = sqlite3.connect(fts5_db(data))
    db = sqlite3.connect(data / "newsclaims.sqlite3")
    stop = stopwords()

    def ranked_of(q: str):
        terms = list(dict.fromkeys(t[0] for t in index_terms(q, subwords=False) if t[0] not in stop))
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        ids = [row[0] for row in fts.execute("SELECT id FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10", (match,))]
        texts = dict(db.execute(f"SELECT id, text FROM paragraphs WHERE id IN ({','.join('?' * len(ids))})", ids))
        return [(pid.rsplit("-p", 1)[0], texts.get(pid, "")) for pid in ids]
    return ranked_of


def library_ranked(data: Path, passage_of):
    from index.library import Library

    library = Library(data)
    return lambda q: [passage_of(item) for item in library.search(q, per_page=10)["items"]]


def seeds_data() -> Path:
    """A data folder with the five seeds only (what the seeds qrels judge), built once per code tree."""
    tag = hashlib.sha256(str(ROOT.resolve()).encode()).hexdigest()[:8]
    data = Path(f"/tmp/nc-bench-seeds-{tag}")
    if not (data / "newsclaims.sqlite3").exists():
        # this tree's code (the console script would run the installed one)
        subprocess.run([sys.executable, "-c", "from index.cli import run; run()", "ingest", "--data-dir", str(data),
                        str(ROOT / "seeds")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return data


def relevance(data: Path, qrels_path: Path, seeds_qrels_path: Path) -> None:
    shared = qrels_path.parents[1]
    if not (shared / "eval" / "score_search.py").exists():
        print(f"relevance        skipped: no {shared / 'eval' / 'score_search.py'}")
        return
    norm_text, passage_of = scorer(shared)
    sets = [(label, path, folder) for label, path, folder in
            (("known items", qrels_path, data), ("seeds qrels", seeds_qrels_path, None)) if path.exists()]
    sets = [(label, path, folder or seeds_data()) for label, path, folder in sets]
    for _, _, folder in sets:
        fts5_db(folder)                       # built first: its progress line stays out of the table
    print("relevance        recall@10   MRR    nDCG@10   (score_search.py's rules; FTS5: bm25 over the same tokens)")
    for label, path, folder in sets:
        with open(path, encoding="utf-8") as f:
            qrels = [json.loads(line) for line in f if line.strip()]
        for who, ranked_of in (("ours", library_ranked(folder, passage_of)), ("FTS5", fts5_ranked(folder))):
            r, m, n = judge(qrels, ranked_of, norm_text)
            print(f"  {label:12s} {who:5s} {r:8.3f}  {m:6.3f}  {n:8.3f}   ({len(qrels)} queries)", flush=True)


# -- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/nc-perf", help="data folder with the corpus ingested")
    ap.add_argument("--build", action="store_true", help="ingest the corpus into --data first (replacing it)")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--single", type=int, default=1000, help="queries for the one-client run")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of the concurrent run")
    ap.add_argument("--soak", type=float, default=0.0, help="seconds of a further concurrent run watching memory")
    ap.add_argument("--fts5-queries", type=int, default=500, help="0: skip the FTS5 comparison")
    ap.add_argument("--queries", type=int, default=20000, help="distinct queries to draw")
    ap.add_argument("--facet-queries", type=int, default=300, help="one-client requests with four facets (0: skip)")
    ap.add_argument("--qrels", default=str(ROOT.parent / "shared" / "gold" / "corpus-dev.known_items.jsonl"),
                    help="known items judged over the corpus in --data")
    ap.add_argument("--seeds-qrels", default=str(ROOT.parent / "shared" / "gold" / "seeds.qrels.jsonl"),
                    help="judgments over the seeds (scored on a seeds-only data folder)")
    ap.add_argument("--port", type=int, default=0, help="port of the server (0: any free one)")
    ap.add_argument("--writes", type=int, default=0,
                    help="POST this many corpus articles again before measuring (changes --data: use a copy)")
    args = ap.parse_args()

    data = Path(args.data)
    if args.build or not (data / "whoosh").exists():
        import shutil
        shutil.rmtree(data, ignore_errors=True)
        cmd = [str(BIN / "newsclaims"), "ingest", "--data-dir", str(data), args.corpus]
        print("building:", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)

    started = time.perf_counter()
    queries = draw_queries(os.environ.get("NEWSCLAIMS_DATABASE_URL") or data / "newsclaims.sqlite3",
                           args.queries, args.seed)
    print(f"queries          {len(queries)} distinct (seed {args.seed}, drawn in {time.perf_counter() - started:.0f} s),"
          f" e.g. {', '.join(queries[:6])}")
    print(f"load before      {os.getloadavg()[0]:.2f} (1-min load average; other work skews the figures)")
    probe, queries = queries[-1], queries[:-1]
    port = args.port or free_port()
    log_path = Path(f"/tmp/nc-bench-search-gunicorn-{port}.log")
    token = hashlib.sha256(os.urandom(16)).hexdigest() if args.writes else None
    if args.writes:
        print(f"index before     {index_shape(data)}")
    process, ready = start_gunicorn(data, port, log_path, probe, token)
    master = process.pid
    try:
        print(f"ready            {ready:.2f} s (process start to the first /search 200)")
        time.sleep(0.5)
        print(f"at ready         {memory_line(master)}")
        if args.writes:
            write_articles(port, token, Path(args.corpus), args.writes, args.seed)
            print(f"index after      {index_shape(data)}")
        pool = Pool(queries)

        client = Client(port)
        warm_started, warm_errors = time.perf_counter(), []
        for _ in range(20):
            warm_errors += [e for e in [client.get(pool.take())[1]] if e]
        print(f"warm-up          20 requests in {time.perf_counter() - warm_started:.1f} s, errors {len(warm_errors)}"
              f"{' (' + warm_errors[0] + ')' if warm_errors else ''}")
        lat, errors = one_client(client, pool, args.single)
        client.conn.close()
        print(f"1 client         {len(lat)} requests: p50 {ms(lat, 50)} ms  p95 {ms(lat, 95)} ms  p99 {ms(lat, 99)} ms"
              f"  max {ms(lat, 100)} ms  errors {len(errors)}")
        print(f"after 1 client   {memory_line(master)}")

        if args.facet_queries:
            client = Client(port, FACETS)
            lat, errors = one_client(client, pool, args.facet_queries)
            client.conn.close()
            print(f"1 client, facets {len(lat)} requests ({FACETS}): p50 {ms(lat, 50)} ms  p95 {ms(lat, 95)} ms"
                  f"  p99 {ms(lat, 99)} ms  max {ms(lat, 100)} ms  errors {len(errors)}")

        lat, errors, wall = load(port, pool, args.clients, args.duration)
        print(f"{args.clients} clients        {len(lat)} requests in {wall:.1f} s: {len(lat) / wall:.0f} req/s"
              f"  p50 {ms(lat, 50)} ms  p95 {ms(lat, 95)} ms  p99 {ms(lat, 99)} ms  max {ms(lat, 100)} ms"
              f"  errors {len(errors)}{' (' + errors[0] + ')' if errors else ''}")
        print(f"after {args.clients} clients  {memory_line(master)}")

        if args.soak:
            print(f"soak             {args.clients} clients for {args.soak:.0f} s:")
            lat, errors, wall = load(port, pool, args.clients, args.soak, master, every=30.0)
            print(f"soak             {len(lat)} requests: {len(lat) / wall:.0f} req/s  p99 {ms(lat, 99)} ms"
                  f"  errors {len(errors)}{' (' + errors[0] + ')' if errors else ''}")
        if pool.wrapped:
            print(f"note             the {len(queries)} queries were used {pool.wrapped + 1} times over")
        else:
            print(f"queries used     {pool.next} of {len(queries)} (each once)")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(master, signal.SIGKILL)
    errors_logged = [line for line in log_path.read_text(errors="replace").splitlines() if '"ERROR"' in line]
    print(f"server log       {log_path} ({len(errors_logged)} ERROR lines)")
    print(f"load after       {os.getloadavg()[0]:.2f}")
    relevance(data, Path(args.qrels), Path(args.seeds_qrels))
    if args.fts5_queries:
        fts5_compare(data, queries[:args.fts5_queries])


if __name__ == "__main__":
    main()
