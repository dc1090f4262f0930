{%- if cookiecutter.use_database -%}
import os

{% endif -%}
import pytest
from flask import {% if cookiecutter.use_database %}Flask, {% endif %}abort

from {{ cookiecutter.project_slug }} import create_app{% if cookiecutter.use_database %}, database{% endif %}
from {{ cookiecutter.project_slug }}.config import from_environment
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model, alembic, db
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
@pytest.fixture(scope="session")
def database_app(tmp_path_factory):
    """A bare app on the test database, whose schema is at the migrations' head for the session.

    The database is an SQLite file of the session's own, or the one ``TEST_DATABASE_URL`` names:
    the same tests then run on PostgreSQL. It is emptied after each test, and downgraded at the
    end.
    """
    default = f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
    app = Flask(__name__)
    app.config.update(DATABASE_URL=os.environ.get("TEST_DATABASE_URL") or default)
    app.config.update(DATABASE_TIMEOUT=5)
    database.init_app(app)
    # An app a test builds from the environment alone uses this database too.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DATABASE_URL", app.config["DATABASE_URL"])
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
