"""Database failures, told apart by the database's own error codes and answered for what they mean.

``CODES`` is the whole policy: each PostgreSQL SQLSTATE (a code, or a class: its first two
characters) and SQLite result code (an extended code, or its primary one) that is not a bug.

- A unique violation is the client's conflict with data that exists already: 409, logged at INFO
  (no email, no Sentry event). A view that can name the field catches it itself, as
  ``create_item`` does.
- A database that cannot be reached, is shutting down, has no connection or lock to spare within
  ``DATABASE_TIMEOUT``, or cannot read or write its file, is the service's temporary fault: 503
  with ``Retry-After``. ``pool_pre_ping`` reconnects when the database is back, so the service
  heals without a restart.
- A serialization failure or a deadlock asks for the transaction to be run again:
  ``in_transaction`` does so once, and a second refusal is a 503.
- Anything else is a bug: a syntax error, an unknown table or column (the migrations not run), a
  NOT NULL, foreign key or check violation. It goes on to Flask as an unhandled exception, a 500
  reported like any other.

The answers go through the app's ``HTTPException`` handler, which rolls the session back first.

An outage is logged for an operator to read (``Outage``): its first failure with the traceback,
each later one as a line, and a summary at most once a minute until the database is back.
"""

import enum
import threading
from collections.abc import Callable
from time import monotonic
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import Conflict, ServiceUnavailable

from .. import errors
from ..database import db

# Seconds a client is asked to wait before it tries again.
RETRY_AFTER = 5
# Seconds between two summaries of an outage that goes on.
SUMMARY_INTERVAL = 60


class Meaning(enum.Enum):
    CONFLICT = "the client's conflict with existing data"
    UNAVAILABLE = "the database is unavailable for now"
    RETRY = "the database asks for the transaction to be run again"
    BUG = "a bug"


CODES = {
    # PostgreSQL (https://www.postgresql.org/docs/current/errcodes-appendix.html)
    "23505": Meaning.CONFLICT,  # unique_violation
    "08": Meaning.UNAVAILABLE,  # connection_exception: the connection failed or broke
    "53": Meaning.UNAVAILABLE,  # insufficient_resources: too many connections, disk full...
    "55P03": Meaning.UNAVAILABLE,  # lock_not_available: no lock within lock_timeout
    "57P01": Meaning.UNAVAILABLE,  # admin_shutdown: the server is stopping
    "57P02": Meaning.UNAVAILABLE,  # crash_shutdown
    "57P03": Meaning.UNAVAILABLE,  # cannot_connect_now: the server is starting
    "40001": Meaning.RETRY,  # serialization_failure
    "40P01": Meaning.RETRY,  # deadlock_detected
    # SQLite (https://sqlite.org/rescode.html)
    "SQLITE_CONSTRAINT_UNIQUE": Meaning.CONFLICT,
    "SQLITE_CONSTRAINT_PRIMARYKEY": Meaning.CONFLICT,
    "SQLITE_BUSY": Meaning.UNAVAILABLE,  # another connection held the lock beyond the timeout
    "SQLITE_LOCKED": Meaning.UNAVAILABLE,
    "SQLITE_BUSY_SNAPSHOT": Meaning.RETRY,  # another connection wrote since this one read
    "SQLITE_CANTOPEN": Meaning.UNAVAILABLE,  # the file or its directory cannot be opened
    "SQLITE_IOERR": Meaning.UNAVAILABLE,
    "SQLITE_FULL": Meaning.UNAVAILABLE,
}

P = ParamSpec("P")
T = TypeVar("T")


def error_code(error: SQLAlchemyError) -> str | None:
    """The database's own code for ``error``: a SQLSTATE (PostgreSQL) or an error name (SQLite)."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)


def code_and_class(code: str) -> tuple[str, str]:
    """``code``, and the class it belongs to: SQLite's primary code, or the SQLSTATE's class."""
    if code.startswith("SQLITE_"):
        return code, "_".join(code.split("_")[:2])
    return code, code[:2]


def meaning(error: SQLAlchemyError) -> Meaning:
    if isinstance(error, PoolTimeoutError | DisconnectionError):
        return Meaning.UNAVAILABLE
    # A connection that broke in the middle of a statement, whatever the driver called it.
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Meaning.UNAVAILABLE
    code = error_code(error)
    if code is None:
        # psycopg gives no SQLSTATE for a connection that failed: the server never answered.
        return Meaning.UNAVAILABLE if isinstance(error, OperationalError) else Meaning.BUG
    for key in code_and_class(code):
        if key in CODES:
            return CODES[key]
    return Meaning.BUG


def is_unique_violation(error: SQLAlchemyError) -> bool:
    return meaning(error) is Meaning.CONFLICT


def in_transaction(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``work(*args, **kwargs)`` and commit what it did, as one transaction.

    When the database asks for the transaction to be run again (a serialization failure, a
    deadlock), it is rolled back and run once more; a second refusal is raised, and answered 503.
    Any other error is raised at once. ``work`` must make its changes afresh each time it is
    called: a rollback forgets the objects it added.
    """
    try:
        result = work(*args, **kwargs)
        db.session.commit()
        return result
    except DBAPIError as error:
        db.session.rollback()
        if meaning(error) is not Meaning.RETRY:
            raise
    result = work(*args, **kwargs)
    db.session.commit()
    return result


class Outage:
    """The database's unavailability as one app has met it, logged for an operator to read.

    The first failure is logged with its traceback, each later one as its one line (path, method,
    request id, the database's error code), a summary at most every ``SUMMARY_INTERVAL`` seconds,
    and the end, when a request next uses the database without failing. Every failure is still an
    ERROR record with its exception: Sentry groups them as one issue, and the email flood control
    sends one report and counts the rest.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: float | None = None
        self.failures = 0
        self.summarised = 0.0

    def failed(self, error: SQLAlchemyError, unavailable: ServiceUnavailable) -> None:
        now = monotonic()
        with self.lock:
            first = self.started is None
            if self.started is None:
                self.started = self.summarised = now
                self.failures = 0
            self.failures += 1
            due = not first and now - self.summarised >= SUMMARY_INTERVAL
            if due:
                self.summarised = now
            started, failures = self.started, self.failures
        # The database's code; else what the driver (or SQLAlchemy's pool) raised.
        cause = getattr(error, "orig", None) or error
        code = error_code(error) or f"{type(cause).__module__}.{type(cause).__name__}"
        current_app.logger.error(
            "503 Service Unavailable on %s [%s]: the database is unavailable (%s)",
            request.path,
            request.method,
            code,
            exc_info=unavailable,
            extra={"repeat": not first},
        )
        if due:
            current_app.logger.warning(
                "The database has been unavailable for %.0f s: %d requests answered 503",
                now - started,
                failures,
            )

    def recovered(self) -> None:
        with self.lock:
            if self.started is None:
                return
            started, failures = self.started, self.failures
            self.started = None
        current_app.logger.warning(
            "The database is available again after %.0f s: %d requests were answered 503",
            monotonic() - started,
            failures,
        )


def note_recovery(exception: BaseException | None) -> None:
    """At the end of a request that used the database and did not find it unavailable: the end
    of an outage, if there was one."""
    if db.session.registry.has() and not g.get("database_unavailable", False):
        current_app.extensions["database_outage"].recovered()


def handle_database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    match meaning(error):
        case Meaning.CONFLICT:
            current_app.logger.info(
                "409 Conflict on %s [%s]: %s", request.path, request.method, error_code(error)
            )
            conflict = Conflict("The request conflicts with data that exists already.")
            return current_app.handle_http_exception(conflict)
        case Meaning.UNAVAILABLE | Meaning.RETRY:
            unavailable = ServiceUnavailable(retry_after=RETRY_AFTER)
            # Logged at ERROR as a 503, with the database's error as its cause.
            unavailable.__cause__ = error
            g.database_unavailable = True
            current_app.extensions["database_outage"].failed(error, unavailable)
            return errors.http_error_response(unavailable)
        case _:
            # A bug: Flask logs it, sends got_request_exception and answers 500, as for no handler.
            raise error


def init_app(app: Flask) -> None:
    app.extensions["database_outage"] = Outage()
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.teardown_request(note_recovery)
