"""One request full of secrets fails, and no channel a report leaves by repeats any of them.

The same request goes to every channel this project has: the console (text on stderr, JSON lines on
stdout){% if cookiecutter.use_file_logging %}, the log file{% endif %}{% if cookiecutter.use_email_logging %}, email{% endif %}{% if cookiecutter.use_sentry %}, Sentry{% endif %}{% if cookiecutter.use_tracing %}, the
request's trace{% endif %}. Each check proves the request carried
every secret (the view saw it) and that the channel reported the failure (its scrubbed message and
the request's id), so that no absence passes by default.
"""

{% if cookiecutter.use_tracing -%}
import json
{% endif -%}
import logging
import string

import pytest
{%- if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
from flask import request
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
{%- if cookiecutter.use_tracing %}
from opentelemetry import trace
{%- endif %}

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
CLIENT_ADDRESS = "203.0.113.77"
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
{%- if cookiecutter.use_tracing %}
    "spans",
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


{%- if cookiecutter.use_tracing %}


@pytest.fixture
def spans(collector):
    """The request's spans, as the collector received them (the client's own X-Request-ID is the
    server span's ``http.request.header.x-request-id``)."""
    collector.spans.clear()

    def read():
        trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
        assert collector.spans, "no span reached the collector"
        return json.dumps(collector.spans)

    return {"TRACES_ENDPOINT": f"{collector.url}/v1/traces"}, read
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
        try:
            int(payment["password"])  # its message repeats the value, with no key to know it by
        except ValueError:
            holds = {}
            try:
                holds[request.headers["X-Auth-Token"]]  # and a KeyError repeats the token
            except KeyError as unknown:  # raised while handling the ValueError: both reported
                message = f"card {payment['number']} of {holder} was declined"
                raise RuntimeError(message) from unknown

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
        environ_base={"REMOTE_ADDR": CLIENT_ADDRESS},
    )
    assert response.status_code == 500
    [carried] = seen
    text = received()
    # The request carried each secret, and the channel reported its failure.
    assert [secret for secret in REQUEST_SECRETS if secret not in carried] == []
    assert SCRUBBED_MESSAGE in text
    assert REQUEST_ID in text
    # The errors that repeated a value with no key were reported, the value masked.
    assert "ValueError" in text and "KeyError" in text
    assert [secret for secret in REQUEST_SECRETS if secret in text] == []
    # The client's address is the access log's, not the reports'.
    assert CLIENT_ADDRESS not in text


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


# Where a secret can stand in a report, "<>" marking it: after keys, quoted or not, over spaces, in
# JSON, a repr, a form's pairs, headers, a query string, a URL's path. (A path alone, outside a
# URL, could be a file's in a traceback: within a request, the request's own path is masked by
# value, as the last test shows.)
TEXT_SYNTAXES = [
    "password=<>",
    "password = <>",
    "login failed, password: <>",
    "pwd=<>; retrying",
    "PIN: <>",
    "otp=<>",
    "ssn: <>",
    "credentials = <>",
    "private_key=<>",
    '{"password": "<>", "user": "bob"}',
    "{'api_key': '<>', 'page': 2}",
    "ImmutableMultiDict([('pin', '<>'), ('page', '2')])",
    'client_secret="<>"',
    "Authorization: Bearer <>",
    "X-Auth-Token: <>",
]
URL_SYNTAXES = [
    "GET /pay?token=<>&page=2",
    "https://shop.example.com/reset-password/<>/confirm",
    "https://shop.example.com/api/tokens/<>",
    "Cookie: session=<>; theme=dark",
    "redirecting to https://shop.example.com/?code=<>",
]
# What a client may choose as a secret. Unquoted, a value runs over spaces up to a word that looks
# like a key itself ("key=", "key:"), so a secret written unquoted holds no "=" or ":".
WORD = st.text(string.ascii_letters + string.digits + "-_.~!$%^*+,;()[]{}/#", min_size=6)
URL_SAFE = st.text(string.ascii_letters + string.digits + "-_.~", min_size=8, max_size=40)
TEXT_SECRET = st.lists(WORD, min_size=1, max_size=3).map(" ".join)


def is_plain(secret: str) -> bool:
    """A secret that no rule would mask anywhere, and that the mask itself does not spell: the
    controls below need one."""
    return secret not in "[Filtered]" and scrub_text(f"note {secret}") == f"note {secret}"


@settings(max_examples=100, deadline=None)
@given(secret=TEXT_SECRET, syntax=st.sampled_from(TEXT_SYNTAXES))
def test_a_secret_after_a_sensitive_key_is_masked_whole_in_any_syntax(secret, syntax):
    assume(is_plain(secret) and secret not in syntax)
    text = syntax.replace("<>", secret)
    assert secret in text  # the control: the secret was there to leak
    assert secret not in scrub_text(text)


@settings(max_examples=100, deadline=None)
@given(secret=URL_SAFE, syntax=st.sampled_from(URL_SYNTAXES))
def test_a_secret_in_a_url_a_path_or_a_cookie_is_masked(secret, syntax):
    assume(is_plain(secret) and secret not in syntax)
    text = syntax.replace("<>", secret)
    assert secret in text
    assert secret not in scrub_text(text)


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        ("JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWF"),
        ("bare bearer", "Bearer 8f3kq93jfa0weu4nv"),
        ("IBAN", "GB82 WEST 1234 5698 7654 32"),
        ("IBAN, compact", "DE89370400440532013000"),
        ("URL credentials", "postgresql://app:s3cr3t-pw@db:5432/app"),
        ("PEM", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----"),
        ("AWS key", "AKIAIOSFODNN7EXAMPLE"),
        ("GitHub token", "ghp_" + "a1B2c3D4e5" * 4),
        ("Slack token", "xoxb-2048-bot-token-value"),
        ("Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ],
)
def test_a_secret_known_by_its_shape_is_masked_with_no_key(shape, text):
    scrubbed = scrub_text(f"the value was {text}, then")
    assert scrubbed.startswith("the value was ") and scrubbed.endswith(", then")
    secret = text.split("://")[-1].split("@")[0] if shape == "URL credentials" else text
    assert secret not in scrubbed


def test_a_shape_whose_check_digits_fail_is_left_alone():
    assert scrub_text("order GB82 WEST 1234 5698 7654 33") == "order GB82 WEST 1234 5698 7654 33"


@pytest.fixture
def reporting_app(make_app):
    """An app whose view fails with the values the request sent in its errors' messages, raw, as
    ``int(password)`` or a ``KeyError`` would: no key or shape tells them apart."""
    app = make_app()

    def reset(token):
        password = request.get_json()["password"]
        try:
            int(password)
        except ValueError:
            holds = {}
            try:
                holds[request.headers["X-Api-Key"]]
            except KeyError as unknown:
                message = f"no reset {token!r} for {request.cookies['session']}"
                raise RuntimeError(message) from unknown

    app.add_url_rule("/reset-password/<token>", "reset", reset, methods=["POST"])
    return app


# One app for every example: each example's request, and the report it makes, are its own.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secrets=st.lists(URL_SAFE.filter(lambda value: not value.isdigit()), min_size=4, max_size=4))
def test_what_a_request_sent_as_a_secret_is_masked_wherever_it_reappears(
    reporting_app, capsys, secrets
):
    assume(all(is_plain(secret) for secret in secrets) and len(set(secrets)) == 4)
    password, token, api_key, cookie = secrets
    client = reporting_app.test_client()
    client.set_cookie("session", cookie)
    capsys.readouterr()
    response = client.post(
        f"/reset-password/{token}", json={"password": password}, headers={"X-Api-Key": api_key}
    )
    assert response.status_code == 500
    report = capsys.readouterr().err
    # The control: the report was made, with the errors that repeated each value.
    assert "RuntimeError: no reset '[Filtered]' for [Filtered]" in report
    assert "ValueError: invalid literal for int() with base 10: '[Filtered]'" in report
    assert "KeyError: '[Filtered]'" in report
    assert [secret for secret in secrets if secret in report] == []
