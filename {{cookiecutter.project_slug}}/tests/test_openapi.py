"""The API's contract: ``/openapi.json`` is true to the app, and the app to it.

Schemathesis reads the app's own document and sends what it allows and what it forbids: it
checks every answer (no server error, a documented status, content type, headers and body) and
follows the links from a created resource to reading it. On CI (``CI`` is set) the examples are
the same on every run.
"""

import logging
import os
import re
from typing import Annotated

import pytest
import schemathesis
{%- if cookiecutter.use_database %}
import sqlalchemy as sa
{%- endif %}
from flask import Flask
from hypothesis import HealthCheck, given, settings
{%- if cookiecutter.use_database %}
from hypothesis.stateful import run_state_machine_as_test
{%- endif %}
from openapi_spec_validator import validate
from pydantic import BaseModel, Field, field_validator

from {{ cookiecutter.project_slug }} import create_app{% if cookiecutter.use_database %}, schemas{% endif %}
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model
{%- endif %}
from {{ cookiecutter.project_slug }}.openapi import body, is_documentation, operation
{%- if cookiecutter.use_database %}

from conftest import empty_the_tables
{%- endif %}

PROBLEM = "application/problem+json"
DERANDOMIZE = bool(os.environ.get("CI"))
EXAMPLES = 25
VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # <int(max=9):item_id> is {item_id}


@pytest.fixture
def service(tmp_path):
    """The app as it is served: its own routes only, none of the test suite's."""
    return create_app({"TESTING": True, "LOG_FILE": str(tmp_path / "app.log")})


@pytest.fixture
def document(service):
    return service.test_client().get("/openapi.json").get_json()


def routes(app: Flask) -> set[tuple[str, str]]:
    """The (path, method) pairs the app serves, in the document's notation, but the automatic
    HEAD and OPTIONS and the documentation's own routes."""
    return {
        (VARIABLE.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if not is_documentation(rule.endpoint)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_document_lists_exactly_the_apps_routes(service, document):
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    missing = sorted(routes(service) - documented)
    assert not missing, f"describe these routes: add @operation(...) to their views: {missing}"
    assert documented == routes(service)


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_every_operation_documents_the_server_error_and_the_request_id(document):
    for item in document["paths"].values():
        for described in item.values():
            assert "500" in described["responses"]
            assert {"$ref": "#/components/parameters/RequestId"} in described["parameters"]
            for response in described["responses"].values():
                assert "X-Request-ID" in response["headers"]


def test_path_parameters_are_documented_with_their_converters_types(service):
    @operation("A reading", media_type="text/plain", errors=(503,))
    def reading(sensor: str, day: int, offset: int, value: float, unit: str) -> str:
        return "ok"

    variables = (
        "<uuid:sensor>/<int(min=1, max=31):day>/<int(signed=True):offset>/<float:value>/<unit>"
    )
    service.add_url_rule(f"/readings/{variables}", view_func=reading)
    paths = service.test_client().get("/openapi.json").get_json()["paths"]
    described = paths["/readings/{sensor}/{day}/{offset}/{value}/{unit}"]["get"]
    parameters = [
        parameter for parameter in described["parameters"] if parameter.get("in") == "path"
    ]
    assert {parameter["name"]: parameter["schema"] for parameter in parameters} == {
        "sensor": {"type": "string", "format": "uuid"},
        "day": {"type": "integer", "minimum": 1, "maximum": 31},
        "offset": {"type": "integer"},
        "value": {"type": "number"},
        "unit": {"type": "string"},
    }
    # A success without a model is described by its media type; a 503 tells when to come back.
    assert described["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    assert described["responses"]["503"]["headers"]["Retry-After"]["required"] is True


def test_a_body_brings_its_errors_into_the_document(document):
    create = document["paths"]["/api/items"]["post"]
    assert {"201", "400", "413", "415", "422", "500"} <= create["responses"].keys()
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemIn"
    }
{%- if cookiecutter.use_database %}
    assert {"409", "503"} <= create["responses"].keys()
    assert "Location" in create["responses"]["201"]["headers"]
    assert "Retry-After" in create["responses"]["503"]["headers"]
{%- endif %}
{%- if cookiecutter.error_format != "html" %}


def test_api_errors_are_problems_of_one_shared_schema(document):
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "request_id"}
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for described in item.values():
            for status, response in described["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
{%- endif %}

{%- if cookiecutter.error_format != "json" %}


def test_the_docs_page_loads_swagger_ui_from_the_app_itself(service):
    client = service.test_client()
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert 'data-url="/openapi.json"' in response.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert len(assets) == 3
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_index_page_links_the_document_and_the_docs(service):
    page = service.test_client().get("/", headers={"Accept": "text/html"}).text
    assert 'href="/openapi.json"' in page and 'href="/docs"' in page
{%- endif %}


class Order(BaseModel):
    name: str
    tags: list[Annotated[str, Field(max_length=3)]]

    @field_validator("name")
    @classmethod
    def no_bugs(cls, name: str) -> str:
        if name == "bug":
            raise RuntimeError("a bug in a validator")
        return name


@operation("Place an order")
@body(Order)
def place(order: Order) -> dict[str, object]:
    return order.model_dump()


@pytest.fixture
def client(make_app):
    app = make_app()
    app.add_url_rule("/api/orders", view_func=place, methods=["POST"])
    return app.test_client()


def test_each_invalid_field_is_one_error_with_its_pointer(client):
    response = client.post("/api/orders", json={"tags": ["ok", "ok", "long", {}]})
    assert response.status_code == 422
    assert "#/name" in response.text
    assert "#/tags/2" in response.text
    assert "#/tags/3" in response.text
{%- if cookiecutter.error_format != "html" %}
    pointers = [error["pointer"] for error in response.json["errors"]]
    assert pointers == ["#/name", "#/tags/2", "#/tags/3"]
{%- endif %}


def test_a_valid_body_reaches_the_view_as_its_model(client):
    response = client.post("/api/orders", json={"name": "tea", "tags": ["hot"]})
    assert response.json == {"name": "tea", "tags": ["hot"]}


def test_json_types_are_not_coerced(client):
    assert client.post("/api/orders", json={"name": 1, "tags": []}).status_code == 422


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [("{", "application/json", 400), ('{"name": "tea"}', "text/plain", 415)],
)
def test_malformed_json_and_another_content_type_keep_their_statuses(
    client, data, content_type, status
):
    assert client.post("/api/orders", data=data, content_type=content_type).status_code == status


def test_a_body_over_the_limit_is_a_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=10)
    app.add_url_rule("/api/orders", view_func=place, methods=["POST"])
    response = app.test_client().post("/api/orders", json={"name": "tea", "tags": []})
    assert response.status_code == 413


def test_a_bug_in_a_validator_is_a_500_reported_once(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.post("/api/orders", json={"name": "bug", "tags": []})
    assert response.status_code == 500
    assert len([record for record in caplog.records if record.levelno >= logging.ERROR]) == 1
{%- if cookiecutter.use_database %}


@pytest.mark.parametrize(
    "mapper", Model.registry.mappers, ids=lambda mapper: mapper.class_.__name__
)
def test_input_schemas_refuse_what_the_columns_would(mapper):
    """``<Model>In`` in ``schemas.py`` requires each column the database requires, and allows no
    string longer than its column nor one with a NUL: the database never sees a value it would
    refuse."""
    model = mapper.class_
    declared = getattr(schemas, f"{model.__name__}In", None)
    assert declared is not None, f"declare {model.__name__}In in schemas.py"
    schema = declared.model_json_schema()
    for column in mapper.columns:
        if column.primary_key or column.name not in schema["properties"]:
            continue
        field = schema["properties"][column.name]
        length = getattr(column.type, "length", None)
        if length is not None:
            assert field.get("maxLength", length + 1) <= length, f"{column.name}: maxLength"
        if isinstance(column.type, sa.String):
            # PostgreSQL refuses a NUL in text: a 500 unless the schema refuses it first.
            pattern = field.get("pattern", "")
            assert not re.search(pattern, "a\x00b"), f"{column.name}: pattern=PRINTABLE"
        if not column.nullable and column.default is None and column.server_default is None:
            assert column.name in schema.get("required", []), f"{column.name}: required"
{%- endif %}


@pytest.fixture
def api(service):
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", service)
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=DERANDOMIZE)
    return loaded


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_the_api_answers_as_its_document_says(api, mode):
    """Requests the document allows (positive) and forbids (negative), to every operation."""

    @given(case=api.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate()

    check()
{%- if cookiecutter.use_database %}


def test_created_resources_can_be_read_through_their_links(api, service):
    """Sequences of calls that follow the document's links: POST an item, then GET its URL."""

    class Workflow(api.as_state_machine()):
        def setup(self):
            # Each sequence starts from an empty database, so that a replay sees what the
            # first run saw.
            empty_the_tables(service)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=5,
            deadline=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        ),
    )
{%- endif %}
