"""The database: SQLAlchemy through Flask-SQLAlchemy, and migrations through Flask-Alembic.

``db.session`` is the current app context's session, closed when the context ends. ``DATABASE_URL``
names the database: an SQLite file in the instance folder by default, and ``postgresql://...`` (the
form hosting platforms hand out) on psycopg 3. The engine is set up for production:

- ``pool_pre_ping`` replaces a connection the server dropped (a restart, an idle timeout), so the
  service heals by itself when the database comes back;
- ``DATABASE_TIMEOUT`` bounds the wait for a connection, for a free one in the pool, and for a
  lock another transaction holds, so that a database that is down or stuck is a prompt 503 rather
  than a hung worker;
- no value a client sent reaches an error report: ``hide_parameters`` leaves the statement's
  parameters out of SQLAlchemy's messages, and ``keep_values_out_of_errors`` drops PostgreSQL's
  own text, which repeats them (``DETAIL: Key (name)=(...) already exists``).

The migrations are part of the package (``migrations/`` beside this module), so that ``flask --app
<package> db upgrade`` finds them however the package was installed, from any directory.
Each revision ``db revision`` writes is fixed and formatted by ruff (Alembic's post-write hooks),
so it passes the project's checks as written.

SQLite enforces foreign keys, as PostgreSQL does: each connection turns them on when it opens.

Here too is what the database's refusals mean (``CODES``, by PostgreSQL's SQLSTATE and SQLite's
result code) and ``in_transaction``, through which views write; ``errors.database`` answers each
refusal for what it means.
"""

import enum
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import sqlalchemy as sa
from alembic.util import CommandError
from flask import Flask
from flask_alembic import Alembic
from flask_alembic.cli import cli as alembic_commands
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase

from .config import ConfigError

# Constraints get predictable names, which migrations can refer to (and SQLite needs to alter).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The drivers the app is tested with: the standard library's sqlite3, and psycopg 3.
DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
# What an error report may say of a PostgreSQL error: the names of the schema objects involved.
SCHEMA_NAMES = ("schema_name", "table_name", "column_name", "constraint_name", "datatype_name")
# The width of each integer column type: a value outside it is refused by PostgreSQL, and by
# SQLite's driver past 64 bits (``schemas.Int16``, ``Int32`` and ``Int64`` keep to them). The
# narrow and wide types come first: both are kinds of ``Integer``.
INTEGER_BITS = {sa.SmallInteger: 16, sa.BigInteger: 64, sa.Integer: 32}
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Run by Alembic on each revision it writes, with the interpreter running the flask command (whose
# environment has ruff when it has the dev group): fix what ruff can, such as an unused import,
# then format. ruff finds the project's settings from the file, wherever the migrations live, and
# keeps no cache in the directory the command runs in.
POST_WRITE_HOOKS = {
    "hooks": "ruff_check, ruff_format",
    "ruff_check.type": "exec",
    "ruff_check.executable": sys.executable,
    "ruff_check.options": "-m ruff check --fix --no-cache REVISION_SCRIPT_FILENAME",
    "ruff_format.type": "exec",
    "ruff_format.executable": sys.executable,
    "ruff_format.options": "-m ruff format --no-cache REVISION_SCRIPT_FILENAME",
}
# What Flask-Migrate users type, which Flask-Alembic does otherwise.
FLASK_MIGRATE_HINT = (
    'this project migrates with Flask-Alembic: db revision "what changed" compares the models '
    "with the migrations by itself (no --autogenerate, no db migrate) and takes the message as "
    "its argument (no -m)"
)


class Model(DeclarativeBase):
    """The base of every model; its metadata is what the migrations are compared with."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class MigrationCommands(click.Group):
    """Flask-Alembic's ``db`` commands, with a hint for Flask-Migrate's forms of them, and
    Alembic's refusals as one line each instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommandError as error:
            message = str(error)
            if message == "Target database is not up to date.":
                message += f" Run flask --app {__package__} db upgrade first."
            raise click.ClickException(message) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        options = {arg.partition("=")[0] for arg in args}
        if args[:1] == ["migrate"] or (
            args[:1] == ["revision"] and options & {"--autogenerate", "-m", "--message"}
        ):
            raise click.UsageError(FLASK_MIGRATE_HINT, ctx)
        return super().resolve_command(ctx, args)


db = SQLAlchemy()


# Its commands are registered as `db` by init_app, below.
class Migrations(Alembic):
    """Flask-Alembic, running migrations on SQLite with foreign keys off, as Alembic's batch mode
    needs: it copies a table, drops the old one and renames the copy, and with foreign keys on,
    dropping a table that others refer to would delete their rows (``ON DELETE CASCADE``) or fail.
    They are on again before the connection goes back to the app."""

    def run_migrations(self, fn: Any, **kwargs: Any) -> None:
        contexts = self.migration_contexts.values()
        connections = [
            context.connection for context in contexts if context.dialect.name == "sqlite"
        ]
        for connection in connections:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            super().run_migrations(fn, **kwargs)
        finally:
            for connection in connections:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


alembic = Migrations(metadatas=Model.metadata, run_mkdir=False, command_name="")
migration_commands = MigrationCommands(
    "db",
    commands=alembic_commands.commands,
    callback=alembic_commands.callback,
    help=alembic_commands.help,
)


def engine_url(value: str) -> sa.URL:
    """``DATABASE_URL`` as SQLAlchemy's URL; ``postgres://`` and ``postgresql://`` use psycopg 3.

    The URL's driver is imported here, so that a missing one stops the ``flask`` command, and
    gunicorn before any worker boots, with one line saying what to install.
    """
    try:
        url = sa.make_url(value)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL must be a database URL such as sqlite:///app.db or "
            "postgresql://user:password@host/name"
        ) from None
    if url.drivername in {"postgres", "postgresql"}:
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"DATABASE_URL must be an SQLite or PostgreSQL URL, not {url.drivername}")
    if url.drivername not in DRIVERS:
        raise ConfigError(
            f"DATABASE_URL names the driver {url.get_driver_name()}, which this app does not use: "
            f"write {url.get_backend_name()}://... without +{url.get_driver_name()}"
        )
    try:
        url.get_dialect().import_dbapi()
    except ImportError:
        raise ConfigError(
            f"DATABASE_URL is a PostgreSQL URL but its driver, {url.get_driver_name()}, is not "
            "installed: install the postgresql extra (uv sync --extra postgresql, or pip install "
            "'.[postgresql]')"
        ) from None
    return url


def engine_options(url: sa.URL, timeout: int) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    # How long to wait for the database: to connect, and for a lock another transaction holds.
    if url.get_backend_name() == "postgresql":
        lock_timeout = f"-c lock_timeout={timeout * 1000}"
        options["connect_args"] = {"connect_timeout": timeout, "options": lock_timeout}
    else:
        options["connect_args"] = {"timeout": timeout}
    # An in-memory SQLite database is a single shared connection: there is no pool to wait for.
    if url.database not in {None, "", ":memory:"}:
        options["pool_timeout"] = timeout
    return options


def keep_values_out_of_errors(context: ExceptionContext) -> None:
    """Replace the text of a PostgreSQL error with its SQLSTATE and the schema objects it names.

    The server's message and its ``DETAIL`` quote the failing row (``Failing row contains ...``),
    the duplicate key, or the value that could not be parsed. The driver's exception and
    SQLAlchemy's, which repeats it, are the ones every report formats, so both are rewritten here,
    before they are raised. Errors without a SQLSTATE (a failed connection) and SQLite's, which
    are made from the schema alone, keep their text.
    """
    original = context.original_exception
    diagnostic = getattr(original, "diag", None)
    if diagnostic is None or diagnostic.sqlstate is None:
        return
    described = [f"SQLSTATE {diagnostic.sqlstate}"]
    for name in SCHEMA_NAMES:
        if value := getattr(diagnostic, name):
            described.append(f"{name.removesuffix('_name')} {value}")
    text = ", ".join(described)
    original.args = (text,)
    error = context.sqlalchemy_exception
    if error is not None:
        error.args = (f"({type(original).__module__}.{type(original).__name__}) {text}",)


def integer_range(column: sa.Column[Any]) -> range | None:
    """The values an integer column can hold, or None for a column of another type."""
    for integer, bits in INTEGER_BITS.items():
        if isinstance(column.type, integer):
            return range(-(2 ** (bits - 1)), 2 ** (bits - 1))
    return None


class Meaning(enum.Enum):
    CONFLICT = "the client's conflict with existing data: a duplicate"
    REFERENCE = "a row that refers to one that does not exist, or one that others refer to"
    REQUIRED = "a value the table requires is missing"
    CHECK = "a value the table's check refuses"
    TOO_BIG = "a value too long or too big for its column"
    UNAVAILABLE = "the database is unavailable for now"
    RETRY = "the database asks for the transaction to be run again"
    BUG = "a bug"


CODES = {
    # PostgreSQL (https://www.postgresql.org/docs/current/errcodes-appendix.html)
    "23505": Meaning.CONFLICT,  # unique_violation
    "23503": Meaning.REFERENCE,  # foreign_key_violation
    "23502": Meaning.REQUIRED,  # not_null_violation
    "23514": Meaning.CHECK,  # check_violation
    "22001": Meaning.TOO_BIG,  # string_data_right_truncation: longer than its column
    "22003": Meaning.TOO_BIG,  # numeric_value_out_of_range
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
    "SQLITE_CONSTRAINT_FOREIGNKEY": Meaning.REFERENCE,
    "SQLITE_CONSTRAINT_NOTNULL": Meaning.REQUIRED,
    "SQLITE_CONSTRAINT_CHECK": Meaning.CHECK,
    "SQLITE_TOOBIG": Meaning.TOO_BIG,  # a string or blob over SQLite's limit
    "SQLITE_BUSY": Meaning.UNAVAILABLE,  # another connection held the lock beyond the timeout
    "SQLITE_LOCKED": Meaning.UNAVAILABLE,
    "SQLITE_BUSY_SNAPSHOT": Meaning.RETRY,  # another connection wrote since this one read
    "SQLITE_CANTOPEN": Meaning.UNAVAILABLE,  # the file or its directory cannot be opened
    "SQLITE_IOERR": Meaning.UNAVAILABLE,
    "SQLITE_FULL": Meaning.UNAVAILABLE,
}

# What the client sent and the database refused: answered 409 or 422, never a reported 500.
REFUSALS = frozenset(
    {Meaning.CONFLICT, Meaning.REFERENCE, Meaning.REQUIRED, Meaning.CHECK, Meaning.TOO_BIG}
)


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


P = ParamSpec("P")
T = TypeVar("T")


def in_transaction(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``work(*args, **kwargs)`` and commit what it did, as one transaction.

    When the database asks for the transaction to be run again (a serialization failure, a
    deadlock), it is rolled back and run once more; a second refusal is raised, and answered 503.
    Any other error is raised at once, for ``errors.database`` to answer: a duplicate is a 409, a
    reference to a missing row or a value the table refuses a 422, each pointing at its field.
    ``work`` must make its changes afresh each time it is called: a rollback forgets the objects
    it added.
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


@dataclass(frozen=True)
class Write:
    """What a statement the database refused was writing: the table, the verb and the rows'
    values by column key (the values never reach a report: they stay on the exception)."""

    table: sa.Table
    verb: str  # "insert", "update" or "delete"
    rows: Sequence[Mapping[str, Any]] = field(repr=False)


def note_the_write(context: ExceptionContext) -> None:
    """Keep, on the error SQLAlchemy raises, what an INSERT, UPDATE or DELETE was writing
    (``error.write``), so that a refusal can be answered with the fields it concerns."""
    compiled = getattr(context.execution_context, "compiled", None)
    statement = getattr(compiled, "statement", None)
    if context.sqlalchemy_exception is None or not isinstance(
        statement, sa.Insert | sa.Update | sa.Delete
    ):
        return
    # Each row's values by bind name: a column's key for the values written, and for the
    # primary key an UPDATE or DELETE looks for (as ``<table>_<column>`` in an UPDATE).
    rows = context.execution_context.compiled_parameters  # type: ignore[union-attr]
    verb = "insert" if statement.is_insert else "update" if statement.is_update else "delete"
    # The models' own table (a statement built from a model holds an annotated copy of it).
    table = Model.metadata.tables.get(getattr(statement.table, "fullname", ""))
    if table is not None:
        context.sqlalchemy_exception.write = Write(table, verb, rows)  # type: ignore[attr-defined]


def field_name(column: sa.Column[Any]) -> str:
    """The name of the field a column's value comes from: its attribute's name in its model (a
    ``<Model>In`` schema names its fields the same), or its key in a table no model maps."""
    for mapper in Model.registry.mappers:
        if column.table is mapper.local_table:
            return mapper.get_property_by_column(column).key
    return column.key


def foreign_key_fields(model: type) -> list[str]:
    """The fields of ``model``, a ``<Model>In`` schema, whose columns refer to rows of another
    table: the document marks them (``openapi.init_app(app, references=foreign_key_fields)``)."""
    name = model.__name__
    for mapper in Model.registry.mappers:
        if name.endswith("In") and mapper.class_.__name__ == name.removesuffix("In"):
            return [field_name(column) for column in mapper.columns if column.foreign_keys]
    return []


def enforce_foreign_keys(connection: Any, record: Any) -> None:
    """SQLite checks foreign keys only when each connection asks it to."""
    connection.execute("PRAGMA foreign_keys = ON")


def init_app(app: Flask) -> None:
    url = engine_url(app.config["DATABASE_URL"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # Options given to create_app win, as for any setting (a test may want a shorter wait).
    options = engine_options(url, app.config["DATABASE_TIMEOUT"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    app.config.setdefault("ALEMBIC", {"script_location": str(MIGRATIONS)})
    app.config["ALEMBIC"].setdefault("post_write_hooks", POST_WRITE_HOOKS)
    db.init_app(app)
    alembic.init_app(app)
    app.cli.add_command(migration_commands)
    with app.app_context():
        # First, before any other listener (a tracer's) reads the error's text.
        sa.event.listen(db.engine, "handle_error", keep_values_out_of_errors, insert=True)
        sa.event.listen(db.engine, "handle_error", note_the_write)
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", enforce_foreign_keys)
