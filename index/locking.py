"""One writer at a time across processes: an advisory file lock with a bounded wait."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from index.errors import Busy


@contextmanager
def write_lock(path: str | Path, timeout: float):
    """Hold an exclusive lock on `path`; raise Busy after `timeout` seconds of waiting."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    try:
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise Busy(waited) from None
                time.sleep(min(delay, timeout - waited))
                delay = min(delay * 2, 0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
