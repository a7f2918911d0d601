"""Load the data files of index/data once; errors name the file and the entry."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from index.errors import LexiconError

DATA = Path(__file__).with_name("data")


def data_path(name: str) -> Path:
    return DATA / name


@functools.cache
def load_json(name: str):
    """Parse index/data/<name> as JSON."""
    path = data_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise LexiconError(f"{name}: missing") from err
    except json.JSONDecodeError as err:
        raise LexiconError(f"{name}: line {err.lineno}: {err.msg}") from err


@functools.cache
def load_lines(name: str) -> tuple[str, ...]:
    """The non-blank, non-comment (#) lines of index/data/<name>."""
    path = data_path(name)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as err:
        raise LexiconError(f"{name}: missing") from err
    return tuple(s for line in lines if (s := line.strip()) and not s.startswith("#"))


def word_frequencies() -> dict[str, int]:
    """jieba's dictionary: word -> frequency (0 for a prefix that is no word). Loaded on first use
    (~0.5 s, ~85 MB); the segmenter for speakers' and works' names loads it anyway."""
    import jieba  # noqa: PLC0415 - only the extraction and the registry need it

    jieba.initialize()
    return jieba.dt.FREQ
