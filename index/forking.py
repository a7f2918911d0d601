"""Forked worker processes: the one way the library waits on them without hanging on a dead one."""
from __future__ import annotations

import queue

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
