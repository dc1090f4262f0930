"""The request body as the client framed it: a framing the server cannot read is a 400, a
streamed body longer than ``MAX_CONTENT_LENGTH`` a 413, as one with such a ``Content-Length`` is,
and a body that has not arrived ``REQUEST_BODY_TIMEOUT`` seconds after its headers a 408.

A server that reads a chunked body itself (gunicorn does) hands the app a stream that ends where
the body ends, and says so (``wsgi.input_terminated``). Werkzeug reads such a stream up to
``MAX_CONTENT_LENGTH`` and stops there, so a longer body would be cut short without a word; and a
chunk the client framed wrongly (a size that is not hexadecimal, a chunk without its CRLF) raises
the server's own parse error from the stream, which Werkzeug does not expect: a 500 and an error
report. Neither gunicorn nor Werkzeug bounds the time a body takes, so a client that sends
``Content-Length: 100`` and five bytes would hold its connection for as long as it stays open.
``FramedBodies`` wraps the stream so that all three are the client's errors.
"""

import socket
import time
from collections.abc import Iterable
from typing import IO
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask
from werkzeug.exceptions import RequestEntityTooLarge, RequestTimeout


class FramedInput:
    """A request stream whose read errors are ``OSError`` (which Werkzeug answers with a 400, as
    for a client that went away), which says when a terminated body goes past ``limit``, and
    whose reads from the client's ``connection`` end at ``deadline`` (``time.monotonic()``)."""

    def __init__(
        self,
        stream: IO[bytes],
        *,
        limit: int | None,
        connection: socket.socket | None,
        deadline: float,
    ) -> None:
        self.stream = stream
        self.limit = limit
        self.connection = connection
        self.deadline = deadline
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        data = self._read(size)
        self.read_so_far += len(data)
        # Werkzeug stops at the limit: one byte more means the body is longer than allowed.
        if self.limit is not None and data and self.read_so_far >= self.limit and self._read(1):
            raise RequestEntityTooLarge()
        return data

    def _read(self, size: int) -> bytes:
        if self.connection is None:
            return self._read_framed(size)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTimeout()
        waited = self.connection.gettimeout()
        self.connection.settimeout(remaining)
        try:
            return self._read_framed(size)
        except TimeoutError:
            # The server leaves a connection whose body it could not finish reading, so the
            # client gets the 408 and the connection closes.
            raise RequestTimeout() from None
        finally:
            self.connection.settimeout(waited)

    def _read_framed(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except (OSError, ValueError):
            raise
        except Exception as error:  # the server's parse error: the body was framed wrongly
            # Its name only: the server's message quotes what the client sent.
            parser = type(error).__name__
            raise OSError(f"the request body is not framed as it says ({parser})") from None


class FramedBodies:
    """WSGI middleware: each request stream read through ``FramedInput``."""

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # The client's connection, where the server gives it (gunicorn, Flask's development
        # server); a body read from anything else (the test client's) is already all there.
        connection = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        terminated = environ.get("wsgi.input_terminated")
        if connection is not None or terminated:
            environ["wsgi.input"] = FramedInput(
                environ["wsgi.input"],
                limit=self.app.config["MAX_CONTENT_LENGTH"] if terminated else None,
                connection=connection,
                deadline=time.monotonic() + self.app.config["REQUEST_BODY_TIMEOUT"],
            )
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = FramedBodies(app.wsgi_app, app)  # type: ignore[method-assign]
