"""The data folder: SQLite is the truth, the index follows it, writes are serialised and crash-safe."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from helpers import AUTH, ROOT, make_app
from index.library import Library
from index.errors import Busy
from index.locking import write_lock
from index.store.database import Store

pytestmark = pytest.mark.usefixtures("backend")       # every test on SQLite and on PostgreSQL

TEXT = "某市今年新开工项目{n}个,总投资{n}亿元,同比增长{n}%。\n项目建成后预计年产值{n}亿元。"


def test_index_is_rebuilt_when_missing(tmp_path):
    library = Library(tmp_path)
    library.add_article(TEXT.format(n=7), id="a")
    shutil.rmtree(tmp_path / "whoosh")
    reopened = Library(tmp_path)
    assert reopened.health()["status"] == "ok"
    assert reopened.search('"新开工项目"')["total"] == 1


def test_index_catches_up_with_the_database(tmp_path):
    library = Library(tmp_path)
    library.add_article(TEXT.format(n=7), id="a")
    # a write that reached the database but not the index (a crash between the two)
    library.store.put_articles([library.prepare(TEXT.format(n=8), id="b")])
    assert library.health()["status"] == "degraded"
    reopened = Library(tmp_path)
    assert reopened.health()["status"] == "ok"
    assert reopened.search('"新开工项目"')["total"] == 2


def test_reindex_keeps_everything(tmp_path):
    library = Library(tmp_path)
    for n in range(5):
        library.add_article(TEXT.format(n=n + 1), id=f"a{n}")
    before = library.search("总投资", per_page=100)["total"]
    library.reindex()
    assert library.search("总投资", per_page=100)["total"] == before == 5


def test_a_held_writer_lock_gives_busy_then_503(tmp_path):
    library = Library(tmp_path, write_timeout=0.2)
    with write_lock(tmp_path / "write.lock", timeout=1):
        with pytest.raises(Busy):
            library.add_article(TEXT.format(n=1), id="a")
    app = make_app(tmp_path, WRITE_TIMEOUT=0.2)
    with write_lock(tmp_path / "write.lock", timeout=1):
        response = app.test_client().post("/articles", json={"id": "a", "text": TEXT.format(n=1)}, headers=AUTH)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.mimetype == "application/problem+json"


def stored_count(data: Path) -> int:
    url = os.environ.get("NEWSCLAIMS_DATABASE_URL")
    if url:
        with closing(Store(url)) as store:
            return store.article_count()
    try:
        with closing(sqlite3.connect(data / "newsclaims.sqlite3", timeout=1)) as db:
            return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_cli_killed_mid_ingest_leaves_no_half_article(tmp_path):
    source = tmp_path / "articles"
    source.mkdir()
    for n in range(400):
        (source / f"art-{n:04d}.txt").write_text(TEXT.format(n=n + 1) * 3, encoding="utf-8")
    data = tmp_path / "data"
    cli = [str(Path(sys.executable).with_name("newsclaims")), "ingest", "--batch", "20", "--data-dir", str(data), str(source)]
    process = subprocess.Popen(cli, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if stored_count(data) >= 40:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    library = Library(data)
    assert library.health()["status"] == "ok"
    stored = library.store.article_ids()
    assert 0 < len(stored) < 400
    for article_id in stored:          # each article whole: paragraphs and its claims
        assert library.store.paragraphs(article_id)
        assert len(library.claims_of_article(article_id)) >= 4
    # resumable: the same command finishes the job and skips what is there
    finished = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert f"{len(stored)} unchanged" in finished.stdout
    assert Library(data).store.counts()["articles"] == 400


def test_an_index_with_another_schema_is_rebuilt(tmp_path):
    from whoosh.fields import ID, Schema

    from index.fulltext.files import GraceStorage

    Library(tmp_path).add_article(TEXT.format(n=7), id="a")
    generation = (tmp_path / "whoosh" / "GENERATION").read_text()
    for old in (tmp_path / "whoosh").iterdir():                  # an index of an older layout,
        old.unlink()
    GraceStorage(str(tmp_path / "whoosh")).create_index(Schema(id=ID(stored=True)))
    (tmp_path / "whoosh" / "GENERATION").write_text(generation)  # ... claiming to be up to date
    reopened = Library(tmp_path)
    assert reopened.health()["status"] == "ok"
    assert reopened.search('"新开工项目"')["total"] == 1


def test_an_index_whose_schema_names_a_moved_module_is_rebuilt(tmp_path, monkeypatch):
    """The stored schema names its classes by module path (index.schema before the layout moved
    it to index.fulltext.schema): one that cannot be loaded any more is rebuilt, not a crash."""
    from whoosh.fields import ID, Schema

    from index.fulltext.files import GraceStorage

    Library(tmp_path).add_article(TEXT.format(n=7), id="a")
    (tmp_path / "old_layout_schema.py").write_text("from whoosh.fields import TEXT\nclass OldText(TEXT):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import old_layout_schema

    generation = (tmp_path / "whoosh" / "GENERATION").read_text()
    for old in (tmp_path / "whoosh").iterdir():
        old.unlink()
    GraceStorage(str(tmp_path / "whoosh")).create_index(Schema(id=ID(stored=True), text=old_layout_schema.OldText()))
    (tmp_path / "whoosh" / "GENERATION").write_text(generation)
    monkeypatch.delitem(sys.modules, "old_layout_schema")
    (tmp_path / "old_layout_schema.py").unlink()                  # the module moved away
    reopened = Library(tmp_path)
    assert reopened.health()["status"] == "ok"
    assert reopened.search('"新开工项目"')["total"] == 1


def test_the_change_log_is_pruned_and_an_index_older_than_it_is_rebuilt(tmp_path, monkeypatch):
    import index.library as library_module

    monkeypatch.setattr(library_module, "PRUNE_CHANGES_EVERY", 3)
    monkeypatch.setattr(library_module, "SHARED_CHANGES_KEPT", 0)     # PostgreSQL keeps some for other nodes
    library = Library(tmp_path)
    for n in range(7):
        library.add_article(TEXT.format(n=n), id=f"a{n}")
    logged = [g for g, in library.store.db.execute("SELECT generation FROM changes ORDER BY generation")]
    assert logged == [7]                       # pruned at 3 and at 6: the index had those
    assert library.store.changed_since(6) == ["a6"]
    assert library.store.changed_since(2) is None      # the log no longer reaches back there
    # an index at generation 2 (restored from an old copy, say) cannot be patched: rebuilt
    (tmp_path / "whoosh" / "GENERATION").write_text("2")
    reopened = Library(tmp_path)
    assert reopened.index_generation() == 7
    assert reopened.search('"新开工项目"')["total"] == 7


def test_an_ingest_worker_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch):
    import index.ingest as ingest

    def die(*args):
        os._exit(9)                       # as the kernel's OOM killer would end it: no message

    monkeypatch.setattr(ingest, "_worker", die)
    library = Library(tmp_path / "data")
    records = [{"id": f"a{i}", "text": f"某市今年新开工项目{i}个，总投资{i + 1}亿元。"} for i in range(ingest.INLINE_BELOW)]
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exit code 9"):
        ingest.ingest_records(library, records, procs=2)
    assert time.monotonic() - started < 30


def test_the_same_input_is_skipped_unless_another_version_would_extract_it(tmp_path, monkeypatch):
    import index.library as library_module
    from index.ingest import ingest_records

    records = [{"id": f"v{n}", "text": TEXT.format(n=n + 1)} for n in range(3)]
    library = Library(tmp_path / "data")
    assert ingest_records(library, records, procs=1).done == 3
    assert ingest_records(library, records, procs=1).skipped == 3
    generation = library.store.generation()
    monkeypatch.setattr(library_module, "extraction_version", lambda: "a-newer-release")
    again = ingest_records(library, records, procs=1)
    assert again.skipped == 0 and again.done == 3                 # read again by the new rules
    assert library.store.generation() == generation + 3
    assert ingest_records(library, records, procs=1).skipped == 3
