"""The API's contract: ``/openapi.json`` is true to the app, and the app to it.

Schemathesis reads the app's own document and sends what it allows and what it forbids: it
checks every answer (no server error, a documented status, content type, headers and body) and
follows the links from a created resource to reading it. On CI (``CI`` is set) the examples are
the same on every run.
"""

import logging
import os
import re
{%- if cookiecutter.use_database %}
from datetime import date, datetime
from decimal import Decimal
{%- endif %}
from typing import Annotated

{% if cookiecutter.use_database -%}
import pydantic
{% endif -%}
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
{%- if cookiecutter.use_database %}
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance
{%- endif %}

from {{ cookiecutter.project_slug }} import create_app{% if cookiecutter.use_database %}, schemas{% endif %}
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model, alembic, integer_range
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


def test_the_document_is_never_sniffed(service):
    response = service.test_client().get("/openapi.json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


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


def test_a_body_whose_columns_refer_to_no_other_table_is_not_marked(service):
    # Item's columns refer to no other table, and the tests' Order is no <Model>In schema.
    service.add_url_rule("/api/test-only/orders", view_func=place, methods=["POST"])
    paths = service.test_client().get("/openapi.json").get_json()["paths"]
    assert "x-references" not in paths["/api/items"]["post"]
    assert "x-references" not in paths["/api/test-only/orders"]["post"]


def test_an_operation_whose_body_refers_to_stored_rows_is_marked(service):
    service.extensions["openapi.references"] = lambda model: ["tags"] if model is Order else []
    service.add_url_rule("/api/test-only/orders", view_func=place, methods=["POST"])
    paths = service.test_client().get("/openapi.json").get_json()["paths"]
    assert paths["/api/test-only/orders"]["post"]["x-references"] == ["#/tags"]
    assert "x-references" not in paths["/api/items"]["post"]


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
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "request_id"}
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for described in item.values():
            for status, response in described["responses"].items():
                if int(status) < 400:
                    continue
                assert list(response["content"]) == [PROBLEM]
                schema = response["content"][PROBLEM]["schema"]
                for variant in schema.get("oneOf", [schema]):
                    if "$ref" in variant:
                        variant = schemas[variant["$ref"].rpartition("/")[2]]
                    assert variant is problem or variant["allOf"] == [
                        {"$ref": "#/components/schemas/Problem"}
                    ]
{%- endif %}


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
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["X-Content-Type-Options"] == "nosniff", asset


@pytest.mark.parametrize(
    "path", ["index.html", "oauth2-redirect.html", "swagger-ui-bundle.js.map", "index.j2"]
)
def test_the_docs_serve_no_file_of_swagger_ui_that_the_page_does_not_load(service, path):
    # Swagger UI's stock index.html loads an example document from elsewhere, under no policy.
    assert service.test_client().get(f"/docs/assets/{path}").status_code == 404


def test_the_docs_page_is_never_sniffed(service):
    response = service.test_client().get("/docs")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
{%- if cookiecutter.error_format != "json" %}


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
    app.add_url_rule("/api/test-only/orders", view_func=place, methods=["POST"])
    return app.test_client()


def test_each_invalid_field_is_one_error_with_its_pointer(client):
    response = client.post("/api/test-only/orders", json={"tags": ["ok", "ok", "long", {}]})
    assert response.status_code == 422
    assert "#/name" in response.text
    assert "#/tags/2" in response.text
    assert "#/tags/3" in response.text
{%- if cookiecutter.error_format != "html" %}
    pointers = [error["pointer"] for error in response.json["errors"]]
    assert pointers == ["#/name", "#/tags/2", "#/tags/3"]
{%- endif %}


def test_a_valid_body_reaches_the_view_as_its_model(client):
    response = client.post("/api/test-only/orders", json={"name": "tea", "tags": ["hot"]})
    assert response.json == {"name": "tea", "tags": ["hot"]}


def test_json_types_are_not_coerced(client):
    assert client.post("/api/test-only/orders", json={"name": 1, "tags": []}).status_code == 422


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [("{", "application/json", 400), ('{"name": "tea"}', "text/plain", 415)],
)
def test_malformed_json_and_another_content_type_keep_their_statuses(
    client, data, content_type, status
):
    response = client.post("/api/test-only/orders", data=data, content_type=content_type)
    assert response.status_code == status


def test_a_body_over_the_limit_is_a_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=10)
    app.add_url_rule("/api/test-only/orders", view_func=place, methods=["POST"])
    response = app.test_client().post("/api/test-only/orders", json={"name": "tea", "tags": []})
    assert response.status_code == 413


def test_a_bug_in_a_validator_is_a_500_reported_once(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.post("/api/test-only/orders", json={"name": "bug", "tags": []})
    assert response.status_code == 500
    assert len([record for record in caplog.records if record.levelno >= logging.ERROR]) == 1
{%- if cookiecutter.use_database %}


def column_problems(column, declared):
    """What ``declared`` (a ``<Model>In``) would let through that ``column`` refuses: a value
    too long or too big for it, of another type, null where it is NOT NULL, or left out where it
    is required. The document's schema is what is checked, as a client reads it; an optional
    field's is pydantic's ``anyOf`` of the value and null."""
    schema = declared.model_json_schema()
    name = column.key
    field = schema["properties"][name]
    alternatives = [
        schema["$defs"][a["$ref"].rpartition("/")[2]] if "$ref" in a else a
        for a in field.get("anyOf", [field])
    ]
    values = [a for a in alternatives if a.get("type") != "null"]
    problems = []
    if not column.nullable and len(values) < len(alternatives):
        problems.append(f"{name}: allows null, which the column refuses")
    has_default = column.default is not None or column.server_default is not None
    if not column.nullable and not has_default and name not in schema.get("required", []):
        problems.append(f"{name}: required")
    metadata = declared.model_fields[name].metadata
    for value in values:
        kind = value.get("type")
        length = getattr(column.type, "length", None)
        span = integer_range(column)
        limits = (span[0], span[-1]) if span is not None else None
        if isinstance(column.type, sa.Enum):  # before String, which Enum is a kind of
            if not set(value.get("enum", [None])) <= set(column.type.enums):
                problems.append(f"{name}: one of {sorted(column.type.enums)}")
        elif isinstance(column.type, sa.String):
            if kind != "string":
                problems.append(f"{name}: a string")
            if length is not None and value.get("maxLength", length + 1) > length:
                problems.append(f"{name}: maxLength={length} at most")
            # PostgreSQL refuses a NUL in text: a 500 unless the schema refuses it first.
            if re.search(value.get("pattern", ""), "a\x00b"):
                problems.append(f"{name}: pattern=PRINTABLE")
        elif isinstance(column.type, sa.Boolean):
            if kind != "boolean":
                problems.append(f"{name}: a boolean")
        elif limits is not None:
            low, high = value.get("minimum"), value.get("maximum")
            if kind != "integer":
                problems.append(f"{name}: an integer")
            if low is None or high is None or low < limits[0] or high > limits[1]:
                problems.append(f"{name}: from {limits[0]} to {limits[1]} (Int16, Int32, Int64)")
        elif isinstance(column.type, sa.Numeric) and column.type.precision is not None:
            digits = [m.max_digits for m in metadata if getattr(m, "max_digits", None) is not None]
            places = [
                m.decimal_places for m in metadata if getattr(m, "decimal_places", None) is not None
            ]
            scale = column.type.scale or 0
            if not digits or digits[0] > column.type.precision:
                problems.append(f"{name}: max_digits={column.type.precision} at most")
            if not places or places[0] > scale:
                problems.append(f"{name}: decimal_places={scale} at most")
        elif isinstance(column.type, sa.DateTime) and value.get("format") != "date-time":
            problems.append(f"{name}: a date-time")
        elif isinstance(column.type, sa.Date) and value.get("format") != "date":
            problems.append(f"{name}: a date")
    # A decimal's alternatives (a number, a string) share the field's limits: say each once.
    return list(dict.fromkeys(problems))


@pytest.mark.parametrize(
    "mapper", Model.registry.mappers, ids=lambda mapper: mapper.class_.__name__
)
def test_input_schemas_refuse_what_the_columns_would(mapper):
    """``<Model>In`` in ``schemas.py`` refuses every value its table would: the database never
    sees a value it would refuse, and the client gets a 422 pointing at the field."""
    model = mapper.class_
    declared = getattr(schemas, f"{model.__name__}In", None)
    assert declared is not None, f"declare {model.__name__}In in schemas.py"
    for column in mapper.columns:
        if column.primary_key or column.key not in declared.model_fields:
            continue
        assert not column_problems(column, declared)


@pytest.mark.parametrize("value", ["5.5", "32768", "1e300", '"5"', "true"])
def test_an_integer_field_refuses_a_fraction_another_type_and_a_value_past_its_width(value):
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(schemas.Int16).validate_json(value, strict=True)


def test_an_integer_field_takes_a_whole_json_number_as_an_integer():
    assert pydantic.TypeAdapter(schemas.Int16).validate_json("5.0", strict=True) == 5


def test_the_column_check_finds_each_value_a_column_would_refuse():
    """The check above, on a table of each column type and a schema that gets each one wrong."""
    columns = {
        "label": sa.Column("label", sa.String(10), nullable=False),
        "count": sa.Column("count", sa.SmallInteger),
        "total": sa.Column("total", sa.Integer),
        "price": sa.Column("price", sa.Numeric(6, 2)),
        "units": sa.Column("units", sa.Numeric(6, 0)),
        "size": sa.Column("size", sa.Enum("small", "large")),
        "paid": sa.Column("paid", sa.Boolean),
        "day": sa.Column("day", sa.Date),
        "at": sa.Column("at", sa.DateTime),
    }
    sa.Table("everything", sa.MetaData(), *columns.values())

    class EverythingIn(BaseModel):
        label: str | None = Field(None, max_length=11)
        count: schemas.Int32
        total: int
        price: Decimal = Field(max_digits=8, decimal_places=3)
        units: Decimal = Field(max_digits=6, decimal_places=0)  # right: no problem
        size: str
        paid: str
        day: datetime
        at: date

    found = {column: column_problems(columns[column], EverythingIn) for column in columns}
    assert found == {
        "label": [
            "label: allows null, which the column refuses",
            "label: required",
            "label: maxLength=10 at most",
            "label: pattern=PRINTABLE",
        ],
        "count": ["count: from -32768 to 32767 (Int16, Int32, Int64)"],
        "total": ["total: from -2147483648 to 2147483647 (Int16, Int32, Int64)"],
        "price": ["price: max_digits=6 at most", "price: decimal_places=2 at most"],
        "units": [],
        "size": ["size: one of ['large', 'small']"],
        "paid": ["paid: a boolean"],
        "day": ["day: a date"],
        "at": ["at: a date-time"],
    }
{%- endif %}


@pytest.fixture
def api(service):
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", service)
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=DERANDOMIZE)
    return loaded


{%- if cookiecutter.use_database %}


def refused_pointers(response) -> set[str]:
    """The pointers a refusal names: the problem's ``errors``, or the page's list."""
{%- if cookiecutter.error_format == "html" %}
    lines = [line.strip() for line in response.text.splitlines()]
    return {line[len("<li>") :].partition(":")[0] for line in lines if line.startswith("<li>#")}
{%- else %}
    return {error["pointer"] for error in response.json().get("errors", [])}
{%- endif %}


def references(case) -> set[str]:
    """The pointers of the fields of ``case``'s body that refer to stored rows, as the document
    marks them (``x-references``): a schema-valid value there may name no row."""
    return set(case.operation.definition.raw.get("x-references", []))


def validate_response(case, response) -> None:
    """Every check; but a 422 that points only at references to rows that do not exist is the
    database's answer to schema-valid data, not a schema that says too little (for the command
    line, ``schemathesis.toml`` accepts a 422 from such an operation)."""
    pointers = references(case)
    refused = refused_pointers(response) if response.status_code == 422 and pointers else set()
    excluded = [positive_data_acceptance] if refused and refused <= pointers else []
    case.validate_response(response, excluded_checks=excluded)
{%- endif %}


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
{%- if cookiecutter.use_database %}
        validate_response(case, case.call())
{%- else %}
        case.call_and_validate()
{%- endif %}

    check()
{%- if cookiecutter.use_database %}


@pytest.mark.parametrize("accept", ["", "text/html", "application/json", PROBLEM])
def test_readiness_on_a_database_not_migrated_answers_as_the_document_says(api, service, accept):
    """The 503 of ``/readyz``, in the media type the client's ``Accept`` gets, is one the document
    lists for it."""
    case = api["/readyz"]["GET"].Case(headers={"Accept": accept} if accept else {})
    with service.app_context():
        alembic.downgrade("base")
        try:
            response = case.call()
        finally:
            alembic.upgrade()
    assert response.status_code == 503
    # A 503 is what readiness answers here: every other check.
    case.validate_response(response, excluded_checks=[not_a_server_error])


def test_created_resources_can_be_read_through_their_links(api, service):
    """Sequences of calls that follow the document's links: POST an item, then GET it by the id
    the POST answered. At least one such GET must find what its POST created."""
    followed = []  # (operation, status) of each call a link of the document made

    class Workflow(api.as_state_machine()):
        def setup(self):
            # Each sequence starts from an empty database, so that a replay sees what the
            # first run saw.
            empty_the_tables(service)

        def step(self, input):
            output = super().step(input)
            # Not a link Schemathesis inferred, which is none of the document's, nor a link whose
            # values it left out to try others.
            link = input.transition
            if link is not None and not link.is_inferred and input.is_applied:
                followed.append((input.case.operation.label, output.response.status_code))
            return output

        def validate_response(self, response, case, **kwargs):
            validate_response(case, response)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=5,
            deadline=None,
            # The same sequences every run, here and on CI: whether some of 25 random sequences
            # follow a link is a draw (with the README's order added, about 1 run in 40 followed
            # none), and the assertion below must hold or fail for the code, not for the draw.
            derandomize=True,
            # Every other health check applies. Names (schemas.Name) are drawn from all of
            # Unicode, most of whose code points are unassigned, and the pattern's lookahead
            # throws those away: with a second name in a sequence (the README's order has a
            # code), Hypothesis may discard 50 sequences before it has made 10.
            suppress_health_check=[HealthCheck.filter_too_much],
        ),
    )
    # A GET a link made from what a POST answered found what the POST created: in this project,
    # an item (a resource a team adds brings its own link, which may be the one followed).
    assert [call for call in followed if call[0].startswith("GET ") and call[1] == 200], followed
{%- endif %}
