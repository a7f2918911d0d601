"""Contract fuzzing: schemathesis drives gunicorn (production config) with requests generated from
openapi.yaml, valid and invalid, and runs every one of its checks on every response: no 5xx,
status codes, content types, headers and bodies as documented, valid input accepted, invalid
input refused, auth enforced. The server has its own data folder with the seeds, so the
generated POSTs and DELETEs touch nothing another test relies on."""
from __future__ import annotations

import collections
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from helpers import ROOT, TOKEN
from servers import Gunicorn, ingest_seeds

pytestmark = pytest.mark.server

# NEWSCLAIMS_FUZZ_EXAMPLES=2000 NEWSCLAIMS_FUZZ_SEED=random for a longer, exploratory run
EXAMPLES_PER_OPERATION = int(os.environ.get("NEWSCLAIMS_FUZZ_EXAMPLES", "150"))
DERANDOMIZE = os.environ.get("NEWSCLAIMS_FUZZ_SEED") != "random"
MIN_REQUESTS = 1000
SENT: collections.Counter = collections.Counter()     # requests per operation, over the module


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    ingest_seeds(data)
    server = Gunicorn(data, workers=2, env={"NEWSCLAIMS_WRITE_TIMEOUT": "10"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http_session():
    with requests.Session() as session:
        yield session


# the file gunicorn serves at /openapi.yaml; loaded here rather than through a fixture because
# schemathesis.pytest.from_fixture needs pytest < 9 (it sets request.node._nodeid)
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.config.checks.update(included_check_names=["all"])
# 422 is the documented answer to schema-valid text that holds no article once page furniture is
# removed ("0", "分享至"): a rule of the content no JSON Schema can state
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses, "422"]
# 414 is gunicorn refusing a request line over 8190 bytes (documented): a rejection like 400
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses, "414"]


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=DERANDOMIZE, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_response_keeps_the_contract(case, fuzz_server, http_session):
    SENT[case.operation.label] += 1
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = case.call(base_url=fuzz_server.base, session=http_session, headers=headers, timeout=30)
    # every check, positive data acceptance included: any q the contract allows ("*", "的", "\x00") is a 200
    case.validate_response(response, headers=headers,
                           transport_kwargs={"base_url": fuzz_server.base, "session": http_session})


def test_enough_requests_were_generated():
    """The fuzzing above really ran: at least 1,000 requests across every operation."""
    print(f"schemathesis: {sum(SENT.values())} requests", dict(SENT))
    assert sum(SENT.values()) >= MIN_REQUESTS, SENT
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert set(SENT) == operations, SENT
