"""The application factory, ``create_app()``, which ``flask --app`` finds and calls."""

from collections.abc import Mapping
from typing import Any

from flask import Flask
{% if cookiecutter.layout == "blueprints" %}
from . import {% if cookiecutter.use_database %}database, {% endif %}errors, health, {% if cookiecutter.use_database %}readiness, {% endif %}reporting, request_id
from .api import bp as api_bp
from .config import check_production_safety, from_environment, url_prefix
{%- if cookiecutter.error_format != "json" %}
from .main import bp as main_bp
{%- endif %}
{%- else %}
from . import {% if cookiecutter.use_database %}database, {% endif %}errors, health, {% if cookiecutter.use_database %}readiness, {% endif %}reporting, request_id, views
from .config import check_production_safety, from_environment, url_prefix
{%- endif %}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration from the environment, then ``config`` on top.

    An unsafe production configuration stops here. Reporting is set up before anything else can
    log, and error handling is registered on the app itself, where routing errors (404, 405) reach
    it too.
    """
    app = Flask(__name__)
    app.config.from_mapping(from_environment())
    if config is not None:
        app.config.from_mapping(config)
    app.config["API_PREFIX"] = url_prefix(app.config["API_PREFIX"])
    check_production_safety(app)

    reporting.init_app(app)
    request_id.init_app(app)
{%- if cookiecutter.use_database %}
    database.init_app(app)
{%- endif %}
    errors.init_app(app)
{%- if cookiecutter.layout == "blueprints" %}
{%- if cookiecutter.error_format != "json" %}
    app.register_blueprint(main_bp)
{%- endif %}
    app.register_blueprint(api_bp, url_prefix=app.config["API_PREFIX"])
{%- else %}
    views.init_app(app)
{%- endif %}
    health.init_app(app)
{%- if cookiecutter.use_database %}
    readiness.init_app(app)
{%- endif %}
    return app
