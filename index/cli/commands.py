"""The `newsclaims` command: ingest articles, rebuild the index, check the data folder."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import io
import os
import resource
import sys
import time
from pathlib import Path

import click

from index.cli import views
from index import exports as export_formats
from index.cli.views import FriendlyGroup
from index.library import SEARCH_FACETS, Library, decode_page
from index.errors import Busy

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "instance" / "data"
TEXT_SUFFIXES = (".txt", ".html", ".htm")
PAGE_SUFFIXES = (".html", ".htm")
RECORD_FIELDS = ("id", "title", "published", "source", "url", "text")


def data_dir_option(fn):
    return click.option("--data-dir", envvar="NEWSCLAIMS_DATA_DIR", default=str(DEFAULT_DATA_DIR),
                        show_default=True, type=click.Path(file_okay=False),
                        help="Folder of the SQLite database and the Whoosh index (env NEWSCLAIMS_DATA_DIR).")(fn)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", envvar="NEWSCLAIMS_DATABASE_URL", metavar="URL",
              help="postgresql://… database shared by nodes, instead of the SQLite file in the data folder "
                   "(env NEWSCLAIMS_DATABASE_URL).")
def main(database_url):
    """newsclaims: numeric claims from Chinese news, searchable.

    Every command reads NEWSCLAIMS_DATA_DIR (or --data-dir). Exit status: 0 done, 1 check failed,
    nothing found or an error, 2 wrong usage, 75 busy (another write held the lock; retry).
    """
    if database_url:        # read by every Library this process (and `serve`'s gunicorn) opens
        os.environ["NEWSCLAIMS_DATABASE_URL"] = database_url


def read_records(path: Path):
    """Yield article records (dicts with text and optional id/title/published/source/url) from PATH."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and (child.suffix in TEXT_SUFFIXES or child.name.endswith((".jsonl", ".jsonl.gz", ".json"))):
                yield from read_records(child)
        return
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise click.ClickException(f"{path}:{number}: not JSON: {err.msg}") from None
                    yield as_record(record, f"{path}:{number}")
    elif path.suffix == ".json":
        yield as_record(json.loads(path.read_text(encoding="utf-8")), str(path))
    elif path.suffix in PAGE_SUFFIXES:           # a saved web page, bytes in whatever charset it has
        yield {"id": path.stem, "text": decode_page(path.read_bytes()), "format": "html"}
    elif path.suffix in TEXT_SUFFIXES:
        yield {"id": path.stem, "text": path.read_text(encoding="utf-8")}


def as_record(record: dict, where: str) -> dict:
    """A JSON record with its article as `text`, or as a web page in `html` (not both)."""
    if not isinstance(record, dict):
        raise click.ClickException(f"{where}: not a JSON object")
    out = {k: record.get(k) for k in RECORD_FIELDS}
    if record.get("html"):
        if not isinstance(record["html"], str):
            raise click.ClickException(f"{where}: html must be a string (the page's markup)")
        if record.get("text"):
            raise click.ClickException(f"{where}: give the article as text or as html, not both")
        out |= {"text": record["html"], "format": "html"}
    return out


def peak_rss_mb() -> float:
    """The largest resident size this process or any of its finished workers reached (MB)."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def as_date(value):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@data_dir_option
@click.option("--batch", default=200, show_default=True, help="Articles per database transaction.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds articles.")
def ingest(paths, data_dir, batch, if_empty):
    """Ingest article files, folders and JSONL(.gz) records (id, title, published, source, url, text).

    Idempotent by article id: an article already stored with the same input is skipped, so an
    interrupted run can simply be started again.
    """
    from index.ingest import ingest_records

    library = Library(data_dir)
    if if_empty and library.store.counts()["articles"]:
        click.echo(f"newsclaims: {data_dir} already holds articles; not ingesting", err=True)
        return
    started = time.monotonic()
    records = [r | {"published": as_date(r.get("published"))} for path in paths for r in read_records(path)]
    quiet = io.StringIO()     # a progress bar on a terminal only
    with click.progressbar(length=len(records), label="ingest",
                           file=sys.stderr if sys.stderr.isatty() else quiet) as bar:
        summary = ingest_records(library, records, batch=batch, progress=bar.update)
    for article_id, reason in summary.rejected:
        click.echo(f"skipped {article_id}: {reason}", err=True)
    click.echo(f"ingested {summary.done} articles ({summary.claims} claims), {summary.skipped} unchanged, "
               f"{len(summary.rejected)} rejected in {time.monotonic() - started:.1f} s; "
               f"peak memory {peak_rss_mb():.0f} MB (largest process)")


@main.command()
@data_dir_option
def reindex(data_dir):
    """Rebuild the Whoosh index from the database."""
    library = Library(data_dir, catch_up=False)       # not brought up to date first, only to be rebuilt
    count = library.reindex()
    click.echo(f"reindexed {count} articles at generation {library.index_generation()}")


@main.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON (what GET /health answers).")
def check(data_dir, as_json):
    """Check the database and the index: readable, in step; counts and generations.

    Exit status: 0 ok; 1 when the index lags the database (run `newsclaims reindex`), either is
    unreadable, or there is no database.
    """
    library = views.open_library(data_dir)
    state = library.health()
    if as_json:
        views.print_json(state)
    else:
        views.console().print(views.health_table(state, data_dir))
    sys.exit(0 if state["status"] == "ok" else 1)


# -- reading, exporting, serving (views and formats: index/cli_views.py, index/export.py) --------

@main.command()
@click.argument("query")
@data_dir_option
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True, help="Page of results.")
@click.option("--per-page", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits per page.")
@click.option("--source", help="Only passages of this outlet, exactly as stored.")
@click.option("--has-claims/--any", "has_claims", default=None, help="Only passages with claims.")
@click.option("--facets", callback=lambda ctx, param, value: views.facet_names(value, SEARCH_FACETS),
              help=f"Also count every match by these, comma-separated: {','.join(SEARCH_FACETS)}.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that GET /search answers.")
def search(query, data_dir, page, per_page, source, has_claims, facets, as_json):
    """Search passages: article, excerpt with the matches highlighted, and claims.

    QUERY is plain words; "quoted words" match as a phrase. Exit status: 0 with hits, 1 when
    nothing matched.

    \b
    newsclaims search 清原抽水蓄能电站
    newsclaims search '"抽水蓄能"' --per-page 3 --json
    newsclaims search 抽水蓄能 --facets source,month
    """
    from index.errors import QueryError
    library = views.open_library(data_dir)
    filters = {k: v for k, v in (("source", source), ("has_claims", has_claims), ("facets", facets))
               if v is not None}
    try:
        result = library.search(query, page=page, per_page=per_page, **filters)
    except QueryError as err:
        raise click.BadParameter(str(err), param_hint="QUERY") from None
    if as_json:
        views.print_json(result)
    else:
        out = views.console()
        out.print(views.search_table(result, query, color=out.color_system is not None))
        if result.get("facets"):
            out.print(views.facets_table(result["facets"]))
    sys.exit(0 if result["items"] else 1)


@main.command()
@click.option("--project", "-p", required=True, help="A project name or any alias or part of it.")
@data_dir_option
@click.option("--metric", help="Substring of the claims' metric (投资, 产值 …).")
@click.option("--dimension", type=click.Choice(["money", "count", "percent", "mass", "rate", "area", "power",
                                                "duration", "rank", "other"]), help="Only claims of this dimension.")
@click.option("--modality", type=click.Choice(["actual", "plan", "target", "forecast"]),
              help="Only reported facts (actual) or plans, targets, forecasts.")
@click.option("--sort", type=click.Choice(["text", "value", "-value", "published", "-published"]), default="text",
              show_default=True, help="Order: text order, by value or by publication date (- = descending).")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page of claims.")
@click.option("--per-page", type=click.IntRange(1, 100000), default=1000, show_default=True,
              help="Claims per page.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that GET /claims answers.")
def claims(project, data_dir, metric, dimension, modality, sort, page, per_page, as_json):
    """Claims about a project (any of its names), grouped by metric.

    Exit status: 0 with claims, 1 when no project matches the name (close names are suggested)
    or the filters leave no claim.

    \b
    newsclaims claims --project 清原抽水蓄能电站
    newsclaims claims -p 凯荣 --metric 销售收入 --json
    """
    library = views.open_library(data_dir)
    filters = {k: v for k, v in (("metric", metric), ("dimension", dimension), ("modality", modality)) if v}
    body = library.claims_by_project(project, page=page, per_page=per_page, sort=sort, **filters)
    if as_json:
        views.print_json(body)
    elif not body["projects"]:
        click.echo(f"newsclaims: {views.no_project_message(body)}", err=True)
    else:
        views.console().print(views.claims_table(body))
    sys.exit(0 if body["items"] else 1)


@main.command()
@data_dir_option
@click.option("--project", "-p", help="Only the claims about this project (any of its names); default: every claim.")
@click.option("--format", "fmt", type=click.Choice(export_formats.FORMATS), default="jsonl", show_default=True,
              help="jsonl: one API Claim per line; csv: one row per claim; jsonld: schema.org ClaimReview graph.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="File to write (replaced only once complete); - is standard output.")
def export(data_dir, project, fmt, output):
    """Export claims as JSON Lines, CSV or schema.org JSON-LD (ClaimReview).

    JSON-LD is one ClaimReview per claim (no rating) for fact-checking tools; CSV is one row per
    claim with the Claim flattened; JSONL is the API's Claim objects, one per line.

    Exit status: 0 written, 1 when --project matches no project.

    \b
    newsclaims export --format csv --output claims.csv
    newsclaims export --project 清原抽水蓄能电站 --format jsonld
    """
    library = views.open_library(data_dir)
    if project:
        body, items = export_formats.project_claims(library, project)
        if not body["projects"]:
            raise click.ClickException(views.no_project_message(body))
    else:
        items = export_formats.all_claims(library)
    written = 0

    def counted(claims):
        nonlocal written
        for claim in claims:
            written += 1
            yield claim

    with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as out:
        for chunk in export_formats.write(counted(items), fmt):
            out.write(chunk)
    if output != "-":
        click.echo(f"exported {written} claims to {output} ({fmt})", err=True)


@main.command()
@data_dir_option
def regroup(data_dir):
    """Recompute metric keys, reprint groups and agreement groups from the database (a data
    folder does it by itself when index/data/metrics.json changed)."""
    library = Library(data_dir)
    started = time.monotonic()
    count = library.regroup()
    click.echo(f"regrouped {count} articles in {time.monotonic() - started:.1f} s")


@main.command()
@click.argument("name")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that GET /projects/{id} answers.")
def dossier(name, data_dir, as_json):
    """What has been reported about a project: per canonical metric, the values in time, each
    with its outlets, first and last report and whether the sources agree (reprints count once).

    Exit status: 0 when a project matches NAME, 1 otherwise (close names are suggested).

    \b
    newsclaims dossier 白鹤滩水电站
    newsclaims dossier 清原抽水蓄能电站 --json
    """
    library = views.open_library(data_dir)
    found = library.projects(q=name, per_page=1)["items"]
    if not found:
        body = library.claims_by_project(name, per_page=1)
        click.echo(f"newsclaims: {views.no_project_message(body)}", err=True)
        sys.exit(1)
    project = library.project(found[0]["id"])
    if as_json:
        views.print_json(project)
    else:
        views.console().print(views.dossier_table(project))


@main.command()
@data_dir_option
@click.option("--project", "-p", help="Only groups about this project (any of its names).")
@click.option("--metric-key", help="Only groups of this canonical metric (total_investment, pmi …).")
@click.option("--source", help="Only groups with a claim from this outlet.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page of groups.")
@click.option("--per-page", type=click.IntRange(1, 1000), default=20, show_default=True, help="Groups per page.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that GET /conflicts answers.")
def conflicts(data_dir, project, metric_key, source, page, per_page, as_json):
    """Quantities that different stories report with values that cannot all be right.

    Exit status: 0 when there is a conflict, 1 when there is none.

    \b
    newsclaims conflicts
    newsclaims conflicts --metric-key internet_penetration --json
    """
    library = views.open_library(data_dir)
    filters = {k: v for k, v in (("project", project), ("metric_key", metric_key), ("source", source)) if v}
    body = library.conflicts(page=page, per_page=per_page, **filters)
    if as_json:
        views.print_json(body)
    else:
        views.console().print(views.conflicts_table(body))
    sys.exit(0 if body["items"] else 1)


@main.command()
@click.argument("dest", type=click.Path(exists=False, file_okay=False, path_type=Path))
@data_dir_option
def snapshot(dest, data_dir):
    """Copy this node's index into the new folder DEST, for a new node (`newsclaims restore`)."""
    library = views.open_library(data_dir)
    started = time.monotonic()
    generation = library.snapshot(dest)
    click.echo(f"snapshot of the index at generation {generation} in {dest} ({time.monotonic() - started:.1f} s)")


@main.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@data_dir_option
def restore(source, data_dir):
    """Start a data folder's index from the snapshot SOURCE, then catch up with the database."""
    from index.library import restore_index

    started = time.monotonic()
    restore_index(source, data_dir)
    library = Library(data_dir)
    click.echo(f"restored; the index is at generation {library.index_generation()} "
               f"({time.monotonic() - started:.1f} s)")


@main.command()
def migrate():
    """Create or upgrade the database's schema to this version's (under a lock; other nodes wait).

    A shared (PostgreSQL) database of an older version is never upgraded by a node starting:
    run this once, after stopping the nodes that run the older code.
    """
    from index.library import DATABASE_URL_ENV, migrate_database

    url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        raise click.ClickException("migrate needs a shared database: --database-url or NEWSCLAIMS_DATABASE_URL "
                                   "(a SQLite data folder is upgraded when it is opened)")
    before, after = migrate_database(url)
    click.echo(f"schema version {before} -> {after}" if before != after else f"schema version {after}: up to date")


@main.command(context_settings={"ignore_unknown_options": True})
@data_dir_option
@click.option("--bind", "-b", envvar="NEWSCLAIMS_BIND", default="127.0.0.1:8000", show_default=True,
              help="Address to listen on, HOST:PORT or unix:PATH (env NEWSCLAIMS_BIND).")
@click.option("--workers", "-w", envvar="NEWSCLAIMS_WORKERS", type=click.IntRange(1, 64), default=2,
              show_default=True, help="Worker processes (env NEWSCLAIMS_WORKERS).")
@click.option("--threads", envvar="NEWSCLAIMS_THREADS", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Threads per worker (env NEWSCLAIMS_THREADS).")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(data_dir, bind, workers, threads, gunicorn_args):
    """Serve the HTTP API with gunicorn (production settings: service/gunicorn_conf.py).

    Every NEWSCLAIMS_* setting of the README applies (token, limits, logging). Further
    arguments go to gunicorn as they are, e.g. `newsclaims serve -- --timeout 60`.
    Docs: http://HOST:PORT/docs, metrics: /metrics, health: /health.
    """
    import importlib.util
    os.environ["NEWSCLAIMS_DATA_DIR"] = str(Path(data_dir).resolve())
    # the settings by file path: importing them as a module would import the app (and
    # prometheus_client) before they set PROMETHEUS_MULTIPROC_DIR for the workers' metrics
    config = Path(importlib.util.find_spec("service").submodule_search_locations[0]) / "gunicorn_conf.py"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(config), "--bind", bind,
            "--workers", str(workers), "--threads", str(threads), *gunicorn_args, "service:create_app()"]
    click.echo(f"newsclaims: serving {os.environ['NEWSCLAIMS_DATA_DIR']} on {bind} "
               f"({workers} workers × {threads} threads); docs at /docs", err=True)
    sys.stderr.flush()
    os.execv(sys.executable, argv)      # gunicorn takes over this process: signals reach it directly


def run():
    try:
        main()
    except Busy as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(75)


if __name__ == "__main__":
    run()
