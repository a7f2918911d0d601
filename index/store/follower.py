"""Following a shared database: a node's index catches up with what other nodes commit.

Every write transaction on PostgreSQL sends a NOTIFY on the database's channel
(`backends.PostgresConnection.notify`, delivered at commit). A `Follower` thread in each
serving process LISTENs on a connection of its own and, on a notification or every `interval`
seconds (a notification lost with a dropped connection), calls `catch_up()`: the library
compares the database's generation with its index's and replays the change log
(`Library.follow_once`).
"""
from __future__ import annotations

import logging
import threading
import weakref

from index.errors import Busy
from index.store.backends import channel_of

log = logging.getLogger(__name__)


class Follower(threading.Thread):
    """`owner.follow_once(timeout=interval)` on every change; the thread ends with its owner
    (held by a weak reference) or `stop()`."""

    def __init__(self, url: str, owner, interval: float = 1.0):
        super().__init__(name="newsclaims-follower", daemon=True)
        self.url, self.interval = url, interval
        self._owner = weakref.ref(owner)
        self._halt = threading.Event()
        self.caught_up = 0          # catch-ups that re-indexed something

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def _wait(self, listener) -> None:
        """Until a notification arrives, `interval` passes or stop() is called (checked every
        0.2 s, so that stopping never waits long)."""
        waited = 0.0
        while waited < self.interval and not self._halt.is_set():
            step = min(0.2, self.interval - waited)
            if any(True for _ in listener.notifies(timeout=step, stop_after=1)):
                return
            waited += step

    def run(self) -> None:
        import psycopg

        failures = 0
        while not self._halt.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as listener:
                    channel = channel_of(listener.execute("SELECT current_schema()").fetchone()[0])
                    listener.execute(f'LISTEN "{channel}"')
                    while not self._halt.is_set():
                        owner = self._owner()
                        if owner is None:
                            return
                        try:
                            if owner.follow_once(timeout=self.interval):
                                self.caught_up += 1
                            busy = False
                        except Busy:
                            # a local write holds the lock; it may have read the generation before
                            # the change we were told of: try again as soon as it is done
                            busy = True
                        del owner
                        failures = 0
                        if not busy:
                            self._wait(listener)
            except Exception as err:        # the server restarted, the network dropped: retry
                if failures == 0:
                    log.warning("following the database failed (%s: %s); retrying every %.0f s",
                                type(err).__name__, str(err).strip().splitlines()[0], self.interval)
                failures += 1
                self._halt.wait(self.interval)
                if self._owner() is None:
                    return
