"""Error reports by email to ``ADMINS``, sent from a background thread.

The request thread only puts the record on a bounded queue; a ``QueueListener`` thread talks to the
SMTP server, so a slow or unreachable server never delays a response. ``logging.shutdown`` (run at
exit) closes the handler, which sends what is still queued.
"""

import logging
import queue
from logging.handlers import QueueHandler, QueueListener, SMTPHandler

from flask import Flask

QUEUE_SIZE = 1000


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
    if not config["MAIL_SERVER"] or not config["ADMINS"]:
        app.logger.info("Email error reports are off: MAIL_SERVER or ADMINS is not set.")
        return None
    if app.debug or app.testing:
        app.logger.info("Email error reports are off in debug and testing.")
        return None
    credentials = None
    if config["MAIL_USERNAME"] or config["MAIL_PASSWORD"]:
        credentials = (config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    smtp = SMTPHandler(
        mailhost=(config["MAIL_SERVER"], config["MAIL_PORT"]),
        fromaddr=config["MAIL_SENDER"],
        toaddrs=config["ADMINS"],
        subject=f"[{app.name}] Application error",
        credentials=credentials,
        secure=() if config["MAIL_USE_TLS"] else None,
        timeout=10,
    )
    smtp.setLevel(logging.ERROR)
    handler = BackgroundHandler(smtp)
    handler.setLevel(logging.ERROR)
    return handler
