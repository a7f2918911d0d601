"""What the `newsclaims` command shows: rich tables for search hits, claims and the data check,
one-line errors, and the exit codes every command shares.

Exit codes: 0 done; 1 the check failed or nothing was found (a search without hits, a project
name that matches nothing) or an error occurred; 2 wrong usage; 75 (EX_TEMPFAIL) another write
held the writer lock too long — retry.
"""
from __future__ import annotations

import html
import json
import logging
import os
import re
import sqlite3
import sys
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from index.library import Library
from index.errors import Busy

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75
logging.getLogger("jieba").setLevel(logging.WARNING)     # not "Building prefix dict…" on every command
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
EXCERPT_CHARS = 90          # characters of passage shown around the first match
HIGHLIGHT = "bold black on yellow"


class FriendlyGroup(click.Group):
    """A click group whose commands fail with one line and a meaningful exit code, never a traceback.

    NEWSCLAIMS_DEBUG=1 lets unexpected errors through with their traceback.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Busy as err:
            click.echo(f"newsclaims: busy: {err}; try again later", err=True)
            ctx.exit(EXIT_BUSY)
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None
        except BrokenPipeError:
            # the reader went away (`newsclaims export | head`): not an error of ours; stop
            # quietly, and keep Python from complaining when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_OK)
        except Exception as err:
            if os.environ.get("NEWSCLAIMS_DEBUG"):
                raise
            click.echo(f"newsclaims: error: {one_line(err)}", err=True)
            ctx.exit(EXIT_FAILED)


def one_line(err: BaseException) -> str:
    if isinstance(err, sqlite3.DatabaseError) or type(err).__module__.startswith("psycopg"):
        reason = str(err).strip().splitlines()
        return f"the database cannot be read ({reason[0] if reason else type(err).__name__})"
    if isinstance(err, OSError) and err.strerror:
        return f"{err.strerror}: {err.filename}" if err.filename else err.strerror
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def open_library(data_dir: str | Path) -> Library:
    """The library of an existing data folder; one clear error (exit 1) when there is none."""
    if not os.environ.get("NEWSCLAIMS_DATABASE_URL") and not (Path(data_dir) / "newsclaims.sqlite3").is_file():
        raise click.ClickException(f"no newsclaims database in {data_dir}: ingest articles first "
                                   "(newsclaims ingest PATH) or pass --data-dir / NEWSCLAIMS_DATA_DIR")
    return Library(data_dir)


def console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr); 120 columns when it is not a terminal, so pipes stay readable."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 120
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def print_json(body) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))


# -- search ---------------------------------------------------------------------------------

def highlighted(marked_html: str, color: bool) -> Text:
    """Passage highlight (HTML with <mark>) as rich Text; without colour, matches are 【bracketed】."""
    text, position = Text(), 0
    for match in MARK.finditer(marked_html):
        text.append(html.unescape(marked_html[position:match.start()]))
        word = html.unescape(match.group(1))
        text.append(word, style=HIGHLIGHT) if color else text.append(f"【{word}】")
        position = match.end()
    text.append(html.unescape(marked_html[position:]))
    return text


def excerpt(passage: dict, color: bool, chars: int = EXCERPT_CHARS) -> Text:
    """About `chars` characters of the passage around its first highlighted word."""
    marked = passage.get("highlight") or html.escape(passage["text"])
    full = highlighted(marked, color)
    first = marked.find("<mark>")
    plain_start = len(html.unescape(MARK.sub(r"\1", marked[:first]))) if first >= 0 else 0
    start = max(0, plain_start - chars // 3)
    end = min(len(full.plain), start + chars)
    piece = full[start:end]
    if start > 0:
        piece = Text("…") + piece
    if end < len(full.plain):
        piece.append("…")
    return piece


def article_cell(article: dict) -> Text:
    cell = Text(article.get("title") or article["id"], style="bold")
    details = " · ".join(x for x in (article.get("source"), article.get("published")) if x)
    cell.append(f"\n{details}" if details else "", style="dim")
    cell.append(f"\n{article['id']}", style="dim")
    return cell


def claim_line(claim: dict) -> str:
    label = claim.get("metric") or claim.get("dimension")
    return f"{label}: {claim['raw']}" if label else claim["raw"]


def search_table(result: dict, query: str, color: bool) -> Table:
    shown = len(result["items"])
    first = (result["page"] - 1) * result["per_page"]
    table = Table(title=f"{result['total']} passages match {query!r}"
                  + (f" (showing {first + 1}-{first + shown})" if shown else ""),
                  box=box.SIMPLE_HEAD, show_lines=True, expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("article", ratio=2, overflow="fold")
    table.add_column("passage", ratio=4, overflow="fold")
    table.add_column("claims", ratio=2, overflow="fold")
    for number, item in enumerate(result["items"], first + 1):
        table.add_row(str(number), article_cell(item["article"]), excerpt(item["passage"], color),
                      "\n".join(claim_line(c) for c in item["claims"]) or Text("—", style="dim"))
    return table


def facet_names(value: str | None, choices) -> list[str] | None:
    """--facets source,month -> ["source", "month"]; a usage error for a name not in `choices`."""
    if value is None:
        return None
    names = [name.strip() for name in value.split(",")]
    wrong = [name for name in names if name not in choices]
    if wrong:
        raise click.BadParameter(f"unknown facet {wrong[0]!r}: use {', '.join(choices)}, comma-separated")
    return list(dict.fromkeys(names))


def facets_table(facets: dict) -> Table:
    """One row per facet: its values with their counts, most frequent first."""
    table = Table(title="facets (every match)", box=box.SIMPLE_HEAD, expand=False)
    table.add_column("facet", style="bold")
    table.add_column("value: count", overflow="fold")
    for name, buckets in facets.items():
        table.add_row(name, ", ".join(f"{_facet_value(b['value'])}: {b['count']}" for b in buckets) or "—")
    return table


def _facet_value(value) -> str:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value)


# -- claims ---------------------------------------------------------------------------------

def value_text(claim: dict) -> str:
    """The normalised value with its unit: 1.09e10 元 → 10900000000 元; ranges as low–high."""
    value = "–".join(claim["range"]) if claim["range"] else claim["value"]
    hedge = {"at_least": "≥ ", "at_most": "≤ "}.get(claim["bound"], "")
    return f"{'≈' if claim['approx'] else ''}{hedge}{value} {claim['unit']}".strip()


def period_text(claim: dict) -> str:
    period = claim.get("period")
    if not period:
        return ""
    return period["start"] if period["start"] == period["end"] else f"{period['start']} … {period['end']}"


def claims_table(body: dict) -> Table:
    """The claims of /claims, one section per metric (metrics in order of first appearance)."""
    names = ", ".join(p["name"] for p in body["projects"])
    table = Table(title=f"{body['total']} claims about {names}", box=box.SIMPLE_HEAD, expand=False)
    table.add_column("metric", style="bold", overflow="fold")
    table.add_column("as written", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    table.add_column("period", overflow="fold")
    table.add_column("modality")
    table.add_column("article (published, id)", overflow="fold")
    groups: dict[str, list[dict]] = {}
    for claim in body["items"]:
        groups.setdefault(claim.get("metric") or "(no metric)", []).append(claim)
    for number, (metric, claims) in enumerate(groups.items()):
        if number:
            table.add_section()
        for row, claim in enumerate(claims):
            published = (claim.get("source") or {}).get("published")
            table.add_row(metric if row == 0 else "", claim["raw"], value_text(claim), period_text(claim),
                          claim["modality"], f"{published} {claim['article_id']}" if published else claim["article_id"])
    return table


def no_project_message(body: dict) -> str:
    suggestions = body.get("suggestions") or []
    hint = f"; did you mean: {', '.join(suggestions[:5])}" if suggestions else ""
    return f"no project matches {body['query']!r}{hint}"


# -- dossiers and conflicts ----------------------------------------------------------------

STATUS_STYLE = {"agree": "green", "conflict": "bold red", "single": "dim"}


def span_text(period: dict | None) -> str:
    if not period:
        return "(any date)"
    return period["start"] if period["start"] == period["end"] else f"{period['start']} … {period['end']}"


def dossier_table(project: dict) -> Table:
    """A project's dossier: one section per canonical metric, one row per reported value."""
    table = Table(title=f"{project['name']}: {len(project['dossier'])} metrics", box=box.SIMPLE_HEAD, expand=False)
    for column in ("metric", "period", "reported", "status", "sources", "outlets", "first – last report"):
        table.add_column(column, overflow="fold")
    for number, metric in enumerate(project["dossier"]):
        if number:
            table.add_section()
        for row, entry in enumerate(metric["timeline"]):
            dates = " – ".join(dict.fromkeys(d for d in (entry["first_reported"], entry["last_reported"]) if d))
            table.add_row(metric["label"] if row == 0 else "", span_text(entry["period"]),
                          " / ".join(entry["values"]) + (" (estimate)" if entry["estimate"] else ""),
                          Text(entry["status"], style=STATUS_STYLE.get(entry["status"], "")),
                          str(entry["sources"]), ", ".join(entry["outlets"]), dates)
    return table


def conflicts_table(body: dict) -> Table:
    """Conflicting groups: what, when, and each source's value."""
    table = Table(title=f"{body['total']} conflicts", box=box.SIMPLE_HEAD, show_lines=True, expand=False)
    for column in ("metric", "about", "period", "values reported (outlet, published)"):
        table.add_column(column, overflow="fold")
    for group in body["items"]:
        lines = [f"{c['raw']}  {(c.get('source') or {}).get('source') or ''} {(c.get('source') or {}).get('published') or ''}"
                 for c in group["claims"]]
        table.add_row(group["label"], group["project"] or group["scope"] or "(national)",
                      span_text(group["period"]), "\n".join(lines))
    return table


# -- check ----------------------------------------------------------------------------------

def health_table(state: dict, data_dir) -> Table:
    status_style = {"ok": "bold green", "degraded": "bold yellow"}.get(state["status"], "bold red")
    table = Table(title=Text.assemble(f"{data_dir}: ", (state["status"], status_style)),
                  box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_column("note", style="dim")
    generation = state.get("generation") or {}
    errors = state.get("errors") or {}
    for name in ("articles", "passages", "claims"):
        table.add_row(name, "?" if state.get(name) is None else str(state[name]), "")
    database, index = generation.get("database"), generation.get("index")
    table.add_row("database generation", "?" if database is None else str(database), errors.get("database", ""))
    lag = ""
    if index is not None and database is not None and index != database:
        lag = "index lags: run `newsclaims reindex`"
    table.add_row("index generation", "?" if index is None else str(index), errors.get("index", lag))
    return table
