"""Error reports to Sentry through sentry-sdk's Flask integration.

Off (no network at all) unless ``SENTRY_DSN`` is set. sentry-sdk's defaults collect no personal
data: no cookies, user details or client addresses. The SDK's client is global to the process, so
each ``init_app`` first closes the one an earlier app started.
"""

from importlib.metadata import PackageNotFoundError, version

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration


def release(app: Flask) -> str | None:
    try:
        return f"{app.name}@{version(app.name)}"
    except PackageNotFoundError:
        return None


def init_app(app: Flask) -> None:
    if sentry_sdk.get_client().is_active():
        sentry_sdk.get_client().close()
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        app.logger.info("Sentry reporting is off: SENTRY_DSN is not set.")
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=release(app),
        integrations=[FlaskIntegration()],
    )
