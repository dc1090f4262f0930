"""Rate limits per client, by Flask-Limiter: ``RATELIMIT_DEFAULT`` and ``RATELIMIT_APPLICATION``.

Both are empty by default, and then nothing is limited. ``RATELIMIT_DEFAULT`` (``100/minute``, or
several: ``10/second;1000/day``) gives each route its own count per client, as Flask-Limiter means
it; ``RATELIMIT_APPLICATION`` counts all of a client's requests together. A view can have limits of
its own, which replace ``RATELIMIT_DEFAULT`` for it::

    @bp.post("/items")
    @limit("10/minute")
    def create_item(...): ...

Each app has a limiter of its own (``app.extensions["ratelimits"]``), made from its settings, so
that the tests can build apps with different limits in one process; ``init_app`` runs once every
route is registered, and gives each view marked with ``limit`` its limits.

A client is known by its address as ``proxies`` reports it (``PROXY_HOPS``): an
``X-Forwarded-For`` it writes itself never moves it to a fresh count. Requests that match no route
(404, 405) count as one route of their own, so a scanner's flood spends its limit too. The probes
and the documentation are never limited.

A request over a limit is a 429 through the app's one error handler, with ``Retry-After`` in
seconds; every response a limit applies to carries the ``RateLimit-Policy`` and ``RateLimit`` fields
of draft-ietf-httpapi-ratelimit-headers-11. The counts live in ``RATELIMIT_STORAGE_URI``: this
process's memory unless a shared store is configured. When that store fails, each process counts
in its own memory until the store answers again (Flask-Limiter tries it after 1, 2, 4 ... 32
seconds), and says so in the log once a minute at most.
"""

import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask_limiter
from flask import Flask, current_app, request
from flask.typing import RouteCallable
from flask_limiter import RateLimitExceeded
from limits import RateLimitItem
from limits.errors import StorageError
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from .errors import handle_http_error
from .openapi import is_documentation
from .proxies import PROBES

V = TypeVar("V", bound=Callable[..., Any])

# The route that requests no route matched (404, 405) are counted under.
UNROUTED = "unrouted"
# Where ``limit`` leaves a view's own limits, and where the app keeps its limiter.
LIMITS = "__rate_limits__"
EXTENSION = "ratelimits"
# The most often Flask-Limiter's warnings (a store that is away) reach the log.
LOG_INTERVAL = 60.0


def client_address() -> str:
    return request.remote_addr or "-"


def route() -> str:
    return request.endpoint or UNROUTED


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's limiter, which tries a store it has just given up on a second later.

    When a request finds the store failing, Flask-Limiter counts in memory and tries the store
    again 1, 2, 4 ... 32 seconds after its last try; but its first try came at once, in the same
    request, whenever the last one was over a second before (on import, in a fresh process): that
    request waited for a hung store's timeout twice. Here the tries' clock starts at the failure.
    It sets two of Flask-Limiter's internals (``_storage_dead``, and the clock, name-mangled).
    """

    _dead = False

    @property
    def _storage_dead(self) -> bool:
        return self._dead

    @_storage_dead.setter
    def _storage_dead(self, dead: bool) -> None:
        if dead and not self._dead:
            self._Limiter__last_check_backend = time.time()  # Flask-Limiter's clock of its tries
        self._dead = dead


def never_limited() -> bool:
    return request.path in PROBES or is_documentation(request.endpoint or "")


def limit(limits: str) -> Callable[[V], V]:
    """Give a view limits of its own, such as ``"10/minute"`` or ``"2/second;100/day"``."""

    def mark(view: V) -> V:
        setattr(view, LIMITS, limits)
        return view

    return mark


def limiter() -> Limiter:
    """The current app's limiter."""
    app_limiter: Limiter = current_app.extensions[EXTENSION]
    return app_limiter


def policy(limit: RateLimitItem) -> str:
    """A limit's name in the fields, such as ``"100 per 1 minute"``."""
    return f'"{limit}"'


def seconds_until(timestamp: float) -> int:
    return max(0, math.ceil(timestamp - time.time()))


def too_many_requests(error: RateLimitExceeded) -> Response:
    current = limiter().current_limit  # the limit this request broke
    try:
        retry_after = seconds_until(current.reset_at) if current else 1
    except StorageError:  # the store failed since it counted this request
        retry_after = error.limit.limit.get_expiry()
    # Flask-Limiter's reset time is a second late; the window's end is never further off.
    retry_after = min(max(1, retry_after), error.limit.limit.get_expiry())
    return handle_http_error(
        TooManyRequests(
            f"Too many requests: the limit is {error.limit.limit}. "
            f"Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    )


def add_rate_limit_fields(response: Response) -> Response:
    """``RateLimit-Policy``: the limits of the request's last check, smallest window first (a view's
    own, when it has some: ``RATELIMIT_APPLICATION`` is checked before them); ``RateLimit``: what is
    left of the one nearest to its end, or of the one the request broke."""
    counted, current = limiter().current_limits, limiter().current_limit
    if current is None:
        return response
    try:
        remaining = current.remaining
        reset = min(seconds_until(current.reset_at), current.limit.get_expiry())
    except StorageError:  # the store failed since it counted this request: say nothing
        return response
    response.headers["RateLimit-Policy"] = ", ".join(
        f"{policy(each.limit)};q={each.limit.amount};w={each.limit.get_expiry()}"
        for each in counted
    )
    response.headers["RateLimit"] = f"{policy(current.limit)};r={remaining};t={reset}"
    return response


class OncePerInterval(logging.Filter):
    """Lets one record through per ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.last = -math.inf

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.last < self.seconds:
            return False
        self.last = now
        return True


class ToAppLogger(logging.Handler):
    """Hands Flask-Limiter's warnings to the app's logger, as warnings: a store that is away is no
    bug to email about, and the limits hold meanwhile."""

    def __init__(self, app: Flask) -> None:
        super().__init__(logging.WARNING)
        self.app_logger = app.logger
        self.addFilter(OncePerInterval(LOG_INTERVAL))

    def emit(self, record: logging.LogRecord) -> None:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self.app_logger.handle(record)


def limit_views(app: Flask) -> None:
    """Give each of ``app``'s views marked with ``limit`` its limits, setting up the app's limiter
    if it has none yet (a route added after ``init_app`` needs this call)."""
    if EXTENSION not in app.extensions:
        start_limiter(app)
    app_limiter: Limiter = app.extensions[EXTENSION]
    for endpoint, view in list(app.view_functions.items()):
        if (limits := getattr(view, LIMITS, None)) and not hasattr(view, "__wrapped__"):
            app.view_functions[endpoint] = cast(RouteCallable, app_limiter.limit(limits)(view))


def start_limiter(app: Flask) -> None:
    app_limiter = Limiter(
        key_func=client_address,
        request_identifier=route,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    app_limiter.request_filter(never_limited)
    app_limiter.init_app(app)
    app.extensions[EXTENSION] = app_limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.after_request(add_rate_limit_fields)
    # Flask-Limiter's log reaches the app's handlers through this one only.
    limiter_logger = logging.getLogger("flask-limiter")
    limiter_logger.propagate = False
    for old in [old for old in limiter_logger.handlers if isinstance(old, ToAppLogger)]:
        limiter_logger.removeHandler(old)
    limiter_logger.addHandler(ToAppLogger(app))


def init_app(app: Flask) -> None:
    """Limit ``app``'s requests; called once every route is registered. With no limit set, and no
    view with limits of its own, there is no limiter: a request costs nothing more."""
    # A shared store, when the app has one, set its own URI and options already.
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config = app.config
    marked = any(getattr(view, LIMITS, None) for view in app.view_functions.values())
    if config["RATELIMIT_DEFAULT"] or config["RATELIMIT_APPLICATION"] or marked:
        limit_views(app)
