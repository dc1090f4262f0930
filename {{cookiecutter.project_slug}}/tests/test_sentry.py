"""Error reports to Sentry: the real sentry-sdk, sending to an endpoint on loopback."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk


class EnvelopeSink(BaseHTTPRequestHandler):
    """Records the events in each envelope that sentry-sdk posts."""

    events: list

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                self.events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_events():
    events = []
    handler = type("Sink", (EnvelopeSink,), {"events": events})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public@127.0.0.1:{server.server_port}/1", events
    sentry_sdk.get_client().close()
    server.shutdown()
    server.server_close()


def test_unhandled_exception_is_reported_once_and_client_errors_not(make_app, sentry_events):
    dsn, events = sentry_events
    client = make_app(SENTRY_DSN=dsn).test_client()
    client.get("/fail")
    client.get("/no-such-page")
    client.get("/api/items/999")
    sentry_sdk.flush(timeout=10)
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"


def test_an_app_without_a_dsn_stops_an_earlier_apps_reports(make_app, sentry_events, caplog):
    dsn, events = sentry_events
    make_app(SENTRY_DSN=dsn)
    make_app().test_client().get("/fail")
    sentry_sdk.flush(timeout=10)
    assert "Sentry reporting is off" in caplog.text
    assert events == []
