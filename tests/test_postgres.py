"""PostgreSQL as the shared source of truth: schema versions, nodes following one database,
concurrent writers on several nodes, and what both backends must do alike."""
from __future__ import annotations

import threading
import urllib.parse
import time

import pytest
from click.testing import CliRunner

import index.ingest as ingest_module
import index.store.database as database
from helpers import AUTH, ContractClient, make_app
from index.cli.commands import main
from index.errors import DatabaseUnavailable, SchemaError, TransactionAborted
from index.ingest import ingest_records
from index.library import Library
from index.store import backends
from servers import Gunicorn, http
from helpers import TOKEN

TEXT = "某市今年新开工项目{n}个,总投资{n}亿元,同比增长{n}%。\n项目建成后预计年产值{n}亿元。"
PHRASE = '"新开工项目"'
Q = urllib.parse.quote(PHRASE)


def wait_for(check, timeout: float = 5.0, step: float = 0.01) -> float:
    """Seconds until check() held; fails after `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true after {timeout} s")
        time.sleep(step)
    return time.monotonic() - started


# -- both backends ---------------------------------------------------------------------------

def test_the_schema_version_is_recorded_and_a_newer_one_refused(backend, tmp_path):
    library = Library(tmp_path)
    assert library.store.schema_version() == database.SCHEMA_VERSION
    library.store.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                             (str(database.SCHEMA_VERSION + 1),))
    with pytest.raises(SchemaError, match="newer"):
        Library(tmp_path)


def test_text_sorts_by_code_point_on_both(backend, tmp_path):
    library = Library(tmp_path)
    ids = ["b", "B", "a_1", "a-1", "a.1", "Z9", "0z"]
    for n, article_id in enumerate(ids):
        library.add_article(TEXT.format(n=n + 1), id=article_id)
    assert library.store.article_ids() == sorted(ids)


def test_an_older_sqlite_file_is_upgraded_when_opened(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSCLAIMS_DATABASE_URL", raising=False)
    Library(tmp_path).add_article(TEXT.format(n=1), id="a")
    old = database.SCHEMA_VERSION
    monkeypatch.setattr(database, "SCHEMA_VERSION", old + 1)
    monkeypatch.setattr(database, "MIGRATIONS", {old: ["CREATE TABLE extra (id INTEGER PRIMARY KEY)"]})
    reopened = Library(tmp_path)
    assert reopened.store.schema_version() == database.SCHEMA_VERSION
    assert reopened.store.db.table_exists("extra")
    assert reopened.search(PHRASE)["total"] == 1


# -- PostgreSQL ------------------------------------------------------------------------------

def test_an_older_shared_schema_is_refused_until_newsclaims_migrate(postgres_url, tmp_path, monkeypatch):
    Library(tmp_path / "a", database_url=postgres_url).add_article(TEXT.format(n=1), id="a")
    old = database.SCHEMA_VERSION
    monkeypatch.setattr(database, "SCHEMA_VERSION", old + 1)
    monkeypatch.setattr(database, "MIGRATIONS", {old: ["CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT)"]})
    with pytest.raises(SchemaError, match="newsclaims migrate"):
        Library(tmp_path / "b", database_url=postgres_url)          # never silently read
    monkeypatch.setenv("NEWSCLAIMS_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"schema version {old} -> {old + 1}" in result.output
    assert "up to date" in CliRunner().invoke(main, ["migrate"]).output
    node = Library(tmp_path / "b", database_url=postgres_url)
    assert node.store.db.table_exists("extra")
    assert node.search(PHRASE)["total"] == 1


def test_the_schema_is_created_once_by_nodes_starting_together(postgres_url, tmp_path):
    errors, libraries = [], []

    def start(name):
        try:
            libraries.append(Library(tmp_path / name, database_url=postgres_url))
        except Exception as err:      # noqa: BLE001 - reported below
            errors.append(err)
    threads = [threading.Thread(target=start, args=(f"n{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(libraries) == 4
    assert len({lib.store.database_id() for lib in libraries}) == 1


def test_a_second_node_sees_writes_within_a_second(postgres_url, tmp_path):
    a = Library(tmp_path / "a", database_url=postgres_url)
    b = Library(tmp_path / "b", database_url=postgres_url)
    b.follow(interval=1.0)
    try:
        a.add_article(TEXT.format(n=3), id="x")
        assert a.search(PHRASE)["total"] == 1                     # read-your-writes on A
        assert wait_for(lambda: b.search(PHRASE)["total"] == 1) < 1.0
        a.delete_article("x")
        assert wait_for(lambda: b.search(PHRASE)["total"] == 0) < 1.0
        assert b.article("x") is None
    finally:
        b.stop_following()


def test_a_node_indexes_others_writes_while_its_own_write_queues_at_the_database(postgres_url, tmp_path):
    a = Library(tmp_path / "a", database_url=postgres_url)
    b = Library(tmp_path / "b", database_url=postgres_url, write_timeout=5)
    holder = Library(tmp_path / "c", database_url=postgres_url)
    a.add_article(TEXT.format(n=3), id="from-a")
    queued = threading.Thread(target=b.add_article, args=(TEXT.format(n=4),), kwargs={"id": "from-b"})
    with holder.store.transaction():                # a third node's write in progress
        queued.start()
        time.sleep(0.3)                             # B's write now waits for the database's row lock
        assert queued.is_alive()
        assert b.follow_once(timeout=0.5) == 1      # not Busy: B's lock guards only its index
        assert b.search(PHRASE)["total"] == 1
    queued.join()
    assert b.search(PHRASE)["total"] == 2 and b.article("from-b") is not None


def test_concurrent_writers_on_two_nodes_lose_nothing(postgres_url, tmp_path):
    nodes = [Library(tmp_path / name, database_url=postgres_url) for name in "ab"]
    failures = []

    def write(node, prefix):
        try:
            for n in range(8):
                node.add_article(TEXT.format(n=n + 1), id=f"{prefix}{n}")
            node.add_article(TEXT.format(n=99), id="both")            # the same article from every writer
        except Exception as err:       # noqa: BLE001 - reported below
            failures.append(err)
    threads = [threading.Thread(target=write, args=(node, f"{name}{t}-"))
               for node, name in zip(nodes, "ab") for t in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    for node in nodes:
        node.follow_once()
        assert node.store.article_count() == 33
        assert node.search(PHRASE, per_page=100)["total"] == 33
        assert node.health()["status"] == "ok"
    assert nodes[0].store.generation() == 4 * 9


def test_a_bulk_ingest_also_indexes_what_other_nodes_wrote_meanwhile(postgres_url, tmp_path, monkeypatch):
    a = Library(tmp_path / "a", database_url=postgres_url)
    b = Library(tmp_path / "b", database_url=postgres_url)
    b.add_article(TEXT.format(n=5), id="old")
    a.follow_once()
    store = ingest_module._store
    written = []

    def store_and_meanwhile(library, *args):
        if not written:                          # B writes and deletes while A's ingest runs
            b.add_article(TEXT.format(n=6), id="from-b")
            b.delete_article("old")
            written.append(True)
        return store(library, *args)
    monkeypatch.setattr(ingest_module, "_store", store_and_meanwhile)
    records = [{"id": f"r{n}", "text": TEXT.format(n=n + 1)} for n in range(30)]
    summary = ingest_records(a, records, batch=10, procs=1)
    assert summary.done == 30 and written
    assert a.index_generation() == a.store.generation()
    assert a.search(PHRASE, per_page=100)["total"] == 31          # 30 + from-b, without old
    assert {hit["article"]["id"] for hit in a.search(PHRASE, per_page=100)["items"]} >= {"from-b"}
    assert "old" not in {hit["article"]["id"] for hit in a.search(PHRASE, per_page=100)["items"]}


def test_an_index_built_from_another_database_is_rebuilt(cluster_urls, tmp_path):
    first, second = cluster_urls
    Library(tmp_path / "node", database_url=first).add_article(TEXT.format(n=1), id="first-only")
    other = Library(tmp_path / "other", database_url=second)
    for n in range(3):
        other.add_article(TEXT.format(n=n + 2), id=f"second-{n}")
    moved = Library(tmp_path / "node", database_url=second)     # the data folder now points elsewhere
    ids = {hit["article"]["id"] for hit in moved.search(PHRASE, per_page=100)["items"]}
    assert ids == {"second-0", "second-1", "second-2"}
    assert (tmp_path / "node" / "whoosh" / "DATABASE").read_text() == other.store.database_id()


@pytest.fixture
def cluster_urls(postgres_url):
    from pg_fixtures import cluster
    return postgres_url, cluster().new_schema()


def test_an_unreachable_database_is_503_not_500(postgres_url, tmp_path, contract, spec_paths):
    with pytest.raises(DatabaseUnavailable):
        backends.connect("postgresql://postgres@/postgres?host=/nonexistent&port=1")
    app = make_app(tmp_path, DATABASE_URL=postgres_url)
    library = app.extensions["newsclaims"]
    library.database = library.database_url = "postgresql://postgres@/postgres?host=/nonexistent&port=1"
    library._forget_connections()
    client = ContractClient(app.test_client(), contract, spec_paths)      # the contract lists the 503
    for path in ("/articles/x", "/articles/x/claims", "/search?q=项目", "/projects", "/projects/1",
                 "/claims?project=清原"):
        response = client.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"], path
    health = app.test_client().get("/health")          # its own body, not a problem
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"


def test_a_write_waiting_for_another_nodes_transaction_is_busy_then_503(postgres_url, tmp_path):
    a = Library(tmp_path / "a", database_url=postgres_url, write_timeout=0.3)
    holder = Library(tmp_path / "b", database_url=postgres_url)
    app = make_app(tmp_path / "a", DATABASE_URL=postgres_url, WRITE_TIMEOUT=0.3)
    with holder.store.transaction():            # another node's write in progress
        response = app.test_client().post("/articles", json={"id": "a", "text": TEXT.format(n=1)}, headers=AUTH)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert a.store.article_count() == 0


def test_a_deadlock_is_a_transaction_aborted_error_and_nothing_of_it_is_kept(postgres_url):
    first, second = (backends.connect(postgres_url, lock_timeout=5) for _ in range(2))
    first.execute("CREATE TABLE IF NOT EXISTS deadlock_probe (k int PRIMARY KEY, v int)")
    first.execute("INSERT INTO deadlock_probe VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING")
    outcomes, both_hold_one = [], threading.Barrier(2)

    def update(connection, order):
        try:
            with connection._transaction():
                connection.execute("UPDATE deadlock_probe SET v = v + 1 WHERE k = ?", (order[0],))
                both_hold_one.wait()
                connection.execute("UPDATE deadlock_probe SET v = v + 1 WHERE k = ?", (order[1],))
            outcomes.append("committed")
        except TransactionAborted as err:
            outcomes.append(err)

    threads = [threading.Thread(target=update, args=(first, (1, 2))),
               threading.Thread(target=update, args=(second, (2, 1)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("committed") == 1
    assert isinstance(next(o for o in outcomes if o != "committed"), DatabaseUnavailable)     # still a 503
    assert first.execute("SELECT sum(v) FROM deadlock_probe").fetchone()[0] == 2


# -- two gunicorn nodes ------------------------------------------------------------------------

@pytest.mark.server
@pytest.mark.slow
def test_two_gunicorn_nodes_one_database(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSCLAIMS_DATABASE_URL", postgres_url)
    for name in "ab":
        (tmp_path / name).mkdir()
    a = Gunicorn(tmp_path / "a" / "data", workers=2, threads=2).start()
    b = Gunicorn(tmp_path / "b" / "data", workers=2, threads=2).start()
    try:
        def post(node, article_id, n):
            return http(node.base, "POST", "/articles", {"id": article_id, "text": TEXT.format(n=n)}, token=TOKEN)

        def found(node, article_id):
            reply = http(node.base, "GET", f"/search?q={Q}&per_page=100")
            return reply.status == 200 and article_id in {i["article"]["id"] for i in reply.body["items"]}

        # write on A: searchable on A at once, on B within a second
        assert post(a, "first", 1).status == 201
        assert found(a, "first")
        assert wait_for(lambda: found(b, "first"), timeout=5) < 1.0

        # writers on both nodes at once: every write acknowledged, none lost, no 5xx
        statuses, lock = [], threading.Lock()

        def writer(node, prefix):
            for n in range(6):
                status = post(node, f"{prefix}{n}", n + 2).status
                with lock:
                    statuses.append(status)
        threads = [threading.Thread(target=writer, args=(node, f"{name}{t}-"))
                   for node, name in ((a, "a"), (b, "b")) for t in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [201] * 24 or sorted(set(statuses)) == [201], statuses
        for node in (a, b):
            wait_for(lambda: http(node.base, "GET", f"/search?q={Q}").body["total"] == 25, timeout=5)

        # B killed (-9) while A takes writes; restarted on its folder, it catches up
        done = []

        def writes_on_a():
            for n in range(12):
                done.append(post(a, f"during-{n}", n + 3).status)
        thread = threading.Thread(target=writes_on_a)
        thread.start()
        time.sleep(0.3)
        b.kill()
        thread.join()
        assert done == [201] * 12
        b.start()
        health = http(b.base, "GET", "/health").body
        assert health["generation"]["index"] == health["generation"]["database"]
        assert http(b.base, "GET", f"/search?q={Q}").body["total"] == 37
        assert found(b, "during-11")
    finally:
        a.stop()
        b.stop()


def test_a_new_node_starts_from_a_snapshot_and_replays_the_log(postgres_url, tmp_path, monkeypatch):
    from index import library as library_module

    monkeypatch.setenv("NEWSCLAIMS_DATABASE_URL", postgres_url)
    a = Library(tmp_path / "a")
    for n in range(10):
        a.add_article(TEXT.format(n=n + 1), id=f"s{n}")
    result = CliRunner().invoke(main, ["snapshot", str(tmp_path / "snap"), "--data-dir", str(tmp_path / "a")])
    assert result.exit_code == 0 and "generation 10" in result.output, result.output
    a.add_article(TEXT.format(n=9), id="after")               # written after the snapshot
    a.delete_article("s0")
    rebuilds = []
    real = library_module.indexer.rebuild
    monkeypatch.setattr(library_module.indexer, "rebuild", lambda *args, **kw: rebuilds.append(1) or real(*args, **kw))
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "snap"), "--data-dir", str(tmp_path / "b")])
    assert result.exit_code == 0 and "generation 12" in result.output, result.output
    assert not rebuilds                                        # replayed the log, not rebuilt
    b = Library(tmp_path / "b")
    ids = {hit["article"]["id"] for hit in b.search(PHRASE, per_page=100)["items"]}
    assert ids == {f"s{n}" for n in range(1, 10)} | {"after"}
    again = CliRunner().invoke(main, ["restore", str(tmp_path / "snap"), "--data-dir", str(tmp_path / "b")])
    assert again.exit_code == 1 and "already has an index" in again.output


def test_the_seeds_read_the_same_on_both_databases(postgres_url, tmp_path, monkeypatch):
    from helpers import SEEDS

    monkeypatch.delenv("NEWSCLAIMS_DATABASE_URL", raising=False)
    answers = []
    for url in (None, postgres_url):
        library = Library(tmp_path / ("pg" if url else "sqlite"), database_url=url)
        for path in sorted(SEEDS.glob("*.txt")):
            library.add_article(path.read_text(encoding="utf-8"), id=path.stem)
        ids = library.store.article_ids()
        projects = library.projects(per_page=100)
        answers.append({
            "articles": [library.article(i) for i in ids],
            "claims": [library.claims_of_article(i) for i in ids],
            "projects": projects,
            "by_project": [library.claims_by_project(p["name"], per_page=100) for p in projects["items"]],
            "search": [library.search(q) for q in ("抽水蓄能", "项目 投资", "190亿元", "高质量发展")],
        })
    assert answers[0] == answers[1]


def test_nul_characters_are_dropped_on_both_databases(backend, tmp_path):
    library = Library(tmp_path)
    stored = library.add_article("某市今年新开工\x00项目52个,总投资86亿元。", id="nul", title="标\x00题", source="\x00")
    assert stored.title == "标题"
    assert "\x00" not in library.article("nul")["paragraphs"][0]["text"]
    assert library.search('"新开工项目"')["total"] == 1


def test_a_filter_holding_nul_matches_nothing_on_both_databases(backend, tmp_path):
    library = Library(tmp_path)
    library.add_article("某市今年新开工项目52个，总投资86亿元。", id="nul-filter")
    assert library.claims(region="某\x00市")["total"] == 0
    assert library.claims(region="某市")["total"] == 2
