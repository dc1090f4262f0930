{%- if cookiecutter.use_database -%}
import contextlib
import os
from collections.abc import Iterator

{% endif -%}
import pytest
{%- if cookiecutter.use_database %}
import sqlalchemy as sa
{%- endif %}
from flask import {% if cookiecutter.use_database %}Flask, {% endif %}abort

from {{ cookiecutter.project_slug }} import create_app{% if cookiecutter.use_database %}, database{% endif %}
from {{ cookiecutter.project_slug }}.config import from_environment
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model, alembic, db, engine_url
{%- endif %}
from {{ cookiecutter.project_slug }}.errors import ValidationError
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.models import Item
{%- endif %}

SECRET = "hunter2"
{%- if cookiecutter.use_database %}
# A value in a failing INSERT, which no report may repeat.
INSERTED = "inserted-secret-value"
{%- endif %}


def fail():
    raise RuntimeError(f"database refused password={SECRET}")


def gone():
    abort(410, description="This page was retired in 2024.")


def abort_with(status):
    abort(status, description=f"An internal note that mentions {SECRET}.")


def invalid():
    raise ValidationError({"#/quantity": "must be at least 1"})
{%- if cookiecutter.use_database %}


def store_untrimmed():
    # A bug: the name is not trimmed, and the database's check constraint refuses the INSERT.
    db.session.add(Item(name=f" {INSERTED} "))
    db.session.commit()
    return "stored"
{%- endif %}


{% if cookiecutter.use_database -%}
# Set on each database the tests create on a PostgreSQL server: they drop no other.
OWN_DATABASE = "Made by the tests of {{ cookiecutter.project_slug }}, and dropped when they end."


@contextlib.contextmanager
def database_of_its_own(server: sa.URL) -> Iterator[sa.URL]:
    """A new database ``test_<name>`` beside the one ``server`` names, dropped at the end.

    As in pytest-django, ``TEST_DATABASE_URL`` is only the way in to the server: the tests never
    read, change or drop the database it names. A ``test_<name>`` left by an interrupted run is
    made again; one the tests did not make stops them before they start, untouched.
    """
    name = f"test_{server.database or 'postgres'}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    quoted = engine.dialect.identifier_preparer.quote(name)
    find = sa.text(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"
    )
    with engine.connect() as connection:
        found = connection.execute(find, {"name": name}).first()
        if found is not None and found[0] != OWN_DATABASE:
            pytest.exit(
                f"TEST_DATABASE_URL: the database {name} exists and the tests did not make it; "
                "they will not touch it (drop or rename it yourself)",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        try:
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        except sa.exc.ProgrammingError:
            pytest.exit(
                f"TEST_DATABASE_URL: its user may not create the test database {name}; "
                "grant it CREATEDB",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"COMMENT ON DATABASE {quoted} IS '{OWN_DATABASE}'")
        yield server.set(database=name)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """The URL of the session's own database, never one that holds data the tests did not make.

    An SQLite file in a temporary directory; or, when ``TEST_DATABASE_URL`` names a PostgreSQL
    server, a database the session creates there and drops at the end. ``DATABASE_URL`` is never
    read.
    """
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    server = engine_url(given) if given else None
    if server is None or server.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
        return
    with database_of_its_own(server) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_app(database_url):
    """A bare app on the test database, whose schema is at the migrations' head for the session.

    The tests empty the database after each test and downgrade it at the end: it is their own.
    """
    app = Flask(__name__)
    app.config.update(DATABASE_URL=database_url, DATABASE_TIMEOUT=5)
    database.init_app(app)
    # An app a test builds from the environment alone uses this database too.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DATABASE_URL", database_url)
        with app.app_context():
            alembic.upgrade()
        # No app context stays pushed while the tests run: each test's app pushes its own.
        yield app
        with app.app_context():
            alembic.downgrade("base")
            db.engine.dispose()


@pytest.fixture(autouse=True)
def empty_database(database_app):
    yield
    with database_app.app_context(), db.engine.begin() as connection:
        for table in reversed(Model.metadata.sorted_tables):
            connection.execute(table.delete())


{% endif -%}
@pytest.fixture
def make_app(tmp_path{% if cookiecutter.use_database %}, database_app{% endif %}):
    """Build the app for a test: the defaults (whatever the shell has set), test settings, then
    ``config``; plus views that fail."""
{%- if cookiecutter.use_database %}
    apps = []
{%- endif %}

    def make_app(**config):
        app = create_app(
            {
                **from_environment({}),
                "DEBUG": False,
                "TESTING": True,
                "SECRET_KEY": "a-secret-key-for-the-tests-0123456789",
                # Let unhandled exceptions reach the 500 handler, as they do in production.
                "PROPAGATE_EXCEPTIONS": False,
{%- if cookiecutter.use_file_logging %}
                "LOG_FILE": str(tmp_path / "logs" / "app.log"),
{%- endif %}
{%- if cookiecutter.use_database %}
                "DATABASE_URL": database_app.config["DATABASE_URL"],
{%- endif %}
                **config,
            }
        )
        api = app.config["API_PREFIX"]
        app.add_url_rule("/fail", "fail", fail, methods=["GET", "POST"])
        app.add_url_rule("/gone", "gone", gone)
        app.add_url_rule("/abort/<int:status>", "abort", abort_with)
        app.add_url_rule("/invalid", "invalid", invalid, methods=["POST"])
        app.add_url_rule(f"{api}/fail", "api_fail", fail)
        app.add_url_rule(f"{api}/abort/<int:status>", "api_abort", abort_with)
{%- if cookiecutter.use_database %}
        app.add_url_rule("/store-untrimmed", "store_untrimmed", store_untrimmed, methods=["POST"])
        apps.append(app)
{%- endif %}
        return app
{%- if cookiecutter.use_database %}

    yield make_app
    # Close each app's connections: many tests share one PostgreSQL server.
    for app in apps:
        with app.app_context():
            db.engine.dispose()
{%- else %}

    return make_app
{%- endif %}


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
