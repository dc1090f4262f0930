"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from collections.abc import Mapping

from flask import json
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..request_id import request_id

MEDIA_TYPE = "application/problem+json"
SERVER_ERROR_DETAIL = "The server could not complete the request."


def problem_details(error: HTTPException) -> dict[str, object]:
    """The problem object for ``error``; a server error never shows its own description.

    Extension members follow the standard ones and cannot replace them.
    """
    status = error.code or 500
    problem: dict[str, object] = {
        "type": "about:blank",
        "title": error.name,
        "status": status,
        "detail": SERVER_ERROR_DETAIL if status >= 500 else error.description,
        "request_id": request_id(),
    }
    extensions: Mapping[str, object] = getattr(error, "extensions", {})
    return {**problem, **{name: value for name, value in extensions.items() if name not in problem}}


def problem_response(error: HTTPException) -> Response:
    """Werkzeug's response for ``error`` (status and headers such as ``Allow``) with a JSON body."""
    response = error.get_response()
    response.set_data(json.dumps(problem_details(error), sort_keys=False))
    response.content_type = MEDIA_TYPE
    return response
