"""One request full of secrets fails, and no channel a report leaves by repeats any of them.

The same request goes to every channel this project has: the console (text on stderr, JSON lines on
stdout){% if cookiecutter.use_file_logging %}, the log file{% endif %}{% if cookiecutter.use_email_logging %}, email{% endif %}{% if cookiecutter.use_sentry %}, Sentry{% endif %}. Each check proves the request carried
every secret (the view saw it) and that the channel reported the failure (its scrubbed message and
the request's id), so that no absence passes by default.
"""

import logging

import pytest
{%- if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
from flask import request

from {{ cookiecutter.project_slug }}.reporting.scrub import ScrubFilter, scrub_data, scrub_text

from conftest import (
    ACCESS_TOKEN,
    AUTH_TOKEN,
    BEARER_TOKEN,
    CARD_NUMBER,
    COOKIE,
    EMAIL,
    NEW_PASSWORD,
    PASSWORD,
    QUERY_TOKEN,
    REQUEST_SECRETS,
{%- if cookiecutter.use_email_logging %}
    Inbox,
{%- endif %}
)

REQUEST_ID = "scrub-check-1"
SCRUBBED_MESSAGE = "card [Filtered] of [Filtered] was declined"
CHANNELS = [
    "text_console",
    "json_console",
{%- if cookiecutter.use_file_logging %}
    "log_file",
{%- endif %}
{%- if cookiecutter.use_email_logging %}
    "email",
{%- endif %}
{%- if cookiecutter.use_sentry %}
    "sentry",
{%- endif %}
]


@pytest.fixture
def text_console(capsys):
    """The settings that report on this channel, and a function that reads what it received."""
    return {}, lambda: capsys.readouterr().err


@pytest.fixture
def json_console(capsys):
    return {"LOG_FORMAT": "json"}, lambda: capsys.readouterr().out
{%- if cookiecutter.use_file_logging %}


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "scrubbed.log"
    return {"LOG_FILE": str(path)}, lambda: path.read_text(encoding="utf-8")
{%- endif %}
{%- if cookiecutter.use_email_logging %}


@pytest.fixture
def email(smtp_server):
    inbox = Inbox()
    settings = {
        "TESTING": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server(inbox),
        "ADMINS": ["ops@example.com"],
    }

    def read():
        [message] = inbox.wait_for(1)
        return f"{message['Subject']}\n{message.get_content()}"

    return settings, read
{%- endif %}
{%- if cookiecutter.use_sentry %}


@pytest.fixture
def sentry(sentry_sink):
    dsn, events, envelopes = sentry_sink

    def read():
        sentry_sdk.flush(timeout=10)
        assert events, "no event reached the sink"
        return b"".join(envelopes).decode()

    return {"SENTRY_DSN": dsn}, read
{%- endif %}


@pytest.fixture(params=CHANNELS)
def channel(request):
    return request.getfixturevalue(request.param)


def test_the_secrets_are_all_shaped_for_a_rule():
    """Each secret, written as the request sends it, is one the policy masks."""
    assert scrub_text(f"/pay?token={QUERY_TOKEN}") == "/pay?token=[Filtered]"
    assert scrub_text(f"password={PASSWORD}") == "password=[Filtered]"
    assert scrub_text(f"Authorization: Bearer {BEARER_TOKEN}") == "Authorization: [Filtered]"
    assert scrub_text(f"card {CARD_NUMBER} of {EMAIL}") == "card [Filtered] of [Filtered]"
    assert scrub_text("order 1234 5678 1234 5678") == "order 1234 5678 1234 5678"  # not Luhn


def test_structured_data_is_scrubbed_however_deep():
    """As Sentry's events are: the whole value under a sensitive key, and every string."""
    data = {
        "user": {"Email": EMAIL, "notes": [f"card {CARD_NUMBER}", 3]},
        "X-Api-Key": {"value": QUERY_TOKEN},
        "page": 2,
    }
    assert scrub_data(data) == {
        "user": {"Email": "[Filtered]", "notes": ["card [Filtered]", 3]},
        "X-Api-Key": "[Filtered]",
        "page": 2,
    }


def test_no_secret_of_a_failing_request_reaches_the_channel(make_app, channel):
    settings, received = channel
    app = make_app(**settings)
    seen = []

    def pay(holder):
        payment = request.get_json()
        seen.append(
            " ".join([request.full_path, request.get_data(as_text=True), str(request.headers)])
        )
        raise RuntimeError(f"card {payment['number']} of {holder} was declined")

    app.add_url_rule("/pay/<holder>", "pay", pay, methods=["POST"])
    client = app.test_client()
    client.set_cookie("session", COOKIE)
    response = client.post(
        f"/pay/{EMAIL}?token={QUERY_TOKEN}&page=2",
        json={
            "password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "access_token": ACCESS_TOKEN,
            "number": CARD_NUMBER,
        },
        headers={
            "Authorization": f"Bearer {BEARER_TOKEN}",
            "X-Auth-Token": AUTH_TOKEN,
            "User-Agent": f"probe/1.0 (+mailto:{EMAIL})",
            "X-Request-ID": REQUEST_ID,
        },
    )
    assert response.status_code == 500
    [carried] = seen
    text = received()
    # The request carried each secret, and the channel reported its failure.
    assert [secret for secret in REQUEST_SECRETS if secret not in carried] == []
    assert SCRUBBED_MESSAGE in text
    assert REQUEST_ID in text
    assert [secret for secret in REQUEST_SECRETS if secret in text] == []


def test_a_records_stack_is_scrubbed_too(app, capsys):
    stack = f"Stack (most recent call last):\n  charging the card of {EMAIL}"
    record = app.logger.makeRecord(
        app.logger.name, logging.WARNING, __file__, 1, "A slow payment", None, None, sinfo=stack
    )
    app.logger.handle(record)
    stderr = capsys.readouterr().err
    assert "A slow payment" in stderr
    assert "charging the card of [Filtered]" in stderr
    assert EMAIL not in stderr


def test_a_record_whose_arguments_do_not_fit_says_so_without_them(capsys):
    """Logging's own error path (``handleError``) would print the arguments, raw, to stderr."""
    logger = logging.getLogger("test_unformattable")
    handler = logging.StreamHandler()
    handler.addFilter(ScrubFilter())
    logger.addHandler(handler)
    try:
        logger.warning("%d orders for password=%s", "many", PASSWORD)
    finally:
        logger.removeHandler(handler)
    stderr = capsys.readouterr().err
    said = "A log message could not be formatted (TypeError): %d orders for password=[Filtered]"
    assert said in stderr
    assert PASSWORD not in stderr
    assert "--- Logging error ---" not in stderr
