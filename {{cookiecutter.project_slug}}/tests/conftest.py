import pytest

from {{ cookiecutter.project_slug }} import create_app


def fail():
    raise RuntimeError("database refused password=hunter2")


@pytest.fixture
def make_app(tmp_path):
    """Build the app for a test: test settings, then ``config``, plus a view that fails."""

    def make_app(**config):
        app = create_app(
            {
                "TESTING": True,
                # Let unhandled exceptions reach the 500 handler, as they do in production.
                "PROPAGATE_EXCEPTIONS": False,
{%- if cookiecutter.use_file_logging %}
                "LOG_FILE": str(tmp_path / "logs" / "app.log"),
{%- endif %}
{%- if cookiecutter.use_sentry %}
                "SENTRY_DSN": None,
{%- endif %}
                **config,
            }
        )
        app.add_url_rule("/fail", "fail", fail)
        app.add_url_rule(f"{app.config['API_PREFIX']}/fail", "api_fail", fail)
        return app

    return make_app


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
