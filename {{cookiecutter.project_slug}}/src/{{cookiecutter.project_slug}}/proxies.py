"""The client and the host it asked for, as the proxies in front of the app report them.

``PROXY_HOPS`` says how many proxies stand in front of the app (a load balancer, nginx). Each one
adds the address it received the request from to ``X-Forwarded-For``, and says what the client
asked for in ``X-Forwarded-Proto``, ``-Host``, ``-Port`` and ``-Prefix``; Werkzeug's ``ProxyFix``
believes the values the last ``PROXY_HOPS`` of them added, and nothing a client wrote before
them. With 0, the default, no such header is believed at all. gunicorn believes none of them
either (``forwarded_allow_ips`` in ``gunicorn.conf.py``), so this is the one place that decides
the client's address (the access log's, the reports') and the host.

``TRUSTED_HOSTS`` lists the hosts the service answers to, and Flask checks the request's host
against it before routing: the absolute URLs the app builds (a redirect's ``Location``, the link
in an error email) are built from it, and a client chooses its ``Host``. A request for another
host is a 400. The probes answer whatever the host: a load balancer or Kubernetes sends the
machine's address.
"""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .errors import handle_http_error

PROBES = frozenset({"/healthz"{% if cookiecutter.use_database %}, "/readyz"{% endif %}})


class ProbesAnyHost:
    """WSGI middleware: a probe's request is served as one for the first trusted host. Its answer
    builds no URL, so the host stands in for the one the probe sent and is never shown."""

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        trusted_hosts = self.app.config["TRUSTED_HOSTS"]
        if trusted_hosts and environ.get("PATH_INFO") in PROBES:
            environ["HTTP_HOST"] = trusted_hosts[0].removeprefix(".")
        return self.wsgi_app(environ, start_response)


def refuse_host(error: SecurityError) -> Response:
    # Werkzeug's message quotes the host the client sent; the answer does not.
    return handle_http_error(BadRequest("This service does not answer to the requested host."))


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, refuse_host)
    app.wsgi_app = ProbesAnyHost(app.wsgi_app, app)  # type: ignore[method-assign]
    if hops := app.config["PROXY_HOPS"]:
        # Outermost, so that everything inside sees what the proxies reported.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
