"""gunicorn's settings: ``gunicorn`` in this directory serves the app with them.

Every value can still be overridden on the command line (``gunicorn --workers 8``) or through
``GUNICORN_CMD_ARGS``. The app's settings come from the environment and, as for the ``flask``
command, from a ``.env`` file, which never overrides a variable the environment already has.
"""

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dotenv import find_dotenv, load_dotenv
from gunicorn import glogging
from gunicorn.arbiter import Arbiter
from gunicorn.config import Config
{%- if cookiecutter.use_email_logging %}
from gunicorn.workers.base import Worker
{%- endif %}

# .env, found as the flask command finds it: in this directory or the nearest one above.
load_dotenv(find_dotenv(usecwd=True), encoding="utf-8")

# The application: gunicorn calls the factory once in each worker. Keep preload_app off: the
# email reporter's sending thread, started by the factory, would not survive the fork.
{%- if cookiecutter.use_tracing %}
# Nor would the tracer's batch thread: made in the master, before gevent patches each worker, it
# would be a real thread, which deadlocks or loses spans under gevent.
{%- endif %}
wsgi_app = "{{ cookiecutter.project_slug }}:create_app()"

# Where to listen, as gunicorn itself does: on all interfaces at $PORT when it is set (a container,
# a platform such as Heroku), on loopback port 8000 otherwise.
port = os.environ.get("PORT")
bind = [f"0.0.0.0:{port}"] if port else ["127.0.0.1:8000"]

# Worker processes: $WEB_CONCURRENCY (gunicorn's own convention), else two per CPU plus one, at
# most 4. The CPU count is the host's, not a container's CPU limit: set WEB_CONCURRENCY there.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 4)))

# gevent workers: each connection is a greenlet, so a client that sends its request slowly (or
# never finishes it) holds one connection, not a whole worker, and 64 such clients leave every
# worker free to answer. Up to `worker_connections` clients per worker; the email thread, the log
# file's lock and Sentry's transport all work unchanged, as greenlets.
worker_class = "gevent"
worker_connections = 1000

# A worker silent for `timeout` seconds is killed and replaced. On SIGTERM, workers get
# `graceful_timeout` seconds to finish their requests: less than the 30 s Kubernetes waits before
# SIGKILL (`docker stop` waits 10 s unless given `--time`).
timeout = 30
graceful_timeout = 25
keepalive = 5

# Access log and error log to stdout and stderr, where a container's logs are collected. With
# LOG_FORMAT=json each line is a JSON object shaped like the app's, and an access line carries the
# id of its request (the X-Request-ID the app answered with). The probes' requests are not in the
# access log: take a path out of QUIET_PATHS to log its requests.
accesslog = "-"
errorlog = "-"
# gunicorn's usual access line, without the query string and the referer, which can carry tokens,
# and without a Basic-auth user name; with the request's id. What is left of the client's request
# (the path, the user agent) is scrubbed by the app's own policy: see Logger.atoms.
access_log_format = (
    '%(h)s %(l)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %({x-request-id}o)s'
)

# gunicorn believes no forwarded header (X-Forwarded-Proto and the like, SCRIPT_NAME) from any
# address, not even from loopback, which it trusts by default: the app alone decides what the
# proxies in front of it report, as many as PROXY_HOPS says (the package's proxies.py), and the
# access log shows the client's address it decided on.
forwarded_allow_ips = ""

QUIET_PATHS = frozenset({"/healthz"{% if cookiecutter.use_database %}, "/readyz"{% endif %}})

# No control socket (gunicorn 25.1 and newer open one for `gunicornc`, under $XDG_RUNTIME_DIR or
# else $HOME/.gunicorn/): the served app writes nothing in a home directory, which may be shared
# or read-only. To use gunicornc, remove this line and give --control-socket a path of your own.
control_socket_disable = True


class JSONFormatter(logging.Formatter):
    """gunicorn's records as JSON lines; an access line names the request but not its query."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            atoms = record.args  # what gunicorn knows of the request and its response
            entry["message"] = f"{atoms['m']} {atoms['U']} {atoms['s']}"
            entry["request_id"] = atoms["{x-request-id}o"]
            entry.update(status=atoms["s"], duration_ms=atoms["M"], remote_addr=atoms["h"])
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class Logger(glogging.Logger):
    """gunicorn's logger, in JSON with LOG_FORMAT=json, and silent on the probes' requests."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
            for handler in [*self.error_log.handlers, *self.access_log.handlers]:
                handler.setFormatter(JSONFormatter())

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        # gunicorn's line for a request it refuses itself ends with its parser's message, which
        # quotes the request line or header the client sent: keep the address, not the quote.
        refused, sep, _ = msg.partition(": ")
        if refused.startswith("Invalid request from ip=") and sep:
            msg = f"{refused}: refused by gunicorn (its message quotes the request)"
        super().warning(msg, *args, **kwargs)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        # In the worker, where the app is loaded: the access line follows the reports' policy.
        from {{ cookiecutter.project_slug }}.reporting.scrub import scrub_text, scrub_url

        atoms = super().atoms(resp, req, environ, request_time)
        atoms.update(u="-", q="-", a=scrub_text(atoms["a"]))
        for name in ("U", "r", "f"):  # the path, the request line, the referer
            atoms[name] = scrub_url(atoms[name])
        return atoms

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO") not in QUIET_PATHS:
            super().access(resp, req, environ, request_time)


logger_class = Logger


# The configuration check, run as a script: see on_starting.
CHECK_CONFIG = """
import sys
from {{ cookiecutter.project_slug }} import check_config
from {{ cookiecutter.project_slug }}.config import ConfigError
try:
    check_config()
except ConfigError as error:
    sys.exit(error.message)
"""


def on_starting(server: Arbiter) -> None:
    """Check the configuration once, before any worker boots.

    A missing ``SECRET_KEY`` or a bad value then stops gunicorn with one line saying what to fix,
    instead of a traceback from each worker followed by gunicorn giving up. The check runs in a
    process of its own: importing the app here, in the master, would import modules (ssl among
    them) that each gevent worker must monkey-patch before they are imported.
    """
    check = subprocess.run(
        [sys.executable, "-c", CHECK_CONFIG], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        server.halt(reason=check.stderr.strip(), exit_status=server.APP_LOAD_ERROR)
{%- if cookiecutter.use_email_logging %}


# A worker sends its error reports by email from a queue. When it stops (SIGTERM), or is aborted
# for its timeout, it gives the queued reports this long to be sent, and counts on stderr those
# that were not: well within graceful_timeout, and within the timeout it claims back when aborted.
REPORT_SECONDS = 5


def worker_abort(worker: Worker) -> None:
    # Aborted after `timeout` seconds of silence, the worker is killed a second later unless it
    # reports in: this buys it `timeout` seconds to exit through worker_exit.
    worker.notify()


def worker_exit(server: Arbiter, worker: Worker) -> None:
    from {{ cookiecutter.project_slug }}.reporting import email

    email.close_within(logging.getLogger("{{ cookiecutter.project_slug }}"), REPORT_SECONDS)
{%- endif %}
