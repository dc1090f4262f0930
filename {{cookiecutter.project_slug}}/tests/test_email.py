"""Error reports by email, against a real SMTP server on loopback."""

import socket
import time

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", errors="replace"))
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
        ADMINS=["ops@example.com"],
    )
    assert app.test_client().get("/fail").status_code == 500
    [message] = inbox.wait_for(1)
    assert "Subject: [{{ cookiecutter.project_slug }}] Application error" in message
    assert "To: ops@example.com" in message
    assert "RuntimeError: database refused" in message


def test_email_is_off_in_testing(make_app, smtp_server, caplog):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, ADMINS=["ops@example.com"])
    app.test_client().get("/fail")
    assert "Email error reports are off in debug and testing" in caplog.text
    assert inbox.wait_for(1, seconds=0.5) == []
    assert not any(handler.get_name() == "email" for handler in app.logger.handlers)
