"""A request id on every request and response, so that an error a user quotes can be found.

The client's ``X-Request-ID`` is kept when it is well-formed (a proxy or a calling service may have
set it); otherwise the request gets a fresh one, 128 random bits in 32 hex digits. An app can choose
its ids another way (``init_app``'s ``choose``). Error bodies show it, and every response sends it
back in ``X-Request-ID``.
"""

import re
import secrets
from collections.abc import Callable

from flask import Flask, current_app, request
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
        choose: Callable[[], str] = current_app.extensions.get("request_id", from_client)
        chosen = request.environ[ENVIRON_KEY] = choose()
    return chosen


def from_client() -> str:
    """The client's ``X-Request-ID`` if it is well-formed, else a fresh id."""
    incoming = request.headers.get(HEADER, "")
    return incoming if WELL_FORMED.fullmatch(incoming) else secrets.token_hex(16)


def add_header(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def init_app(app: Flask, choose: Callable[[], str] = from_client) -> None:
    """Give each request of ``app`` an id, which ``choose`` picks (the client's by default)."""
    app.extensions["request_id"] = choose
    app.after_request(add_header)
