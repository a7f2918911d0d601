"""Fixtures: a real data folder (SQLite + Whoosh) in tmp, the seeds loaded, the Flask app's
test client, and a client wrapper that validates every response against openapi.yaml.
Plain helpers live in tests/helpers.py."""
from __future__ import annotations

import json

import pytest
import yaml
from openapi_core import Config, OpenAPI

from helpers import AUTH, ROOT, SEEDS, ContractClient, make_app

pytest_plugins = ["pg_fixtures"]        # a throwaway PostgreSQL; `backend`: a test on both databases


@pytest.fixture(scope="session")
def contract():
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads,
                                                    "application/yaml": yaml.safe_load,
                                                    "application/ld+json": json.loads,
                                                    "application/x-ndjson": bytes.decode,
                                                    "text/csv": bytes.decode,
                                                    "application/openmetrics-text": bytes.decode})
    return OpenAPI.from_file_path(str(ROOT / "openapi.yaml"), config=config)


@pytest.fixture(scope="session")
def spec_paths():
    return yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))["paths"]


@pytest.fixture(scope="session")
def seeded_app(tmp_path_factory):
    """An app whose data folder holds the five seeds, posted through the API once per session."""
    app = make_app(tmp_path_factory.mktemp("seeded"))
    client = app.test_client()
    for path in sorted(SEEDS.glob("*.txt")):
        response = client.post("/articles", json={"id": path.stem, "text": path.read_text(encoding="utf-8")},
                               headers=AUTH)
        assert response.status_code in (200, 201), response.get_json()
    return app


@pytest.fixture
def client(seeded_app, contract, spec_paths):
    """Read-mostly client over the seeded app: tests must not change the seeds."""
    return ContractClient(seeded_app.test_client(), contract, spec_paths)


@pytest.fixture
def fresh_client(tmp_path, contract, spec_paths):
    """A client over an empty data folder of its own, for tests that write."""
    return ContractClient(make_app(tmp_path / "data").test_client(), contract, spec_paths)
