"""The API's contract: request bodies validated against declared schemas, and ``GET /openapi.json``.

A view says once what it takes and what it answers, and both the validation and the document
follow from that::

    @bp.post("/items")
    @operation("Create an item", response=ItemOut, status=201, errors=(TAKEN,))
    @body(ItemIn)
    def create_item(item: ItemIn) -> ...

``body`` reads the JSON body into the model, or raises the app's ``ValidationError``: a 422 with
one entry per invalid field and its JSON pointer (``#/name``, ``#/tags/2``). Malformed JSON stays
Flask's 400 and another content type its 415, so every failure goes through the app's one error
handler. ``operation`` records the rest; the document lists, for each route, the statuses it can
answer: the ones a body brings (400, 413, 415, 422), a 404 where the URL has a parameter, a 429
wherever a rate limit can apply (the limits are set at run time), a 500 everywhere, and the ones a
view declares; and for each status, the problem types (``problems.py``) it can have, each with an
example, so that a client can branch on them. The tests check that every route has an
``operation``.
"""

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

import pydantic
from flask import Flask, current_app, request
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import BadRequest
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Rule
from werkzeug.routing.converters import FloatConverter, IntegerConverter, UUIDConverter

from .errors import ValidationError
from .problems import BODY_TOO_LARGE, INVALID, RATE_LIMITED, TYPES, ProblemType, example
from .proxies import PROBES
from .request_id import HEADER as REQUEST_ID_HEADER

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=pydantic.BaseModel)

PROBLEM = "application/problem+json"
# Where an app keeps the function that names the fields of a body model referring to stored rows
# (a database's foreign keys), given to ``init_app``: the document marks each such operation with
# their pointers (``x-references``), for no schema can say whether the row a reference names
# exists; when it does not, the answer to schema-valid data is a 422 pointing at the field.
REFERENCES = "openapi.references"
# Where an app keeps the type of the 422 that answers a reference to a row that does not exist.
REFERENCE_TYPE = "openapi.reference_type"
# Where the decorators leave their records on a view.
OPERATION = "__openapi__"
BODY = "__openapi_body__"
RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
STRING = {"type": "string"}
# The fields of draft-ietf-httpapi-ratelimit-headers-11 on a response a rate limit applies to.
RATE_LIMIT_FIELDS = {
    "RateLimit-Policy": 'The limits counted, such as "100 per 1 minute";q=100;w=60.',
    "RateLimit": 'What is left of the nearest limit, such as "100 per 1 minute";r=42;t=17.',
}

# RFC 9457 Appendix A, with this service's members: every problem has the five required ones.
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457).",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "default": "about:blank",
            "description": "What kind of error this is: one of the service's problem types, whose "
            "page is at this URI, or about:blank, when the status says it all.",
        },
        "title": {
            "type": "string",
            "description": "The type's title, or for about:blank the status's standard phrase.",
        },
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "instance": {"type": "string", "format": "uri-reference"},
        "request_id": {
            "type": "string",
            "description": f"The request's id, also sent in {REQUEST_ID_HEADER}: quote it.",
        },
        "errors": {
            "type": "array",
            "description": "What is wrong with the request, one entry per invalid field.",
            "items": {
                "type": "object",
                "required": ["detail", "pointer"],
                "properties": {
                    "detail": {"type": "string"},
                    "pointer": {
                        "type": "string",
                        "description": "A JSON pointer (RFC 6901) into the request body.",
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Operation:
    """What a view answers, for the document."""

    summary: str
    response: type[pydantic.BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[int | ProblemType, ...] = ()
    problems: tuple[int, ...] = ()
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def body(model: type[M]) -> Callable[[Callable[Concatenate[M, P], R]], Callable[P, R]]:
    """Validate the request's JSON body against ``model`` and hand the view the parsed model."""

    def decorator(view: Callable[Concatenate[M, P], R]) -> Callable[P, R]:
        @functools.wraps(view)
        def validated(*args: P.args, **kwargs: P.kwargs) -> R:
            return view(parse(model), *args, **kwargs)

        setattr(validated, BODY, model)
        return validated

    return decorator


def operation(
    summary: str,
    *,
    response: type[pydantic.BaseModel] | None = None,
    status: int = 200,
    media_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    errors: Iterable[int | ProblemType] = (),
    problems: Iterable[int] = (),
    links: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Describe a view for the document.

    ``response`` is the model of a JSON success body (answered with ``status``), ``headers`` the
    success response's headers (name: description), ``errors`` the problem types
    (``problems.TYPES``) and the statuses of ``about:blank`` problems the view can answer beyond
    those the document adds by itself, ``problems`` those it answers as problem details
    itself whatever the app's error format, and ``links`` OpenAPI links from the success.
    """
    described = Operation(
        summary,
        response,
        status,
        media_type,
        headers or {},
        tuple(errors),
        tuple(problems),
        links or {},
    )

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        setattr(view, OPERATION, described)
        return view

    return decorator


def pointer(location: tuple[int | str, ...]) -> str:
    """A JSON pointer (RFC 6901) as a URI fragment: ``("tags", 2)`` is ``#/tags/2``."""
    tokens = (str(token).replace("~", "~0").replace("/", "~1") for token in location)
    return "#" + "".join(f"/{quote(token, safe='~!$&()*+,;=:@')}" for token in tokens)


def parse(model: type[M]) -> M:
    """The request's JSON body as ``model``; JSON types only (``"1"`` is not a number)."""
    request.get_json()  # malformed JSON is a 400, another content type a 415
    try:
        return model.model_validate_json(request.get_data(), strict=True)
    except pydantic.ValidationError as error:
        found: dict[str, str] = {}
        for entry in error.errors(include_url=False, include_input=False, include_context=False):
            if entry["type"] == "json_invalid":  # JSON that Flask reads and pydantic does not
                raise BadRequest(f"The request body is not valid JSON: {entry['msg']}") from None
            found.setdefault(pointer(entry["loc"]), entry["msg"])
        raise ValidationError(found) from None


def path_parameter(rule: Rule, name: str) -> dict[str, Any]:
    converter = rule._converters[name]
    schema: dict[str, Any] = {"type": "string"}
    if isinstance(converter, IntegerConverter):
        schema = {"type": "integer"}
        if not converter.signed:
            schema["minimum"] = 0
        if converter.min is not None:
            schema["minimum"] = converter.min
        if converter.max is not None:
            schema["maximum"] = converter.max
    elif isinstance(converter, FloatConverter):
        schema = {"type": "number"}
    elif isinstance(converter, UUIDConverter):
        schema["format"] = "uuid"
    return {"name": name, "in": "path", "required": True, "schema": schema}


def error_media_types(path: str) -> tuple[str, ...]:
    """The media types an error on ``path`` can come in."""
{%- if cookiecutter.error_format == "json" %}
    return (PROBLEM,)
{%- elif cookiecutter.error_format == "html" %}
    return ("text/html",)
{%- else %}
    prefix = current_app.config["API_PREFIX"]
    if not prefix or path == prefix or path.startswith(f"{prefix}/"):
        return (PROBLEM,)
    # Elsewhere the client's Accept header chooses.
    return (PROBLEM, "text/html")
{%- endif %}


def type_schema_name(problem_type: ProblemType) -> str:
    """``taken`` is ``TakenProblem``; ``database-unavailable``, ``DatabaseUnavailableProblem``."""
    return "".join(word.capitalize() for word in problem_type.slug.split("-")) + "Problem"


def type_schema(problem_type: ProblemType, base: str) -> dict[str, Any]:
    """A problem of this type: ``Problem`` with its type, title and status fixed, and its
    members required."""
    members = problem_type.members.items()
    return {
        "description": f"{problem_type.title}. {problem_type.happens}",
        "allOf": [{"$ref": "#/components/schemas/Problem"}],
        "required": sorted(problem_type.members),
        "properties": {
            "type": {"const": f"{base}{problem_type.slug}"},
            "title": {"const": problem_type.title},
            "status": {"const": problem_type.status},
            **{
                name: {**member.schema, "description": member.description}
                for name, member in members
            },
        },
    }


def problem_schema(types: list[ProblemType], blank: bool, base: str) -> dict[str, Any]:
    """One of ``types``, told apart by their ``type``; or ``about:blank`` where ``blank``."""
    if not types:
        return {"$ref": "#/components/schemas/Problem"}
    refs = {
        f"{base}{each.slug}": f"#/components/schemas/{type_schema_name(each)}" for each in types
    }
    variants: list[dict[str, Any]] = [{"$ref": ref} for ref in refs.values()]
    if blank:
        variants.append(
            {
                "allOf": [{"$ref": "#/components/schemas/Problem"}],
                "properties": {"type": {"const": "about:blank"}},
            }
        )
    elif len(variants) == 1:
        return variants[0]
    schema: dict[str, Any] = {"oneOf": variants}
    if not blank:  # every variant is a registered type: a client's generator can branch on them
        schema["discriminator"] = {"propertyName": "type", "mapping": refs}
    return schema


def error_response(
    status: int, media_types: Iterable[str], kinds: set[ProblemType | None], base: str
) -> dict[str, Any]:
    """A status's response: ``kinds`` are the problem types it can have, ``None`` for
    ``about:blank``."""
    if unregistered := [each.slug for each in kinds if each is not None and each not in TYPES]:
        raise ValueError(f"Problem types not in problems.TYPES: {', '.join(unregistered)}")
    types = [each for each in TYPES if each in kinds]
    content: dict[str, Any] = {}
    for media_type in media_types:
        if media_type != PROBLEM:
            content[media_type] = {"schema": {"type": "string"}}
            continue
        content[media_type] = {"schema": problem_schema(types, None in kinds, base)}
        if types:
            content[media_type]["examples"] = {
                each.slug: {"summary": each.title, "value": example(each)} for each in types
            }
    headers: dict[str, Any] = {REQUEST_ID_HEADER: {"$ref": "#/components/headers/RequestId"}}
    if status in {429, 503}:
        headers["Retry-After"] = {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    if status == 429:
        for name, description in RATE_LIMIT_FIELDS.items():
            headers[name] = {"description": description, "required": True, "schema": STRING}
    response = {"description": HTTP_STATUS_CODES[status], "headers": headers, "content": content}
    if types:  # whatever the media type, a page as well: the types this status can have
        response["x-problem-types"] = [f"{base}{each.slug}" for each in types]
    return response


def is_documentation(endpoint: str) -> bool:
    """Whether ``endpoint`` serves the documentation, which is not part of the API it describes."""
    return endpoint in {"openapi_document", "static"} or endpoint.startswith(("docs.", "problems."))


def describe(
    rule: Rule,
    described: Operation,
    view: Callable[..., Any],
    references: Callable[[type[pydantic.BaseModel]], list[str]],
) -> dict[str, Any]:
    model: type[pydantic.BaseModel] | None = getattr(view, BODY, None)
    headers: dict[str, Any] = {REQUEST_ID_HEADER: {"$ref": "#/components/headers/RequestId"}}
    for name, description in described.headers.items():
        headers[name] = {"description": description, "required": True, "schema": {"type": "string"}}
    limited = rule.rule not in PROBES
    if limited:  # sent when a limit is set
        for name, description in RATE_LIMIT_FIELDS.items():
            headers[name] = {"description": description, "schema": STRING}
    success: dict[str, Any] = {"description": described.summary, "headers": headers}
    if described.response is not None:
        schema = {"$ref": f"#/components/schemas/{described.response.__name__}"}
        success["content"] = {described.media_type: {"schema": schema}}
    elif described.media_type != "application/json":
        success["content"] = {described.media_type: {"schema": {"type": "string"}}}
    if described.links:
        success["links"] = dict(described.links)
    # Each status the operation can answer, with its problems' types (None: about:blank).
    answers: dict[int, set[ProblemType | None]] = {500: {None}}
    declared: list[int | ProblemType | None] = [*described.errors, *described.problems]
    if model is not None:
        declared += [400, BODY_TOO_LARGE, 415, INVALID]
    if rule.arguments:
        declared.append(404)
    if limited:
        declared.append(RATE_LIMITED)
    fields = references(model) if model is not None else []
    if fields:
        declared.append(current_app.extensions.get(REFERENCE_TYPE))
    for each in declared:
        if isinstance(each, ProblemType):
            answers.setdefault(each.status, set()).add(each)
        elif each is not None:
            answers.setdefault(each, set()).add(None)
    responses: dict[str, Any] = {str(described.status): success}
    base = current_app.config["PROBLEM_TYPE_BASE"]
    for status, kinds in sorted(answers.items()):
        media_types = (PROBLEM,) if status in described.problems else error_media_types(rule.rule)
        responses[str(status)] = error_response(status, media_types, kinds, base)
    parameters: list[dict[str, Any]] = [{"$ref": "#/components/parameters/RequestId"}]
    parameters += [path_parameter(rule, name) for name in sorted(rule.arguments)]
    document: dict[str, Any] = {
        "operationId": view.__name__,
        "summary": described.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if model is not None:
        schema = {"$ref": f"#/components/schemas/{model.__name__}"}
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
        if fields:
            document["x-references"] = [pointer((field,)) for field in fields]
    return document


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes, from what their views declare."""
    paths: dict[str, dict[str, Any]] = {}
    models: list[tuple[type[pydantic.BaseModel], Any]] = []
    references = app.extensions.get(REFERENCES, lambda model: [])
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        described: Operation | None = getattr(view, OPERATION, None)
        if described is None:  # the documentation's own routes; the tests find any other
            continue
        path = RULE_VARIABLE.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = describe(rule, described, view, references)
            paths.setdefault(path, {})[method.lower()] = operation
        if (model := getattr(view, BODY, None)) is not None:
            models.append((model, "validation"))
        if described.response is not None:
            models.append((described.response, "serialization"))
    _, schemas = models_json_schema(models, ref_template="#/components/schemas/{model}")
    base = app.config["PROBLEM_TYPE_BASE"]
    return {
        "openapi": "3.1.0",
        "info": {"title": app.name, "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {
                **schemas.get("$defs", {}),
                "Problem": PROBLEM_SCHEMA,
                **{type_schema_name(each): type_schema(each, base) for each in TYPES},
            },
            "parameters": {
                "RequestId": {
                    "name": REQUEST_ID_HEADER,
                    "in": "header",
                    "required": False,
                    "description": "An id for the request, kept if well-formed (letters, digits "
                    "and ._:-, at most 128); otherwise the service makes one.",
                    "schema": {"type": "string"},
                }
            },
            "headers": {
                "RequestId": {
                    "description": "The request's id: the client's own if well-formed.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
                }
            },
        },
    }


def openapi_document() -> tuple[dict[str, Any], dict[str, str]]:
    """``GET /openapi.json``: built on first use, once the app has all of its routes; never read
    as another type than JSON."""
    document: dict[str, Any] | None = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = build_document(current_app)
    return document, {"X-Content-Type-Options": "nosniff"}


def init_app(
    app: Flask,
    references: Callable[[type[pydantic.BaseModel]], list[str]] | None = None,
    reference_type: ProblemType | None = None,
) -> None:
    """Serve the document; ``references`` names the fields of a body model that refer to stored
    rows, and ``reference_type`` is the type of the 422 that answers a reference to no row."""
    if references is not None:
        app.extensions[REFERENCES] = references
    if reference_type is not None:
        app.extensions[REFERENCE_TYPE] = reference_type
    app.add_url_rule("/openapi.json", view_func=openapi_document)
