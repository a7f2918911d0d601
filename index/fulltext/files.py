"""Whoosh file storage whose deletions wait, so readers in other processes never lose a file.

Whoosh deletes the files of merged-away segments and old TOCs in the commit that replaces
them. A searcher in another gunicorn worker may have read the previous TOC a moment earlier
and not yet opened those files: on POSIX the open then fails (FileNotFoundError, ReaderClosed).
Here a deletion is only recorded, with its time, in a ledger beside the index; files are
removed once they have been unreferenced for GRACE_SECONDS, by a later commit. Every deletion
happens inside a commit, and commits are serialised by the library's write lock, so the ledger
has one writer at a time.

Whoosh finds the newest generation by listing the folder and matching every name (each
request checks `Searcher.up_to_date`); with the files of a burst of writes waiting out their
grace period that was ~1,600 names, ~5 ms a request. `GraceStorage.list` keeps the listing
until the folder changes (`LISTING_TRUSTED_AFTER`) and `ListedIndex` the generation read
from it.
"""
from __future__ import annotations

import itertools
import os
import time

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import _DEF_INDEX_NAME, TOC, FileIndex

GRACE_SECONDS = 60.0
LEDGER = ".pending-deletes"        # Whoosh ignores files starting with a dot
# A folder's mtime has the file system's timestamp granularity (a clock tick, up to seconds on
# some file systems): a change in the same tick as our listing leaves it equal. A listing is
# reused only when it was taken this long after the folder last changed.
LISTING_TRUSTED_AFTER = 2.0
_listings = itertools.count()     # tokens of listings (next() is atomic under the GIL)


class PositionalFile(StructFile):
    """A file opened for reading whose random reads (`get`, under every term lookup, stored-field
    and posting-block read) are one pread(2) each.

    StructFile.get seeks the buffered file and reads through its buffer: up to three system calls
    and an 8 KB buffer refill for a few bytes, ~15% of a search's time. pread leaves the file
    position alone; the index files never change once written, so sequential reads that follow
    through the buffer stay correct (Whoosh always seeks before them).
    """

    def __init__(self, fileobj, name=None, onclose=None):
        super().__init__(fileobj, name=name, onclose=onclose)
        self._fd = fileobj.fileno()

    def get(self, position, length):
        data = os.pread(self._fd, length, position)
        if len(data) != length:
            raise EOFError(f"{self._name}: {length} bytes at {position} past the end of the file")
        return data


class GraceStorage(FileStorage):
    """FileStorage that defers deletions by GRACE_SECONDS; reads through PositionalFile."""

    grace = GRACE_SECONDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: dict[str, float] = {}
        self._seen: tuple[int, int] | None = None      # (size, mtime) of the ledger we read
        self._listing: tuple[int, int, int, list[str]] | None = None   # (mtime, listed at, token, names)

    def open_file(self, name, **kwargs):
        return PositionalFile(open(self._fpath(name), "rb"), name=name, **kwargs)

    def open_index(self, indexname=_DEF_INDEX_NAME, schema=None, indexclass=None):
        return super().open_index(indexname, schema, indexclass or ListedIndex)

    def create_index(self, schema, indexname=_DEF_INDEX_NAME, indexclass=None):
        return super().create_index(schema, indexname, indexclass or ListedIndex)

    def listing(self) -> tuple[int, list[str]]:
        """(a token that changes whenever the listing may have, the folder's file names).

        One stat(2) while the folder is unchanged; the names are listed again when its mtime
        moved, or when the last listing was taken within LISTING_TRUSTED_AFTER of that mtime (a
        change in the same timestamp tick would not have moved it). Shared by threads: the
        cached tuple is replaced whole. Do not change the list returned.
        """
        try:
            mtime = os.stat(self.folder).st_mtime_ns
        except OSError:
            return -1, []
        cached = self._listing
        if cached is not None and cached[0] == mtime and cached[1] - mtime >= LISTING_TRUSTED_AFTER * 1e9:
            return cached[2], cached[3]
        listed_at, token = time.time_ns(), next(_listings)
        try:
            names = os.listdir(self.folder)
        except OSError:
            return -1, []
        self._listing = (mtime, listed_at, token, names)
        return token, names

    def list(self):
        return list(self.listing()[1])

    def _ledger_path(self) -> str:
        return os.path.join(self.folder, LEDGER)

    def _load(self) -> None:
        """Read the ledger again when another process changed it since we last did."""
        try:
            stat = os.stat(self._ledger_path())
        except FileNotFoundError:
            self._pending, self._seen = {}, None
            return
        if self._seen == (stat.st_size, stat.st_mtime_ns):
            return
        pending = {}
        with open(self._ledger_path(), encoding="utf-8") as ledger:
            for line in ledger:
                stamp, _, name = line.rstrip("\n").partition("\t")
                try:
                    pending.setdefault(name, float(stamp))
                except ValueError:
                    continue            # a torn line from a crash: the next commit records that file again
        self._pending, self._seen = pending, (stat.st_size, stat.st_mtime_ns)

    def _remember(self) -> None:
        stat = os.stat(self._ledger_path())
        self._seen = (stat.st_size, stat.st_mtime_ns)

    def delete_file(self, name):
        self._load()
        now = time.time()
        if name not in self._pending:
            self._pending[name] = now
            with open(self._ledger_path(), "a", encoding="utf-8") as ledger:
                ledger.write(f"{now}\t{name}\n")
            self._remember()
        expired = [old for old, stamp in self._pending.items() if now - stamp >= self.grace]
        if not expired:
            return
        for old in expired:
            try:
                super().delete_file(old)
            except FileNotFoundError:
                pass
            del self._pending[old]
        tmp = self._ledger_path() + ".tmp"
        with open(tmp, "w", encoding="utf-8") as ledger:
            ledger.writelines(f"{stamp}\t{old}\n" for old, stamp in self._pending.items())
        os.replace(tmp, self._ledger_path())
        self._remember()


class ListedIndex(FileIndex):
    """FileIndex whose latest generation is matched once per listing of the folder
    (`GraceStorage.listing`), not once per call: every request asks it."""

    _seen: tuple[int, int] = (-2, -1)          # (listing token, generation)

    def latest_generation(self):
        storage = self.storage
        if not isinstance(storage, GraceStorage):
            return super().latest_generation()
        token, names = storage.listing()
        seen = self._seen
        if token == seen[0] and token >= 0:
            return seen[1]
        pattern = TOC._pattern(self.indexname)
        generation = max((int(m.group(1)) for m in map(pattern.match, names) if m), default=-1)
        self._seen = (token, generation)
        return generation
