"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from collections.abc import Mapping

from flask import json
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..problems import type_of, uri
from ..request_id import request_id

MEDIA_TYPE = "application/problem+json"
SERVER_ERROR_DETAIL = "The server could not complete the request."


def problem_details(error: HTTPException) -> dict[str, object]:
    """The problem object for ``error``; a server error never shows its own description.

    Its type and title are its registered type's (``problems.py``), or ``about:blank`` and the
    status's phrase. Extension members follow the standard ones and cannot replace them.
    """
    status = error.code or 500
    problem_type = type_of(error)
    problem: dict[str, object] = {
        "type": uri(problem_type) if problem_type else "about:blank",
        "title": problem_type.title if problem_type else error.name,
        "status": status,
        "detail": SERVER_ERROR_DETAIL if status >= 500 else error.description,
        "request_id": request_id(),
    }
    extensions: Mapping[str, object] = getattr(error, "extensions", {})
    return {**problem, **{name: value for name, value in extensions.items() if name not in problem}}


def problem_response(error: HTTPException) -> Response:
    """Werkzeug's status and headers for ``error`` (such as ``Allow``) with a JSON body.

    ``error.get_headers()`` rather than ``error.get_response()``, which would render Werkzeug's
    HTML page only for this body to replace it.
    """
    body = json.dumps(problem_details(error), sort_keys=False)
    response = Response(body, error.code, error.get_headers())
    response.content_type = MEDIA_TYPE
    return response
