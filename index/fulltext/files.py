"""Whoosh file storage whose deletions wait, so readers in other processes never lose a file.

Whoosh deletes the files of merged-away segments and old TOCs in the commit that replaces
them. A searcher in another gunicorn worker may have read the previous TOC a moment earlier
and not yet opened those files: on POSIX the open then fails (FileNotFoundError, ReaderClosed).
Here a deletion is only recorded, with its time, in a ledger beside the index; files are
removed once they have been unreferenced for GRACE_SECONDS, by a later commit. Every deletion
happens inside a commit, and commits are serialised by the library's write lock, so the ledger
has one writer at a time.
"""
from __future__ import annotations

import os
import time

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

GRACE_SECONDS = 60.0
LEDGER = ".pending-deletes"        # Whoosh ignores files starting with a dot


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

    def open_file(self, name, **kwargs):
        return PositionalFile(open(self._fpath(name), "rb"), name=name, **kwargs)

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
