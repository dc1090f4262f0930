"""Error reports to Sentry through sentry-sdk's Flask integration.

Off (no network at all) unless ``SENTRY_DSN`` is set. Flask's ``got_request_exception`` reports
each unhandled exception, and sentry-sdk's logging integration every ERROR record, such as the one
``errors`` logs for an ``abort(5xx)``; the two reports of one exception are merged into one event.
Each event is tagged with the request id.

Events are scrubbed before they leave the process, by the rules every other channel follows
(``reporting.scrub``):

- sentry-sdk's ``EventScrubber``, made recursive and with card and email keys added, replaces
  values under sensitive keys (``password``, ``token``, ``authorization``, ``cookie``,
  ``remote_addr``...) in headers, the request body, local variables and breadcrumbs;
- ``scrub`` (the ``before_send`` hook) drops cookies and masks every query-string value, then
  applies ``scrub.scrub_data`` to the whole event: the value of any key that contains a sensitive
  word (``access_token``, ``X-Auth-Token``, ``new_password``), sensitive pairs, the secrets known
  by their shape (card numbers, email addresses, tokens, the segment after ``/reset-password/``)
  and the values the request sent as secrets, wherever they appear: the request, the exception's
  message, a log record's, local variables (the WSGI environ, a request's repr). An event from
  outside a request (a background job, another library's logger) is scrubbed the same way, by
  the rules that need no request.
{%- if cookiecutter.use_database %}

An event for a database error keeps no local variables: SQLAlchemy's frames hold the statement's
parameters, and the view's the values it was about to store.
{%- endif %}

sentry-sdk's ``send_default_pii`` stays off. To mask more, add a rule to ``reporting.scrub``: every
channel follows. To send more to Sentry alone, take keys out of ``DENYLIST``.
"""

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import cast
from urllib.parse import parse_qsl, urlsplit

import sentry_sdk
from flask import Flask, has_request_context
from sentry_sdk.integrations.flask import FlaskIntegration
{%- if cookiecutter.use_tracing %}
from sentry_sdk.integrations.otlp import OTLPIntegration
{%- endif %}
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.types import Event, Hint
{%- if cookiecutter.use_database %}
from sqlalchemy.exc import StatementError
{%- endif %}

from ..request_id import request_id
from .scrub import FILTERED, scrub_data

logger = logging.getLogger(__name__)
DENYLIST = [
    *DEFAULT_DENYLIST,
    *("card", "card_number", "cvc", "cvv", "iban", "email", "query_string"),
    *("pwd", "pin", "ssn", "otp", "credentials", "private_key", "passphrase", "passcode"),
]
# Identifiers and timings the SDK sets itself; nothing a user typed is in them.
SDK_MEMBERS = frozenset({"event_id", "timestamp", "start_timestamp", "contexts", "sdk"})


{%- if cookiecutter.use_database %}


def from_the_database(hint: Hint) -> bool:
    """Whether the exception behind an event, or one it was raised from, is a database error."""
    error: BaseException | None = (hint.get("exc_info") or (None, None, None))[1]
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, StatementError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def drop_local_variables(event: Event) -> None:
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
{%- endif %}


def scrub(event: Event, hint: Hint) -> Event:
{%- if cookiecutter.use_database %}
    if from_the_database(hint):
        drop_local_variables(event)
{%- endif %}
    request = event.get("request") or {}
    request.pop("cookies", None)
    if isinstance(query := request.get("query_string"), str) and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        request["query_string"] = "&".join(f"{name}={FILTERED}" for name, _ in pairs)
    if has_request_context():
        event.setdefault("tags", {})["request_id"] = request_id()
    # Each member keeps its shape: scrub_data replaces strings, and values under sensitive keys.
    scrubbed = {
        key: value if key in SDK_MEMBERS else scrub_data(value) for key, value in event.items()
    }
    return cast(Event, scrubbed)


def release(app: Flask) -> str | None:
    try:
        return f"{app.name}@{version(app.name)}"
    except PackageNotFoundError:
        return None


def init_app(app: Flask) -> None:
    if sentry_sdk.get_client().is_active():
        sentry_sdk.get_client().close()
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        logger.info("Sentry reporting is off: SENTRY_DSN is not set.")
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=release(app),
{%- if cookiecutter.use_tracing %}
        # Events carry the OpenTelemetry trace's id (the request's id); the spans go to the
        # collector the tracing module names, not to Sentry, and its propagator stays.
        integrations=[
            FlaskIntegration(),
            OTLPIntegration(setup_otlp_traces_exporter=False, setup_propagator=False),
        ],
{%- else %}
        integrations=[FlaskIntegration()],
{%- endif %}
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        before_send=scrub,
        before_send_transaction=scrub,  # should tracing be turned on
    )
    # Where events go, but never the DSN's key.
    logger.info(
        "Sentry reporting is on: to %s, environment %s.",
        urlsplit(dsn).hostname,
        app.config["SENTRY_ENVIRONMENT"],
    )
