"""Error reports by email to ``ADMINS``, sent from a background thread.

The request thread only puts the record on a bounded queue; a ``QueueListener`` thread talks to the
SMTP server, so a slow or unreachable server never delays a response. ``logging.shutdown`` (run at
exit) closes the handler, which sends what is still queued.
"""

import logging
import queue
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import localtime
from logging.handlers import QueueHandler, QueueListener, SMTPHandler

from flask import Flask

from ..config import ConfigError

QUEUE_SIZE = 1000


class MailHandler(SMTPHandler):
    """``SMTPHandler`` that also speaks SSL (port 465) and uses STARTTLS with or without a login."""

    def __init__(self, *, use_ssl: bool, use_tls: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.use_ssl = use_ssl
        self.use_tls = use_tls

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = EmailMessage()
            message["From"] = self.fromaddr
            message["To"] = ", ".join(self.toaddrs)
            message["Subject"] = self.getSubject(record)
            message["Date"] = localtime()
            message.set_content(self.format(record))
            context = ssl.create_default_context()
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(
                    self.mailhost, self.mailport, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(self.mailhost, self.mailport, timeout=self.timeout)
            with smtp:
                if self.use_tls:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except Exception:
            self.handleError(record)


class BackgroundHandler(QueueHandler):
    """Queue records for ``target``, which a listener thread runs."""

    def __init__(self, target: logging.Handler) -> None:
        super().__init__(queue.Queue(QUEUE_SIZE))
        self.listener = QueueListener(self.queue, target, respect_handler_level=True)
        self.listener.start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        super().close()


def create_handler(app: Flask) -> logging.Handler | None:
    """The email handler, or None (with an INFO line saying why) when email reports are off."""
    config = app.config
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigError("Set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL (SSL), not both")
    if not config["MAIL_SERVER"] or not config["ADMINS"]:
        app.logger.info("Email error reports are off: MAIL_SERVER or ADMINS is not set.")
        return None
    if app.debug or app.testing:
        app.logger.info("Email error reports are off in debug and testing.")
        return None
    credentials = None
    if config["MAIL_USERNAME"]:
        credentials = (config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    mail = MailHandler(
        use_ssl=config["MAIL_USE_SSL"],
        use_tls=config["MAIL_USE_TLS"],
        mailhost=(config["MAIL_SERVER"], config["MAIL_PORT"]),
        fromaddr=config["MAIL_SENDER"],
        toaddrs=config["ADMINS"],
        subject=f"[{app.name}] Application error",
        credentials=credentials,
        timeout=10,
    )
    mail.setLevel(logging.ERROR)
    handler = BackgroundHandler(mail)
    handler.setLevel(logging.ERROR)
    return handler
