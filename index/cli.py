"""The `newsclaims` command: ingest articles, rebuild the index, check the data folder."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import io
import sys
from pathlib import Path

import click

from .library import EmptyArticle, InvalidId, Library, input_digest
from .locking import Busy

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "instance" / "data"
TEXT_SUFFIXES = (".txt", ".html", ".htm")
RECORD_FIELDS = ("id", "title", "published", "source", "url", "text")


def data_dir_option(fn):
    return click.option("--data-dir", envvar="NEWSCLAIMS_DATA_DIR", default=str(DEFAULT_DATA_DIR),
                        show_default=True, type=click.Path(file_okay=False),
                        help="Folder of the SQLite database and the Whoosh index (env NEWSCLAIMS_DATA_DIR).")(fn)


@click.group()
def main():
    """newsclaims: numeric claims from Chinese news, searchable."""


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
                    yield {k: record.get(k) for k in RECORD_FIELDS}
    elif path.suffix == ".json":
        record = json.loads(path.read_text(encoding="utf-8"))
        yield {k: record.get(k) for k in RECORD_FIELDS}
    elif path.suffix in TEXT_SUFFIXES:
        yield {"id": path.stem, "text": path.read_text(encoding="utf-8")}


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
    library = Library(data_dir)
    if if_empty and library.store.counts()["articles"]:
        click.echo(f"newsclaims: {data_dir} already holds articles; not ingesting", err=True)
        return
    records = [r for path in paths for r in read_records(path)]
    done = skipped = rejected = claims = 0
    pending = []

    def flush():
        nonlocal done, claims
        if pending:
            results = library.add_articles(pending)
            done += len(results)
            claims += sum(r.claims for r in results)
            pending.clear()

    quiet = io.StringIO()     # a progress bar on a terminal only
    with click.progressbar(records, label="ingest", file=sys.stderr if sys.stderr.isatty() else quiet) as bar:
        for start in range(0, len(records), batch):
            chunk = records[start:start + batch]
            known = library.store.digests(r["id"] for r in chunk if r.get("id"))
            for record in chunk:
                meta = {"title": record.get("title"), "published": as_date(record.get("published")),
                        "source": record.get("source"), "url": record.get("url")}
                text = record.get("text") or ""
                if record.get("id") and known.get(record["id"]) == input_digest(text, meta):
                    skipped += 1
                    continue
                try:
                    pending.append(library.prepare(text, id=record.get("id"), **meta))
                except (EmptyArticle, InvalidId) as err:
                    rejected += 1
                    click.echo(f"skipped {record.get('id')}: {err}", err=True)
            flush()
            bar.update(len(chunk))
    click.echo(f"ingested {done} articles ({claims} claims), {skipped} unchanged, {rejected} rejected")


@main.command()
@data_dir_option
def reindex(data_dir):
    """Rebuild the Whoosh index from the database."""
    library = Library(data_dir)
    count = library.reindex()
    click.echo(f"reindexed {count} articles at generation {library.index_generation()}")


@main.command()
@data_dir_option
def check(data_dir):
    """Report counts and whether the index is at the database's generation (exit 1 if not)."""
    library = Library(data_dir)
    state = library.health()
    click.echo(json.dumps(state, ensure_ascii=False))
    sys.exit(0 if state["status"] == "ok" else 1)


def run():
    try:
        main()
    except Busy as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(75)


if __name__ == "__main__":
    run()
