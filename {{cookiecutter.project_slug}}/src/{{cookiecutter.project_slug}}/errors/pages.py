"""Errors as HTML pages rendered from ``templates/errors/``."""

from flask import render_template
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..problems import type_of, uri
from ..request_id import request_id

SERVER_ERROR_DETAIL = "Something went wrong on our side. Please try again later."
# An error page loads and runs nothing: the inline stylesheet in base.html is all it needs. Even
# markup that reached the page by mistake could then run no script, load nothing, post no form,
# and the page cannot be framed by another site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def page_response(error: HTTPException) -> Response:
    """Werkzeug's status and headers for ``error`` (such as ``Allow``) with an HTML page.

    ``errors/<code>.html`` is used where it exists, ``errors/error.html`` otherwise.
    """
    status = error.code or 500
    extensions = getattr(error, "extensions", {})
    problem_type = type_of(error)
    page = render_template(
        [f"errors/{status}.html", "errors/error.html"],
        status=status,
        title=problem_type.title if problem_type else error.name,
        # The registered type's page (``problems.py``), which says what the error means.
        type=uri(problem_type) if problem_type else None,
        detail=SERVER_ERROR_DETAIL if status >= 500 else error.description,
        # A short reason the app gave on purpose (``/readyz``: "not migrated"), and what is wrong
        # with the request, one entry per field.
        reason=extensions.get("reason"),
        errors=extensions.get("errors", []),
        request_id=request_id(),
    )
    response = Response(page, status, error.get_headers())
    response.content_type = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
