#!/usr/bin/env python3
"""Score extract_claims against a gold claims file without the HTTP service.

Runs parse_article + extract_claims on each article named in the gold (seed files, or corpus
records) and matches predictions to gold exactly as ../shared/eval/score_claims.py does, using
its own functions (same_quantity, norm_text, same_project, period_of): the passage a claim came
from is its paragraph's text. Prints misses, false alarms, attribute errors and one summary line.

    .venv/bin/python bench/score_offline.py --gold ../shared/gold/seeds.claims.jsonl \
        --articles-dir seeds [--corpus ../shared/corpus/news.jsonl.gz] [--show 50] [--json]

--segment / --quantities (module:function) swap in another segmenter or quantity finder.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from eval_path import ROOT  # noqa: E402 - the project and ../shared/eval on sys.path

from score_claims import load_corpus, norm_text, period_of, same_project, same_quantity  # noqa: E402

from index.claims.extract import extract_claims  # noqa: E402


def load(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def claim_dict(claim, paragraphs) -> dict:
    """A Claim as the API serves it (the fields the scorer reads)."""
    q = claim.quantity
    return {
        "raw": q.raw, "value": str(q.value), "unit": q.unit, "dimension": q.dimension,
        "approx": q.approx, "bound": q.bound,
        "project": claim.project, "modality": claim.modality, "speaker": claim.speaker,
        "metric": claim.metric, "subject": claim.subject,
        "period": {"start": claim.period[0].isoformat(), "end": claim.period[1].isoformat()} if claim.period else None,
        "passage": paragraphs.get(claim.paragraph, ""),
        "sentence": claim.sentence,
    }


def score(gold_path, articles_dir=None, corpus=None, parse=None, find=None, show=15, as_json=False,
          out=sys.stdout):
    gold = defaultdict(list)
    with open(gold_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                g = json.loads(line)
                gold[g["article"]].append(g)
    records = load_corpus(corpus, set(gold)) if corpus else {}
    tp_core = core_total = pred_total = pred_ok = 0
    attr_hits, attr_total = defaultdict(int), defaultdict(int)
    nd_hits, nd_total = defaultdict(int), defaultdict(int)
    misses, false_alarms, wrong = [], [], []
    for article, golds in sorted(gold.items()):
        if article in records:
            rec = records[article]
            kwargs = {k: rec[k] for k in ("title", "published", "source", "url") if rec.get(k)}
            if isinstance(kwargs.get("published"), str):    # the API reads it as a date: so do we
                try:
                    kwargs["published"] = dt.date.fromisoformat(kwargs["published"][:10])
                except ValueError:
                    kwargs.pop("published")
            art = parse(rec["text"], id=article, **kwargs)
        else:
            text = Path(articles_dir, article).read_text(encoding="utf-8")
            art = parse(text, id=os.path.splitext(article)[0])
        paragraphs = {p.index: p.text for p in art.paragraphs}
        preds = [claim_dict(c, paragraphs) for c in extract_claims(art, find_quantities=find)]
        used, matched = set(), {}
        for gi, g in enumerate(golds):              # the official scorer's matching, verbatim
            ctx = norm_text(g["context"])
            for pi, p in enumerate(preds):
                if pi in used or not same_quantity(p, g):
                    continue
                if ctx not in norm_text(p["passage"]):
                    continue
                used.add(pi)
                matched[gi] = p
                break
        for gi, g in enumerate(golds):
            if g.get("core"):
                core_total += 1
                if gi in matched:
                    tp_core += 1
                else:
                    misses.append((article, g["raw"], g["context"]))
            p = matched.get(gi)
            if p is None:
                continue
            checks = {
                "project": same_project(p.get("project"), g.get("project")),
                "period": period_of(p) == period_of(g),
                "modality": p.get("modality") == g.get("modality"),
                "approx_bound": (bool(p.get("approx")) == bool(g.get("approx"))
                                 and (p.get("bound") or "exact") == (g.get("bound") or "exact")),
                "speaker": norm_text(p.get("speaker") or "") == norm_text(g.get("speaker") or ""),
            }
            informative = {
                "project": bool(g.get("project")),
                "period": g.get("period") is not None,
                "modality": g.get("modality") not in (None, "actual"),
                "approx_bound": bool(g.get("approx")) or (g.get("bound") or "exact") != "exact",
                "speaker": bool(g.get("speaker")),
            }
            for k, ok in checks.items():
                attr_total[k] += 1
                attr_hits[k] += int(ok)
                if informative[k]:
                    nd_total[k] += 1
                    nd_hits[k] += int(ok)
                if not ok:
                    gv = {"period": period_of(g)}.get(k, g.get(k if k != "approx_bound" else "bound"))
                    pv = {"period": period_of(p)}.get(k, p.get(k if k != "approx_bound" else "bound"))
                    wrong.append((k, article, g["raw"], g["context"], pv, gv))
        pred_total += len(preds)
        pred_ok += len(used)
        for pi, p in enumerate(preds):
            if pi not in used:
                false_alarms.append((article, p["raw"], p["value"], p["unit"], p["sentence"][:50]))

    precision = pred_ok / pred_total if pred_total else 0.0
    recall = tp_core / core_total if core_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    attrs = {k: round(attr_hits[k] / attr_total[k], 3) for k in sorted(attr_total)}
    attrs_nd = {k: round(nd_hits[k] / nd_total[k], 3) for k in sorted(nd_total)}
    summary = {"precision": round(precision, 3), "recall_core": round(recall, 3), "f1": round(f1, 3),
               "predicted": pred_total, "gold_core": core_total, "attributes": attrs,
               "attributes_informative": attrs_nd}
    if as_json:
        print(json.dumps(summary, ensure_ascii=False), file=out)
        return summary
    for a, raw, ctx in misses[:show]:
        print(f"missed   {a}: {raw}  in  {ctx}", file=out)
    for a, raw, v, u, sent in false_alarms[:show]:
        print(f"spurious {a}: {raw!r} -> {v} {u}   [{sent}]", file=out)
    for k, a, raw, ctx, pv, gv in wrong[: show * 3]:
        print(f"wrong {k:12s} {a[:3]}: {raw} in {ctx}: got {pv!r}, gold {gv!r}", file=out)
    print(f"precision={precision:.3f} recall_core={recall:.3f} f1={f1:.3f} "
          f"predicted={pred_total} gold_core={core_total} attributes={attrs} "
          f"attributes_informative={attrs_nd}", file=out)
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "gold" / "seeds.claims.jsonl"))
    ap.add_argument("--articles-dir", default=str(ROOT / "seeds"))
    ap.add_argument("--corpus", help="JSONL(.gz) corpus whose record ids are named in the gold")
    ap.add_argument("--segment", default="index.articles.segment:parse_article", help="module:function")
    ap.add_argument("--quantities", default="index.claims.quantities:find_quantities", help="module:function")
    ap.add_argument("--show", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    score(args.gold, args.articles_dir, args.corpus, load(args.segment), load(args.quantities),
          args.show, args.json)


if __name__ == "__main__":
    main()
