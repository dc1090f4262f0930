"""Error reporting: the one place that sets up logging for the app.

``init_app`` runs in ``create_app`` before anything logs.
{%- if cookiecutter.use_email_logging or cookiecutter.use_file_logging %}

Each reporter's handler is installed on the app's logger under a fixed name, replacing the one an
earlier app put there, so building the app twice (as the tests do) never writes a line twice.
{%- endif %}
"""

{%- if cookiecutter.use_email_logging or cookiecutter.use_file_logging %}

import logging
{%- endif %}

from flask import Flask
{%- set reporters = [
    "email" if cookiecutter.use_email_logging,
    "logfile" if cookiecutter.use_file_logging,
    "sentry" if cookiecutter.use_sentry,
] | select | list %}
{%- if reporters %}

from . import {{ reporters | join(", ") }}
{%- endif %}
{%- if cookiecutter.use_email_logging or cookiecutter.use_file_logging %}


def install(logger: logging.Logger, name: str, handler: logging.Handler | None) -> None:
    """Put ``handler`` on ``logger`` as ``name``, closing any handler of that name already there."""
    for old in [old for old in logger.handlers if old.get_name() == name]:
        logger.removeHandler(old)
        old.close()
    if handler is not None:
        handler.set_name(name)
        logger.addHandler(handler)
{%- endif %}


def init_app(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"])
{%- if cookiecutter.use_file_logging %}
    install(app.logger, "logfile", logfile.create_handler(app))
{%- endif %}
{%- if cookiecutter.use_email_logging %}
    install(app.logger, "email", email.create_handler(app))
{%- endif %}
{%- if cookiecutter.use_sentry %}
    sentry.init_app(app)
{%- endif %}
