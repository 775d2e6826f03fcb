"""The OpenAPI document is valid and complete: generated without a warning, accepted by
openapi-spec-validator, one component name per module's serializer, every operation's errors
in the one error shape. (test_api_fuzzing.py checks that the API answers what it says.)"""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from openapi_spec_validator import validate

from apps.core.rest.schema import ModuleAutoSchema

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    """The document as `manage.py spectacular --validate --fail-on-warn` writes it: generating
    it fails on any warning or error of drf-spectacular (shown in the captured stderr)."""
    target = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    GENERATOR_STATS.reset()  # warnings of earlier generations in this process are not ours
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def operation(document, method, path):
    return document["paths"][path][method]


def test_the_document_passes_the_openapi_validator(document):
    validate(document)  # raises with the first violation


def test_the_test_modules_are_in_the_document(document):
    assert "/api/probe/items/{id}/notes/" in document["paths"]
    assert "/api/cc/notes/" in document["paths"]


def test_components_are_named_after_their_module(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["CcNote"]["properties"]) >= {"key", "content", "expires_at"}
    assert set(schemas["ProbeNote"]["properties"]) == {"id", "text"}
    assert "Note" not in schemas and "CoreModuleDefinition" in schemas
    notes = operation(document, "get", "/api/probe/items/{id}/notes/")
    assert notes["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ProbeNote"},
    }


def test_without_module_names_cc_and_probe_notes_would_collide(monkeypatch, capsys):
    """What the test above guards against: the probe module's NoteSerializer is named like
    cc's, and drf-spectacular's own naming makes one component of the two."""
    monkeypatch.setattr(ModuleAutoSchema, "get_serializer_name", AutoSchema.get_serializer_name)
    GENERATOR_STATS.reset()  # it prints each message once per process
    SchemaGenerator().get_schema(request=None, public=True)
    GENERATOR_STATS.reset()
    assert 'identical names "Note"' in capsys.readouterr().err


def test_every_error_an_operation_documents_has_the_one_error_shape(document):
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            for status, response in spec["responses"].items():
                if int(status) < 400:
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert schema == ERROR or ERROR in schema.get("anyOf", []), (method, path, status)


def statuses(document, method, path):
    return set(operation(document, method, path)["responses"])


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        # a body: 400 and 413; a signed-in user with the module's permission: 401 and 403;
        # 409 where the view says so; a bad token past the limit: 429; 503 everywhere
        ("post", "/api/cc/modules/", {"201", "400", "401", "403", "409", "413", "429", "503"}),
        ("post", "/api/cc/modules/{id}/disable/",
         {"200", "400", "401", "403", "404", "409", "413", "429", "503"}),
        ("get", "/api/cc/modules/{id}/history/", {"200", "401", "403", "404", "429", "503"}),
        ("delete", "/api/cc/notes/{id}/", {"204", "401", "403", "404", "429", "503"}),
        # filters: 400; an invalid cursor: 404
        ("get", "/api/cc/logs/", {"200", "400", "401", "403", "404", "429", "503"}),
        # the module's view permission (cc cannot be disabled)
        ("get", "/api/cc/health/", {"200", "401", "403", "429", "503"}),
        # public but probe can be disabled: 403 module_disabled
        ("get", "/api/probe/items/public/", {"200", "401", "403", "429", "503"}),
        # operations access
        ("post", "/api/cc/ping/", {"200", "400", "401", "403", "413", "429", "503"}),
    ],
)  # fmt: skip
def test_each_operation_documents_the_errors_it_can_answer(document, method, path, expected):
    assert statuses(document, method, path) == expected


def test_a_health_check_documents_its_own_503_besides_the_error_shape(document):
    down = operation(document, "get", "/api/cc/health/")["responses"]["503"]
    assert down["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/CorePartHealth"},
        ERROR,
    ]
    assert "Retry-After" in down["headers"]


def test_lists_are_documented_as_they_are_answered(document):
    def body(method, path):
        return operation(document, method, path)["responses"]["200"]["content"]["application/json"][
            "schema"
        ]

    assert body("get", "/api/cc/notes/") == {"$ref": "#/components/schemas/CcNotePage"}
    page = document["components"]["schemas"]["CcNotePage"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/CcNote"}
    assert body("get", "/api/cc/modules/{id}/history/") == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/CcModuleStateChange"},
    }
    assert body("get", "/api/cc/logs/") == {"$ref": "#/components/schemas/PaginatedCcLogList"}


def test_an_empty_key_prefix_is_allowed_as_the_default_says(document):
    parameters = operation(document, "get", "/api/cc/notes/")["parameters"]
    key_prefix = next(p for p in parameters if p["name"] == "key_prefix")["schema"]
    assert key_prefix["default"] == "" and "minLength" not in key_prefix


def test_fields_of_a_log_without_event_are_nullable(document):
    log = document["components"]["schemas"]["CcLog"]["properties"]
    assert all(log[name]["nullable"] for name in ("event_type", "request_id", "trace_id"))
    trace = document["components"]["schemas"]["CcPromptTrace"]["properties"]
    assert all(trace[name]["nullable"] for name in ("event_type", "request_id"))
