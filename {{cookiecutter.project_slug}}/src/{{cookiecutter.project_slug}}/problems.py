"""The problem types this service answers: what a client can branch on, one row each.

RFC 9457 gives every problem a ``type``, a URI that names one kind of error and is documented for
people at that URI. ``about:blank`` is for a problem whose status says it all (a 404, a 405,
malformed JSON). An error a client must tell apart from others of its status (a name that is
taken, a database that is away) has a type in the table below, and nowhere else:

- an error response carries it: ``raise APIError(detail, type=TAKEN, errors=[...])``, or the
  exception that stands for it (Werkzeug's own, in ``RAISED_AS``);
- ``GET /problems/`` lists the types and ``GET /problems/<slug>`` shows one, to a person or a
  client (``catalogue.py``);
- ``/openapi.json`` names the types each operation can answer, with an example of each;
- ``tests/test_problems.py`` compares the table with ``tests/problem_types.json``: a type removed
  or renamed, its status, retry advice or members changed, breaks the clients that branch on it.

A type's URI is ``PROBLEM_TYPE_BASE`` followed by its slug: ``/problems/taken``, a reference
relative to the service (RFC 9457 allows one), unless the catalogue is published elsewhere.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests


@dataclass(frozen=True)
class Member:
    """An extension member that every problem of a type has, with its JSON Schema."""

    description: str
    schema: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class ProblemType:
    """One kind of error: its slug (the end of its URI), status and title, when the service
    answers it, whether trying the same request again can help, its members, and an example of
    its detail and members. Each type is one object, compared by identity."""

    slug: str
    status: int
    title: str
    happens: str
    retry: str
    retryable: bool
    example: Mapping[str, Any]
    members: Mapping[str, Member] = field(default_factory=dict)


ERRORS = Member(
    "What is wrong with the request, one entry per field: a JSON pointer (RFC 6901) into the "
    "request body, and what is wrong with it.",
    {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["detail", "pointer"],
            "properties": {"detail": {"type": "string"}, "pointer": {"type": "string"}},
        },
    },
)

INVALID = ProblemType(
    "invalid",
    422,
    "Invalid request body",
{%- if cookiecutter.use_database %}
    happens="The body is not what the operation takes: a field is missing, of the wrong type, "
    "too long or out of range, or the database refused its value (by a rule of its table).",
{%- else %}
    happens="The body is not what the operation takes: a field is missing, of the wrong type, "
    "too long or out of range.",
{%- endif %}
    retry="Not as it is: correct the fields that errors points at.",
    retryable=False,
    members={"errors": ERRORS},
    example={
        "detail": "The request is invalid.",
        "errors": [{"detail": "String should have at least 1 character", "pointer": "#/name"}],
    },
)
BODY_TOO_LARGE = ProblemType(
    "body-too-large",
    413,
    "Request body too large",
    happens="The body is longer than the service reads (its MAX_CONTENT_LENGTH).",
    retry="Not as it is: send a shorter body.",
    retryable=False,
    example={"detail": "The data value transmitted exceeds the capacity limit."},
)
RATE_LIMITED = ProblemType(
    "rate-limited",
    429,
    "Rate limit reached",
    happens="The client has sent more requests than a rate limit allows in its window.",
    retry="Yes, after the seconds Retry-After gives; the RateLimit field says what is left.",
    retryable=True,
    example={
        "detail": "Too many requests: the limit is 100 per 1 minute. Try again in 42 seconds."
    },
)
{%- if cookiecutter.use_database %}
TAKEN = ProblemType(
    "taken",
    409,
    "Value taken",
    happens="Another stored row has this value of a unique field (a name, a code), however it "
    "was typed.",
    retry="Not as it is: choose another value for the fields that errors points at.",
    retryable=False,
    members={"errors": ERRORS},
    example={
        "detail": "The request conflicts with data that exists already.",
        "errors": [{"detail": "is taken", "pointer": "#/name"}],
    },
)
UNKNOWN_REFERENCE = ProblemType(
    "unknown-reference",
    422,
    "Reference to nothing",
    happens="A field refers to a stored row, by its key, that does not exist.",
    retry="Only once the row it refers to exists.",
    retryable=False,
    members={"errors": ERRORS},
    example={
        "detail": "The request is invalid.",
        "errors": [{"detail": "refers to no existing item", "pointer": "#/item_id"}],
    },
)
REFERRED_TO = ProblemType(
    "referred-to",
    409,
    "Referred to by other rows",
    happens="The request would delete a row, or change its key, that other rows refer to.",
    retry="Only once the rows that refer to it are deleted or changed.",
    retryable=False,
    members={
        "referred_to_by": Member(
            "The tables whose rows refer to it.",
            {"type": "array", "items": {"type": "string"}},
        )
    },
    example={
        "detail": "This item is referred to by rows of order: delete or change those first.",
        "referred_to_by": ["order"],
    },
)
DATABASE_UNAVAILABLE = ProblemType(
    "database-unavailable",
    503,
    "Database unavailable",
    happens="The database cannot be reached, is shutting down, has no connection or lock to spare "
    "in time, or cannot read or write its file; or it refused the transaction twice (a "
    "serialization failure or a deadlock).",
    retry="Yes, after the seconds Retry-After gives.",
    retryable=True,
    example={"detail": "The server could not complete the request."},
)
{%- endif %}

# Every type, in the order of the catalogue.
TYPES = (
    INVALID,
    BODY_TOO_LARGE,
    RATE_LIMITED,
{%- if cookiecutter.use_database %}
    TAKEN,
    UNKNOWN_REFERENCE,
    REFERRED_TO,
    DATABASE_UNAVAILABLE,
{%- endif %}
)
# Werkzeug's exceptions that mean one type wherever they are raised (Werkzeug raises its 413
# itself, when it reads a body).
RAISED_AS: Mapping[type[HTTPException], ProblemType] = {
    RequestEntityTooLarge: BODY_TOO_LARGE,
    TooManyRequests: RATE_LIMITED,
}
# An example request id, in examples.
EXAMPLE_REQUEST_ID = "0b8f4c1e6d2a4f7e9c3b5a1d8e6f2c40"


def type_of(error: HTTPException) -> ProblemType | None:
    """The type of ``error``: its own (an ``APIError``'s), or its class's; ``None`` for
    ``about:blank``."""
    own: ProblemType | None = getattr(error, "problem_type", None)
    if own is not None:
        return own
    return next((found for kind, found in RAISED_AS.items() if isinstance(error, kind)), None)


def uri(problem_type: ProblemType) -> str:
    return f"{current_app.config['PROBLEM_TYPE_BASE']}{problem_type.slug}"


def example(problem_type: ProblemType) -> dict[str, Any]:
    """An example of a problem of this type, as a client receives it."""
    return {
        "type": uri(problem_type),
        "title": problem_type.title,
        "status": problem_type.status,
        "request_id": EXAMPLE_REQUEST_ID,
        **problem_type.example,
    }


def described(problem_type: ProblemType) -> dict[str, Any]:
    """The type as its page shows it, as JSON."""
    return {
        "type": uri(problem_type),
        "status": problem_type.status,
        "title": problem_type.title,
        "happens": problem_type.happens,
        "retryable": problem_type.retryable,
        "retry": problem_type.retry,
        "members": {name: member.description for name, member in problem_type.members.items()},
        "example": example(problem_type),
    }
