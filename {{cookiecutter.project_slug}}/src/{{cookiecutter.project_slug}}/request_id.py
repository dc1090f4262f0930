"""A request id on every request and response, so that an error a user quotes can be found.

The client's ``X-Request-ID`` is kept when it is well-formed (a proxy or a calling service may have
set it); otherwise the request gets a fresh one, 128 random bits in 32 hex digits. Error bodies show
it, and every response sends it back in ``X-Request-ID``.
"""

import re
import secrets

from flask import Flask, request
from werkzeug.wrappers import Response

HEADER = "X-Request-ID"
# Letters, digits and ``._:-``, at most 128 characters: safe in a header, a log line and a page.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Kept in the request's WSGI environ: ``g`` can outlive a request (a test's app context).
ENVIRON_KEY = f"{__package__}.request_id"


def request_id() -> str:
    """The current request's id, chosen on first use."""
    chosen: str | None = request.environ.get(ENVIRON_KEY)
    if chosen is None:
        incoming = request.headers.get(HEADER, "")
        chosen = incoming if WELL_FORMED.fullmatch(incoming) else secrets.token_hex(16)
        request.environ[ENVIRON_KEY] = chosen
    return chosen


def add_header(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_header)
