"""Error reports to Sentry: the real sentry-sdk, sending to an endpoint on loopback."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from flask import request

# Kept away from the view below: the event carries the source lines around the failing one.
QUERY_TOKEN = "query-token-value"
PASSWORD = "body-password"
CARD_NUMBER = "4111 1111 1111 1111"
EMAIL = "jane@example.com"
BEARER_TOKEN = "header-token"
COOKIE = "cookie-value"
API_KEY = "sk-live-local-variable"
ACCESS_TOKEN = "body-access-token"
NEW_PASSWORD = "body-new-password"
AUTH_TOKEN = "x-auth-token-header"
CLIENT_SECRET = "local-client-secret"
SECRETS = [
    QUERY_TOKEN,
    PASSWORD,
    CARD_NUMBER,
    EMAIL,
    BEARER_TOKEN,
    COOKIE,
    API_KEY,
    ACCESS_TOKEN,
    NEW_PASSWORD,
    AUTH_TOKEN,
    CLIENT_SECRET,
]


class EnvelopeSink(BaseHTTPRequestHandler):
    """Records each envelope that sentry-sdk posts, raw, and the events in it."""

    events: list
    envelopes: list

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.envelopes.append(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                self.events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_sink():
    """A DSN for the sink, the events it received and every envelope's raw bytes."""
    events, envelopes = [], []
    handler = type("Sink", (EnvelopeSink,), {"events": events, "envelopes": envelopes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits for the loop to look up.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://public@127.0.0.1:{server.server_port}/1", events, envelopes
    sentry_sdk.get_client().close()
    server.shutdown()
    server.server_close()


def test_unhandled_exception_is_reported_once_and_client_errors_not(make_app, sentry_sink):
    dsn, events, _ = sentry_sink
    client = make_app(SENTRY_DSN=dsn).test_client()
    response = client.get("/fail")
    client.get("/no-such-page")
    client.get("/api/items/999")
    client.get("/abort/429")
    sentry_sdk.flush(timeout=10)
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_raised_on_purpose_is_reported(make_app, sentry_sink, status):
    dsn, events, _ = sentry_sink
    response = make_app(SENTRY_DSN=dsn).test_client().get(f"/abort/{status}")
    sentry_sdk.flush(timeout=10)
    [event] = events
    assert event["level"] == "error"
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]


def test_secrets_in_the_request_never_leave_the_process(make_app, sentry_sink):
    dsn, events, envelopes = sentry_sink
    app = make_app(SENTRY_DSN=dsn)

    def pay():
        api_key = API_KEY  # noqa: F841 (local variables that look secret)
        client_secret = CLIENT_SECRET  # noqa: F841
        payment = request.get_json()
        raise RuntimeError(f"card {payment['number']} of {payment['holder']} was declined")

    app.add_url_rule("/pay", "pay", pay, methods=["POST"])
    app.test_client().post(
        f"/pay?token={QUERY_TOKEN}&page=2",
        json={
            "password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "access_token": ACCESS_TOKEN,
            "number": CARD_NUMBER,
            "holder": EMAIL,
        },
        headers={
            "Authorization": f"Bearer {BEARER_TOKEN}",
            "Cookie": f"session={COOKIE}",
            "X-Auth-Token": AUTH_TOKEN,
        },
    )
    sentry_sdk.flush(timeout=10)
    [event] = events
    assert event["exception"]["values"][0]["value"] == "card [Filtered] of [Filtered] was declined"
    sent = b"".join(envelopes)
    for secret in SECRETS:
        assert secret.encode() not in sent, secret


{% if cookiecutter.use_database -%}
def test_no_value_of_a_failing_insert_reaches_sentry(make_app, sentry_sink):
    dsn, events, envelopes = sentry_sink
    make_app(SENTRY_DSN=dsn).test_client().post("/store-untrimmed")
    sentry_sdk.flush(timeout=10)
    [event] = events
    assert event["exception"]["values"][-1]["type"] == "IntegrityError"
    # conftest.py's store_untrimmed stores it
    assert b"inserted-secret-value" not in b"".join(envelopes)


{% endif -%}
def test_start_up_says_where_events_go_but_not_the_key(make_app, sentry_sink, caplog):
    dsn, _, _ = sentry_sink
    make_app(SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging")
    assert "Sentry reporting is on: to 127.0.0.1, environment staging." in caplog.text
    assert "public@" not in caplog.text


def test_an_app_without_a_dsn_stops_an_earlier_apps_reports(make_app, sentry_sink, caplog):
    dsn, events, _ = sentry_sink
    make_app(SENTRY_DSN=dsn)
    make_app().test_client().get("/fail")
    sentry_sdk.flush(timeout=10)
    assert "Sentry reporting is off" in caplog.text
    assert events == []
