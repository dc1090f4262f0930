"""Error reports to Sentry through sentry-sdk's Flask integration.

Off (no network at all) unless ``SENTRY_DSN`` is set. Flask's ``got_request_exception`` reports
each unhandled exception, and sentry-sdk's logging integration every ERROR record, such as the one
``errors`` logs for an ``abort(5xx)``; the two reports of one exception are merged into one event.
Each event is tagged with the request id.

Events are scrubbed before they leave the process:

- sentry-sdk's ``EventScrubber``, made recursive and with card and email keys added, replaces
  values under sensitive keys (``password``, ``token``, ``authorization``, ``cookie``,
  ``remote_addr``...) in headers, the request body, local variables and breadcrumbs;
- ``scrub`` (the ``before_send`` hook) drops cookies, masks the value of any key that contains a
  sensitive word (``access_token``, ``X-Auth-Token``, ``new_password``), and masks query-string
  values and anything shaped like a card number or an email address wherever they appear: the
  request, the exception's message, local variables (the WSGI environ, a request's repr).

{%- if cookiecutter.use_database %}

An event for a database error keeps no local variables: SQLAlchemy's frames hold the statement's
parameters, and the view's the values it was about to store.
{%- endif %}

sentry-sdk's ``send_default_pii`` stays off. To send more, take keys out of ``DENYLIST`` or a
step out of ``scrub``.
"""

import logging
import re
from importlib.metadata import PackageNotFoundError, version
from typing import cast
from urllib.parse import parse_qsl, urlsplit

import sentry_sdk
from flask import Flask, has_request_context
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.types import Event, Hint
{%- if cookiecutter.use_database %}
from sqlalchemy.exc import StatementError
{%- endif %}

from ..request_id import request_id

logger = logging.getLogger(__name__)
FILTERED = "[Filtered]"
DENYLIST = [*DEFAULT_DENYLIST, "card", "card_number", "cvc", "cvv", "email", "query_string"]
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A value in a URL's query string, wherever a URL shows up (the request, a repr, the WSGI environ).
QUERY_VALUE = re.compile(r"([?&][^=&#\s'\"<>]+=)[^&#\s'\"<>]+")
# A key whose value is masked wherever it appears: "access_token", "X-Auth-Token", "new_password"...
SENSITIVE_KEY = re.compile(
    r"passw|secret|token|auth|cookie|session|api.?key|card|cvc|cvv|email", re.IGNORECASE
)
# Identifiers and timings the SDK sets itself; nothing a user typed is in them.
SDK_MEMBERS = frozenset({"event_id", "timestamp", "start_timestamp", "contexts", "sdk"})


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_card_number(match: re.Match[str]) -> str:
    return FILTERED if passes_luhn(re.sub(r"\D", "", match[0])) else match[0]


def mask(value: object) -> object:
    """``value`` with sensitive keys' values, card numbers, email addresses and query values masked,
    however deep."""
    if isinstance(value, str):
        value = QUERY_VALUE.sub(rf"\1{FILTERED}", value)
        return EMAIL.sub(FILTERED, CARD_NUMBER.sub(mask_card_number, value))
    if isinstance(value, dict):
        return {
            key: FILTERED if isinstance(key, str) and SENSITIVE_KEY.search(key) else mask(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


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
    # Each member keeps its shape: mask only replaces strings, and values under sensitive keys.
    masked = {key: value if key in SDK_MEMBERS else mask(value) for key, value in event.items()}
    return cast(Event, masked)


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
        integrations=[FlaskIntegration()],
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
