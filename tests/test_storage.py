"""Whoosh files outlive the commit that merges them away, so other processes' readers keep working."""
from __future__ import annotations

import os

import pytest

from whoosh.fields import ID, STORED, Schema
from whoosh.filedb.filestore import FileStorage

from index.fulltext.files import LEDGER, GraceStorage

SCHEMA = Schema(id=ID(stored=True, unique=True), body=STORED)


def write(ix, start, count):
    with ix.writer(compound=False) as writer:      # separate files, opened when first read
        for n in range(start, start + count):
            writer.add_document(id=str(n), body="x" * n)


def read_all_after_merge(storage_class, folder):
    ix = storage_class(str(folder)).create_index(SCHEMA)
    write(ix, 0, 5)
    write(ix, 5, 5)
    reader = ix.reader()                       # opened before the merge, like another worker's
    with ix.writer() as writer:
        writer.add_document(id="99", body="y")
        writer.mergetype = None
    ix.optimize()                              # merges every segment: the old files are unreferenced
    try:
        return sorted(int(fields["id"]) for _, fields in reader.iter_docs())
    finally:
        reader.close()


def test_a_reader_from_before_a_merge_still_reads(tmp_path):
    assert read_all_after_merge(GraceStorage, tmp_path) == list(range(10))
    assert (tmp_path / LEDGER).exists()


def test_unreferenced_files_go_after_the_grace_period(tmp_path, monkeypatch):
    storage = GraceStorage(str(tmp_path))
    ix = storage.create_index(SCHEMA)
    write(ix, 0, 3)
    write(ix, 3, 3)
    ix.optimize()
    before = set(os.listdir(tmp_path))
    monkeypatch.setattr(GraceStorage, "grace", 0.0)
    write(GraceStorage(str(tmp_path)).open_index(), 6, 1)       # the next commit purges
    after = set(os.listdir(tmp_path))
    assert before - after, "expired files were not removed"
    assert sorted(int(f["id"]) for _, f in GraceStorage(str(tmp_path)).open_index().reader().iter_docs()) == list(range(7))


def test_plain_storage_loses_them(tmp_path):
    """The failure GraceStorage prevents: Whoosh's own storage deletes the files at once."""
    with pytest.raises((OSError, TypeError)):      # FileNotFoundError, or a column read as None
        read_all_after_merge(FileStorage, tmp_path)


def test_positional_reads_match_the_buffered_file_and_leave_its_position(tmp_path):
    data = bytes(range(256)) * 64
    (tmp_path / "f.bin").write_bytes(data)
    f = GraceStorage(str(tmp_path)).open_file("f.bin")
    f.seek(10)
    assert f.read(3) == data[10:13]
    for position, length in ((0, 4), (5000, 300), (len(data) - 7, 7), (77, 0)):
        assert f.get(position, length) == data[position:position + length]
    assert f.get_uint(100) == int.from_bytes(data[100:104], "big")
    assert f.read(2) == data[13:15]                  # the sequential position did not move
    with pytest.raises(EOFError):
        f.get(len(data) - 2, 4)
    f.close()


def test_the_listing_is_reused_while_the_folder_is_unchanged_and_new_commits_are_seen(tmp_path, monkeypatch):
    from index.fulltext import files

    ix = GraceStorage(str(tmp_path)).create_index(SCHEMA)
    write(ix, 0, 1)
    old = os.stat(tmp_path).st_mtime_ns - 10**10              # the folder last changed 10 s ago
    os.utime(tmp_path, ns=(old, old))
    calls = []
    real = os.listdir
    monkeypatch.setattr(files.os, "listdir", lambda path: calls.append(path) or real(path))
    generation = ix.latest_generation()
    for _ in range(5):
        assert ix.latest_generation() == generation
    assert len(calls) == 1
    write(GraceStorage(str(tmp_path)).open_index(), 1, 1)      # another process's commit
    calls.clear()
    assert ix.latest_generation() == generation + 1
    assert calls == [str(tmp_path)]


def test_a_change_in_the_same_timestamp_tick_is_not_missed(tmp_path):
    """A commit that leaves the folder's mtime as it was (same clock tick as our listing) is
    still seen: a listing taken within LISTING_TRUSTED_AFTER of the mtime is not trusted."""
    ix = GraceStorage(str(tmp_path)).create_index(SCHEMA)
    write(ix, 0, 1)
    searcher = ix.searcher()
    stamp = os.stat(tmp_path).st_mtime_ns
    assert searcher.up_to_date()
    write(GraceStorage(str(tmp_path)).open_index(), 1, 1)
    os.utime(tmp_path, ns=(stamp, stamp))                       # as if in the same tick
    assert not searcher.up_to_date()
    searcher.close()
