import pytest
from flask import abort

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.config import from_environment
from {{ cookiecutter.project_slug }}.errors import ValidationError

SECRET = "hunter2"


def fail():
    raise RuntimeError(f"database refused password={SECRET}")


def gone():
    abort(410, description="This page was retired in 2024.")


def abort_with(status):
    abort(status, description=f"An internal note that mentions {SECRET}.")


def invalid():
    raise ValidationError({"#/quantity": "must be at least 1"})


@pytest.fixture
def make_app(tmp_path):
    """Build the app for a test: the defaults (whatever the shell has set), test settings, then
    ``config``; plus views that fail."""

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
        return app

    return make_app


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
