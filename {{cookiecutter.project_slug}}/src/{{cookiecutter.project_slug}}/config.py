"""Configuration read from the environment.

``flask run`` loads a ``.env`` file first when python-dotenv is installed; ``.env.example`` lists
every name read here. A value that cannot be used stops the app at start-up with a message naming
it.
"""

import logging
import os
from collections.abc import Mapping
from typing import Any


class ConfigError(ValueError):
    """An environment variable holds a value the app cannot use."""


def _log_level(environ: Mapping[str, str]) -> str:
    level = environ.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ConfigError(f"LOG_LEVEL must be a logging level such as INFO or DEBUG, not {level!r}")
    return level
{%- if cookiecutter.use_email_logging or cookiecutter.use_file_logging %}


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
{%- endif %}
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


def url_prefix(value: str) -> str:
    """``value`` as a URL prefix: ``"v1/"`` becomes ``"/v1"``, and ``"/"`` the empty prefix."""
    value = value.strip().strip("/")
    return f"/{value}" if value else ""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app's configuration from ``environ`` (``os.environ`` by default), with defaults."""
    if environ is None:
        environ = os.environ
    return {
        "SECRET_KEY": environ.get("SECRET_KEY"),
        "API_PREFIX": url_prefix(environ.get("API_PREFIX", "/api")),
        "LOG_LEVEL": _log_level(environ),
{%- if cookiecutter.use_email_logging %}
        "ADMINS": [
            address.strip() for address in environ.get("ADMINS", "").split(",") if address.strip()
        ],
        "MAIL_SERVER": environ.get("MAIL_SERVER"),
        "MAIL_PORT": _integer(environ, "MAIL_PORT", 25, minimum=1, maximum=65535),
        "MAIL_USE_TLS": _boolean(environ, "MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _boolean(environ, "MAIL_USE_SSL", False),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD"),
        "MAIL_SENDER": environ.get("MAIL_SENDER", f"{__package__}@localhost"),
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
    }
