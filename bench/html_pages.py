#!/usr/bin/env python3
"""Benchmark HTML input: speed of main-content extraction, with trafilatura and GNE in the same run.

    .venv/bin/python bench/html_pages.py [--pages ../shared/corpus/raw/gne_html]
        [--feed ../shared/corpus/raw/feed_html] [--gold ../shared/gold/html.pages.jsonl] [--repeat 3]

Every page is read as bytes and decoded as UTF-8 (as ../shared/eval/score_html.py sends it), then
given to each extractor as a str:

- newsclaims extract: index.articles.html.extract (main text, title, date, outlet): what HTML
  input adds to the text path;
- newsclaims pipeline: parse_html, the extraction plus the segmenter (paragraphs, kinds);
- trafilatura.bare_extraction (text and metadata), GNE's GeneralNewsExtractor.extract
  (bench-only dependencies: pip install -e '.[bench]'; a peer that is not installed is skipped).

Each page is timed `--repeat` times and its fastest run counts. Printed per folder: pages/s
(pages / total time) and the median and 95th percentile ms per page. With --gold, also the
offline figures of score_html.py for every extractor on the gold pages (body precision and
recall over characters, title, date, outlet, furniture leaks), the peers' text split into
paragraphs at line breaks.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# run as a script, this file's folder comes first on sys.path and its name would shadow the
# standard library's html package that clean.py (html.parser) needs
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
sys.path.insert(0, str(ROOT))

from index.articles.html import extract, parse_html  # noqa: E402
from index.articles.segment import parse_article  # noqa: E402


def norm(text) -> str:
    """score_html.py's normalisation: NFKC, no white space."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def lines_of(text) -> list[dict]:
    return [{"text": line, "kind": "body"} for line in (text or "").split("\n") if line.strip()]


def newsclaims_result(page: str) -> dict:
    article = parse_html(page)
    return {"title": article.title, "published": article.published.isoformat() if article.published else None,
            "source": article.source, "paragraphs": [{"text": p.text, "kind": p.kind} for p in article.paragraphs]}


def extractors() -> list[tuple[str, callable, callable | None]]:
    """(name, timed function, function giving the scored result or None)."""
    found = [("newsclaims extract", extract, None), ("newsclaims pipeline", parse_html, newsclaims_result)]
    try:
        import trafilatura

        def traf(page):
            return trafilatura.bare_extraction(page, with_metadata=True)

        def traf_result(page):
            doc = traf(page)
            doc = doc.as_dict() if doc is not None else {}
            return {"title": doc.get("title"), "published": doc.get("date"), "source": doc.get("sitename"),
                    "paragraphs": lines_of(doc.get("text"))}
        found.append((f"trafilatura {trafilatura.__version__}", traf, traf_result))
    except ImportError:
        print("trafilatura not installed: skipped (pip install -e '.[bench]')", file=sys.stderr)
    try:
        from gne import GeneralNewsExtractor
        from importlib.metadata import version
        gne = GeneralNewsExtractor()

        def gne_result(page):
            doc = gne.extract(page)
            return {"title": doc.get("title"), "published": (doc.get("publish_time") or "")[:10] or None,
                    "source": None, "paragraphs": lines_of(doc.get("content"))}
        found.append((f"GNE {version('gne')}", gne.extract, gne_result))
    except ImportError:
        print("gne not installed: skipped (pip install -e '.[bench]')", file=sys.stderr)
    return found


def combinations(found) -> list[tuple[str, callable]]:
    """Each peer's text (and title) through our segmenter and furniture rules, for the quality table."""
    combos = []
    for name, _, result_of in found:
        if result_of is None or name.startswith("newsclaims"):
            continue

        def combined(page, result_of=result_of):
            peer = result_of(page)
            article = parse_article("\n".join(p["text"] for p in peer["paragraphs"]), title=peer["title"])
            return {"title": article.title, "published": peer["published"],
                    "source": article.source or peer["source"],
                    "paragraphs": [{"text": p.text, "kind": p.kind} for p in article.paragraphs]}
        combos.append((f"{name.split()[0]} + segmenter", combined))
    try:
        import lxml.html
        from readability import Document

        def readability_result(page):
            doc = Document(page)
            markup = re.sub(r"(?i)<(?:/p|br\s*/?|/h\d|/li|/div|/tr)>", "\n", doc.summary(html_partial=True))
            text = lxml.html.fromstring(f"<div>{markup}</div>").text_content()
            return {"title": doc.short_title(), "published": None, "source": None, "paragraphs": lines_of(text)}

        def readability_segmented(page):
            doc = Document(page)
            article = parse_article(doc.summary(html_partial=True), title=doc.short_title())
            return {"title": article.title, "published": article.published and article.published.isoformat(),
                    "source": article.source,
                    "paragraphs": [{"text": p.text, "kind": p.kind} for p in article.paragraphs]}
        combos += [("readability-lxml", readability_result), ("readability + segmenter", readability_segmented)]
    except ImportError:
        print("readability-lxml not installed: left out of the quality table", file=sys.stderr)
    return combos


def read_pages(folder: Path) -> list[tuple[str, str]]:
    return [(path.name, path.read_bytes().decode("utf-8", "replace")) for path in sorted(folder.glob("*.htm*"))]


def timed(fn, pages, repeat: int) -> tuple[list[float], int]:
    """Seconds per page, the fastest of `repeat` runs; and how many pages raised an error."""
    times, failed = [], 0
    for _, page in pages:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                fn(page)
            except Exception:                  # noqa: BLE001 - GNE raises when it finds no body
                failed += 1
                break
            finally:
                best = min(best, time.perf_counter() - start)
        times.append(best)
    return times, failed


def speed(pages, found, repeat: int, label: str) -> None:
    print(f"\n{label}: {len(pages)} pages, {sum(len(p) for _, p in pages) / 1e6:.1f} M characters")
    print(f"  {'extractor':<24} {'pages/s':>9} {'median ms':>10} {'p95 ms':>8} {'errors':>7}")
    for name, fn, _ in found:
        times, failed = timed(fn, pages, repeat)
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {name:<24} {len(times) / sum(times):>9.1f} {1000 * statistics.median(times):>10.2f} {1000 * p95:>8.2f} {failed:>7}")


def score(result: dict, gold: dict) -> dict:
    """The counts of score_html.py for one page."""
    gold_body = [norm(p) for p in gold["body"] if norm(p)]
    optional = [norm(o) for o in gold.get("optional", []) if norm(o)]
    gold_all = "".join(gold_body)
    paragraphs = result["paragraphs"]
    kept = [norm(p["text"]) for p in paragraphs if p["kind"] != "title" and norm(p["text"])]
    everything = [norm(p["text"]) for p in paragraphs] + [norm(result["title"])]
    kept_all = "".join(kept)
    scored = [p for p in kept if not any(p == o or p in o for o in optional)]
    return {
        "tp_p": sum(len(p) for p in scored if p in gold_all), "all_p": sum(map(len, scored)),
        "tp_r": sum(len(p) for p in gold_body if p in kept_all), "all_r": sum(map(len, gold_body)),
        "title": norm(result["title"]) == norm(gold["title"]),
        "date": (result["published"] or None) == gold["published"],
        "source": norm(result["source"]) == norm(gold["source"]) if gold.get("source") else None,
        "leaks": sum(1 for f in gold["furniture"] if any(norm(f) in e for e in everything)),
    }


def _safe(result_of, page) -> dict:
    try:
        return result_of(page)
    except Exception:                          # noqa: BLE001 - a peer that gives up scores nothing
        return {"title": None, "published": None, "source": None, "paragraphs": []}


def quality(folder: Path, gold_path: Path, found) -> None:
    gold = [json.loads(line) for line in gold_path.open(encoding="utf-8") if line.strip()]
    pages = {name: page for name, page in read_pages(folder)}
    print(f"\nquality on the {len(gold)} gold pages of {gold_path.name} (score_html.py's figures, offline)")
    print(f"  {'extractor':<24} {'body P':>7} {'body R':>7} {'F1':>6} {'title':>6} {'date':>6} {'outlet':>7} {'leaks':>6}")
    rows = [(name, result_of) for name, _, result_of in found if result_of is not None] + combinations(found)
    for name, result_of in rows:
        counts = [score(_safe(result_of, pages[g["file"]]), g) for g in gold]
        precision = sum(c["tp_p"] for c in counts) / max(1, sum(c["all_p"] for c in counts))
        recall = sum(c["tp_r"] for c in counts) / max(1, sum(c["all_r"] for c in counts))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        sources = [c["source"] for c in counts if c["source"] is not None]
        print(f"  {name:<24} {precision:>7.3f} {recall:>7.3f} {f1:>6.3f} "
              f"{sum(c['title'] for c in counts) / len(counts):>6.3f} {sum(c['date'] for c in counts) / len(counts):>6.3f} "
              f"{sum(sources) / max(1, len(sources)):>7.3f} {sum(c['leaks'] for c in counts):>6}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=SHARED / "corpus" / "raw" / "gne_html")
    parser.add_argument("--feed", type=Path, default=SHARED / "corpus" / "raw" / "feed_html")
    parser.add_argument("--gold", type=Path, help="html.pages.jsonl: also print the offline quality figures")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the fastest counts")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")            # the peers' parsers warn about broken markup
    found = extractors()
    for folder, label in ((args.pages, "whole pages"), (args.feed, "feed fragments")):
        pages = read_pages(folder)
        if pages:
            speed(pages, found, args.repeat, f"{label} ({folder})")
    if args.gold:
        quality(args.pages, args.gold, found)


if __name__ == "__main__":
    main()
