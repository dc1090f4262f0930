"""Configuration read from the environment.

The ``flask`` command and ``gunicorn`` (through ``gunicorn.conf.py``) load a ``.env`` file first,
without overriding the environment; ``.env.example`` lists every name read here. A value that
cannot be used stops the app at start-up with a message naming it, and so does an app about to
serve in production with the debugger on or without a real ``SECRET_KEY``.
"""

import logging
import os
import re
from collections.abc import Mapping
from typing import Any
{%- if cookiecutter.use_redis or cookiecutter.use_tracing %}
from urllib.parse import urlsplit
{%- endif %}

import click
from flask import Flask
from limits import parse_many

SECRET_KEY_MIN_LENGTH = 32

# A trusted host as Flask matches it: a name or an IPv4 address, optionally with a leading dot
# (every subdomain too) and a port (which Flask ignores), never a URL.
HOST = re.compile(r"\.?[^\s/:@]+(:[0-9]+)?")

# What a problem type's slug follows: a path, or an http(s) URL, ending with a slash, of the
# characters RFC 3986 allows in a path (others percent-encoded), with no query or fragment.
SEGMENT = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+"
URI_BASE = re.compile(rf"(?:(?i:https?)://[A-Za-z0-9.-]+(?::[0-9]+)?)?(?:/{SEGMENT})*/")


class ConfigError(click.ClickException):
    """An environment variable holds a value the app cannot use.

    A ``ClickException``, so that the ``flask`` command prints it as one line, without a traceback.
    """


def _log_level(environ: Mapping[str, str]) -> str:
    level = environ.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ConfigError(f"LOG_LEVEL must be a logging level such as INFO or DEBUG, not {level!r}")
    return level


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = environ.get(name, choices[0]).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _integer(
    environ: Mapping[str, str],
    name: str,
    default: int,
    minimum: int = 0,
    maximum: int | None = None,
) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ConfigError(f"{name} must be {bounds}, not {number}")
    return number
{%- if cookiecutter.use_email_logging %}


def _boolean(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")
{%- endif %}


def _hosts(environ: Mapping[str, str]) -> list[str] | None:
    hosts = [host.strip() for host in environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]
    for host in hosts:
        if not HOST.fullmatch(host):
            raise ConfigError(
                "TRUSTED_HOSTS must list host names such as api.example.com (or .example.com for "
                f"every subdomain), separated by commas, not {host!r}"
            )
    return hosts or None


def _problem_type_base(environ: Mapping[str, str]) -> str:
    """Where the problem types' pages are: this service's ``/problems/`` unless a team publishes
    its catalogue elsewhere (``https://docs.example.com/problems/``). A type's URI is this and its
    slug, so it ends with a slash."""
    value = environ.get("PROBLEM_TYPE_BASE", "").strip() or "/problems/"
    if not URI_BASE.fullmatch(value):
        raise ConfigError(
            "PROBLEM_TYPE_BASE must be a path such as /problems/ or an http(s) URL such as "
            f"https://docs.example.com/problems/, ending with a slash, not {value!r}"
        )
    return value


def _rate_limits(environ: Mapping[str, str], name: str) -> str:
    """Limits such as ``100/minute;2000/hour``, or empty for none; checked here, since a limit that
    cannot be read would otherwise fail every request."""
    value = environ.get(name, "").strip()
    if value:
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(
                f"{name} must be limits such as 100/minute or 10/second;1000/day, not {value!r}"
            ) from None
    return value
{%- if cookiecutter.use_redis %}


def _redis_url(environ: Mapping[str, str]) -> str:
    value = environ.get("REDIS_URL", "").strip() or "redis://localhost:6379/0"
    # The scheme only: the URL may hold a password, which no message shows.
    scheme = urlsplit(value).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            "REDIS_URL must be a redis:// URL (rediss:// for TLS, unix:// for a socket), "
            f"not a {scheme or 'schemeless'} URL"
        )
    return value
{%- endif %}
{%- if cookiecutter.use_tracing %}


def _traces_endpoint(environ: Mapping[str, str]) -> str | None:
    """Where spans go, by OpenTelemetry's own variables: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` as
    it is, or ``OTEL_EXPORTER_OTLP_ENDPOINT`` with OTLP/HTTP's path for traces. None, and tracing
    off, when neither is set or ``OTEL_SDK_DISABLED`` is true."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    traces = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    name = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" if traces else "OTEL_EXPORTER_OTLP_ENDPOINT"
    value = traces or base
    if not value:
        return None
    # The scheme only: the URL may hold credentials, which no message shows.
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"{name} must be an http:// or https:// URL such as http://localhost:4318 (OTLP over "
            f"HTTP), not a {parts.scheme or 'schemeless'} value"
        )
    return value if traces else f"{value.rstrip('/')}/v1/traces"
{%- endif %}


def url_prefix(value: str) -> str:
    """``value`` as a URL prefix: ``"v1/"`` becomes ``"/v1"``, and ``"/"`` the empty prefix."""
    value = value.strip().strip("/")
    return f"/{value}" if value else ""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app's configuration from ``environ`` (``os.environ`` by default), with defaults."""
    if environ is None:
        environ = os.environ
{%- if cookiecutter.use_email_logging %}
    mail_tls = _boolean(environ, "MAIL_USE_TLS", False)
    mail_ssl = _boolean(environ, "MAIL_USE_SSL", False)
    if mail_tls and mail_ssl:
        raise ConfigError("Set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL (SSL), not both")
{%- endif %}
    return {
        "SECRET_KEY": environ.get("SECRET_KEY"),
        "API_PREFIX": url_prefix(environ.get("API_PREFIX", "/api")),
        "MAX_CONTENT_LENGTH": _integer(environ, "MAX_CONTENT_LENGTH", 1024 * 1024, minimum=1),
        "REQUEST_BODY_TIMEOUT": _integer(environ, "REQUEST_BODY_TIMEOUT", 30, minimum=1),
        "TRUSTED_HOSTS": _hosts(environ),
        "PROXY_HOPS": _integer(environ, "PROXY_HOPS", 0, maximum=10),
        "LOG_LEVEL": _log_level(environ),
        "LOG_FORMAT": _choice(environ, "LOG_FORMAT", ("text", "json")),
        "PROBLEM_TYPE_BASE": _problem_type_base(environ),
        # Empty, the default: no limit. Each route has its own count of RATELIMIT_DEFAULT per
        # client; RATELIMIT_APPLICATION counts every request of a client together.
        "RATELIMIT_DEFAULT": _rate_limits(environ, "RATELIMIT_DEFAULT"),
        "RATELIMIT_APPLICATION": _rate_limits(environ, "RATELIMIT_APPLICATION"),
{%- if cookiecutter.use_redis %}
        "REDIS_URL": _redis_url(environ),
        # Every key the service writes starts with it: services can share one Redis.
        "REDIS_KEY_PREFIX": environ.get("REDIS_KEY_PREFIX", "").strip() or __package__,
{%- endif %}
{%- if cookiecutter.use_database %}
        # An SQLite file in the app's instance folder unless a URL is given.
        "DATABASE_URL": environ.get("DATABASE_URL", "").strip() or f"sqlite:///{__package__}.db",
        "DATABASE_TIMEOUT": _integer(environ, "DATABASE_TIMEOUT", 5, minimum=1),
{%- endif %}
{%- if cookiecutter.use_email_logging %}
        "ADMINS": [
            address.strip() for address in environ.get("ADMINS", "").split(",") if address.strip()
        ],
        "MAIL_SERVER": environ.get("MAIL_SERVER"),
        "MAIL_PORT": _integer(
            environ, "MAIL_PORT", 465 if mail_ssl else 25, minimum=1, maximum=65535
        ),
        "MAIL_USE_TLS": mail_tls,
        "MAIL_USE_SSL": mail_ssl,
        "MAIL_USERNAME": environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD"),
        "MAIL_SENDER": environ.get("MAIL_SENDER", f"{__package__}@localhost"),
        "MAIL_FLOOD_WINDOW": _integer(environ, "MAIL_FLOOD_WINDOW", 300, minimum=1),
{%- endif %}
{%- if cookiecutter.use_file_logging %}
        "LOG_FILE": environ.get("LOG_FILE", f"logs/{__package__}.log"),
        "LOG_MAX_BYTES": _integer(environ, "LOG_MAX_BYTES", 10 * 1024 * 1024),
        "LOG_BACKUP_COUNT": _integer(environ, "LOG_BACKUP_COUNT", 5),
{%- endif %}
{%- if cookiecutter.use_sentry %}
        "SENTRY_DSN": environ.get("SENTRY_DSN"),
        "SENTRY_ENVIRONMENT": environ.get("SENTRY_ENVIRONMENT", "production"),
{%- endif %}
{%- if cookiecutter.use_tracing %}
        # Set from OpenTelemetry's variables; the SDK reads the rest of them (OTEL_SERVICE_NAME,
        # OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*...) itself.
        "TRACES_ENDPOINT": _traces_endpoint(environ),
{%- endif %}
    }


def serving() -> bool:
    """Whether the app is being built to serve requests: by a WSGI server such as gunicorn, or by
    ``flask run``. The ``flask`` command's other commands (``--help``, ``db``, ``routes``,
    ``shell``) build it only to run a task."""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return True
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def check_production_safety(app: Flask) -> None:
    """Refuse to serve a production app that is unsafe to serve.

    Tests (``TESTING``) and development (the ``flask`` command with ``--debug``) are exempt. Debug
    mode anywhere else, such as a ``FLASK_DEBUG`` left in a server's environment, would hand
    tracebacks to clients; a missing or short ``SECRET_KEY`` would make signed cookies forgeable,
    and a missing ``TRUSTED_HOSTS`` would let a client's ``Host`` into the absolute URLs the app
    builds (a redirect, a link in an error email). Both matter only to an app that serves: the
    ``flask`` command's tasks run without them.
    """
    if app.testing:
        return
    develop = f"To develop, run: flask --app {app.name} run --debug"
    if app.debug:
        if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
            raise ConfigError(
                "Debug mode is on outside the flask command (FLASK_DEBUG or DEBUG, in the "
                f"environment or .env); never serve with it. {develop}"
            )
        return
    secret_key = app.config["SECRET_KEY"] or ""
    if len(secret_key) < SECRET_KEY_MIN_LENGTH and serving():
        raise ConfigError(
            f"SECRET_KEY must be set to at least {SECRET_KEY_MIN_LENGTH} random characters in "
            "production, in the environment or .env; make one with: "
            f"python3 -c 'import secrets; print(secrets.token_hex())'. {develop}"
        )
    if not app.config["TRUSTED_HOSTS"] and serving():
        raise ConfigError(
            "TRUSTED_HOSTS must name the hosts this service answers to in production, separated "
            "by commas (api.example.com, or .example.com for every subdomain), in the environment "
            f"or .env: a request for any other host is refused. {develop}"
        )
