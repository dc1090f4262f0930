"""The application factory, ``create_app()``, which ``flask --app`` finds and calls."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
{%- set modules = [
    "catalogue",
    "database" if cookiecutter.use_database,
    "docs",
    "errors",
    "framing",
    "health",
    "openapi",
    "problems" if cookiecutter.use_database,
    "proxies",
    "ratelimits",
    "readiness" if cookiecutter.use_database,
    "reporting",
    "request_id",
    "routing",
    "sessions",
    "store" if cookiecutter.use_redis,
    "tracing" if cookiecutter.use_tracing,
    "views" if cookiecutter.layout == "single_module",
] | select | list %}

from . import (
{%- for module in modules %}
    {{ module }},
{%- endfor %}
)
{%- if cookiecutter.layout == "blueprints" %}
from .api import bp as api_bp
{%- endif %}
from .config import check_production_safety, from_environment, url_prefix
{%- if cookiecutter.use_database %}
from .errors import database as database_errors
{%- endif %}
{%- if cookiecutter.layout == "blueprints" %}
from .main import bp as main_bp
{%- endif %}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration from the environment, then ``config`` on top.

    An unsafe production configuration stops here. Reporting is set up before anything else can
    log, and error handling is registered on the app itself, where routing errors (404, 405) reach
    it too.
    """
    # Flask's instance folder, for local data (an SQLite file, say), is ./instance in the working
    # directory however the package is installed: Flask's own default moves into the virtual
    # environment for a package installed from a wheel.
    app = Flask(__name__, instance_path=str(Path("instance").resolve()))
    configure(app, config)
{%- if cookiecutter.use_redis %}
    store.init_app(app)  # before the reporters and the rate limits, which keep counts there
{%- endif %}
    routing.init_app(app)
    reporting.init_app(app)
{%- if cookiecutter.use_tracing %}
    tracing.init_app(app)  # before the middleware and the database, whose work its spans then show
{%- endif %}
    framing.init_app(app)
    proxies.init_app(app)
{%- if cookiecutter.use_tracing %}
    request_id.init_app(app, choose=tracing.request_id)
{%- else %}
    request_id.init_app(app)
{%- endif %}
    sessions.init_app(app)
{%- if cookiecutter.use_database %}
    database.init_app(app)
{%- endif %}
    errors.init_app(app)
{%- if cookiecutter.use_database %}
    database_errors.init_app(app)
{%- endif %}
{%- if cookiecutter.layout == "blueprints" %}
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp, url_prefix=app.config["API_PREFIX"])
{%- else %}
    views.init_app(app)
{%- endif %}
    health.init_app(app)
{%- if cookiecutter.use_database %}
    readiness.init_app(app)
{%- endif %}
{%- if cookiecutter.use_database %}
    openapi.init_app(
        app, references=database.foreign_key_fields, reference_type=problems.UNKNOWN_REFERENCE
    )
{%- else %}
    openapi.init_app(app)
{%- endif %}
    docs.init_app(app)
    catalogue.init_app(app)
    ratelimits.init_app(app)  # once every route is there
    return app


def configure(app: Flask, config: Mapping[str, Any] | None = None) -> None:
    """Give ``app`` its settings: from the environment, then ``config`` on top, then checked."""
    app.config.from_mapping(from_environment())
    if config is not None:
        app.config.from_mapping(config)
    app.config["API_PREFIX"] = url_prefix(app.config["API_PREFIX"])
    check_production_safety(app)
{%- if cookiecutter.use_database %}
    # A database URL the app cannot use (or whose driver is missing) stops it before it logs.
    database.engine_url(app.config["DATABASE_URL"])
{%- endif %}


def check_config() -> None:
    """Check the settings in the environment as ``create_app`` would, without building the app.

    gunicorn's master process calls this before it starts any worker (``on_starting`` in
    ``gunicorn.conf.py``), so that a mistake stops the server with one line rather than a traceback
    from every worker. It raises ``ConfigError``.
    """
    app = Flask(__name__)
    configure(app)
