"""Error reports by email, against a real SMTP server (aiosmtpd) on loopback."""

import logging
import ssl
import threading
import time
import weakref

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from flask import abort
from flask.cli import cli

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
from {{ cookiecutter.project_slug }}.reporting import email

from conftest import {% if cookiecutter.use_database %}INSERTED, {% endif %}QUERY_TOKEN, Inbox, free_port

MAIL_USER = "reports@example.com"
MAIL_PASSWORD = "mail-password-value"


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
        f"/fail?token={QUERY_TOKEN}",
        headers={"X-Request-ID": "req-42", "User-Agent": "probe/1.0"},
    )
    assert response.status_code == 500
    [message] = inbox.wait_for(1)
    assert subject(message) == f"[{app.name}] RuntimeError at GET /fail"
    assert message["To"] == "ops@example.com, dev@example.com"
    body = message.get_content()
    assert "Request ID:     req-42" in body
    # The URL without its query string, which may hold a token.
    assert "Method and URL: GET http://localhost/fail" in body.splitlines()
    assert "User agent:     probe/1.0" in body
    assert "Traceback" in body
    assert "RuntimeError: database refused password=[Filtered]" in body


{% if cookiecutter.use_database -%}
def test_no_value_of_a_failing_insert_is_emailed(mail_app, smtp_server, caplog):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))
    assert app.test_client().post("/store-text-id").status_code == 500
    [message] = inbox.wait_for(1)
    body = message.get_content()
    assert "INSERT INTO item" in body
    # The error the email reports held the value, in the statement's parameters.
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert INSERTED in str(record.exc_info[1].params)
    assert INSERTED not in body


{% endif -%}
def test_non_ascii_text_arrives_intact(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))

    def broken():
        raise RuntimeError("Ошибка: база данных недоступна")

    app.add_url_rule("/заказы", "broken", broken)
    assert app.test_client().get("/заказы").status_code == 500
    [message] = inbox.wait_for(1)
    assert "RuntimeError: Ошибка: база данных недоступна" in message.get_content()
    assert subject(message) == f"[{app.name}] RuntimeError at GET /заказы"


def test_the_request_does_not_wait_for_a_slow_server(mail_app, smtp_server):
    answered = threading.Event()
    inbox = Inbox(hold=answered)
    app = mail_app(smtp_server(inbox))
    assert app.test_client().get("/fail").status_code == 500
    # Had the request waited for the server, it would be answered only when DATA gave up waiting.
    answered.set()
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


def test_an_error_quiet_for_a_window_is_forgotten(mail_app, smtp_server, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(email, "monotonic", lambda: clock[0])
    inbox = Inbox()
    app = mail_app(smtp_server(inbox), MAIL_FLOOD_WINDOW=300)
    [mail] = email_handler(app).listener.handlers
    client = app.test_client()
    client.get("/fail")
    email_handler(app).queue.join()
    assert [error.partition(" at ")[0] for error in mail.flood.last_sent] == ["RuntimeError"]

    clock[0] += 300
    client.get("/abort/503")
    email_handler(app).queue.join()
    assert [error.partition(" at ")[0] for error in mail.flood.last_sent] == ["ServiceUnavailable"]
    assert len(inbox.wait_for(2)) == 2


def test_the_flood_control_remembers_a_bounded_number_of_errors(mail_app, smtp_server, monkeypatch):
    monkeypatch.setattr(email, "FLOOD_MEMORY", 2)
    clock = [1000.0]
    monkeypatch.setattr(email, "monotonic", lambda: clock[0])
    inbox = Inbox()
    app = mail_app(smtp_server(inbox), MAIL_FLOOD_WINDOW=300)
    [mail] = email_handler(app).listener.handlers
    client = app.test_client()
    for status in (500, 501, 502):  # three errors within one window, a second apart
        clock[0] += 1
        client.get(f"/abort/{status}")
        email_handler(app).queue.join()
    # The oldest was forgotten to make room; every one was emailed.
    remembered = [error.partition(" at ")[0] for error in mail.flood.last_sent]
    assert remembered == ["NotImplemented", "BadGateway"]
    assert len(inbox.wait_for(3)) == 3


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


def test_a_down_server_is_reported_once_on_stderr(capsys, mail_app):
    port = free_port()  # nothing listens there
    app = mail_app(port)
    client = app.test_client()
    for path, status in [("/fail", 500), ("/abort/503", 503), ("/abort/500", 500)]:
        assert client.get(path).status_code == status
    email_handler(app).queue.join()
    [mail] = email_handler(app).listener.handlers
    assert mail.failures == 3
    [line] = [line for line in capsys.readouterr().err.splitlines() if "Could not email" in line]
    assert line.startswith(f"Could not email an error report through 127.0.0.1:{port}: ")
    assert "ConnectionRefusedError" in line


def test_closing_counts_the_reports_a_hung_server_never_took(capsys, mail_app, hung_server):
    app = mail_app(hung_server.port)
    client = app.test_client()
    [mail] = email_handler(app).listener.handlers
    # The send to the hung server would wait a day: whatever waited for it would never end.
    mail.timeout = 24 * 3600
    for path, status in [("/fail", 500), ("/abort/503", 503)]:  # one being sent, one behind it
        assert client.get(path).status_code == status
    # As gunicorn's worker_exit does: closing gives the reports 0.5 s. (The joins' limit only
    # keeps a failure from hanging the suite.)
    closing = threading.Thread(target=email.close_within, args=(app.logger, 0.5))
    closing.start()
    closing.join(timeout=60)
    assert not closing.is_alive(), "closing waited for the hung server"
    [line] = [line for line in capsys.readouterr().err.splitlines() if "not emailed" in line]
    assert line == (
        f"2 error reports were not emailed through 127.0.0.1:{hung_server.port} "
        "(2 still queued after 0.5 s, 0 failed to send; 0 repeats held back)"
    )
    # At exit, logging.shutdown takes each handler's lock: the send under way does not hold it.
    shutting_down = threading.Thread(target=logging.shutdown, args=([weakref.ref(mail)],))
    shutting_down.start()
    shutting_down.join(timeout=60)
    assert not shutting_down.is_alive(), "logging.shutdown waited for the hung server"
    # Let the abandoned sending thread fail now, inside this test, rather than later in another.
    hung_server.release()
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


@pytest.fixture
def login_server(smtp_server, certificate_authority):
    """A real SMTP server that wants STARTTLS and then a login, accepting ``MAIL_USER`` with
    ``MAIL_PASSWORD``: its port, its inbox, and the (login, password) of each attempt."""
    attempts = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        attempts.append((auth_data.login.decode(), auth_data.password.decode()))
        # Not handled: aiosmtpd answers a refusal with its own 535.
        return AuthResult(success=attempts[-1] == (MAIL_USER, MAIL_PASSWORD), handled=False)

    inbox = Inbox()
    port = smtp_server(
        inbox,
        tls_context=certificate_authority,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    return port, inbox, attempts


def test_starttls_with_a_login_sends_the_report(mail_app, login_server):
    port, inbox, attempts = login_server
    app = mail_app(port, MAIL_USE_TLS=True, MAIL_USERNAME=MAIL_USER, MAIL_PASSWORD=MAIL_PASSWORD)
    app.test_client().get("/fail")
    [message] = inbox.wait_for(1)
    assert subject(message) == f"[{app.name}] RuntimeError at GET /fail"
    [(_, _, encrypted)] = inbox.messages
    assert encrypted
    assert attempts == [(MAIL_USER, MAIL_PASSWORD)]


def test_a_wrong_mail_password_is_reported_once_and_never_shown(
    mail_app, login_server, capsys, caplog
):
    port, inbox, attempts = login_server
    wrong = "a-wrong-mail-password"
    app = mail_app(port, MAIL_USE_TLS=True, MAIL_USERNAME=MAIL_USER, MAIL_PASSWORD=wrong)
    client = app.test_client()
    for path, status in [("/fail", 500), ("/abort/503", 503)]:
        assert client.get(path).status_code == status
    email_handler(app).queue.join()
    # Each report tried the password (by each mechanism the server offers), and the server
    # refused it: nothing was delivered.
    assert attempts and set(attempts) == {(MAIL_USER, wrong)}
    assert inbox.messages == []
    [line] = [line for line in capsys.readouterr().err.splitlines() if "Could not email" in line]
    assert "SMTPAuthenticationError" in line
    assert wrong not in line
    assert wrong not in caplog.text


def test_an_error_logged_without_an_exception_is_emailed(mail_app, smtp_server):
    inbox = Inbox()
    app = mail_app(smtp_server(inbox))
    app.logger.error("The nightly export found %d orphaned orders", 3)
    [message] = inbox.wait_for(1)
    assert subject(message) == f"[{app.name}] ERROR at {app.name}"
    body = message.get_content()
    assert "The nightly export found 3 orphaned orders" in body.splitlines()
    assert "Method and URL: - -" in body.splitlines()
    assert "Traceback" not in body


def test_ssl_from_the_start(mail_app, smtp_server, certificate_authority):
    inbox = Inbox()
    port = smtp_server(inbox, ssl_context=certificate_authority)
    mail_app(port, MAIL_USE_SSL=True).test_client().get("/fail")
    [message] = inbox.wait_for(1)
    assert "RuntimeError" in subject(message)


def test_email_is_off_in_testing(make_app, caplog):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), ADMINS=["ops@example.com"])
    assert "Email error reports are off in debug and testing" in caplog.text
    assert [handler.get_name() for handler in app.logger.handlers] == ["console"{% if cookiecutter.use_file_logging %}, "logfile"{% endif %}]


def test_mail_port_out_of_range_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="MAIL_PORT must be from 1 to 65535"):
        from_environment({"MAIL_PORT": "99999"})


def test_an_invalid_boolean_setting_stops_the_flask_command_with_one_line(monkeypatch):
    for name in ("FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("MAIL_USE_TLS", "maybe")
    result = CliRunner().invoke(cli, ["--app", "{{ cookiecutter.project_slug }}", "routes"])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: MAIL_USE_TLS must be true or false, not 'maybe'"]


def test_tls_and_ssl_together_are_refused():
    with pytest.raises(ConfigError, match="not both"):
        from_environment({"MAIL_USE_TLS": "true", "MAIL_USE_SSL": "yes"})


def test_start_up_says_where_reports_go_but_not_the_login(mail_app, caplog):
    app = mail_app(
        free_port(), MAIL_USE_TLS=True, MAIL_USERNAME=MAIL_USER, MAIL_PASSWORD=MAIL_PASSWORD
    )
    [mail] = email_handler(app).listener.handlers
    assert mail.credentials == (MAIL_USER, MAIL_PASSWORD)
    [line] = [record.getMessage() for record in caplog.records if "Email" in record.getMessage()]
    assert line.startswith("Email error reports are on: to 2 recipient(s) through 127.0.0.1:")
    assert line.endswith("(STARTTLS).")
    assert MAIL_USER not in caplog.text and MAIL_PASSWORD not in caplog.text
