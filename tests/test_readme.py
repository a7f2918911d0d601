"""The README's configuration table and data/README.md say what the code does."""
from __future__ import annotations

import re

from helpers import ROOT
from index.cli.commands import DEFAULT_DATA_DIR
from service.config import Defaults

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_defaults() -> dict[str, str]:
    rows = re.findall(r"^\| `(NEWSCLAIMS_\w+)` \| ([^|]+) \|", README, flags=re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_every_setting_of_the_app_is_in_the_table_with_its_default():
    documented = readme_defaults()
    for name, value in vars(Defaults).items():
        if name.startswith("_"):
            continue
        key = f"NEWSCLAIMS_{name}"
        assert key in documented, f"{key} is missing from the README's configuration table"
        shown = documented[key]
        if value is None:
            assert shown == "unset", key
        elif value == "":
            assert shown == "empty", key
        elif name == "DATA_DIR":
            assert value.endswith(shown) and str(DEFAULT_DATA_DIR).endswith(shown), key
        else:
            assert float(shown) == float(value) if isinstance(value, (int, float)) else shown == value, key


def test_every_variable_the_code_reads_is_documented():
    read = set()
    for folder in ("index", "service"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"NEWSCLAIMS_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    read |= {f"NEWSCLAIMS_{name}" for name in vars(Defaults) if not name.startswith("_")}
    assert read <= set(readme_defaults()), sorted(read - set(readme_defaults()))


def test_gunicorn_defaults_match_the_table():
    conf = (ROOT / "service" / "gunicorn_conf.py").read_text(encoding="utf-8")
    documented = readme_defaults()
    for name in ("NEWSCLAIMS_WORKERS", "NEWSCLAIMS_THREADS"):
        default = re.search(rf'"{name}", "(\d+)"', conf).group(1)
        assert documented[name] == default, name


def test_every_data_file_is_documented():
    listed = (ROOT / "index" / "data" / "README.md").read_text(encoding="utf-8")
    for path in (ROOT / "index" / "data").iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in listed, f"index/data/README.md does not describe {path.name}"
