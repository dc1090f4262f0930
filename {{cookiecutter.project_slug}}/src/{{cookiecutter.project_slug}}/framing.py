"""The request body as the client framed it: a framing the server cannot read is a 400, and a
streamed body longer than ``MAX_CONTENT_LENGTH`` a 413, as one with such a ``Content-Length`` is.

A server that reads a chunked body itself (gunicorn does) hands the app a stream that ends where
the body ends, and says so (``wsgi.input_terminated``). Werkzeug reads such a stream up to
``MAX_CONTENT_LENGTH`` and stops there, so a longer body would be cut short without a word; and a
chunk the client framed wrongly (a size that is not hexadecimal, a chunk without its CRLF) raises
the server's own parse error from the stream, which Werkzeug does not expect: a 500 and an error
report. ``FramedBodies`` wraps such a stream so that both are the client's errors.
"""

from collections.abc import Iterable
from typing import IO
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask
from werkzeug.exceptions import RequestEntityTooLarge


class FramedInput:
    """A terminated request stream whose read errors are ``OSError`` (which Werkzeug answers with
    a 400, as for a client that went away) and which says when the body goes past ``limit``."""

    def __init__(self, stream: IO[bytes], limit: int | None) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        data = self._read(size)
        self.read_so_far += len(data)
        # Werkzeug stops at the limit: one byte more means the body is longer than allowed.
        if self.limit is not None and data and self.read_so_far >= self.limit and self._read(1):
            raise RequestEntityTooLarge()
        return data

    def _read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except (OSError, ValueError):
            raise
        except Exception as error:  # the server's parse error: the body was framed wrongly
            # Its name only: the server's message quotes what the client sent.
            parser = type(error).__name__
            raise OSError(f"the request body is not framed as it says ({parser})") from None


class FramedBodies:
    """WSGI middleware: each terminated request stream read through ``FramedInput``."""

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.input_terminated"):
            limit = self.app.config["MAX_CONTENT_LENGTH"]
            environ["wsgi.input"] = FramedInput(environ["wsgi.input"], limit)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = FramedBodies(app.wsgi_app, app)  # type: ignore[method-assign]
