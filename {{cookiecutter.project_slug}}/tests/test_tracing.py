"""Traces, as a real OTLP/HTTP collector on loopback receives them (``conftest.Collector``).

Each request is a server span whose trace id is the request's id; a caller's ``traceparent`` is
continued; a 5xx marks its span and records the exception once, a 4xx does not; a collector that
refuses, or does not answer, changes no response. Served by gunicorn with its gevent workers, every
request's span arrives, and a collector stopped mid-traffic changes no status code.
"""

import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
{%- if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
from opentelemetry.propagate import inject

from {{ cookiecutter.project_slug }} import tracing
from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment

from conftest import SECRET, flush, free_port, start_collector

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
PROJECT = Path(__file__).resolve().parents[1]


def test_tracing_is_off_without_an_endpoint(make_app, caplog):
    caplog.set_level(logging.INFO, logger="{{ cookiecutter.project_slug }}")
    app = make_app()
    response = app.test_client().get("/no-such-page", headers={"X-Request-ID": "abc-123"})
    assert "tracing" not in app.extensions
    assert response.headers["X-Request-ID"] == "abc-123"  # the client's id, as without tracing
    assert "Tracing is off: OTEL_EXPORTER_OTLP_ENDPOINT is not set." in caplog.messages


@pytest.mark.parametrize(
    ("variables", "endpoint"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, "http://otel:4318/v1/traces"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "https://o.example/"}, "https://o.example/v1/traces"),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/custom",
            },
            "http://traces:4318/custom",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_SDK_DISABLED": "true"}, None),
        ({}, None),
    ],
)
def test_the_endpoint_follows_opentelemetry_s_variables(variables, endpoint):
    assert from_environment(variables)["TRACES_ENDPOINT"] == endpoint


@pytest.mark.parametrize("value", ["collector:4318", "grpc://collector:4317", "http://"])
def test_an_endpoint_that_is_no_http_url_stops_the_app(value):
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_ENDPOINT must be an http"):
        from_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": value})


def test_a_request_is_a_server_span_with_its_route_and_status(traced_app, collector):
    response = traced_app.test_client().get("/problems/")
    flush(traced_app)
    span = collector.server_span(response.headers["X-Request-ID"])
    assert span["service"] == traced_app.name
    assert span["name"] == "GET /problems/"
    assert span["attributes"]["http.route"] == "/problems/"
    assert span["attributes"]["http.response.status_code"] == response.status_code
    assert span["status"] == collector.UNSET


def test_the_request_id_is_the_trace_id_everywhere_it_is_quoted(traced_app, collector, caplog):
    """The header, the log lines and the problem body all give the trace's id; the client's own
    ``X-Request-ID`` is kept on the span, where a search for it finds the trace."""
    response = traced_app.test_client().get("/fail", headers={"X-Request-ID": "caller-7"})
    flush(traced_app)
    request_id = response.headers["X-Request-ID"]
    span = collector.server_span(request_id)
    assert len(request_id) == 32 and request_id != "caller-7"
    assert span["attributes"]["request_id"] == request_id
    assert span["attributes"]["http.request.header.x-request-id"] == ["caller-7"]
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert record.request_id == request_id
    assert request_id in response.get_data(as_text=True)


def test_a_callers_traceparent_is_continued(traced_app, collector):
    traceparent = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"
    response = traced_app.test_client().get("/problems/", headers={"traceparent": traceparent})
    flush(traced_app)
    assert response.headers["X-Request-ID"] == TRACE_ID
    span = collector.server_span(TRACE_ID)
    assert span["parent_span_id"] == CALLER_SPAN_ID


def test_an_outgoing_call_carries_the_trace(traced_app, collector):
    """A view that calls another service as the README shows: the service called continues the
    request's trace."""
    received = []

    class Inventory(BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.headers.get("traceparent"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"12")

        def log_message(self, *args):
            pass

    inventory = ThreadingHTTPServer(("127.0.0.1", 0), Inventory)
    threading.Thread(target=inventory.handle_request, daemon=True).start()

    def stock():
        headers: dict[str, str] = {}
        inject(headers)
        request = Request(f"http://127.0.0.1:{inventory.server_port}/stock/7", headers=headers)
        with urlopen(request, timeout=5) as answer:
            return answer.read()

    traced_app.add_url_rule("/stock", "stock", stock)
    response = traced_app.test_client().get("/stock")
    inventory.server_close()
    flush(traced_app)
    assert response.get_data() == b"12"
    span = collector.server_span(response.headers["X-Request-ID"])
    [traceparent] = received
    version, trace_id, parent_id, flags = traceparent.split("-")
    assert (trace_id, parent_id) == (span["trace_id"], span["span_id"])
    assert int(flags, 16) & 1  # sampled


def test_a_caller_that_samples_its_trace_out_is_followed(traced_app, collector):
    """Parent-based sampling: no span for a trace the caller did not sample, but the same id."""
    traceparent = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-00"
    response = traced_app.test_client().get("/problems/", headers={"traceparent": traceparent})
    flush(traced_app)
    assert response.headers["X-Request-ID"] == TRACE_ID
    assert collector.trace(TRACE_ID) == []


def test_an_unhandled_exception_marks_the_span_and_is_recorded_once(traced_app, collector):
    response = traced_app.test_client().get("/fail")
    flush(traced_app)
    assert response.status_code == 500
    span = collector.server_span(response.headers["X-Request-ID"])
    assert span["status"] == collector.ERROR
    assert span["attributes"]["http.response.status_code"] == 500
    [event] = [event for event in span["events"] if event["name"] == "exception"]
    assert event["attributes"]["exception.type"] == "RuntimeError"
    # The message, as every report has it: the password after its key masked.
    assert event["attributes"]["exception.message"] == "database refused password=[Filtered]"
    assert SECRET not in json.dumps(span)


def test_a_server_error_raised_on_purpose_marks_the_span(traced_app, collector):
    response = traced_app.test_client().get("/abort/503")
    flush(traced_app)
    span = collector.server_span(response.headers["X-Request-ID"])
    assert span["status"] == collector.ERROR
    assert span["attributes"]["http.route"] == "/abort/<int:status>"


@pytest.mark.parametrize("path", ["/no-such-page", "/abort/404", "/abort/429"])
def test_a_client_error_does_not_mark_the_span(traced_app, collector, path):
    response = traced_app.test_client().get(path)
    flush(traced_app)
    assert 400 <= response.status_code < 500
    span = collector.server_span(response.headers["X-Request-ID"])
    assert span["status"] == collector.UNSET
    assert span["attributes"]["http.response.status_code"] == response.status_code
    assert span["events"] == []


{%- if cookiecutter.use_sentry %}


def test_a_sentry_event_is_in_the_request_s_trace(make_app, collector, sentry_sink):
    dsn, events, _ = sentry_sink
    app = make_app(TRACES_ENDPOINT=f"{collector.url}/v1/traces", SENTRY_DSN=dsn)
    response = app.test_client().get("/fail")
    sentry_sdk.flush(timeout=10)
    request_id = response.headers["X-Request-ID"]
    [event] = events
    assert event["tags"]["request_id"] == request_id
    assert event["contexts"]["trace"]["trace_id"] == request_id
{%- endif %}


def test_the_headers_opentelemetry_s_own_settings_capture_are_scrubbed(
    traced_app, collector, monkeypatch
):
    """OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST (and _RESPONSE) put the headers they
    name on the span, each as a sequence: a sensitive one is filtered whole, any other scrubbed."""
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", ".*")
    sent = {"X-Api-Key": f"key-{SECRET}", "X-Note": f"see key-{SECRET}", "Accept-Language": "en-GB"}
    response = traced_app.test_client().get("/no-such-page", headers=sent)
    flush(traced_app)
    attributes = collector.server_span(response.headers["X-Request-ID"])["attributes"]
    assert attributes["http.request.header.accept_language"] == ["en-GB"]  # captured, as is
    assert attributes["http.request.header.x_api_key"] == "[Filtered]"
    assert attributes["http.request.header.x_note"] == ["see [Filtered]"]
    assert SECRET not in json.dumps(attributes)


def test_the_probes_are_not_traced(traced_app, collector):
    response = traced_app.test_client().get("/healthz")
    flush(traced_app)
    assert response.status_code == 200
    assert collector.trace(response.headers["X-Request-ID"]) == []
{%- if cookiecutter.use_database %}


def test_each_sql_statement_is_a_client_span_within_the_request(traced_app, collector):
    response = traced_app.test_client().get(f"{traced_app.config['API_PREFIX']}/items/1")
    flush(traced_app)
    assert response.status_code == 404
    server = collector.server_span(response.headers["X-Request-ID"])
    trace = collector.trace(server["trace_id"])
    statements = [span for span in trace if span["kind"] == collector.CLIENT]
    [select] = [span for span in statements if span["name"].startswith("SELECT")]
    assert "FROM item" in select["attributes"]["db.statement"]
    assert {span["parent_span_id"] for span in statements} == {server["span_id"]}
{%- endif %}


def quiet_from_now(app, capsys):
    """Send what is queued, the collector answering, then start the exporter's minute of quiet
    now, with nothing printed yet: no line that an earlier test's spans caused counts here."""
    flush(app)
    for name in tracing.EXPORT_LOGGERS:
        for quiet in logging.getLogger(name).filters:
            if isinstance(quiet, tracing.OncePerInterval):
                quiet.last = -quiet.interval
    capsys.readouterr()


def test_the_export_loggers_complain_once_a_minute_between_them(traced_app, capsys):
    quiet_from_now(traced_app, capsys)
    for _ in range(2):
        for name in tracing.EXPORT_LOGGERS:
            logging.getLogger(name).error("Failed to export span batch")
    complaints = [line for line in capsys.readouterr().err.splitlines() if "opentelemetry" in line]
    assert len(complaints) == 1, complaints


@pytest.mark.parametrize("away", ["refusing", "hanging"])
def test_a_collector_away_changes_no_response_and_says_so_once(traced_app, collector, capsys, away):
    quiet_from_now(traced_app, capsys)
    client = traced_app.test_client()
    paths = ("/problems/", "/fail", "/no-such-page")
    expected = [client.get(path).status_code for path in paths]
    if away == "refusing":
        collector.refusing = True
    else:
        collector.hanging.set()
    for _ in range(2):  # two batches, both lost
        assert [client.get(path).status_code for path in paths] == expected
        flush(traced_app)
    complaints = [line for line in capsys.readouterr().err.splitlines() if "opentelemetry" in line]
    # One line for the failed exports, as a warning (never an error report); none for each request.
    assert len(complaints) == 1, complaints
    assert " WARNING opentelemetry." in complaints[0]


# Served as in production: gunicorn, its gevent workers, gunicorn.conf.py.
REQUESTS = 200


@pytest.fixture
def own_collector():
    collector = start_collector()
    yield collector
    collector.stop()


@pytest.fixture
def served(own_collector, tmp_path):
    """gunicorn serving the project with two gevent workers, tracing to a collector of its own."""
    collector = own_collector
    port = free_port()
    environment = {
        **os.environ,
        "SECRET_KEY": "a-secret-key-for-the-tests-0123456789",
        "TRUSTED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1",  # a stopped collector: each export gives up in a second
{%- if cookiecutter.use_database %}
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
{%- endif %}
{%- if cookiecutter.use_file_logging %}
        "LOG_FILE": str(tmp_path / "served.log"),
{%- endif %}
{%- if cookiecutter.use_redis %}
        "REDIS_URL": "redis://127.0.0.1:1/0",  # away: the limits count per process
{%- endif %}
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
    yield port, server
    if server.poll() is None:
        server.kill()
        server.wait()


def get_all(port, paths):
    """``GET`` each path over four keep-alive connections; the status of each, in order."""

    def get_some(some):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        statuses = []
        for path in some:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
        return statuses

    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(get_some, [paths[i::4] for i in range(4)]))
    return [parts[i % 4][i // 4] for i in range(len(paths))]


def stop(server):
    """SIGTERM, as a platform stops the service: each worker sends what it has queued."""
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    return server.stderr.read()


def test_served_by_gevent_workers_every_request_is_a_span(served, own_collector):
    collector = own_collector
    port, server = served
    statuses = get_all(port, [f"/no-such-page/{n}" for n in range(REQUESTS)])
    log = stop(server)
    assert statuses == [404] * REQUESTS
    servers = [span for span in collector.spans if span["kind"] == collector.SERVER]
    assert len(servers) >= REQUESTS * 0.99, log
    assert "gevent" in log and "Tracing is on" in log


def test_served_a_collector_stopped_mid_traffic_changes_no_status(served, own_collector):
    port, server = served
    before = get_all(port, [f"/no-such-page/{n}" for n in range(REQUESTS // 2)])
    own_collector.stop()
    after = get_all(port, [f"/no-such-page/{n}" for n in range(REQUESTS // 2)])
    log = stop(server)
    assert before == after == [404] * (REQUESTS // 2)
    assert "Traceback" not in log
