{%- set standard_library = [
    "import asyncio" if cookiecutter.use_email_logging,
    "import contextlib" if cookiecutter.use_database or cookiecutter.use_email_logging or cookiecutter.use_redis,
    "import gzip" if cookiecutter.use_sentry,
    "import json" if cookiecutter.use_sentry,
    "import os" if cookiecutter.use_database or cookiecutter.use_redis,
    "import re" if cookiecutter.error_format != "json",
    "import secrets" if cookiecutter.use_database or cookiecutter.use_redis,
    "import socket" if cookiecutter.use_email_logging or cookiecutter.use_redis or cookiecutter.use_tracing,
    "import threading" if cookiecutter.use_email_logging or cookiecutter.use_sentry or cookiecutter.use_redis or cookiecutter.use_tracing,
    "import time" if cookiecutter.use_email_logging or cookiecutter.use_redis,
    "from collections.abc import Iterator" if cookiecutter.use_database or cookiecutter.use_redis or cookiecutter.use_tracing,
    "from email import message_from_bytes" if cookiecutter.use_email_logging,
    "from email.policy import default as email_policy" if cookiecutter.use_email_logging,
    "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer" if cookiecutter.use_sentry or cookiecutter.use_tracing,
] | select | list -%}
{%- if standard_library -%}
{{ standard_library | join("\n") }}

{% endif -%}
import pytest
{%- if cookiecutter.use_redis %}
import redis
{%- endif %}
{%- if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
{%- if cookiecutter.use_database %}
import sqlalchemy as sa
{%- endif %}
{%- if cookiecutter.use_email_logging %}
from aiosmtpd.controller import Controller
{%- endif %}
from flask import {% if cookiecutter.use_database %}Flask, {% endif %}abort
{%- if cookiecutter.use_tracing %}
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
{%- endif %}

from {{ cookiecutter.project_slug }} import create_app{% if cookiecutter.use_database %}, database{% endif %}
from {{ cookiecutter.project_slug }}.config import from_environment
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model, alembic, db, engine_url
{%- endif %}
from {{ cookiecutter.project_slug }}.errors import ValidationError
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.models import Item
{%- endif %}

# Values that no report may repeat, each defined here only. A test that proves one absent from a
# report also proves it was there to leak: the app saw it, or a report was made from it.
# In the messages of the failing views below; client errors (4xx) show theirs to the client.
SECRET = "hunter2"
{%- if cookiecutter.use_database %}
# A value in a failing INSERT (store_a_text_id below).
INSERTED = "inserted-secret-value"
{%- endif %}
# What one request carries to the app: tests/test_scrubbing.py sends them all, and checks each
# reporting channel. Kept out of the views' source, whose lines a traceback shows.
QUERY_TOKEN = "query-token-value"
PASSWORD = "body-password"
NEW_PASSWORD = "body new password"
ACCESS_TOKEN = "body-access-token"
CARD_NUMBER = "4111 1111 1111 1111"
EMAIL = "jane@example.com"
BEARER_TOKEN = "header-token"
COOKIE = "cookie-value"
AUTH_TOKEN = "x-auth-token-header"
API_KEY = "sk-live-local-variable"
REQUEST_SECRETS = [
    QUERY_TOKEN,
    PASSWORD,
    NEW_PASSWORD,
    ACCESS_TOKEN,
    CARD_NUMBER,
    EMAIL,
    BEARER_TOKEN,
    COOKIE,
    AUTH_TOKEN,
]


def refused(response):
    """What a refusal says is wrong, as ``pointer: detail`` lines: the page's list, or the
    problem's ``errors``."""
{%- if cookiecutter.error_format == "html" %}
    lines = [line.strip() for line in response.text.splitlines()]
    return [line[len("<li>") : -len("</li>")] for line in lines if line.startswith("<li>#")]
{%- else %}
    return [f"{error['pointer']}: {error['detail']}" for error in response.json["errors"]]
{%- endif %}


def problem_type(response):
    """An error's problem type: the problem's ``type``, or the type its page links to
    (``about:blank`` where it links to none)."""
{%- if cookiecutter.error_format == "json" %}
    return response.json["type"]
{%- else %}
{%- if cookiecutter.error_format == "both" %}
    if response.mimetype == "application/problem+json":
        return response.json["type"]
{%- endif %}
    found = re.search(r'<p class="type">What this error means: <a href="([^"]+)">', response.text)
    return found[1] if found else "about:blank"
{%- endif %}


def pytest_addoption(parser):
    parser.addoption(
        "--record-problem-types",
        action="store_true",
        help="record problems.TYPES in tests/problem_types.json (see tests/test_problems.py)",
    )


def fail():
    raise RuntimeError(f"database refused password={SECRET}")


def gone():
    abort(410, description="This page was retired in 2024.")


def abort_with(status):
    abort(status, description=f"An internal note that mentions {SECRET}.")


def invalid():
    raise ValidationError({"#/quantity": "must be at least 1"})
{%- if cookiecutter.use_database %}


def store_a_text_id():
    # A bug: the id is text, which the database refuses in an integer column.
    db.session.add(Item(id=INSERTED, name="Teapot"))
    db.session.commit()
    return "stored"
{%- endif %}


{% if cookiecutter.use_database -%}
# Set on each database the tests create on a PostgreSQL server: they drop no other.
OWN_DATABASE = "Made by the tests of {{ cookiecutter.project_slug }}, and dropped when they end."


@contextlib.contextmanager
def database_of_its_own(server: sa.URL) -> Iterator[sa.URL]:
    """A new database ``test_<name>_<8 hex digits>`` beside the one ``server`` names, for this run
    alone, and dropped at its end.

    As in pytest-django, ``TEST_DATABASE_URL`` is only the way in to the server: the tests never
    read, change or drop the database it names. Each run's database has a name of its own, so that
    two runs on one server (two CI jobs) never drop each other's. A ``test_<name>_...`` that an
    interrupted run left, marked as the tests' own and with nobody connected to it, is dropped
    first; one that another run is using is left to it.
    """
    # PostgreSQL cuts a name at 63 bytes: the prefix is cut instead, and the run's own part stays.
    prefix = f"test_{server.database or 'postgres'}".encode()[:54].decode(errors="ignore") + "_"
    name = prefix + secrets.token_hex(4)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    quote = engine.dialect.identifier_preparer.quote
    leftovers = sa.text(
        "SELECT datname FROM pg_database AS d WHERE starts_with(datname, :prefix)"
        " AND shobj_description(oid, 'pg_database') = :own"
        " AND NOT EXISTS (SELECT FROM pg_stat_activity AS a WHERE a.datname = d.datname)"
    )
    with engine.connect() as connection:
        for (left,) in connection.execute(leftovers, {"prefix": prefix, "own": OWN_DATABASE}):
            with contextlib.suppress(sa.exc.OperationalError):  # someone connected since
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(left)}")
        try:
            connection.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
        except sa.exc.ProgrammingError:
            pytest.exit(
                f"TEST_DATABASE_URL: its user may not create the test database {name}; "
                "grant it CREATEDB",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"COMMENT ON DATABASE {quote(name)} IS '{OWN_DATABASE}'")
        yield server.set(database=name)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """The URL of the session's own database, never one that holds data the tests did not make.

    An SQLite file in a temporary directory; or, when ``TEST_DATABASE_URL`` names a PostgreSQL
    server, a database the session creates there and drops at the end. ``DATABASE_URL`` is never
    read.
    """
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    server = engine_url(given) if given else None
    if server is None or server.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
        return
    with database_of_its_own(server) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_app(database_url):
    """A bare app on the test database, whose schema is at the migrations' head for the session.

    The tests empty the database after each test and downgrade it at the end: it is their own.
    """
    app = Flask(__name__)
    app.config.update(DATABASE_URL=database_url, DATABASE_TIMEOUT=5)
    database.init_app(app)
    # An app a test builds from the environment alone uses this database too.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DATABASE_URL", database_url)
        with app.app_context():
            alembic.upgrade()
        # No app context stays pushed while the tests run: each test's app pushes its own.
        yield app
        with app.app_context():
            alembic.downgrade("base")
            db.engine.dispose()


def empty_the_tables(app: Flask) -> None:
    """Delete every row in ``app``'s database, children before parents. Tables without rows are
    left alone: most tests write none, and a DELETE of nothing still costs a write transaction."""
    with app.app_context(), db.engine.begin() as connection:
        for table in reversed(Model.metadata.sorted_tables):
            if connection.execute(sa.select(sa.exists().select_from(table))).scalar():
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def empty_database(database_app):
    yield
    empty_the_tables(database_app)


{% endif -%}
{% if cookiecutter.use_redis -%}
@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """The Redis the tests use: ``TEST_REDIS_URL``, which names a database number of the tests'
    own (``REDIS_URL`` is never read). Without it, the tests that need Redis are skipped."""
    return os.environ.get("TEST_REDIS_URL", "").strip() or None


@pytest.fixture(scope="session")
def run_prefix(redis_url) -> Iterator[str]:
    """A prefix of this run's own for every key the tests write: at the end they delete the keys
    that start with it, and no other."""
    prefix = f"test-{{ cookiecutter.project_slug }}-{secrets.token_hex(4)}"
    yield prefix
    if redis_url is not None:
        with redis.Redis.from_url(redis_url) as client:
            for key in client.scan_iter(match=f"{prefix}:*", count=1000):
                client.delete(key)


@pytest.fixture
def key_prefix(run_prefix, request) -> str:
    """Each test's keys apart from the others' (a limit's count, an error's email window)."""
    return f"{run_prefix}:{request.node.nodeid}"


@pytest.fixture(scope="session")
def refusing_url() -> Iterator[str]:
    """A Redis URL whose port refuses every connection: a Redis that is away."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield f"redis://127.0.0.1:{bound.getsockname()[1]}/0"


@pytest.fixture
def shared_redis(redis_url) -> str:
    if redis_url is None:
        pytest.skip("TEST_REDIS_URL is not set: these tests need a Redis server")
    return redis_url


{% endif -%}
@pytest.fixture
def make_app(tmp_path{% if cookiecutter.use_database %}, database_app{% endif %}{% if cookiecutter.use_redis %}, redis_url, refusing_url, key_prefix{% endif %}):
    """Build the app for a test: the defaults (whatever the shell has set), test settings, then
    ``config``; plus views that fail."""
{%- if cookiecutter.use_database %}
    apps = []
{%- endif %}

    def make_app(**config):
        app = create_app(
            {
                **from_environment({}),
                "DEBUG": False,
                "TESTING": True,
                "SECRET_KEY": "a-secret-key-for-the-tests-0123456789",
                # The test client's host, as production names its own.
                "TRUSTED_HOSTS": ["localhost"],
                # Let unhandled exceptions reach the 500 handler, as they do in production.
                "PROPAGATE_EXCEPTIONS": False,
{%- if cookiecutter.use_file_logging %}
                "LOG_FILE": str(tmp_path / "logs" / "app.log"),
{%- endif %}
{%- if cookiecutter.use_database %}
                "DATABASE_URL": database_app.config["DATABASE_URL"],
{%- endif %}
{%- if cookiecutter.use_redis %}
                # The tests' own Redis, or one that is away: never a Redis in use.
                "REDIS_URL": redis_url or refusing_url,
                "REDIS_KEY_PREFIX": key_prefix,
{%- endif %}
                **config,
            }
        )
        api = app.config["API_PREFIX"]
        app.add_url_rule("/fail", "fail", fail, methods=["GET", "POST"])
        app.add_url_rule("/gone", "gone", gone)
        app.add_url_rule("/abort/<int:status>", "abort", abort_with)
        app.add_url_rule("/invalid", "invalid", invalid, methods=["POST"])
        app.add_url_rule(f"{api}/fail", "api_fail", fail)
        app.add_url_rule(f"{api}/abort/<int:status>", "api_abort", abort_with)
{%- if cookiecutter.use_database %}
        app.add_url_rule("/store-text-id", "store_a_text_id", store_a_text_id, methods=["POST"])
        apps.append(app)
{%- endif %}
        return app
{%- if cookiecutter.use_database %}

    yield make_app
    # Close each app's connections: many tests share one PostgreSQL server.
    for app in apps:
        with app.app_context():
            db.engine.dispose()
{%- else %}

    return make_app
{%- endif %}


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
{%- if cookiecutter.use_email_logging or cookiecutter.use_tracing %}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
{%- endif %}
{%- if cookiecutter.use_email_logging %}


class Inbox:
    """An aiosmtpd handler that keeps what it receives; ``hold`` makes it wait in DATA until the
    test sets it (a minute at most, so that a reporter that waits for the server fails the test
    instead of hanging it: a working one is released at once)."""

    def __init__(self, hold: threading.Event | None = None):
        self.messages = []
        self.hold = hold
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        released = True
        if self.hold is not None:
            self.holding.set()
            released = await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 60)
        message = message_from_bytes(envelope.content, policy=email_policy)
        self.messages.append((message, released, session.ssl is not None))
        return "250 Message accepted for delivery"

    def wait_for(self, count, seconds=10.0):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [message for message, _, _ in self.messages]


@pytest.fixture
def smtp_server():
    """Start an SMTP server on loopback: ``smtp_server(inbox, **controller_options)``."""
    controllers = []

    def start(inbox, **options):
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def mail_app(make_app{% if cookiecutter.use_redis %}, refusing_url{% endif %}):
    """An app that emails its errors to a server on ``port`` (testing off, as in production)."""

    def mail_app(port, **config):
        return make_app(
            TESTING=False,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            ADMINS=["ops@example.com", "dev@example.com"],
{%- if cookiecutter.use_redis %}
            # Each process's own flood control, as without Redis: tests/test_store.py shares it.
            **{"REDIS_URL": refusing_url, **config},
{%- else %}
            **config,
{%- endif %}
        )

    return mail_app
{%- endif %}
{%- if cookiecutter.use_sentry %}


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
{%- endif %}
{%- if cookiecutter.use_email_logging or cookiecutter.use_redis %}


class HungServer:
    """A loopback port that accepts connections and never answers: an SMTP server that sends no
    greeting, a Redis stopped with SIGSTOP. ``held`` has one connection per client call."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.held = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                self.held.append(self.listener.accept()[0])

    def wait_for(self, count, seconds=5.0):
        """Wait until ``count`` connections are held (or ``seconds`` have passed)."""
        deadline = time.monotonic() + seconds
        while len(self.held) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    def release(self):
        """Close every connection and the port: a client waiting for an answer gets an error."""
        self.stop.set()
        self.thread.join()
        for connection in [*self.held, self.listener]:
            connection.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.release()
{%- endif %}
{%- if cookiecutter.use_tracing %}


def decoded(value: AnyValue):
    """An OTLP attribute's value as Python's: a string, a number, a bool or a list."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [decoded(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def attributes(holder):
    """A span's (an event's, a resource's) attributes as a dict."""
    return {attribute.key: decoded(attribute.value) for attribute in holder.attributes}


class Collector(BaseHTTPRequestHandler):
    """An OpenTelemetry collector on loopback, as OTLP/HTTP (protobuf) defines it: it decodes each
    export with opentelemetry-proto and keeps every span as a dict. While ``state.refusing`` is set
    it answers 503 (the spans are lost), while ``state.hanging`` is set it does not answer."""

    state: "CollectorState"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.state.hanging.is_set():
            self.state.released.wait(30)
            return
        if self.state.refusing:
            self.send_response(503)
            self.end_headers()
            return
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            resource = attributes(resource_spans.resource)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.state.spans.append(
                        {
                            "name": span.name,
                            "service": resource.get("service.name"),
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_span_id": span.parent_span_id.hex(),
                            "kind": span.kind,
                            "status": span.status.code,
                            "status_message": span.status.message,
                            "attributes": attributes(span),
                            "events": [
                                {"name": event.name, "attributes": attributes(event)}
                                for event in span.events
                            ],
                        }
                    )
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class CollectorState:
    # OTLP's span kinds and status codes, as the protobuf numbers them.
    SERVER, CLIENT = 2, 3
    UNSET, ERROR = 0, 2

    def __init__(self, url, server):
        self.url = url
        self.server = server
        self.spans = []
        self.refusing = False
        self.hanging = threading.Event()
        self.released = threading.Event()

    def trace(self, trace_id):
        """The spans of one trace received so far."""
        return [span for span in self.spans if span["trace_id"] == trace_id]

    def server_span(self, trace_id):
        [span] = [span for span in self.trace(trace_id) if span["kind"] == self.SERVER]
        return span

    def stop(self):
        """Stop listening: an exporter's connections are refused from now on."""
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def start_collector() -> CollectorState:
    handler = type("Receiver", (Collector,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state = handler.state = CollectorState(f"http://127.0.0.1:{server.server_port}", server)
    # A short poll interval: shutdown() waits for the loop to look up.
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return state


@pytest.fixture(scope="session")
def collector() -> Iterator[CollectorState]:
    """One collector for the session: the process's tracer provider, made by the first app that
    traces, sends every span there. Each export waits a second at most, and a batch leaves 50 ms
    after its first span, so that a test's spans arrive (or fail) quickly."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "1")
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        state = start_collector()
        yield state
        state.stop()


@pytest.fixture
def traced_app(make_app, collector):
    """The app, tracing to the collector, which has no span yet; the collector answers again when
    the test ends, before what runs after it is traced (the database's clean-up, say), so that no
    test leaves a failed export behind for the next one."""
    app = make_app(TRACES_ENDPOINT=f"{collector.url}/v1/traces")
    collector.spans.clear()
    collector.refusing = False
    collector.hanging.clear()
    yield app
    collector.refusing = False
    collector.hanging.clear()


def flush(app):
    """Send the spans the app's process has queued, now."""
    app.extensions["tracing"].force_flush()
{%- endif %}
