"""What tests share besides fixtures: paths, the token, the contract-checking client, app factories."""
from __future__ import annotations

import re
from pathlib import Path

from werkzeug.test import EnvironBuilder
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from service import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}



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
