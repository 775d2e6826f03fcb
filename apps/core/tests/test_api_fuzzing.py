"""The API answers what its OpenAPI document says: schemathesis generates requests for every
operation from the document (valid ones, and invalid ones where there are inputs to spoil),
anonymous and with a token, and each answer must be no server error, with a documented status
code, content type, headers and body.

The app runs in-process (WSGI) on the test database. Path parameters are generated, and also
taken from objects that exist, so that detail routes answer more than 404. A bounded,
derandomized number of examples per operation keeps the run short and the same everywhere.
"""

import json

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from cos_project.wsgi import application

EXAMPLES_PER_OPERATION = 5  # per generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NOT_FUZZED = {
    # The probe module's test fixtures, not an API:
    "GET /api/probe/items/boom/": "fails on purpose (the JSON 500 shape is tested with it)",
    "GET /api/probe/items/wait/": "sleeps up to 5 s on purpose (load tests)",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_on_the_test_transaction():
    """The WSGI app, keeping the test's database connection (and so its transaction) between
    requests, as Django's test client does: Django closes it after each request otherwise."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(app_on_the_test_transaction, highway, token):
    """The document as the app serves it at /api/schema/ (to a signed-in agent), operations to
    fuzz only."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        app_on_the_test_transaction,
        headers={"Authorization": f"Token {token}"},
    )
    return schema.exclude(name=list(NOT_FUZZED))


@pytest.fixture
def token():
    return Token.objects.create(user=User.objects.create_superuser("fuzzer")).key


@pytest.fixture
def existing(app_on_the_test_transaction, token):
    """Path parameter values of objects that exist, by the path they are used under: made
    through the API itself (core imports no module)."""
    api = Client(app_on_the_test_transaction)
    headers = {"Authorization": f"Token {token}"}

    def created(path, body):
        response = api.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        return json.loads(response.text)

    note = created("/api/cc/notes/", {"key": "fuzz", "content": "A note to fuzz."})
    log = created("/api/cc/logs/", {"message": "Fuzzed", "event_type": "fuzz.recorded"})
    trace = created("/api/cc/prompt-traces/", {"prompt_text": "Fuzz me"})
    item = created("/api/probe/items/", {"title": "Fuzzed", "quantity": 1})
    zk_note = created("/api/zk/notes/", {"title": "Fuzzed", "body": "A *note* to fuzz."})
    zk_other = created("/api/zk/notes/", {"title": "Linked", "body": "Another."})
    zk_link = created(
        f"/api/zk/notes/{zk_note['id']}/links/", {"to": zk_other["id"], "type": "RELATES_TO"}
    )
    prd = created("/api/canon/prds/", {"prd_key": "fuzz", "title": "Fuzzed"})
    canon_trace = created("/api/canon/traces/", {"prd_key": "fuzz", "trigger": "fuzz.recorded"})
    canon_link = created(
        "/api/canon/links/",
        {"source_node": "canon:prd:fuzz", "target_node": f"zk:note:{zk_note['id']}",
         "link_type": "DEPENDS_ON"},
    )  # fmt: skip
    canon_note = created("/api/canon/notes/", {"note_id": zk_note["id"]})
    cms_page = created("/api/cms/pages/", {"slug": "fuzz"})
    written = api.put(
        f"/api/cms/pages/{cms_page['id']}/translations/en/",
        json={"title": "Fuzzed"},
        headers=headers,
    )
    assert written.status_code == 200, written.text
    assert api.post(f"/api/cms/pages/{cms_page['id']}/publish/", headers=headers).status_code == 200
    modules = json.loads(api.get("/api/cc/modules/?name=probe", headers=headers).text)
    module = modules["results"][0]
    return {
        "/api/cc/notes/key/{key}/": {"key": note["key"]},
        "/api/cc/notes/{id}/": {"id": note["id"]},
        "/api/cc/logs/{id}/": {"id": log["id"]},
        "/api/cc/prompt-traces/{id}/": {"id": trace["id"]},
        "/api/cc/modules/{id}/": {"id": module["id"]},
        "/api/core/modules/{code}/": {"code": "probe"},
        "/api/probe/items/{id}/": {"id": item["id"]},
        "/api/zk/notes/{id}/": {"id": zk_note["id"]},
        "/api/zk/links/{id}/": {"id": zk_link["id"]},
        "/api/canon/prds/{prd_key}/": {"prd_key": prd["prd_key"]},
        "/api/canon/traces/{id}/": {"id": canon_trace["id"]},
        "/api/canon/links/{id}/": {"id": canon_link["id"]},
        "/api/canon/notes/{id}/": {"id": canon_note["id"]},
        "/api/cms/pages/{id}/translations/{language}/": {"id": cms_page["id"], "language": "fr"},
        "/api/cms/pages/{id}/": {"id": cms_page["id"]},
        "/api/cms/public/pages/{slug}/": {"slug": "fuzz"},
    }


def cases(operation, mode, existing):
    generated = operation.as_strategy(generation_mode=mode)
    known = next((v for path, v in existing.items() if operation.path.startswith(path)), None)
    if known is None or mode is GenerationMode.NEGATIVE:
        return generated
    return st.one_of(operation.as_strategy(generation_mode=mode, path_parameters=known), generated)


def modes(operation):
    """Invalid requests need inputs to spoil: a body or query parameters (an invalid path
    parameter is only a 404, which valid ones find too)."""
    if operation.body or operation.query:
        return (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    return (GenerationMode.POSITIVE,)


def failure_of(strategy, headers):
    """What went wrong with the examples `strategy` gives (shrunk to the simplest), or None."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # the same examples on every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def exchange(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        exchange()
    except (Exception, BaseExceptionGroup) as exc:  # all failures, reported together below
        return exc
    return None


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_every_operation_answers_as_documented(api_schema, existing, token, signed_in):
    headers = {"Authorization": f"Token {token}"} if signed_in else {}
    failures = {}
    fuzzed = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        fuzzed += 1
        for mode in modes(operation):
            failure = failure_of(cases(operation, mode, existing), headers)
            if failure is not None:
                failures[f"{operation.label} ({mode})"] = failure
    assert fuzzed > 30  # the whole document, not a few operations
    report = "\n\n".join(f"== {label}\n{failure}" for label, failure in failures.items())
    assert not failures, report
