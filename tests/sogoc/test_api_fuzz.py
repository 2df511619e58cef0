"""The whole app's OpenAPI schema, fuzzed in process by schemathesis: no 5xx, and every answer as
documented (status, content type, headers, body schema; errors as ``{"code", "detail"}``).

Generic: every operation the app publishes in /openapi.json is fuzzed, so an endpoint added later
is covered without touching this file. An endpoint that needs credentials gets them from the
:func:`api_headers` fixture (the hook for the institutions' API keys). The app runs on a real
anvil with the contract deployed, over a real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
# Not checked: that every schema-valid request is accepted. A schema cannot say "a PDF signed by a
# trusted school" or "an id that exists"; those refusals are documented 4xx with their codes.
from schemathesis.checks import positive_data_acceptance

from chain_helpers import registry_on_anvil
from core.config import Settings
from registry import auth, service
from registry.audit import Acting
from registry.db import make_engine, make_sessionmaker
from sogoc.app import create_app

#: Requests per database, shared by the operations (at least MIN_EXAMPLES each): the test stays
#: bounded as endpoints are added (3 operations: about 30 s for both databases, anvil included).
BUDGET = 600
MIN_EXAMPLES = 30


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with registry_on_anvil(tmp_path_factory.mktemp("fuzz-chain"), "BGDDT", "SGD-79", ["THPT-A"]) as ledger:
        yield ledger


@pytest.fixture
def app(chain, database_url, tmp_path):
    settings = Settings.load(environ={}, data_dir=tmp_path, database_url=database_url,
                             rpc_url=chain.reader.w3.provider.endpoint_uri, contract_address=chain.reader.address,
                             rate_limit_lookups=0, rate_limit_uploads=0,
                             rate_limit_disclosure=0)  # budgets off: fuzzing is one client
    return create_app(settings)


@pytest.fixture
def api_headers(app, chain, database_url) -> dict[str, str]:
    """Headers every fuzzed request carries: a school's API key, so the institutions' endpoints
    are fuzzed past authentication (its own documents, other ids, malformed bodies)."""
    with make_sessionmaker(make_engine(database_url))() as s:
        for code, kind, parent in (("BGDDT", "ministry", None), ("SGD-79", "authority", "BGDDT"),
                                   ("THPT-A", "issuer", "SGD-79")):
            service.register_institution(s, code=code, name=code, kind=kind, parent_code=parent,
                                         chain_address=chain.keyring[code].address)
        token = auth.create_key(s, "THPT-A", Acting.cli()).token
    return {"Authorization": f"Bearer {token}"}


def test_every_operation_answers_as_documented_and_never_fails(app, api_headers):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3  # the registry's evidence, the verifier's look-up and upload
    examples = max(MIN_EXAMPLES, BUDGET // len(operations))
    for operation in operations:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),  # well-formed requests
                          operation.as_strategy(GenerationMode.NEGATIVE))  # and malformed ones

        @given(case=cases)
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,  # the same cases each run
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers=api_headers, excluded_checks=[positive_data_acceptance])

        try:
            fuzz()
        except Exception as e:  # noqa: BLE001 - every operation is fuzzed, then all failures reported
            failures[operation.label] = str(e)
    assert failures == {}
