"""Error reports by email, against a real SMTP server (aiosmtpd) on loopback."""

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
import time
import weakref
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
import trustme
from aiosmtpd.controller import Controller
from flask import abort

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
from {{ cookiecutter.project_slug }}.reporting import email


class Inbox:
    """An aiosmtpd handler that keeps what it receives; ``hold`` makes it wait in DATA."""

    def __init__(self, hold: threading.Event | None = None):
        self.messages = []
        self.hold = hold
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        released = True
        if self.hold is not None:
            self.holding.set()
            # Wait (at most 2 s) for the test to say its request has been answered.
            released = await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 2)
        message = message_from_bytes(envelope.content, policy=email_policy)
        self.messages.append((message, released, session.ssl is not None))
        return "250 Message accepted for delivery"

    def wait_for(self, count, seconds=10.0):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [message for message, _, _ in self.messages]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class HungServer:
    """A loopback port that accepts connections and never answers, not even an SMTP greeting."""

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

    def release(self):
        """Close every connection and the port: a client waiting for an answer gets an error."""
        self.stop.set()
        self.thread.join()
        for connection in [*self.held, self.listener]:
            connection.close()


@pytest.fixture
def hung_smtp_server():
    server = HungServer()
    yield server
    server.release()


@pytest.fixture
def certificate_authority(tmp_path, monkeypatch):
    """A throwaway CA that the app trusts (through ``SSL_CERT_FILE``) and a server context."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    return server_context


@pytest.fixture
def mail_app(make_app):
    """An app that emails its errors to a server on ``port`` (testing off, as in production)."""

    def mail_app(port, **config):
        return make_app(
            TESTING=False,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            ADMINS=["ops@example.com", "dev@example.com"],
            **config,
        )

    return mail_app


def subject(message):
    """The subject as a reader sees it; a long one is folded onto a second line in transit."""
    return " ".join(message["Subject"].split())


def email_handler(app):
    [handler] = [handler for handler in app.logger.handlers if handler.get_name() == "email"]
    return handler


def test_unhandled_exception_is_emailed_with_the_request_details(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))
    response = app.test_client().get(
        "/fail?token=query-token-value",
        headers={"X-Request-ID": "req-42", "User-Agent": "probe/1.0"},
    )
    assert response.status_code == 500
    [message] = inbox.wait_for(1)
    assert subject(message) == f"[{app.name}] RuntimeError at GET /fail"
    assert message["To"] == "ops@example.com, dev@example.com"
    body = message.get_content()
    assert "Request ID:     req-42" in body
    # Without the query string, which may hold a token.
    assert "Method and URL: GET http://localhost/fail" in body.splitlines()
    assert "User agent:     probe/1.0" in body
    assert "Traceback" in body
    assert "RuntimeError: database refused" in body
    assert "query-token-value" not in body


{% if cookiecutter.use_database -%}
def test_no_value_of_a_failing_insert_is_emailed(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))
    assert app.test_client().post("/store-untrimmed").status_code == 500
    [message] = inbox.wait_for(1)
    body = message.get_content()
    assert "IntegrityError" in body
    assert "inserted-secret-value" not in body  # conftest.py's store_untrimmed stores it


{% endif -%}
def test_non_ascii_text_arrives_intact(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))

    def broken():
        raise RuntimeError("Ошибка: база данных недоступна")

    app.add_url_rule("/заказы", "broken", broken)
    app.test_client().get("/заказы")
    [message] = inbox.wait_for(1)
    assert "RuntimeError: Ошибка: база данных недоступна" in message.get_content()
    assert subject(message) == f"[{app.name}] RuntimeError at GET /заказы"


def test_the_request_does_not_wait_for_a_slow_server(mail_app, smtp_server):
    answered = threading.Event()
    inbox = Inbox(hold=answered)
    app = mail_app(smtp_server(inbox))
    assert app.test_client().get("/fail").status_code == 500
    answered.set()  # had the request waited for the server, DATA would have ended without this
    inbox.wait_for(1)
    [(_, released, _)] = inbox.messages
    assert released, "the request was answered only after the SMTP server finished"


def test_identical_errors_are_emailed_once_per_window(mail_app, smtp_server, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(email, "monotonic", lambda: clock[0])
    inbox = Inbox()
    app = mail_app(smtp_server(inbox), MAIL_FLOOD_WINDOW=300)
    client = app.test_client()
    for _ in range(30):
        client.get("/fail")
    email_handler(app).queue.join()
    assert len(inbox.wait_for(1)) == 1

    clock[0] += 301
    client.get("/fail")
    first, second = inbox.wait_for(2)
    assert "29 more of this error were not emailed" in second.get_content()


def subjects_after(app, inbox, *paths):
    """The subjects of the emails sent for a request to each of ``paths``, sorted."""
    client = app.test_client()
    for path in paths:
        client.get(path)
    return sorted(subject(message) for message in inbox.wait_for(len(paths)))


def test_different_errors_are_each_emailed(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))
    assert subjects_after(app, inbox, "/fail", "/abort/503") == [
        f"[{app.name}] RuntimeError at GET /fail",
        f"[{app.name}] ServiceUnavailable at GET /abort/503",
    ]


def test_the_same_error_from_two_views_is_two_errors(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))

    def closed():
        abort(503)

    app.add_url_rule("/closed", "closed", closed)
    # Both raise inside Werkzeug's abort(): the line in the app's own code tells them apart.
    assert subjects_after(app, inbox, "/abort/503", "/closed") == [
        f"[{app.name}] ServiceUnavailable at GET /abort/503",
        f"[{app.name}] ServiceUnavailable at GET /closed",
    ]


def test_closing_with_a_full_queue_sends_what_is_queued(mail_app, smtp_server, monkeypatch):
    monkeypatch.setattr(email, "QUEUE_SIZE", 3)
    release = threading.Event()
    inbox = Inbox(hold=release)
    app = mail_app(smtp_server(inbox))
    client = app.test_client()
    client.get("/abort/500")
    assert inbox.holding.wait(10), "the first report never reached the server"
    # Five different errors while the listener is stuck: three fill the queue, two are dropped.
    for status in (501, 502, 503, 504, 505):
        client.get(f"/abort/{status}")
    threading.Timer(0.1, release.set).start()
    email_handler(app).close()  # waits for room for the listener's stop marker
    assert len(inbox.wait_for(4)) == 4


def test_a_down_server_costs_the_request_nothing_and_is_reported_once(capsys, mail_app):
    app = mail_app(free_port())  # nothing listens there
    client = app.test_client()
    for path in ("/fail", "/abort/503", "/fail"):
        assert client.get(path).status_code in {500, 503}
    email_handler(app).queue.join()
    failures = [line for line in capsys.readouterr().err.splitlines() if "Could not email" in line]
    assert len(failures) == 1


def test_closing_counts_the_reports_a_hung_server_never_took(capsys, mail_app, hung_smtp_server):
    app = mail_app(hung_smtp_server.port)
    client = app.test_client()
    for path in ("/fail", "/abort/503"):  # two errors: one being sent, one waiting behind it
        assert client.get(path).status_code in {500, 503}
    [mail] = email_handler(app).listener.handlers
    # As gunicorn's worker_exit does: the SMTP timeout is 10 s, closing gives the reports 0.5 s.
    closing = threading.Thread(target=email.close_within, args=(app.logger, 0.5))
    closing.start()
    closing.join(timeout=5)
    assert not closing.is_alive(), "closing waited for the hung server"
    [line] = [line for line in capsys.readouterr().err.splitlines() if "not emailed" in line]
    assert line == (
        f"2 error reports were not emailed through 127.0.0.1:{hung_smtp_server.port} "
        "(2 still queued after 0.5 s, 0 failed to send; 0 repeats held back)"
    )
    # At exit, logging.shutdown takes each handler's lock: the send under way does not hold it.
    shutting_down = threading.Thread(target=logging.shutdown, args=([weakref.ref(mail)],))
    shutting_down.start()
    shutting_down.join(timeout=5)
    assert not shutting_down.is_alive(), "logging.shutdown waited for the hung server"
    # Let the abandoned sending thread fail now, inside this test, rather than later in another.
    hung_smtp_server.release()
    queued = email_handler(app).queue
    deadline = time.monotonic() + 10
    while queued.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.02)


def test_starttls_is_used_without_a_login(mail_app, smtp_server, certificate_authority):
    inbox = Inbox()
    port = smtp_server(inbox, tls_context=certificate_authority, require_starttls=True)
    mail_app(port, MAIL_USE_TLS=True).test_client().get("/fail")
    inbox.wait_for(1)
    [(_, _, encrypted)] = inbox.messages
    assert encrypted


def test_ssl_from_the_start(mail_app, smtp_server, certificate_authority):
    inbox = Inbox()
    port = smtp_server(inbox, ssl_context=certificate_authority)
    mail_app(port, MAIL_USE_SSL=True).test_client().get("/fail")
    [message] = inbox.wait_for(1)
    assert "RuntimeError" in subject(message)


def test_email_is_off_in_testing(make_app, smtp_server, caplog):
    inbox = Inbox()
    port = smtp_server(inbox)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, ADMINS=["ops@example.com"])
    app.test_client().get("/fail")
    assert "Email error reports are off in debug and testing" in caplog.text
    assert all(handler.get_name() != "email" for handler in app.logger.handlers)
    assert inbox.wait_for(1, seconds=0.2) == []


def test_mail_port_out_of_range_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="MAIL_PORT must be from 1 to 65535"):
        from_environment({"MAIL_PORT": "99999"})


def test_tls_and_ssl_together_are_refused():
    with pytest.raises(ConfigError, match="not both"):
        from_environment({"MAIL_USE_TLS": "true", "MAIL_USE_SSL": "yes"})


def test_start_up_says_where_reports_go_but_not_the_login(mail_app, smtp_server, caplog):
    mail_app(
        smtp_server(Inbox()),
        MAIL_USE_TLS=True,
        MAIL_USERNAME="mail-user-name",
        MAIL_PASSWORD="mail-password-value",
    )
    [line] = [record.getMessage() for record in caplog.records if "Email" in record.getMessage()]
    assert line.startswith("Email error reports are on: to 2 recipient(s) through 127.0.0.1:")
    assert line.endswith("(STARTTLS).")
    assert "mail-user-name" not in caplog.text and "mail-password-value" not in caplog.text
