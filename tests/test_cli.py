"""The `newsclaims` command through click's CliRunner: readable tables, the API's JSON with
--json, exports that parse back to the API's claims, one-line errors and the documented exit
codes (0 ok, 1 check failed / nothing found / error, 2 usage, 75 busy)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import ROOT, SEEDS, break_index
from index.cli.commands import main
from index.library import Library
from index.errors import Busy

PROJECT = "清原抽水蓄能电站"


@pytest.fixture(scope="module")
def data_dir(seeded_app):
    """The session's seeded data folder (read only here)."""
    return seeded_app.config["DATA_DIR"]


@pytest.fixture
def cli(data_dir):
    runner = CliRunner()

    def invoke(*args, data=data_dir):
        return runner.invoke(main, [*args, "--data-dir", str(data)], catch_exceptions=False)
    return invoke


@pytest.fixture
def own_data(tmp_path):
    """A data folder of one seed, for tests that change or break it."""
    library = Library(tmp_path / "data")
    seed = sorted(SEEDS.glob("*.txt"))[4]
    library.add_article(seed.read_text(encoding="utf-8"), id=seed.stem)
    return tmp_path / "data"


def test_every_command_has_complete_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and len(command.help) > 30, name
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, (name, param.name)


def test_search_table_shows_article_excerpt_and_claims(cli, client):
    result = cli("search", PROJECT)
    assert result.exit_code == 0, result.output
    assert "抚顺抓实抓细项目建设" in result.output              # the article
    assert f"【{PROJECT}】" in result.output                      # the match, marked (no colour in a pipe)
    assert "投资: 109亿元" in result.output                        # the passage's claims
    api = client.get("/search", query_string={"q": PROJECT}).get_json()
    assert f"{api['total']} passages match" in result.output


def test_search_json_is_the_api_answer(cli, client):
    result = cli("search", PROJECT, "--per-page", "3", "--json")
    assert result.exit_code == 0
    api = client.get("/search", query_string={"q": PROJECT, "per_page": 3}).get_json()
    assert json.loads(result.output) == api


def test_search_facets_as_the_api_counts_them(cli, client):
    result = cli("search", "项目", "--per-page", "2", "--facets", "source,has_claims", "--json")
    assert result.exit_code == 0
    api = client.get("/search", query_string={"q": "项目", "per_page": 2, "facets": "source,has_claims"}).get_json()
    assert json.loads(result.output) == api and list(api["facets"]) == ["source", "has_claims"]
    assert "\\u" not in result.output and "中共辽宁省委组织部" in result.output    # readable UTF-8
    table = cli("search", "项目", "--facets", "source,has_claims").output
    top = api["facets"]["source"][0]
    assert f"{top['value']}: {top['count']}" in table
    wrong = cli("search", "项目", "--facets", "colour")
    assert wrong.exit_code == 2 and "unknown facet 'colour'" in wrong.output


def test_search_of_stopwords_only_finds_them(cli):
    result = cli("search", "的", "--per-page", "1")
    assert result.exit_code == 0 and "【的】" in result.output


def test_search_without_hits_exits_1(cli):
    result = cli("search", "zzqqxxyy")
    assert result.exit_code == 1
    assert "0 passages match" in result.output


def test_claims_table_is_grouped_by_metric(cli, client):
    result = cli("claims", "--project", PROJECT)
    assert result.exit_code == 0, result.output
    api = client.get("/claims", query_string={"project": PROJECT, "per_page": 100}).get_json()
    metrics = {c["metric"] for c in api["items"]}
    assert len(metrics) > 1
    lines = result.output.splitlines()
    for metric in metrics:       # each metric heads its group once
        assert sum(line.strip().startswith(metric[:8]) for line in lines) == 1, metric
    assert f"{api['total']} claims about" in result.output


def test_claims_json_is_the_api_answer(cli, client):
    result = cli("claims", "-p", PROJECT, "--per-page", "20", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == client.get("/claims", query_string={"project": PROJECT}).get_json()


def test_claims_of_unknown_project_exit_1_with_suggestions(data_dir):
    result = CliRunner().invoke(main, ["claims", "-p", "清原抽水蓄能", "--metric", "nosuchmetric",
                                       "--data-dir", data_dir])
    assert result.exit_code == 1
    result = CliRunner().invoke(main, ["claims", "-p", "完全不存在的名字xyz", "--data-dir", data_dir])
    assert result.exit_code == 1
    assert "no project matches" in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "jsonld"])
def test_export_of_a_project_parses_back_to_the_api_claims(cli, client, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    result = cli("export", "--project", PROJECT, "--format", fmt, "--output", str(target))
    assert result.exit_code == 0, result.output
    api = client.get("/claims", query_string={"project": PROJECT, "per_page": 100}).get_json()["items"]
    text = target.read_text(encoding="utf-8")
    if fmt == "jsonl":
        assert [json.loads(line) for line in text.splitlines()] == api
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert [r["id"] for r in rows] == [c["id"] for c in api]
        assert [(r["raw"], r["value"], r["sentence"]) for r in rows] == [(c["raw"], c["value"], c["sentence"])
                                                                        for c in api]
    else:
        graph = json.loads(text)["@graph"]
        assert [g["itemReviewed"]["@id"].rsplit(":", 1)[1] for g in graph] == [c["id"] for c in api]
    assert f"exported {len(api)} claims" in result.output


def test_export_of_everything_to_stdout(cli, client, data_dir):
    result = cli("export")                       # jsonl to standard output
    assert result.exit_code == 0
    exported = [json.loads(line) for line in result.output.splitlines()]
    library = Library(data_dir)
    assert len(exported) == library.store.counts()["claims"]
    first = exported[0]["article_id"]
    assert [c for c in exported if c["article_id"] == first] == \
        client.get(f"/articles/{first}/claims").get_json()["items"]


def test_export_of_unknown_project_exits_1(cli):
    result = cli("export", "-p", "完全不存在的名字xyz")
    assert result.exit_code == 1
    assert "no project matches" in result.output


def test_check_reads_well_and_exits_0(cli):
    result = cli("check")
    assert result.exit_code == 0
    assert "ok" in result.output and "index generation" in result.output and "claims" in result.output


def test_check_fails_when_the_index_is_unreadable(own_data):
    break_index(own_data / "whoosh")
    result = CliRunner().invoke(main, ["check", "--json", "--data-dir", str(own_data)])
    assert result.exit_code == 1
    state = json.loads(result.output)
    assert state["status"] == "unavailable" and state["generation"]["index"] is None and state["errors"]["index"]
    result = CliRunner().invoke(main, ["check", "--data-dir", str(own_data)])
    assert result.exit_code == 1 and "unavailable" in result.output


@pytest.mark.sqlite_only
def test_broken_database_is_one_line_exit_1(own_data):
    (own_data / "newsclaims.sqlite3").write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (own_data / f"newsclaims.sqlite3{suffix}").unlink(missing_ok=True)
    result = CliRunner().invoke(main, ["check", "--data-dir", str(own_data)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "database cannot be read" in result.output


@pytest.mark.sqlite_only
def test_missing_database_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["search", "投资", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no newsclaims database" in result.output
    assert not (tmp_path / "none").exists()          # a read does not create a data folder


def test_usage_errors_exit_2(cli):
    assert cli("search").exit_code == 2
    assert cli("export", "--format", "xml").exit_code == 2
    assert cli("nosuchcommand").exit_code == 2


def test_busy_exits_75(cli, monkeypatch):
    def busy(self):
        raise Busy(10.0)
    monkeypatch.setattr(Library, "health", busy)
    result = cli("check")
    assert result.exit_code == 75
    assert "busy" in result.output


def test_installed_entry_point(data_dir):
    """The console script pip installed, as a user runs it."""
    newsclaims = Path(sys.executable).with_name("newsclaims")
    done = subprocess.run([str(newsclaims), "claims", "-p", PROJECT, "--json", "--data-dir", data_dir],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] > 0
    done = subprocess.run([str(newsclaims), "search", "--data-dir", data_dir],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "Missing argument" in done.stderr
    assert shutil.which("newsclaims", path=str(newsclaims.parent))




def test_reindex_rebuilds_once_even_an_index_of_another_schema(tmp_path, monkeypatch):
    from whoosh.fields import ID, Schema

    from index.fulltext import indexer
    from index.fulltext.files import GraceStorage

    data = tmp_path / "data"
    Library(data).add_article(next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8"), id="004")
    for old in (data / "whoosh").iterdir():                       # an index of an older layout
        old.unlink()
    GraceStorage(str(data / "whoosh")).create_index(Schema(id=ID(stored=True)))
    rebuilds = []
    real = indexer.rebuild
    monkeypatch.setattr(indexer, "rebuild", lambda *a, **k: rebuilds.append(1) or real(*a, **k))
    result = CliRunner().invoke(main, ["reindex", "--data-dir", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "reindexed 1 articles" in result.output
    assert rebuilds == [1]
    assert Library(data).search(PROJECT)["total"] >= 1
