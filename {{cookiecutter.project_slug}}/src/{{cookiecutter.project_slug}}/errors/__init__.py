"""Error handling: every HTTP error, raised or routing, answered through one handler.

The handler is registered on the app for ``HTTPException``. Flask wraps any unhandled exception in
an ``InternalServerError`` before looking for a handler, so this one answers 500s as well, and
Flask still logs the exception and sends ``got_request_exception`` first (a catch-all
``Exception`` handler would stop both).
"""

from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response
{%- if cookiecutter.error_format == "both" %}

from .negotiation import negotiated_response
{%- elif cookiecutter.error_format == "html" %}

from .pages import page_response
{%- else %}

from .problem import problem_response
{%- endif %}

# Members every problem has; an APIError cannot set them through its keyword arguments.
RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail"})


class APIError(HTTPException):
    """An error the API reports to its client: ``raise APIError("Name is required", status=422)``.

    Keyword arguments become extension members of the problem details. Flask finds handlers for
    an ``APIError`` by its class, not its status: ``@app.errorhandler(422)`` does not see it.
    """

    def __init__(self, detail: str, status: int = 400, **extensions: Any) -> None:
        if status not in HTTP_STATUS_CODES or status < 400:
            raise ValueError(f"APIError needs a 4xx or 5xx status, not {status}")
        if reserved := RESERVED_MEMBERS & extensions.keys():
            raise TypeError(f"APIError sets {', '.join(sorted(reserved))} itself")
        super().__init__(description=detail)
        self.code = status
        self.extensions = extensions


def handle_http_error(error: HTTPException) -> Response:
    if error.response is not None:  # a response given to the exception is already final
        return error.response
{%- if cookiecutter.error_format == "both" %}
    return negotiated_response(error)
{%- elif cookiecutter.error_format == "html" %}
    return page_response(error)
{%- else %}
    return problem_response(error)
{%- endif %}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
