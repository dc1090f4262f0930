"""Database failures, answered for what the database's own error code says they mean.

``database.CODES`` is the whole policy, by PostgreSQL's SQLSTATE and SQLite's result code:

- A refusal of what the client sent is answered as the client's, logged at INFO (no email, no
  Sentry event), and points at the field it concerns, found from the constraint the database
  names, not written by hand in each view (``Refusal``), each of its problem type
  (``problems.py``): a unique violation is a 409 ``taken`` (``is taken``; a column can name a
  type of its own, ``info={"taken": CODE_TAKEN}``); a reference to a row that does not exist is a
  422 ``unknown-reference``; a missing value, a check violation and a number or string too big for
  its column are 422s ``invalid``; a DELETE (or a key's UPDATE) of a row that others refer to is a
  409 ``referred-to`` naming the table that refers to it.
- A database that cannot be reached, is shutting down, has no connection or lock to spare within
  ``DATABASE_TIMEOUT``, or cannot read or write its file, is the service's temporary fault: a 503
  ``database-unavailable`` with ``Retry-After``. ``pool_pre_ping`` reconnects when the database is
  back, so the service heals without a restart.
- A serialization failure or a deadlock asks for the transaction to be run again:
  ``database.in_transaction`` does so once, and a second refusal is a 503.
- Anything else is a bug: a syntax error, an unknown table or column (the migrations not run), a
  value of the wrong type. It goes on to Flask as an unhandled exception, a 500 reported like any
  other.

The answers go through the app's ``HTTPException`` handler, which rolls the session back first.

An outage is logged for an operator to read (``Outage``): its first failure with the traceback,
each later one as a line, and a summary at most once a minute until the database is back. Each
process (each gunicorn worker) keeps its own ``Outage``: a service of 4 workers logs an outage's
traceback, and its end, up to 4 times.
"""

import threading
from collections.abc import Iterable, Iterator, Mapping
from time import monotonic
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

from .. import errors
from ..database import (
    REFUSALS,
    Meaning,
    Model,
    Write,
    db,
    error_code,
    field_name,
    integer_range,
    meaning,
)
from ..problems import (
    DATABASE_UNAVAILABLE,
    INVALID,
    REFERRED_TO,
    TAKEN,
    UNKNOWN_REFERENCE,
    ProblemType,
)

# Seconds a client is asked to wait before it tries again.
RETRY_AFTER = 5
# Seconds between two summaries of an outage that goes on.
SUMMARY_INTERVAL = 60
# How SQLite names the columns of a unique or NOT NULL violation: "...: order.code, order.item_id".
SQLITE_COLUMNS = ("UNIQUE constraint failed: ", "NOT NULL constraint failed: ")
# How SQLite names a check constraint: "CHECK constraint failed: ck_order_quantity_positive".
SQLITE_CHECK = "CHECK constraint failed: "


def pointer(column: sa.Column[Any]) -> str:
    """The JSON pointer of the field that a column's value comes from (``database.field_name``)."""
    return f"#/{field_name(column)}"


def constraints() -> Iterator[tuple[sa.Constraint | sa.Index, list[sa.Column[Any]]]]:
    """Every named constraint and unique index of the models, with the columns it concerns: a
    constraint declared on a column (``mapped_column(..., sa.CheckConstraint(...))``) concerns that
    column."""
    for table in Model.metadata.tables.values():
        for constraint in table.constraints:
            yield constraint, list(getattr(constraint, "columns", ()))
        for index in table.indexes:
            if index.unique:
                yield index, list(index.columns)
        for column in table.columns:
            for constraint in column.constraints:
                yield constraint, [column]


def find_constraint(
    name: str | None,
) -> tuple[sa.Constraint | sa.Index | None, list[sa.Column[Any]]]:
    for constraint, columns in constraints():
        if name is not None and constraint.name == name:
            return constraint, columns
    return None, []


def find_table(name: str | None, schema: str | None = None) -> sa.Table | None:
    """The models' table ``name`` (in ``schema``, where the database names one)."""
    tables = Model.metadata.tables
    return tables.get(f"{schema}.{name}") or tables.get(name or "")


def named_columns(text: str) -> list[sa.Column[Any]]:
    """The columns an SQLite message names as ``table.column``, separated by commas."""
    found = []
    for name in text.split(", "):
        table_name, _, column_name = name.rpartition(".")
        table = find_table(table_name)
        if table is not None:
            found += [column for column in table.columns if column.name == column_name]
    return found


class Refusal:
    """What the database refused, read from its error: the constraint (by the name PostgreSQL
    gives, or SQLite's message names) and its columns; and, from ``database.note_the_write``, the
    statement's table, verb and values, for what the error does not name."""

    def __init__(self, error: DBAPIError) -> None:
        self.meaning = meaning(error)
        self.write: Write | None = getattr(error, "write", None)
        diagnostic = getattr(error.orig, "diag", None)
        message = str(error.orig)
        self.constraint: sa.Constraint | sa.Index | None = None
        self.columns: list[sa.Column[Any]] = []
        if diagnostic is not None:  # PostgreSQL names the constraint, or the column
            self.constraint, self.columns = find_constraint(diagnostic.constraint_name)
            table = find_table(diagnostic.table_name, diagnostic.schema_name)
            if not self.columns and table is not None:
                named = diagnostic.column_name
                self.columns = [column for column in table.columns if column.name == named]
        elif message.startswith(SQLITE_COLUMNS):
            self.columns = named_columns(message.partition(": ")[2])
        elif message.startswith(SQLITE_CHECK):
            self.constraint, self.columns = find_constraint(message.removeprefix(SQLITE_CHECK))

    def rows(self) -> list[Mapping[str, Any]]:
        return list(self.write.rows) if self.write is not None else []

    def answer(self) -> errors.APIError:
        match self.meaning:
            case Meaning.CONFLICT:
                return errors.APIError(
                    "The request conflicts with data that exists already.",
                    type=taken_type(self.columns),
                    errors=[{"detail": "is taken", "pointer": pointer(c)} for c in self.columns],
                )
            case Meaning.REFERENCE:
                return self.reference()
            case Meaning.REQUIRED:
                return invalid((column, "is required") for column in self.columns)
            case Meaning.CHECK:
                rule = self.constraint.name if self.constraint is not None else "a rule"
                # A check of several columns, declared on the table, points at the whole body.
                return invalid((column, f"is not allowed by {rule}") for column in self.columns)
            case _:
                return invalid(self.values_out_of_range())

    def reference(self) -> errors.APIError:
        """A foreign key refused the write: a written row refers to one that does not exist
        (422), or a row others refer to would be deleted or lose its key (409)."""
        if self.write is None:  # text SQL, or a check deferred to the commit: no side is known,
            # and so no type.
            return errors.APIError(
                "The request conflicts with how the stored rows refer to each other.", status=409
            )
        table, verb = self.write.table, self.write.verb
        keys = self.foreign_keys()
        if verb != "delete":
            own = [key for key in keys if key.table is table]
            missing = [key for key in own if self.has_no_row(key)]
            if missing or verb == "insert":
                return invalid(
                    (
                        (column, f"refers to no existing {key.referred_table.name}")
                        for key in missing or own
                        for column in key.columns
                    ),
                    type=UNKNOWN_REFERENCE,
                )
        referring = [key for key in keys if key.referred_table is table]
        used = [key for key in referring if self.is_referred_to(key)] or referring
        tables = sorted({key.table.name for key in used})
        return errors.APIError(
            f"This {table.name} is referred to by rows of {', '.join(tables)}: "
            "delete or change those first.",
            type=REFERRED_TO,
            referred_to_by=tables,
        )

    def foreign_keys(self) -> list[sa.ForeignKeyConstraint]:
        """The foreign key the database refused: by name on PostgreSQL; on SQLite, which does not
        name it, every key of the written table and every key referring to it, for the lookups
        after the rollback to tell which."""
        if isinstance(self.constraint, sa.ForeignKeyConstraint):
            return [self.constraint]
        if self.write is None:
            return []
        table = self.write.table
        return [
            key
            for other in Model.metadata.tables.values()
            for key in other.foreign_key_constraints
            if key.table is table or key.referred_table is table
        ]

    def has_no_row(self, key: sa.ForeignKeyConstraint) -> bool:
        """Whether a written row's key names a row that does not exist (a key with a null in it
        names none)."""
        referred = [element.column for element in key.elements]
        keys = [[row.get(column.key) for column in key.columns] for row in self.rows()]
        return any(None not in values and not exists(referred, values) for values in keys)

    def is_referred_to(self, key: sa.ForeignKeyConstraint) -> bool:
        """Whether rows of ``key``'s table refer to a row the statement deletes or changes."""
        table = key.referred_table
        referred = [element.column for element in key.elements]
        # The old key: an UPDATE binds it as <table>_<column> (its SET holds the new one).
        keys = [
            [row.get(f"{table.name}_{column.key}", row.get(column.key)) for column in referred]
            for row in self.rows()
        ]
        return any(None not in values and exists(key.columns, values) for values in keys)

    def values_out_of_range(self) -> list[tuple[sa.Column[Any], str]]:
        """The values too big for their columns (PostgreSQL names none of them)."""
        if self.write is None:
            return []
        found = []
        for column in self.write.table.columns:
            for row in self.rows():
                value = row.get(column.key)
                span = integer_range(column)
                length = getattr(column.type, "length", None)
                if isinstance(value, int) and span is not None and value not in span:
                    found.append((column, "is out of range"))
                elif isinstance(value, str) and length is not None and len(value) > length:
                    found.append((column, f"is longer than {length} characters"))
        return list(dict.fromkeys(found))


def exists(columns: Iterable[sa.Column[Any]], values: list[Any]) -> bool:
    """Whether a row has ``values`` in ``columns``."""
    found = sa.select(sa.literal(1)).where(
        *(column == value for column, value in zip(columns, values, strict=True))
    )
    return db.session.execute(found).first() is not None


def invalid(
    entries: Iterable[tuple[sa.Column[Any], str]], type: ProblemType = INVALID
) -> errors.APIError:
    """A 422 pointing at each column's field; at the whole body (``#``) when no column is known."""
    found: dict[str, str] = {}
    for column, detail in entries:
        found.setdefault(pointer(column), detail)
    return errors.ValidationError(found or {"#": "is not allowed by the database"}, type=type)


def taken_type(columns: Iterable[sa.Column[Any]]) -> ProblemType:
    """The type of a unique violation: a column's own (``mapped_column(..., unique=True,
    info={"taken": CODE_TAKEN})``), or ``taken``."""
    return next((column.info["taken"] for column in columns if "taken" in column.info), TAKEN)


class DatabaseUnavailable(ServiceUnavailable):
    """A 503 of the type ``database-unavailable``."""

    problem_type = DATABASE_UNAVAILABLE


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


def written(error: SQLAlchemyError) -> bool:
    return getattr(error, "write", None) is not None


def handle_database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    match meaning(error):
        # A number too big in a read is the query's bug; in a write, what the client sent.
        case refused if refused in REFUSALS and (refused is not Meaning.TOO_BIG or written(error)):
            # The lookups that find the fields need a session that works again.
            db.session.rollback()
            answer = Refusal(error).answer()  # type: ignore[arg-type]
            current_app.logger.info(
                "%s %s on %s [%s]: %s",
                answer.code,
                answer.name,
                request.path,
                request.method,
                error_code(error),
            )
            return current_app.handle_http_exception(answer)
        case Meaning.UNAVAILABLE | Meaning.RETRY:
            unavailable = DatabaseUnavailable(retry_after=RETRY_AFTER)
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
