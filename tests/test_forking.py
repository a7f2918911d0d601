"""Forked workers never outlive a killed parent (index/forking.py)."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from index.forking import exit_with_parent


def _flooding_worker(results, parent: int, pid_file: str) -> None:
    exit_with_parent(parent, poll=0.1)
    results.put(b"x" * (1 << 20))          # more than a pipe holds: flushed only while someone reads
    Path(pid_file).write_text(str(os.getpid()))
    # returning now, multiprocessing joins the queue's feeder thread before the process ends


def _parent(pid_file: str) -> None:
    context = multiprocessing.get_context("fork")
    results = context.Queue()              # never read: this process is killed first
    context.Process(target=_flooding_worker, args=(results, os.getpid(), pid_file)).start()
    time.sleep(60)


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status            # ended, not yet reaped by its new parent


def test_a_worker_whose_parent_is_killed_ends(tmp_path):
    """The ingest's and the rebuild's workers report through a multiprocessing queue. Once their
    parent is killed, a worker that has sent its results would wait forever at exit (the kill -9
    test of the CLI left two such workers of 240 MB each running for hours)."""
    pid_file = tmp_path / "worker.pid"
    parent = multiprocessing.get_context("fork").Process(target=_parent, args=(str(pid_file),))
    parent.start()
    deadline = time.monotonic() + 20
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(pid_file.read_text())
    time.sleep(0.3)                        # the worker is now in its exit, waiting for the pipe
    try:
        assert not _gone(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.join()
        deadline = time.monotonic() + 5
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(worker)
    finally:
        if not _gone(worker):              # a failure must not leave it holding the test run's output
            os.kill(worker, signal.SIGKILL)
