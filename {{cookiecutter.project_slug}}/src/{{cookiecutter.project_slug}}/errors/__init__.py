"""Error handling: every HTTP error, raised or routing, answered through one handler.

The handler is registered on the app for ``HTTPException``. Flask wraps any unhandled exception in
an ``InternalServerError`` before looking for a handler, so this one answers 500s as well, and
Flask still logs the exception and sends ``got_request_exception`` first (a catch-all
``Exception`` handler would stop both).
{%- if cookiecutter.use_database %} ``errors.database``, registered by the factory after this
package, answers the database failures that are not bugs (a refused value, a database that is
down) with these same responses.
{%- endif %}
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

{% if cookiecutter.use_database -%}
from ..database import db
{% endif -%}
from ..problems import INVALID, TYPES, ProblemType
from ..request_id import request_id
{%- if cookiecutter.error_format == "both" %}
from .negotiation import negotiated_response as error_response
{%- elif cookiecutter.error_format == "html" %}
from .pages import page_response as error_response
{%- else %}
from .problem import problem_response as error_response
{%- endif %}

# Members every problem has; an APIError cannot set them through its keyword arguments.
RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "request_id"})


class APIError(HTTPException):
    """An error the API reports to its client, of a type from ``problems.TYPES`` (which gives its
    status), ``raise APIError("The name is taken.", type=TAKEN, errors=[...])``, or of no type
    beyond its status (``about:blank``), ``raise APIError("Closed on Sundays.", status=409)``.

    Keyword arguments become extension members of the problem details; a type's members are
    required. Flask finds handlers for an ``APIError`` by its class, not its status:
    ``@app.errorhandler(422)`` does not see it.
    """

    def __init__(
        self,
        detail: str,
        status: int | None = None,
        *,
        type: ProblemType | None = None,
        **extensions: object,
    ) -> None:
        if type is not None:
            if type not in TYPES:
                raise ValueError(f"The problem type {type.slug} is not in problems.TYPES: add it")
            if status not in (None, type.status):
                raise ValueError(f"A problem of type {type.slug} is a {type.status}, not {status}")
            if missing := type.members.keys() - extensions.keys():
                raise TypeError(f"A problem of type {type.slug} needs {', '.join(sorted(missing))}")
            status = type.status
        status = 400 if status is None else status
        if status not in HTTP_STATUS_CODES or status < 400:
            raise ValueError(f"APIError needs a 4xx or 5xx status, not {status}")
        if reserved := RESERVED_MEMBERS & extensions.keys():
            raise TypeError(f"APIError sets {', '.join(sorted(reserved))} itself")
        super().__init__(description=detail)
        self.code = status
        self.problem_type = type
        self.extensions = extensions


class ValidationError(APIError):
    """A 422 listing what is wrong with the request, one entry per JSON pointer (RFC 9457 §3), of
    the type ``invalid`` unless another 422's type is given::

    raise ValidationError({"#/name": "must not be empty", "#/price": "must be positive"})
    """

    def __init__(
        self,
        errors: Mapping[str, str],
        detail: str = "The request is invalid.",
        type: ProblemType = INVALID,
    ) -> None:
        if type.status != 422:
            raise ValueError(f"A ValidationError is a 422, not a {type.slug} problem")
        super().__init__(
            detail,
            type=type,
            errors=[{"detail": message, "pointer": pointer} for pointer, message in errors.items()],
        )


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested more deeply than the decoder can follow is
    malformed JSON like any other. The decoder raises ``RecursionError``, which is not a
    ``ValueError``: a request body of 100,000 ``[`` would otherwise be a 500 and an error report.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("arrays or objects are nested too deeply") from None


class JSONRequest(Request):
    """Flask's request, except that malformed JSON is a 400 whose detail says so.

    Outside debug mode Flask swaps the decoder's message for a generic one; the client needs it.
    JSON sent with another content type stays a 415.
    """

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is not None:
            raise BadRequest(f"The request body is not valid JSON: {e}") from e
        return super().on_json_loading_failed(e)


def minimal_response(error: HTTPException) -> Response:
    """The status and headers of ``error`` with a plain-text body that cannot fail to build."""
    body = f"{error.code} {error.name}\nRequest ID: {request_id()}\n"
    response = Response(body, error.code, error.get_headers())
    response.content_type = "text/plain; charset=utf-8"
    return response


def report_server_error(error: HTTPException) -> None:
    """Log a 5xx raised on purpose (``abort(503)``); Flask logs an unhandled exception itself."""
    if (error.code or 500) >= 500 and getattr(error, "original_exception", None) is None:
        current_app.logger.error(
            "%s %s on %s [%s]", error.code, error.name, request.path, request.method, exc_info=error
        )


def with_safe_headers(response: Response) -> Response:
    """Make an error response safe wherever it is shown: a browser never reads it as another type
    than the one it says, and no cache keeps a server error to hand to the next client."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code >= 500:
        response.headers["Cache-Control"] = "no-store"
    return response


def handle_http_error(error: HTTPException) -> Response:
    report_server_error(error)
    return http_error_response(error)


def http_error_response(error: HTTPException) -> Response:
    """The response to ``error``, without reporting it: ``handle_http_error`` reports first,
    ``errors.database`` logs an outage its own way, and a probe (``/readyz``) reports nothing."""
{%- if cookiecutter.use_database %}
    # Whatever failed may have left the session's transaction broken: roll it back before the
    # response is built, so that an error page (or a context processor) can read the database.
    # A request that never used the database has no session to roll back.
    if db.session.registry.has():
        db.session.rollback()
{%- endif %}
    if isinstance(error.response, Response):  # a response given to the exception is final
        return with_safe_headers(error.response)
    try:
        response = error_response(error)
    except Exception:
        # Rendering the error failed (a broken template, a bad url_for): the client still gets the
        # original status, and the failure is logged here, once.
        current_app.logger.exception("Could not render the %s error response", error.code)
        response = minimal_response(error)
    return with_safe_headers(response)


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.request_class = JSONRequest
    app.register_error_handler(HTTPException, handle_http_error)
