"""openapi.yaml is a valid OpenAPI 3.1 document and documents every route the app serves."""
from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from helpers import ROOT


def test_openapi_document_is_valid():
    spec, _ = read_from_filename(str(ROOT / "openapi.yaml"))
    validate(spec)


def test_every_route_is_documented(seeded_app, spec_paths):
    for rule in seeded_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{article_id}", "{id}").replace("{project_id}", "{id}")
        assert path in spec_paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec_paths[path], (method, path)
