"""Error reports by email, against a real SMTP server on loopback."""

import socket
import time
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 Message accepted for delivery"

    def wait_for(self, count, seconds=10.0):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_unhandled_exception_is_emailed_to_admins(make_app, smtp_server):
    controller, inbox = smtp_server
    app = make_app(
        TESTING=False,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        ADMINS=["ops@example.com", "dev@example.com"],
    )
    assert app.test_client().get("/fail").status_code == 500
    [message] = inbox.wait_for(1)
    assert message["Subject"] == f"[{app.name}] Application error"
    assert message["To"] == "ops@example.com, dev@example.com"
    assert "RuntimeError: database refused" in message.get_content()


def test_email_is_off_in_testing(make_app, smtp_server, caplog):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, ADMINS=["ops@example.com"])
    app.test_client().get("/fail")
    assert "Email error reports are off in debug and testing" in caplog.text
    assert all(handler.get_name() != "email" for handler in app.logger.handlers)
    assert inbox.wait_for(1, seconds=0.5) == []


def test_mail_port_out_of_range_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="MAIL_PORT must be from 1 to 65535"):
        from_environment({"MAIL_PORT": "99999"})


def test_tls_and_ssl_together_are_refused(make_app):
    with pytest.raises(ConfigError, match="not both"):
        make_app(MAIL_USE_TLS=True, MAIL_USE_SSL=True)
