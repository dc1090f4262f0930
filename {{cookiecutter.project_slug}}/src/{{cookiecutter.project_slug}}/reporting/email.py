"""Error reports by email to ``ADMINS``, sent from a background thread.

The request thread only copies the request's details onto the record and puts it on a bounded
queue; a ``QueueListener`` thread talks to the SMTP server, so a slow, hung or unreachable server
never delays a response. ``logging.shutdown`` (run at exit) closes the handler, which sends what is
still queued.

The same error (exception type and the line that raised it) is emailed at most once per
``MAIL_FLOOD_WINDOW`` seconds; the next email about it says how many were held back. The count is
kept by a ``FloodControl``: this process's own, which remembers at most ``FLOOD_MEMORY`` errors (an
error quiet for a window is forgotten, and past the limit the one emailed longest ago), unless the
app provides one shared by every process (``app.extensions["flood_control"]``). A failure to send is
reported on stderr at most once per window too.
"""

import contextlib
import logging
import math
import queue
import smtplib
import ssl
import sys
import sysconfig
from email.message import EmailMessage
from email.utils import localtime
from logging.handlers import QueueHandler, QueueListener
from time import monotonic, sleep

from flask import Flask, has_request_context, request

from .scrub import scrub_text, scrub_url

logger = logging.getLogger(__name__)
QUEUE_SIZE = 1000
# How many different errors the flood control remembers at most.
FLOOD_MEMORY = 1000
# Where the standard library and installed packages live: code there is not the app's own.
LIBRARIES = tuple(
    {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
)
BODY_FORMAT = """\
%(levelname)s in %(name)s at %(asctime)s

Request ID:     %(request_id)s
Method and URL: %(method)s %(url)s
User agent:     %(user_agent)s

%(message)s
"""


class RequestDetails(logging.Filter):
    """Copy what the email needs onto the record while the request is still there to read,
    scrubbed as the record's message is (``scrub``): the email may cross the network in clear.

    The listener thread has no request context: read there, every field would be empty.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        in_request = has_request_context()
        record.method = request.method if in_request else "-"
        record.path = scrub_url(request.path) if in_request else None
        # Without the query string, which can hold tokens, and without the client's address, which
        # the access log has, beside the request id.
        record.url = scrub_url(request.base_url) if in_request else "-"
        record.user_agent = scrub_text(request.user_agent.string if in_request else "") or "-"
        record.error_name, record.fingerprint = describe(record)
        return True


def describe(record: logging.LogRecord) -> tuple[str, str]:
    """A name for the error, and a key that is the same each time the same error happens: its type
    and the innermost line of the app's own code in its traceback (the view's ``abort(503)``, not
    the line in Werkzeug that raises the exception)."""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        name = type(error).__name__
        package = record.name.partition(".")[0]
        innermost = own = None
        traceback = error.__traceback__
        while traceback is not None:
            innermost = traceback
            module = traceback.tb_frame.f_globals.get("__name__", "")
            filename = traceback.tb_frame.f_code.co_filename
            if module.partition(".")[0] == package or not filename.startswith(LIBRARIES):
                own = traceback
            traceback = traceback.tb_next
        where = own or innermost
        if where is None:
            return name, f"{name} in {record.name}"
        return name, f"{name} at {where.tb_frame.f_code.co_filename}:{where.tb_lineno}"
    return record.levelname, f"{record.pathname}:{record.lineno}"


class FloodControl:
    """Which reports of an error to email: one per ``window`` seconds, counted in this process."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.last_sent: dict[str, tuple[float, int]] = {}  # fingerprint: (when, held back since)

    def admit(self, fingerprint: str) -> int | None:
        """None to hold this report of the error back; else email it, saying how many of it were
        held back since the last email."""
        now = monotonic()
        self.forget_old_errors(now, keep=fingerprint)
        # An error not emailed before is due, as if its last email were infinitely long ago.
        sent_at, held_back = self.last_sent.get(fingerprint, (-math.inf, 0))
        if now - sent_at < self.window:
            self.last_sent[fingerprint] = (sent_at, held_back + 1)
            return None
        self.last_sent[fingerprint] = (now, 0)
        return held_back

    def held_back(self) -> int:
        """How many reports are held back now, of every error, and never to be emailed."""
        return sum(count for _, count in list(self.last_sent.values()))

    def note(self, held_back: int) -> str:
        """The email's line about the reports held back before it."""
        return (
            f"{held_back} more of this error were not emailed in the {self.window:g} seconds "
            "before this one."
        )

    def forget_old_errors(self, now: float, keep: str) -> None:
        """Drop errors last emailed a window ago with none held back since: nothing to report.
        Then, should the table still be full, the errors emailed longest ago, but never ``keep``,
        the error about to be counted."""
        for fingerprint, (sent_at, held_back) in list(self.last_sent.items()):
            if not held_back and now - sent_at >= self.window:
                del self.last_sent[fingerprint]
        if keep in self.last_sent:
            return
        while len(self.last_sent) >= FLOOD_MEMORY:
            del self.last_sent[min(self.last_sent, key=lambda error: self.last_sent[error][0])]


class MailHandler(logging.Handler):
    """Emails each record, over SSL (port 465) or with STARTTLS (with or without a login)."""

    def __init__(
        self,
        *,
        service: str,
        host: str,
        port: int,
        sender: str,
        recipients: list[str],
        use_ssl: bool,
        use_tls: bool,
        credentials: tuple[str, str] | None,
        flood: FloodControl,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(logging.ERROR)
        self.service = service
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = recipients
        self.use_ssl = use_ssl
        self.use_tls = use_tls
        self.credentials = credentials
        self.flood = flood
        self.timeout = timeout
        self.last_failure: float | None = None
        self.failures = 0
        self.setFormatter(logging.Formatter(BODY_FORMAT))

    def subject(self, record: logging.LogRecord) -> str:
        details = vars(record)  # what RequestDetails put on the record
        where = f"{details['method']} {details['path']}" if details["path"] else record.name
        return f"[{self.service}] {details['error_name']} at {where}"

    def handle(self, record: logging.LogRecord) -> bool:
        """Send ``record`` without taking the handler's lock.

        Only the listener's thread sends, so nothing needs the lock; and ``logging.shutdown``, at
        exit, takes every handler's lock: held through a send to a hung server, it would keep the
        process alive for the whole SMTP timeout.
        """
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        held_back = self.flood.admit(vars(record)["fingerprint"])
        if held_back is None:
            return
        try:
            body = self.format(record)
            if held_back:
                body += f"\n{self.flood.note(held_back)}\n"
            self.send(self.subject(record), body)
        except Exception:
            self.handleError(record)

    def send(self, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = subject
        message["Date"] = localtime()
        message.set_content(body)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.use_tls:
                smtp.starttls(context=context)
            if self.credentials:
                smtp.login(*self.credentials)
            smtp.send_message(message)

    def handleError(self, record: logging.LogRecord) -> None:
        """Say on stderr that a report was not sent, once per window, not once per error."""
        self.failures += 1
        now = monotonic()
        if self.last_failure is not None and now - self.last_failure < self.flood.window:
            return
        self.last_failure = now
        error = sys.exc_info()[1]
        print(
            f"Could not email an error report through {self.host}:{self.port}: "
            f"{scrub_text(repr(error))} "
            f"(further failures in the next {self.flood.window:g} seconds are not shown)",
            file=sys.stderr,
        )


class Listener(QueueListener):
    """A ``QueueListener`` whose stop waits for room in a full queue instead of failing."""

    def enqueue_sentinel(self) -> None:
        while True:
            try:
                super().enqueue_sentinel()
            except queue.Full:
                sleep(0.01)  # the listener thread is still sending
            else:
                return


class BackgroundHandler(QueueHandler):
    """Queue records for ``target``, which a listener thread runs; a full queue drops them."""

    def __init__(self, target: logging.Handler) -> None:
        # The queue as a Queue: QueueHandler knows it only as something with put_nowait and get.
        self.reports: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_SIZE)
        super().__init__(self.reports)
        self.addFilter(RequestDetails())
        self.listener: Listener | None = Listener(self.queue, target, respect_handler_level=True)
        self.listener.start()

    def enqueue(self, record: logging.LogRecord) -> None:
        # When the queue is full the SMTP side is far behind, and more reports would not help.
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(record)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        super().close()

    def close_within(self, seconds: float) -> None:
        """Give the queued reports ``seconds`` to be sent, then close; on stderr, one line counts
        those that were not: still queued, failed to send, or held back by the flood window."""
        listener, self.listener = self.listener, None
        if listener is None:
            return
        [mail] = [handler for handler in listener.handlers if isinstance(handler, MailHandler)]
        failures = mail.failures
        deadline = monotonic() + seconds
        while self.reports.unfinished_tasks and monotonic() < deadline:
            sleep(0.05)
        # The listener's thread is a daemon, and sends without the handler's lock: left with a send
        # under way, it ends with the process and does not hold up its exit.
        waiting = self.reports.unfinished_tasks
        failed = mail.failures - failures
        held_back = mail.flood.held_back()
        if waiting or failed or held_back:
            unsent = waiting + failed
            reports = "1 error report was" if unsent == 1 else f"{unsent} error reports were"
            print(
                f"{reports} not emailed through {mail.host}:{mail.port} ({waiting} still queued "
                f"after {seconds:g} s, {failed} failed to send; {held_back} repeats held back)",
                file=sys.stderr,
            )
        super().close()


def close_within(logger: logging.Logger, seconds: float) -> None:
    """Close ``logger``'s email handler, giving its queued reports ``seconds`` to be sent.

    ``gunicorn.conf.py`` calls this as a worker exits; ``logging.shutdown`` at exit would wait for
    every queued report however long an unreachable server takes to refuse each.
    """
    for handler in logger.handlers:
        if isinstance(handler, BackgroundHandler):
            handler.close_within(seconds)


def create_handler(app: Flask) -> logging.Handler | None:
    """The email handler, or None when email reports are off; an INFO line says which."""
    config = app.config
    if not config["MAIL_SERVER"] or not config["ADMINS"]:
        logger.info("Email error reports are off: MAIL_SERVER or ADMINS is not set.")
        return None
    if app.debug or app.testing:
        logger.info("Email error reports are off in debug and testing.")
        return None
    credentials = None
    if config["MAIL_USERNAME"]:
        credentials = (config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    mail = MailHandler(
        service=app.name,
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        sender=config["MAIL_SENDER"],
        recipients=config["ADMINS"],
        use_ssl=config["MAIL_USE_SSL"],
        use_tls=config["MAIL_USE_TLS"],
        credentials=credentials,
        # Shared by every process when the app provides one, else this process's own.
        flood=app.extensions.get("flood_control", FloodControl)(config["MAIL_FLOOD_WINDOW"]),
    )
    handler = BackgroundHandler(mail)
    handler.setLevel(logging.ERROR)
    logger.info(
        "Email error reports are on: to %d recipient(s) through %s:%d (%s).",
        len(config["ADMINS"]),
        config["MAIL_SERVER"],
        config["MAIL_PORT"],
        "SSL" if config["MAIL_USE_SSL"] else "STARTTLS" if config["MAIL_USE_TLS"] else "no TLS",
    )
    return handler
