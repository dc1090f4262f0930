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
"""

import sys
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask_alembic import Alembic
from flask_alembic.cli import cli as alembic_commands
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError
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
    """Flask-Alembic's ``db`` commands, with a hint for Flask-Migrate's forms of them."""

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
alembic = Alembic(metadatas=Model.metadata, run_mkdir=False, command_name="")
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
        sa.event.listen(db.engine, "handle_error", keep_values_out_of_errors)
