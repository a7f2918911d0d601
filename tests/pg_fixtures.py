"""A throwaway PostgreSQL cluster for the tests, and the fixtures that run tests on both databases.

`PostgresCluster.start()` runs initdb and pg_ctl in a temporary folder (as the `postgres` user
when the tests run as root: PostgreSQL refuses root), listening only on a unix socket in that
folder, and stops it at the end of the session. Each test gets a schema of its own
(`postgres_url`: the URL's search_path), so tests never see each other's rows and no database
has to be created per test.

- `backend` (parametrised): the test runs on SQLite and on PostgreSQL; with PostgreSQL it sets
  NEWSCLAIMS_DATABASE_URL, which every `Library(...)` and server the test starts reads.
- NEWSCLAIMS_TEST_DATABASE=postgresql runs the whole suite on PostgreSQL (every test gets a fresh
  schema), except tests marked `sqlite_only` (they read the SQLite file itself).

Without PostgreSQL binaries (`pg_ctl` on PATH, under /usr/lib/postgresql/*/bin, or in
NEWSCLAIMS_TEST_PG_BIN) the PostgreSQL tests are skipped with the reason; .ci/run installs them.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

WHOLE_SUITE = os.environ.get("NEWSCLAIMS_TEST_DATABASE", "sqlite") == "postgresql"
FIRST_PORT = 55432


def pg_bindir() -> Path | None:
    candidates = [os.environ.get("NEWSCLAIMS_TEST_PG_BIN")]
    on_path = shutil.which("pg_ctl")
    candidates.append(str(Path(on_path).parent) if on_path else None)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


class PostgresCluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="nc-pg-"))
        self.data = self.folder / "data"
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            try:
                account = pwd.getpwnam(self.user)
            except KeyError:
                raise RuntimeError("running as root and there is no `postgres` user to run PostgreSQL") from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.port = None
        self._schemas = itertools.count(1)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def start(self) -> "PostgresCluster":
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--locale=C.UTF-8", "--no-sync")
        if done.returncode:
            raise RuntimeError("initdb failed: " + done.stderr[-500:])
        for port in range(FIRST_PORT, FIRST_PORT + 40):
            if (Path("/tmp") / f".s.PGSQL.{port}").exists():
                continue
            options = (f"-p {port} -k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
                       " -c max_connections=400 -c shared_buffers=64MB")
            done = self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l", str(self.folder / "log"),
                             "-o", options, "start")
            if done.returncode == 0:
                self.port = port
                return self
        raise RuntimeError("pg_ctl could not start: " + (self.folder / "log").read_text(errors="replace")[-800:])

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={quote(str(self.folder))}&port={self.port}"

    def new_schema(self) -> str:
        """A new empty schema; the URL of the database with it as the search path."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._schemas)}"
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}&options=-csearch_path%3D{name}"

    def stop(self) -> None:
        if self.port is not None:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


_cluster: PostgresCluster | None = None
_failure: str | None = None


def cluster() -> PostgresCluster:
    """The session's cluster, started on first use; pytest.skip when PostgreSQL is unavailable."""
    global _cluster, _failure
    if _cluster is None and _failure is None:
        bindir = pg_bindir()
        if bindir is None:
            _failure = "no PostgreSQL server binaries (initdb, pg_ctl); .ci/run installs postgresql"
        else:
            try:
                import psycopg  # noqa: F401
                _cluster = PostgresCluster(bindir).start()
            except Exception as err:
                _failure = f"could not start PostgreSQL: {err}"
        if _failure:
            print(f"\npostgresql tests skipped: {_failure}")
    if _cluster is None:
        if WHOLE_SUITE:
            pytest.fail(f"NEWSCLAIMS_TEST_DATABASE=postgresql but {_failure}")
        pytest.skip(_failure)
    return _cluster


def pytest_sessionfinish(session, exitstatus):
    if _cluster is not None:
        _cluster.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: reads or damages the SQLite file itself; not run on PostgreSQL")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """NEWSCLAIMS_TEST_DATABASE=postgresql: a module's (or session's) fixture gets a schema of its own."""
    if WHOLE_SUITE and fixturedef.scope != "function" and not request.node.get_closest_marker("sqlite_only"):
        url = os.environ["NEWSCLAIMS_DATABASE_URL"] = cluster().new_schema()
        yield
        if _has_schema(url):            # the fixture opened a library there: its tests read it
            _fixture_schemas[fixturedef.argname] = url
        return
    yield


def _has_schema(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]


_fixture_schemas: dict[str, str] = {}     # module/session fixture -> the schema it was set up with


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL schema (URL) of the session's throwaway cluster."""
    return cluster().new_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch):
    """Run the test on both databases: NEWSCLAIMS_DATABASE_URL unset, or a fresh PostgreSQL schema."""
    if request.param == "postgresql":
        if request.node.get_closest_marker("sqlite_only"):
            pytest.skip("reads the SQLite file itself")
        monkeypatch.setenv("NEWSCLAIMS_DATABASE_URL", cluster().new_schema())
    else:
        monkeypatch.delenv("NEWSCLAIMS_DATABASE_URL", raising=False)
    return request.param


@pytest.fixture(autouse=True)
def _whole_suite_database(request, monkeypatch):
    """NEWSCLAIMS_TEST_DATABASE=postgresql: every test on a fresh PostgreSQL schema."""
    if WHOLE_SUITE and "backend" not in request.fixturenames:
        if request.node.get_closest_marker("sqlite_only"):
            pytest.skip("reads the SQLite file itself (NEWSCLAIMS_TEST_DATABASE=postgresql)")
        # a test using a module's or the session's data folder reads that fixture's schema
        shared = [_fixture_schemas[name] for name in request.fixturenames if name in _fixture_schemas]
        monkeypatch.setenv("NEWSCLAIMS_DATABASE_URL", shared[0] if shared else cluster().new_schema())
    yield
    if WHOLE_SUITE:
        _stop_followers()


def _stop_followers() -> None:
    """Followers of the test's apps end with them; stop them now, so that the next test runs in
    a process of one thread (rebuilds fork only then)."""
    import threading

    from index.store.follower import Follower

    followers = [t for t in threading.enumerate() if isinstance(t, Follower)]
    for follower in followers:
        follower._halt.set()
    for follower in followers:
        follower.join(timeout=5)
