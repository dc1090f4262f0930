"""Traces of the requests, exported over OTLP/HTTP to an OpenTelemetry collector.

Off (no spans, no network) unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set (``config.py`` checks it). Everything else is
OpenTelemetry's standard settings, read by its SDK: ``OTEL_SERVICE_NAME`` (the package's name by
default), ``OTEL_TRACES_SAMPLER`` and ``OTEL_TRACES_SAMPLER_ARG`` (by default, every trace a caller
did not sample out: ``parentbased_always_on``), ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_BSP_*``...

Each request is a server span, started by OpenTelemetry's Flask instrumentation, with the HTTP
semantic conventions' stable attributes (``http.route``, ``http.response.status_code``).
{%- if cookiecutter.use_database %} Each SQL
statement is a client span within it.{% endif %}
A caller's W3C ``traceparent`` is continued; the README shows how to send it on to the services
this one calls.

One id to quote: a traced request's id (its ``X-Request-ID``, the ``request_id`` of its log lines
and of its problem{% if cookiecutter.use_sentry %}, Sentry's tag{% endif %}) is its trace's id, 32 hex digits, so that the id a user
quotes finds the trace. A client's own ``X-Request-ID`` is then no longer the request's id: it is
kept on the span, as ``http.request.header.x-request-id``.

A 5xx marks its span as an error, and an unhandled exception is recorded on it once; a 4xx does not
(the client's error, not the server's). Spans follow the reports' policy (``reporting.scrub``): each
is scrubbed in the request's thread as it ends, before it is queued, so that no query value, no
secret header or body value (nor a header that OpenTelemetry's own
``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*`` settings capture), and no client address leaves in
a span.

A collector away, slow or refusing costs a request nothing: spans wait in a bounded queue
(``OTEL_BSP_MAX_QUEUE_SIZE``, 2048) for a background greenlet that sends them in batches, and are
dropped when it is full. The SDK's complaints reach the console once a minute at most, as warnings,
never as error reports. The provider is made in ``create_app``: in each gunicorn worker after
gevent has patched the standard library (never in the master, and without ``preload_app``), in the
development server and in each ``flask`` command; once per process. At exit, what is still queued
gets ``SHUTDOWN_SECONDS`` to be sent.
"""

import atexit
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit
from wsgiref.types import WSGIEnvironment

from flask import Flask
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
{%- if cookiecutter.use_database %}
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
{%- endif %}
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode, format_trace_id
from opentelemetry.util.types import Attributes, AttributeValue

from . import request_id as request_ids
from .config import serving
from .reporting import console, install
from .reporting.scrub import FILTERED, is_sensitive, scrub_data

logger = logging.getLogger(__name__)

# The probes' requests are not traced, as they are not in the access log.
EXCLUDED_URLS = "/healthz${% if cookiecutter.use_database %},/readyz${% endif %}"
# At exit, how long the spans still queued get to be sent: well within gunicorn's graceful_timeout.
SHUTDOWN_SECONDS = 5.0
# The most often the exporter's complaints reach the log.
LOG_INTERVAL = 60.0
# The loggers through which the SDK says it could not send (or had to drop) spans.
EXPORT_LOGGERS = (OTLPSpanExporter.__module__, "opentelemetry.sdk._shared_internal")
# What the server wrote itself, from nothing a client typed: the method (the instrumentation names
# an unknown one _OTHER), the route's template, the scheme, the protocol's version, the request id.
SERVER_MADE = frozenset(
    {"http.request.method", "http.route", "url.scheme", "network.protocol.version", "request_id"}
)
# The client's address is in the access log, never in a report: nor in a span.
CLIENT_ADDRESS = frozenset(
    {"client.address", "client.port", "net.peer.ip", "net.peer.port", "http.client_ip"}
)


class OncePerInterval(logging.Filter):
    """Let one record through every ``interval`` seconds, as a one-line warning: the collector
    being away is worth a line on the console, not an error report (Sentry's logging integration,
    which sees every record a logger lets through, records a warning as a breadcrumb only)."""

    def __init__(self, interval: float) -> None:
        super().__init__()
        self.interval = interval
        self.last = -interval

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            return False
        self.last = now
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if record.exc_info and record.exc_info[1] is not None:
            # One line: the exception's type, not its traceback (older SDKs let a refused
            # connection's escape).
            error = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__})", None
            record.exc_info, record.exc_text = None, None
        return True


def scrubbed(span: ReadableSpan) -> ReadableSpan:
    """``span`` as the reports' policy lets it leave: every string scrubbed (a URL's query values,
    secrets by their shape or their key, what the request sent as secrets), the client's address
    filtered out."""
    attributes: Mapping[str, Any] = span.attributes or {}
    status = span.status
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={key: scrubbed_attribute(key, value) for key, value in attributes.items()},
        events=[scrubbed_event(event) for event in span.events],
        links=span.links,
        kind=span.kind,
        status=Status(status.status_code, str(scrub_data(status.description)))
        if status.status_code is StatusCode.ERROR and status.description
        else status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def scrubbed_attribute(key: str, value: Any) -> AttributeValue:
    """As a report's mapping is scrubbed: the whole value under a sensitive key (such as a captured
    header's, ``http.request.header.authorization``), every string of any other; but for the
    client's address, left out, and what the server wrote itself."""
    if key in CLIENT_ADDRESS or is_sensitive(key):
        return FILTERED
    if key in SERVER_MADE:
        return cast(AttributeValue, value)
    return cast(AttributeValue, scrub_data(value))


def scrubbed_event(event: Event) -> Event:
    attributes = cast(Attributes, scrub_data(dict(event.attributes or {})))
    return Event(event.name, attributes, event.timestamp)


class ScrubbingSpanProcessor(BatchSpanProcessor):
    """The SDK's batch processor, which queues each span scrubbed, as it ends: in the request's
    thread, where ``scrub`` knows what the request sent."""

    def on_end(self, span: ReadableSpan) -> None:
        super().on_end(scrubbed(span))


def request_id() -> str:
    """The current request's id: its trace's id, or, where the request is not traced (a probe's),
    the id ``request_id`` gives it."""
    context = trace.get_current_span().get_span_context()
    return format_trace_id(context.trace_id) if context.is_valid else request_ids.from_client()


def annotate(span: trace.Span, environ: WSGIEnvironment) -> None:
    """The instrumentation's request hook, called as the span starts: the request id (the span's
    trace id) on the span, and the client's own ``X-Request-ID`` (a well-formed one, as the logs
    had them)."""
    if span.is_recording():
        span.set_attribute("request_id", format_trace_id(span.get_span_context().trace_id))
        sent = environ.get("HTTP_X_REQUEST_ID", "")
        if request_ids.WELL_FORMED.fullmatch(sent):
            span.set_attribute("http.request.header.x-request-id", [sent])


def process_provider(app: Flask) -> TracerProvider:
    """The process's provider, made by the first app that traces, from the standard ``OTEL_*``
    variables, and shut down at exit: one batch of spans, one sending greenlet, per process."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        return provider
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: app.name}))
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    exporter = OTLPSpanExporter(endpoint=app.config["TRACES_ENDPOINT"])
    provider.add_span_processor(ScrubbingSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    atexit.register(shutdown, provider)
    # One filter for both loggers: one line a minute in all, whichever of them complains.
    quiet = OncePerInterval(LOG_INTERVAL)
    for name in EXPORT_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
{%- if cookiecutter.use_database %}
    # Every engine made from now on, the app's among them: a span for each SQL statement. The
    # instrumentation's declared range lags SQLAlchemy's releases (2.1 works, as the tests show).
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
{%- endif %}
    return provider


def shutdown(provider: TracerProvider, seconds: float = SHUTDOWN_SECONDS) -> None:
    """Send what is queued, for ``seconds`` at most: a collector that does not answer delays the
    process's exit no longer."""
    sender = threading.Thread(target=provider.shutdown, name="tracing-shutdown", daemon=True)
    sender.start()
    sender.join(seconds)
    if sender.is_alive():
        logger.warning("Spans still queued after %g seconds at exit were not sent.", seconds)


def init_app(app: Flask) -> None:
    """Trace ``app``'s requests. Before the database (whose engine is then traced) and before the
    WSGI middleware that fixes the client's address and scheme (which the span then has)."""
    # Its start-up line, as the reporters', only where the app is built to serve.
    logger.setLevel(logging.NOTSET if serving() else logging.WARNING)
    target = app.config["TRACES_ENDPOINT"]
    if target is None:
        logger.info("Tracing is off: OTEL_EXPORTER_OTLP_ENDPOINT is not set.")
        return
    # The HTTP conventions' stable attribute names (http.request.method, url.path...), not the
    # older ones the instrumentation still writes by default.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    app.extensions["tracing"] = process_provider(app)
    FlaskInstrumentor().instrument_app(  # type: ignore[no-untyped-call]
        app,
        request_hook=annotate,
        excluded_urls=os.environ.get("OTEL_PYTHON_FLASK_EXCLUDED_URLS", EXCLUDED_URLS),
        enable_commenter=False,
    )
    # The SDK's own complaints (a collector away) on the app's console, without an error report.
    export_log = logging.getLogger("opentelemetry")
    export_log.propagate = False
    install(export_log, "console", console.create_handler(app))
    logger.info("Tracing is on: spans to %s.", urlsplit(target).hostname)
