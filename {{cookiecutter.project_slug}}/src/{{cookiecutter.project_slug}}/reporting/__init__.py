"""Error reporting: the one place that sets up logging for the app.

``init_app`` runs in ``create_app`` before anything logs. It configures the app's logger, which is
named after the package, so a module's ``logging.getLogger(__name__)`` reports through it too, and
puts the console handler in place of Flask's default one. Each handler is installed under a fixed
name, replacing the one an earlier app put there, so building the app twice (as the tests do)
never writes a line twice. Each stamps its records with the id of their request, and scrubs them
(``scrub.ScrubFilter``) before it formats them: no channel repeats a secret from a request.

Each reporter says at start-up, at INFO, whether it is on and where its reports go, when the app is
built to serve. The ``flask`` command's other commands (``db``, ``routes``, ``shell``) keep quiet
about it, and write no log file into the directory they run in.
"""

import logging

from flask import Flask, has_request_context
from flask.logging import default_handler

from ..config import serving
from ..request_id import request_id
{%- set reporters = [
    "console",
    "email" if cookiecutter.use_email_logging,
    "logfile" if cookiecutter.use_file_logging,
    "sentry" if cookiecutter.use_sentry,
] | select | list %}
from . import {{ reporters | join(", ") }}
from .scrub import ScrubFilter


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record as ``request_id`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        return True


def install(logger: logging.Logger, name: str, handler: logging.Handler | None) -> None:
    """Put ``handler`` on ``logger`` as ``name``, closing any handler of that name already there."""
    for old in [old for old in logger.handlers if old.get_name() == name]:
        logger.removeHandler(old)
        old.close()
    if handler is not None:
        handler.set_name(name)
        handler.addFilter(RequestIdFilter())
        handler.addFilter(ScrubFilter())
        logger.addHandler(handler)


def init_app(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)
    to_serve = serving()
    # The reporters' start-up lines come from their modules' loggers, under this one.
    logging.getLogger(__name__).setLevel(logging.NOTSET if to_serve else logging.WARNING)
    install(app.logger, "console", console.create_handler(app))
{%- if cookiecutter.use_file_logging %}
    install(app.logger, "logfile", logfile.create_handler(app) if to_serve else None)
{%- endif %}
{%- if cookiecutter.use_email_logging %}
    install(app.logger, "email", email.create_handler(app))
{%- endif %}
{%- if cookiecutter.use_sentry %}
    sentry.init_app(app)
{%- endif %}
