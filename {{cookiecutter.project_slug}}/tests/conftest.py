import pytest
from flask import abort

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.config import from_environment


def fail():
    raise RuntimeError("database refused password=hunter2")


def gone():
    abort(410, description="This page was retired in 2024.")


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
                # Let unhandled exceptions reach the 500 handler, as they do in production.
                "PROPAGATE_EXCEPTIONS": False,
{%- if cookiecutter.use_file_logging %}
                "LOG_FILE": str(tmp_path / "logs" / "app.log"),
{%- endif %}
                **config,
            }
        )
        app.add_url_rule("/fail", "fail", fail)
        app.add_url_rule("/gone", "gone", gone)
        app.add_url_rule(f"{app.config['API_PREFIX']}/fail", "api_fail", fail)
        return app

    return make_app


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
