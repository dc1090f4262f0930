"""A readiness check for load balancers and orchestrators: ``GET /readyz``.

200 when the database answers and its schema is at the migrations' head; otherwise a 503 problem
that says which: the database is unreachable, or migrations are pending. Take an instance out of
rotation on a 503 here, and restart it only when ``/healthz`` (liveness, which never touches the
database) fails. Like ``/healthz``, it logs nothing and reports nothing: a probe every few seconds
during an outage would otherwise flood the reports the outage already sent.
"""

import sqlalchemy as sa
from flask import Flask
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from .database import alembic, db
from .errors.database import RETRY_AFTER
from .openapi import operation
from .request_id import request_id
from .schemas import Readiness

# Where Alembic records the revision a database is at (read directly: Alembic's own API logs).
VERSION_TABLE = sa.table("alembic_version", sa.column("version_num"))


def not_ready(detail: str) -> ResponseReturnValue:
    problem = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": detail,
        "request_id": request_id(),
    }
    headers = {
        "Content-Type": "application/problem+json",
        "Cache-Control": "no-store",
        "Retry-After": str(RETRY_AFTER),
    }
    return problem, 503, headers


@operation("Readiness: the database is up to date", response=Readiness, problems=(503,))
def readyz() -> ResponseReturnValue:
    try:
        with db.engine.connect() as connection:
            current: set[str] = set()
            if sa.inspect(connection).has_table(VERSION_TABLE.name):
                current = set(connection.scalars(sa.select(VERSION_TABLE.c.version_num)))
    except SQLAlchemyError:
        return not_ready("The database is unreachable.")
    if current != set(alembic.script_directory.get_heads()):
        return not_ready("The database schema is not at the latest migration: run the migrations.")
    return {"status": "ready"}, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.add_url_rule("/readyz", view_func=readyz)
