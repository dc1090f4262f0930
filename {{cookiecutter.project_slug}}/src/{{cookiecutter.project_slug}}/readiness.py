"""A readiness check for load balancers and orchestrators: ``GET /readyz``.

200 when the database answers and its schema is at the migrations' head; otherwise a 503, answered
like every other error (``Retry-After``, ``nosniff``, the same body), whose ``reason`` says which:
``database unreachable``, or ``not migrated`` (run ``flask --app <package> db upgrade``). Take an
instance out of rotation on a 503 here, and restart it only when ``/healthz`` (liveness, which
never touches the database) fails. Like ``/healthz``, it logs nothing and reports nothing: a probe
every few seconds during an outage would otherwise flood the reports the outage already sent.
"""

import sqlalchemy as sa
from flask import Flask
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

from .database import alembic, db
from .errors import http_error_response
from .errors.database import RETRY_AFTER
from .openapi import operation
from .schemas import Readiness

# Where Alembic records the revision a database is at (read directly: Alembic's own API logs).
VERSION_TABLE = sa.table("alembic_version", sa.column("version_num"))


class NotReady(ServiceUnavailable):
    """A 503 whose ``reason`` member says what keeps the service from being ready."""

    def __init__(self, reason: str) -> None:
        super().__init__(retry_after=RETRY_AFTER)
        self.extensions = {"reason": reason}


@operation("Readiness: the database is up to date", response=Readiness, errors=(503,))
def readyz() -> ResponseReturnValue:
    try:
        with db.engine.connect() as connection:
            current: set[str] = set()
            if sa.inspect(connection).has_table(VERSION_TABLE.name):
                current = set(connection.scalars(sa.select(VERSION_TABLE.c.version_num)))
    except SQLAlchemyError:
        return http_error_response(NotReady("database unreachable"))
    if current != set(alembic.script_directory.get_heads()):
        return http_error_response(NotReady("not migrated"))
    return {"status": "ready"}, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.add_url_rule("/readyz", view_func=readyz)
