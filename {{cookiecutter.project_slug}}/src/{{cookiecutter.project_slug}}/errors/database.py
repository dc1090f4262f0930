"""Database failures that no view handled, answered as what they mean to the client.

- A unique violation is the client's conflict with data that exists already: 409, logged at INFO
  (no email, no Sentry event). A view that can name the field catches it itself, as
  ``create_item`` does.
- A database that cannot be reached, a dropped connection or an exhausted pool is the service's
  temporary fault: 503 with ``Retry-After``, logged once at ERROR. ``pool_pre_ping`` reconnects
  when the database is back, so the service heals without a restart.
- Anything else (a NOT NULL, foreign key or check violation, a bad query) is a bug: it goes on to
  Flask as an unhandled exception, a 500 reported like any other.

Both answers go through the app's ``HTTPException`` handler, which rolls the session back first.
"""

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import Conflict, ServiceUnavailable

from ..database import error_code, is_unique_violation

# Seconds a client is asked to wait before it tries again.
RETRY_AFTER = 5


def is_unavailable(error: SQLAlchemyError) -> bool:
    if isinstance(error, OperationalError | DisconnectionError | PoolTimeoutError):
        return True
    # A connection that broke in the middle of a statement, whatever the driver called it.
    return isinstance(error, DBAPIError) and error.connection_invalidated


def handle_database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    if isinstance(error, IntegrityError) and is_unique_violation(error):
        current_app.logger.info(
            "409 Conflict on %s [%s]: %s", request.path, request.method, error_code(error)
        )
        conflict = Conflict("The request conflicts with data that exists already.")
        return current_app.handle_http_exception(conflict)
    if is_unavailable(error):
        unavailable = ServiceUnavailable(retry_after=RETRY_AFTER)
        # Logged at ERROR as a 503 raised on purpose, with the database's error as its cause.
        unavailable.__cause__ = error
        return current_app.handle_http_exception(unavailable)
    # A bug: Flask logs it, sends got_request_exception and answers 500, as for no handler at all.
    raise error


def init_app(app: Flask) -> None:
    app.register_error_handler(SQLAlchemyError, handle_database_error)
