#!/usr/bin/env python3
"""Time `newsclaims ingest` on the corpus, end to end, as a user runs it.

    .venv/bin/python bench/ingest.py [--corpus ../shared/corpus/news.jsonl.gz] [--data /tmp/nc-bench-ingest]
                                     [--limit N] [--keep] [-- extra ingest options]

Runs the real command (clean, segment, extract claims, SQLite, Whoosh) in a fresh data folder
under /tmp, samples the resident memory of the whole process tree (the command and any worker
processes it starts) every 100 ms, and prints wall time, articles/s, passages/s and peak memory
(the largest sum over the tree, and the largest single process) and the peak proportional set
size of the tree (PSS: a page shared by n processes counts 1/n in each, so memory the workers
share copy-on-write with the parent is counted once; sampled every 2 s, as reading it costs
the measured processes time) and the sampler's own CPU time. `--limit N` first writes the
first N records to a temporary JSONL file. The corpus is for internal testing only: the data
folder stays under /tmp and is removed unless `--keep`.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from procfs import descendants   # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
PAGE = os.sysconf("SC_PAGE_SIZE")


def pss(pid: int) -> int:
    """Proportional set size of `pid` in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def rss(pid: int) -> int:
    """Resident bytes of `pid` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Sampler(threading.Thread):
    """Peak memory of a process tree, sampled cheaply enough not to slow what it measures.

    Resident sizes come from /proc/PID/statm every `every` seconds (the tree is re-read every
    `tree_every`); PSS needs /proc/PID/smaps_rollup, which walks every page of the process
    (~10 ms for a 600 MB worker) and would take a core if read as often, so it is read every
    `pss_every` seconds. `cpu` is the sampler's own CPU time, printed with the figures.
    """

    def __init__(self, pid: int, every: float = 0.1, tree_every: float = 1.0, pss_every: float = 2.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.tree_every, self.pss_every = pid, every, tree_every, pss_every
        self.peak_sum = self.peak_one = self.peak_pss = 0
        self.cpu = 0.0
        self.done = threading.Event()

    def run(self):
        pids, tree_at, pss_at = [], 0.0, 0.0
        while not self.done.is_set():
            now = time.monotonic()
            if now >= tree_at:
                pids, tree_at = descendants(self.pid), now + self.tree_every
            sizes = [rss(pid) for pid in pids]
            self.peak_sum, self.peak_one = max(self.peak_sum, sum(sizes)), max(self.peak_one, max(sizes, default=0))
            if now >= pss_at:
                self.peak_pss, pss_at = max(self.peak_pss, sum(map(pss, pids))), now + self.pss_every
            self.cpu = time.thread_time()
            self.done.wait(self.every)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--data", default=None, help="data folder (default: a fresh one under /tmp)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N records")
    ap.add_argument("--keep", action="store_true", help="keep the data folder (e.g. for bench/search.py)")
    ap.add_argument("extra", nargs="*", help="extra options for `newsclaims ingest` (after --)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nc-bench-ingest-", dir="/tmp"))
    data = Path(args.data) if args.data else work / "data"
    if data.exists():
        shutil.rmtree(data)
    source = Path(args.corpus)
    if args.limit:
        source = work / "records.jsonl"
        with gzip.open(args.corpus, "rt", encoding="utf-8") as src, open(source, "w", encoding="utf-8") as dst:
            dst.writelines(itertools.islice(src, args.limit))

    newsclaims = Path(sys.executable).with_name("newsclaims")
    cmd = [str(newsclaims), "ingest", "--data-dir", str(data), *args.extra, str(source)]
    print("command:", " ".join(cmd), flush=True)
    print(f"load before      {os.getloadavg()[0]:.2f} (1-min load average; other work on the machine skews wall time)")
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)       # before `check` runs
    if process.returncode:
        sys.exit(f"ingest failed ({process.returncode}):\n{err[-3000:]}")

    sys.path.insert(0, str(ROOT))
    from index.store.database import Store      # the folder's SQLite file or NEWSCLAIMS_DATABASE_URL's server

    store = Store(os.environ.get("NEWSCLAIMS_DATABASE_URL") or data / "newsclaims.sqlite3")
    articles, passages, claims = store.counts().values()
    store.close()
    check = subprocess.run([str(newsclaims), "check", "--data-dir", str(data)], capture_output=True, text=True)
    print(out.strip())
    print(f"articles         {articles}")
    print(f"passages         {passages}")
    print(f"claims           {claims}")
    print(f"wall             {wall:.1f} s")
    print(f"cpu (children)   {children.ru_utime + children.ru_stime:.1f} s")
    print(f"articles/s       {articles / wall:.0f}")
    print(f"passages/s       {passages / wall:.0f}")
    print(f"peak rss (tree)  {sampler.peak_sum / 2**20:.0f} MB")
    print(f"peak rss (1 proc){sampler.peak_one / 2**20:5.0f} MB")
    print(f"peak pss (tree)  {sampler.peak_pss / 2**20:.0f} MB (sampled every {sampler.pss_every:.0f} s)")
    print(f"sampler cpu      {sampler.cpu:.1f} s")
    print(f"load after       {os.getloadavg()[0]:.2f}")
    print(f"check            exit {check.returncode}")
    if args.keep:
        print(f"data folder      {data}")
    else:
        shutil.rmtree(work, ignore_errors=True)
        if args.data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
