"""The dependency rule written in index/__init__.py, checked on every import statement."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"models", "errors", "lexicon", "locking", "forking", "text"}
STAGES = {"articles", "claims", "store", "fulltext"}
FACADE = {"library", "ingest", "exports"}
ALLOWED = {
    **{stage: SHARED for stage in STAGES},
    **{shared: SHARED for shared in SHARED},
    **{facade: SHARED | STAGES | FACADE for facade in FACADE},
    "cli": FACADE | {"errors", "models"},
    "service": FACADE | {"errors", "models"},
}


def unit_of(module: str) -> str | None:
    """The layer a dotted module belongs to: a stage, a top-level module, `cli` or `service`."""
    parts = module.split(".")
    if parts[0] == "service":
        return "service"
    if parts[0] != "index" or len(parts) == 1:
        return None
    return parts[1]


def imported_units(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (unit_of(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "index":          # from index import lexicon
                yield from (unit_of(f"index.{alias.name}") for alias in node.names)
            else:
                yield unit_of(node.module)


def sources():
    for folder in ("index", "service"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            unit = "service" if parts[0] == "service" else parts[1] if len(parts) > 1 else None
            if unit not in (None, "__init__"):
                yield pytest.param(path, unit, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path, unit", list(sources()))
def test_imports_follow_the_dependency_rule(path, unit):
    allowed = ALLOWED[unit] | {unit, None}
    wrong = sorted({u for u in imported_units(path) if u not in allowed})
    assert not wrong, f"{path.relative_to(ROOT)} ({unit}) imports {wrong}; see index/__init__.py"


def test_every_layer_has_a_rule():
    layers = {p.name.removesuffix(".py") for p in (ROOT / "index").iterdir()
              if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert layers <= set(ALLOWED), sorted(layers - set(ALLOWED))


def test_nothing_below_the_api_imports_flask():
    for path in (ROOT / "index").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import flask" not in text and "from flask" not in text, path
