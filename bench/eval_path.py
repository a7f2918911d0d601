"""Imported first by the offline scorers: puts the project and the shared scorers
(`../shared/eval`, whose matching rules they reuse) on sys.path."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
if not EVAL.is_dir():
    EVAL = Path("/work/shared/eval")
for folder in (EVAL, ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
