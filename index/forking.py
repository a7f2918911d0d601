"""Forked worker processes: waiting on them without hanging on a dead one, and ending them with their parent."""
from __future__ import annotations

import os
import queue
import threading
import time

POLL = 1.0      # seconds between two looks at the workers while no message arrives


def receive(results, processes, what: str, poll: float = POLL):
    """The next message on `results` from forked `processes`.

    A process killed from outside (the kernel's OOM killer, a SIGKILL) never sends a message:
    :raise RuntimeError: one of `processes` ended with a non-zero exit code while we waited.
    """
    while True:
        try:
            return results.get(timeout=poll)
        except queue.Empty:
            dead = [process.exitcode for process in processes if process.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"{what} died (exit code {dead[0]})") from None


def exit_with_parent(parent: int, poll: float = 0.5) -> None:
    """In a forked worker: exit as soon as the process `parent` is gone (checked every `poll` s).

    A killed parent reads nothing more. A worker then either works on for nothing or, having
    sent its results, never ends: at exit multiprocessing joins the results queue's feeder
    thread, which waits for room in a pipe nobody empties. A daemon thread watching the parent
    ends the worker in both cases.
    """
    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
