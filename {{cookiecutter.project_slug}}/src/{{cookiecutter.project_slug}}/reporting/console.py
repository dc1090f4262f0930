"""Log lines on the console: text on stderr, or JSON lines on stdout with ``LOG_FORMAT=json``.

One JSON object per line suits a container's log collector; each has the time, level, logger,
message, request id and, for an error, the exception with its traceback.

A record logged with ``extra={"repeat": True}`` repeats an error whose traceback was logged
already (a database outage's later failures): it is written as its one line. Its exception stays on
the record, for the handlers that group errors (Sentry, the email flood control).
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

from flask import Flask

TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class ConsoleHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` (or ``sys.stdout``) is when the record comes."""

    def __init__(self, stream_name: Literal["stdout", "stderr"]) -> None:
        self.stream_name = stream_name
        super().__init__(self.current_stream())

    def current_stream(self) -> TextIO:
        return sys.stdout if self.stream_name == "stdout" else sys.stderr

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = self.current_stream()  # emit runs under the handler's lock
        super().emit(record)


def one_line_if_repeated(record: logging.LogRecord) -> logging.LogRecord:
    """``record``, or, for a repeat, a copy without its exception (so without its traceback)."""
    if getattr(record, "repeat", False) and record.exc_info:
        return logging.makeLogRecord({**vars(record), "exc_info": None, "exc_text": None})
    return record


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(one_line_if_repeated(record))


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record = one_line_if_repeated(record)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            # As logging.Formatter does, the traceback formatted (and scrubbed) once is reused.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def create_handler(app: Flask) -> logging.Handler:
    if app.config["LOG_FORMAT"] == "json":
        handler = ConsoleHandler("stdout")
        handler.setFormatter(JSONFormatter())
    else:
        handler = ConsoleHandler("stderr")
        handler.setFormatter(TextFormatter(TEXT_FORMAT))
    return handler
