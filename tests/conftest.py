"""Fixtures: a real data folder (SQLite + Whoosh) in tmp, the seeds loaded, the Flask app's
test client, and a client wrapper that validates every response against openapi.yaml."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from werkzeug.test import EnvironBuilder

from service import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


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


class ContractClient:
    """The Flask test client; every response to a documented operation must conform to the contract."""

    def __init__(self, client, contract, spec_paths):
        self.client, self.contract, self.spec_paths = client, contract, spec_paths

    def _documented(self, path: str, method: str) -> bool:
        for template, operations in self.spec_paths.items():
            pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path) and method.lower() in operations:
                return True
        return False

    def open(self, method, path, **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        # the app consumed the body stream: validate against a fresh copy of the same request
        seen_path = response.request.path             # after werkzeug's normalisation
        request = EnvironBuilder(path=seen_path, method=method, **kwargs).get_request()
        if self._documented(request.path, method):
            self.contract.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", response.data[:200]
            body = response.get_json()
            assert body["status"] == response.status_code and body["title"] and body["detail"]
            assert "Traceback" not in response.get_data(as_text=True)
        return response

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)


def break_index(folder):
    """Overwrite every segment file (compound .seg or separate .trm/.pst/.col) with garbage."""
    broken = 0
    for path in folder.iterdir():
        if path.name.startswith("MAIN_") and path.name != "MAIN_WRITELOCK":
            path.write_bytes(b"garbage" * 100)
            broken += 1
    assert broken


def make_app(data_dir, **config):
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir), "API_TOKEN": TOKEN, **config})


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
