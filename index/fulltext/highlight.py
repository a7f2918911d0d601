"""Highlights: the passage text HTML-escaped, with <mark>…</mark> around the query's words."""
from __future__ import annotations

import html


def spans_of(marks, occurrences, docnum) -> list[tuple[int, int]]:
    """The character spans of `marks` (term sequences) in document `docnum`, from `occurrences`:
    {term: {docnum: [(position, start, end)]}} (ranking.occurrences of each term)."""
    spans = []
    for seq in marks:
        first = occurrences[seq[0]].get(docnum, ())
        if len(seq) == 1:
            spans.extend((s, e) for _, s, e in first)
            continue
        later = [{p: (s, e) for p, s, e in occurrences[t].get(docnum, ())} for t in seq[1:]]
        for pos, start, end in first:
            for offset, positions in enumerate(later, 1):
                if pos + offset not in positions:
                    break
                end = positions[pos + offset][1]
            else:
                spans.append((start, end))
    return spans


def highlight_html(text: str, spans) -> str:
    """HTML-escape `text`, wrapping each (merged) character span in <mark>…</mark>."""
    out, last = [], 0
    for start, end in _merge(spans):
        if start < last or end > len(text):
            continue
        out.append(html.escape(text[last:start], quote=False))
        out.append("<mark>" + html.escape(text[start:end], quote=False) + "</mark>")
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _merge(spans):
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
