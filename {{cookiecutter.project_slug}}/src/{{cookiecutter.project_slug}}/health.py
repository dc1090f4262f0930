"""A liveness check for load balancers and container health checks: ``GET /healthz``.

It answers from the process alone: no logging, no error reporting, no call to anything else, so a
probe every few seconds costs next to nothing and adds nothing to the logs (``gunicorn.conf.py``
leaves it out of the access log too). It sits outside ``API_PREFIX`` so that moving the API never
moves the probe.
"""

from flask import Flask

from .openapi import operation
from .schemas import Health


@operation("Liveness: the process answers", response=Health)
def healthz() -> tuple[dict[str, str], dict[str, str]]:
    return {"status": "ok"}, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", view_func=healthz)
