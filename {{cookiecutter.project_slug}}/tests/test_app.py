import io
import logging
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from dotenv import dotenv_values
from flask import Flask, request, session
from flask.cli import cli
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    HTTPException,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    default_exceptions,
)
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from {{ cookiecutter.project_slug }} import check_config, create_app
from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
from {{ cookiecutter.project_slug }}.errors import APIError

from conftest import SECRET

GOOD_KEY = "0123456789abcdef0123456789abcdef"


def test_config_mapping_is_applied_last(make_app, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    app = make_app(LOG_LEVEL="WARNING")
    assert app.config["LOG_LEVEL"] == "WARNING"


def test_api_prefix_is_normalised_from_environment_and_mapping(make_app):
    assert from_environment({"API_PREFIX": "v1/"})["API_PREFIX"] == "/v1"
    assert from_environment({})["API_PREFIX"] == "/api"
    app = make_app(API_PREFIX="v2/")
    assert app.config["API_PREFIX"] == "/v2"
    # The view answers under the new prefix (a 422, not a routing 404).
    assert app.test_client().post("/v2/items", json={"name": ""}).status_code == 422


def test_bad_log_format_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of text, json"):
        from_environment({"LOG_FORMAT": "xml"})


def test_bad_log_level_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        from_environment({"LOG_LEVEL": "loud"})


@pytest.mark.parametrize("value", ["0", "lots"])
def test_bad_max_content_length_is_a_clear_config_error(value):
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        from_environment({"MAX_CONTENT_LENGTH": value})


@pytest.mark.parametrize("key", [None, "", "change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(make_app, monkeypatch, key):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        make_app(TESTING=False, SECRET_KEY=key)


def test_production_starts_with_a_real_secret_key(make_app, monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    assert not make_app(TESTING=False, SECRET_KEY=GOOD_KEY, TRUSTED_HOSTS=["localhost"]).debug


def test_production_refuses_debug_from_the_environment(monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="Debug mode is on"):
        create_app({"SECRET_KEY": GOOD_KEY})


def test_debug_is_off_unless_asked_for(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert not create_app({"TESTING": True, "LOG_FILE": str(tmp_path / "app.log")}).debug


def test_the_flask_command_may_run_in_debug_mode(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # what `flask run --debug` sets
    assert make_app(TESTING=False, DEBUG=True, SECRET_KEY=None).debug


@pytest.fixture
def production_environment(monkeypatch):
    """The environment of a production start: no debug flag, no key, no ``.env`` file read."""
    for name in ("SECRET_KEY", "TRUSTED_HOSTS", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    return monkeypatch


def test_the_flask_command_prints_a_config_error_as_one_line(production_environment):
    production_environment.setenv("LOG_LEVEL", "loud")
    result = CliRunner().invoke(cli, ["--app", "{{ cookiecutter.project_slug }}", "routes"])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: LOG_LEVEL must be a logging level")


def test_serving_without_a_secret_key_says_how_to_fix_it_and_how_to_develop(
    production_environment,
):
    result = CliRunner().invoke(cli, ["--app", "{{ cookiecutter.project_slug }}", "run"])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: SECRET_KEY must be set to at least 32 random characters")
    assert "python3 -c 'import secrets; print(secrets.token_hex())'" in line
    develop = "To develop, run: flask --app {{ cookiecutter.project_slug }} run --debug"
    assert line.endswith(develop)


def test_the_flask_command_lists_every_command_with_no_configuration(production_environment):
    result = CliRunner().invoke(cli, ["--app", "{{ cookiecutter.project_slug }}", "--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.partition("Commands:")[2].split()
    assert {% if cookiecutter.use_database %}{"db", "routes", "run", "shell"}{% else %}{"routes", "run", "shell"}{% endif %} <= set(listed)


def test_a_task_of_the_flask_command_needs_no_secret_key(production_environment, tmp_path):
    production_environment.chdir(tmp_path)
    production_environment.delenv("LOG_FILE", raising=False)
    result = CliRunner().invoke(cli, ["--app", "{{ cookiecutter.project_slug }}", "routes"])
    assert result.exit_code == 0, result.output
    assert "healthz" in result.output
{%- if cookiecutter.use_email_logging or cookiecutter.use_file_logging or cookiecutter.use_sentry %}
    # Nothing is served, so no reporter says where reports would go{% if cookiecutter.use_file_logging %}, and no log file is written{% endif %}.
    assert " INFO " not in result.output
{%- endif %}
{%- if cookiecutter.use_file_logging %}
    assert list(tmp_path.iterdir()) == []
{%- endif %}


def test_the_example_environment_turns_on_nothing_that_sends(
    production_environment, tmp_path, caplog
):
    example = dotenv_values(Path(__file__).parents[1] / ".env.example")
    for name, value in example.items():
        production_environment.setenv(name, value or "")
    production_environment.setenv("SECRET_KEY", GOOD_KEY)
{%- if cookiecutter.use_file_logging %}
    production_environment.setenv("LOG_FILE", str(tmp_path / "app.log"))
{%- endif %}
{%- if cookiecutter.use_database %}
    production_environment.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
{%- endif %}
    app = create_app()
    assert not app.debug and not app.testing
{%- if cookiecutter.use_email_logging %}
    assert "Email error reports are off: MAIL_SERVER or ADMINS is not set." in caplog.text
{%- endif %}
{%- if cookiecutter.use_sentry %}
    assert "Sentry reporting is off: SENTRY_DSN is not set." in caplog.text
{%- endif %}


def test_every_url_the_readme_tries_is_a_route(tmp_path):
    """Each ``curl`` line in the README finds a route, so the README never shows a stale URL.

    A new route needs no line there: the README shows a few examples, not the whole API.
    """
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    tried = re.findall(r"^curl -i (?:-X (\w+) )?localhost:5000(\S*)", readme, re.MULTILINE)
    assert tried, "no curl lines found in README.md"
    app = create_app({"TESTING": True, "LOG_FILE": str(tmp_path / "app.log")})
    urls = app.url_map.bind("localhost")
    stale = []
    for method, path in tried:
        try:
            urls.match(path, method=method or "GET")
        except HTTPException:
            stale.append(f"{method or 'GET'} {path}")
    assert not stale, f"README.md tries URLs that no route answers (update its examples): {stale}"


def test_check_config_refuses_what_create_app_refuses(production_environment):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        check_config()
    production_environment.setenv("SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS must name the hosts"):
        check_config()
    production_environment.setenv("TRUSTED_HOSTS", "api.example.com")
    check_config()
    production_environment.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        check_config()
{%- if cookiecutter.use_database %}
    production_environment.setenv("LOG_LEVEL", "INFO")
    production_environment.setenv("DATABASE_URL", "mysql://localhost/shop")
    with pytest.raises(ConfigError, match="DATABASE_URL must be an SQLite or PostgreSQL URL"):
        check_config()
{%- endif %}

{%- if cookiecutter.error_format == "json" %}


def test_the_index_links_the_api_the_probes_the_docs_and_the_problem_types(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    links = response.get_json()["links"]
{%- if cookiecutter.use_database %}
    assert links == {
        "items": "/api/items",
        "health": "/healthz",
        "readiness": "/readyz",
        "openapi": "/openapi.json",
        "docs": "/docs",
        "problems": "/problems/",
    }
    assert client.get(links["readiness"]).status_code == 200
{%- else %}
    assert links == {
        "items": "/api/items",
        "health": "/healthz",
        "openapi": "/openapi.json",
        "docs": "/docs",
        "problems": "/problems/",
    }
{%- endif %}
    assert client.get(links["health"]).status_code == 200
    assert client.get(links["openapi"]).status_code == 200
    assert client.get(links["problems"]).status_code == 200
    assert client.get(links["docs"]).status_code == 200
    # The collection takes POST only: a GET finds it there, and says so (405 and Allow, not 404).
    response = client.get(links["items"])
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
{%- endif %}

{%- if not cookiecutter.use_database %}


def test_api_returns_an_item(client):
    response = client.get("/api/items/1")
    assert response.status_code == 200
    assert response.json == {"id": 1, "name": "Teapot"}


def test_api_creates_an_item(client):
    response = client.post("/api/items", json={"name": "Mug"})
    assert response.status_code == 201
    assert response.json["name"] == "Mug"
{%- endif %}


def test_missing_item_is_404(client):
    assert client.get("/api/items/999").status_code == 404


def number(value):
    return str(value)


@pytest.mark.parametrize(("converter", "sample"), [("int", "1"), ("float", "1.5")])
def test_a_number_in_a_url_is_ascii_digits(app, converter, sample):
    app.add_url_rule(f"/test-only/numbers/<{converter}:value>", "number", number)
    client = app.test_client()
    assert client.get(f"/test-only/numbers/{sample}").text == sample
    for digit in ("\u0661", "\uff11", "\u00b9"):  # Arabic-Indic one, fullwidth one, superscript one
        other = sample.replace("1", digit, 1)
        assert client.get(f"/test-only/numbers/{other}").status_code == 404, other


def test_invalid_item_is_422(client):
    assert client.post("/api/items", json={"name": ""}).status_code == 422


def test_malformed_json_is_400_saying_so(client):
    response = client.post("/api/items", data="{", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"name": ' + "1" * 5000 + "}", "integer string conversion"),
        (b'{"name": "\xff"}', "invalid start byte"),
    ],
    ids=["nested-too-deeply", "number-too-long", "invalid-utf-8"],
)
def test_json_the_decoder_refuses_is_400_and_not_an_error(client, caplog, body, detail):
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 400
    assert detail in response.get_data(as_text=True)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_json_with_another_content_type_is_415(client):
    response = client.post("/api/items", data='{"name": "Mug"}', content_type="text/plain")
    assert response.status_code == 415


def test_body_over_max_content_length_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=64).test_client()
    response = client.post("/api/items", json={"name": "M" * 100})
    assert response.status_code == 413


class BrokenChunk:
    """A body the server reads as chunks, one of which the client framed wrongly: gunicorn's
    parser raises an error of its own (``InvalidChunkSize``), not an ``OSError``."""

    def read(self, size=-1):
        raise type("InvalidChunkSize", (Exception,), {})("Invalid chunk size: b'zz'")


class ChunkedBody:
    """A chunked body as gunicorn hands it over: a stream with ``read`` alone, which ends where
    the body ends."""

    def __init__(self, data):
        self.data = io.BytesIO(data)

    def read(self, size=-1):
        return self.data.read(size)


def post_chunked(app, stream) -> int:
    """POST ``stream`` to the items as a server hands over a chunked body: no ``Content-Length``,
    and a stream the server ends, which it says (``wsgi.input_terminated``); the status."""
    builder = EnvironBuilder("/api/items", method="POST", content_type="application/json")
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True})
    _, status, _ = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0])


def test_a_body_framed_wrongly_is_a_400_and_no_report(app, caplog):
    assert post_chunked(app, BrokenChunk()) == 400
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(("spaces", "status"), [(0, 201), (100, 413)])
def test_a_chunked_body_past_max_content_length_is_a_413_not_cut_short(make_app, spaces, status):
    # Cut at 64 bytes, the longer body would still be valid JSON: a 201 for half a body.
    body = b'{"name": "Teapot"}' + b" " * spaces
    assert post_chunked(make_app(MAX_CONTENT_LENGTH=64), ChunkedBody(body)) == status


def test_a_body_that_never_finishes_is_a_408_after_request_body_timeout(make_app, caplog):
    """A client that says ``Content-Length: 100`` and sends five bytes, on a real connection
    handed over as the server hands it (``gunicorn.socket``): a 408, not a wait for as long as the
    client keeps the connection open, and the connection's own timeout is left as it was."""
    app = make_app(REQUEST_BODY_TIMEOUT=0.1)  # whole seconds from the environment; any here
    server_end, client_end = socket.socketpair()
    with server_end, client_end, server_end.makefile("rb") as stream:
        builder = EnvironBuilder("/api/items", method="POST", content_type="application/json")
        environ = builder.get_environ()
        environ.update(
            {"CONTENT_LENGTH": "100", "wsgi.input": stream, "gunicorn.socket": server_end}
        )
        client_end.sendall(b'{"nam')
        _, status, _ = run_wsgi_app(app, environ, buffered=True)
        assert status == "408 REQUEST TIMEOUT"
        assert server_end.gettimeout() is None
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_bad_request_body_timeout_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="REQUEST_BODY_TIMEOUT must be 1 or more, not 0"):
        from_environment({"REQUEST_BODY_TIMEOUT": "0"})


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/no-such-page", 404),
        ("/gone", 410),
        ("/fail", 500),
        ("/abort/503", 503),
        ("/api/no-such-route", 404),
        ("/api/fail", 500),
    ],
)
def test_error_responses_are_never_sniffed(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "status"), [("/fail", 500), ("/abort/503", 503), ("/api/fail", 500)]
)
def test_server_errors_are_kept_out_of_caches(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status"), [("/no-such-page", 404), ("/gone", 410), ("/api/no-such-route", 404)]
)
def test_client_errors_leave_caching_to_http(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert "Cache-Control" not in response.headers


def test_routing_405_keeps_the_allow_header(client):
    # A route of the tests' own (conftest.py), which the app will never give a DELETE.
    response = client.delete("/api/abort/500")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("error", "header", "value"),
    [
        (
            Unauthorized(www_authenticate=WWWAuthenticate("basic", {"realm": "api"})),
            "WWW-Authenticate",
            "Basic realm=api",
        ),
        (TooManyRequests(retry_after=30), "Retry-After", "30"),
        (ServiceUnavailable(retry_after=120), "Retry-After", "120"),
    ],
)
def test_headers_of_the_exception_survive(app, error, header, value):
    def view():
        raise error

    app.add_url_rule("/api/guarded", "guarded", view)
    response = app.test_client().get("/api/guarded")
    assert response.status_code == error.code
    assert response.headers[header] == value


@pytest.mark.parametrize("status", sorted(default_exceptions))
@pytest.mark.parametrize("prefix", ["", "/api"])
def test_every_error_status_goes_through_the_same_path(client, prefix, status):
    response = client.get(f"{prefix}/abort/{status}")
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] in body
    assert (SECRET in body) == (status < 500)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/no-such-page", 404), ("/api/no-such-thing", 404), ("/fail", 500), ("/api/fail", 500)],
)
def test_head_gets_the_status_with_an_empty_body(client, path, status):
    response = client.head(path)
    assert response.status_code == status
    assert response.get_data() == b""
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("path", ["/fail", "/api/fail"])
def test_unhandled_exception_is_500_without_its_message(client, caplog, path):
    response = client.get(path)
    assert response.status_code == 500
    # The exception's message held the secret; the response does not.
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert SECRET in str(record.exc_info[1])
    body = response.get_data(as_text=True)
    assert SECRET not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body


def test_client_request_id_is_echoed(client):
    response = client.get("/api/no-such-thing", headers={"X-Request-ID": "edge-7f3a:42"})
    assert response.headers["X-Request-ID"] == "edge-7f3a:42"
    assert "edge-7f3a:42" in response.get_data(as_text=True)


def test_request_id_is_generated_for_every_response(client):
    first = client.get("/api/items/1").headers["X-Request-ID"]
    second = client.get("/api/items/1").headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_requests_inside_one_app_context_get_their_own_ids(app, client):
    with app.app_context():
        first = client.get("/api/items/1").headers["X-Request-ID"]
        second = client.get("/api/items/1", headers={"X-Request-ID": "mine"})
    assert first != second.headers["X-Request-ID"] == "mine"


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "<script>", "ünïcode", ""])
def test_malformed_request_id_is_replaced(client, bad):
    response = client.get("/api/no-such-thing", headers={"X-Request-ID": bad})
    request_id = response.headers["X-Request-ID"]
    assert request_id != bad
    assert len(request_id) == 32
    assert request_id in response.get_data(as_text=True)


def test_a_response_given_to_an_exception_is_sent_as_it_is(app):
    def login():
        raise Unauthorized(response=Response("Sign in first", 401, {"WWW-Authenticate": "Basic"}))

    app.add_url_rule("/login", "login", login)
    response = app.test_client().get("/login")
    assert response.status_code == 401
    assert response.get_data(as_text=True) == "Sign in first"
    assert response.headers["WWW-Authenticate"] == "Basic"


def test_api_error_needs_an_error_status():
    with pytest.raises(ValueError, match="4xx or 5xx"):
        APIError("Fine", status=200)


@pytest.mark.parametrize("member", ["title", "request_id"])
def test_api_error_cannot_replace_standard_members(member):
    with pytest.raises(TypeError, match=member):
        APIError("Bad", **{member: "Something else"})


def session_views(app):
    """``/visit`` counts a client's visits in its session; ``/visits`` reads the count."""

    def visit():
        session["visits"] = session.get("visits", 0) + 1
        return str(session["visits"])

    app.add_url_rule("/visit", "visit", visit)
    app.add_url_rule("/visits", "visits", lambda: str(session.get("visits", 0)))


def test_a_session_a_view_sets_is_read_back_from_its_signed_cookie(app):
    session_views(app)
    client = app.test_client()
    assert [client.get("/visit").get_data(as_text=True) for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/visits").get_data(as_text=True) == "3"


@pytest.mark.parametrize("other_cookies", [{}, {"theme": "dark"}])
def test_a_request_without_a_session_cookie_gets_an_empty_session_and_no_cookie(app, other_cookies):
    session_views(app)
    client = app.test_client()
    for name, value in other_cookies.items():
        client.set_cookie(name, value)
    response = client.get("/visits")
    assert response.get_data(as_text=True) == "0"
    assert "Set-Cookie" not in response.headers


def test_a_session_is_kept_beside_other_cookies(app):
    session_views(app)
    client = app.test_client()
    client.set_cookie("theme", "dark")
    assert [client.get("/visit").get_data(as_text=True) for _ in range(2)] == ["1", "2"]


def test_a_session_cookie_signed_with_another_key_is_ignored(app, make_app):
    session_views(app)
    forger = make_app(SECRET_KEY="f" * 32)
    session_views(forger)
    forged = forger.test_client()
    forged.get("/visit")
    client = app.test_client()
    client.set_cookie("session", forged.get_cookie("session").value)
    assert client.get("/visits").get_data(as_text=True) == "0"


OLD_KEY = "an-old-secret-key-still-in-the-fallbacks-0123"
VISITS = {"visits": 3}


def signed(app, data, key=None):
    """``data`` as a session cookie's value, signed with ``app``'s key, or with ``key``."""
    signer = app
    if key is not None:
        signer = Flask(app.import_name)
        signer.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps(data)


@pytest.mark.parametrize(
    "cookies",
    [
        pytest.param(lambda app: {}, id="none"),
        pytest.param(lambda app: {"theme": "dark"}, id="another cookie only"),
        pytest.param(lambda app: {"session": signed(app, VISITS)}, id="valid"),
        pytest.param(lambda app: {"session": signed(app, VISITS, OLD_KEY)}, id="fallback key"),
        pytest.param(lambda app: {"session": signed(app, VISITS, "f" * 32)}, id="other key"),
        pytest.param(
            lambda app: {"session": signed(app, VISITS).replace(".", ".x", 1)}, id="tampered"
        ),
        pytest.param(lambda app: {"theme": signed(app, VISITS), "session": "dark"}, id="swapped"),
        pytest.param(lambda app: {"session": ""}, id="empty"),
        pytest.param(lambda app: {"session": "not.a.signed.value"}, id="garbage"),
    ],
)
def test_the_session_interface_reads_every_cookie_as_flasks_own(make_app, cookies):
    """``sessions.SessionInterface`` only skips Flask's work when no session cookie came: for any
    cookie, it opens the session Flask's own interface opens, keys in the fallbacks included."""
    app = make_app(SECRET_KEY_FALLBACKS=[OLD_KEY])
    header = "; ".join(f"{name}={value}" for name, value in cookies(app).items())
    opened = []
    for interface in (app.session_interface, SecureCookieSessionInterface()):
        with app.test_request_context(headers={"Cookie": header} if header else {}):
            session = interface.open_session(app, request)
            opened.append((type(session), dict(session), session.modified))
    ours, flasks = opened
    assert type(app.session_interface) is not SecureCookieSessionInterface
    assert ours == flasks
