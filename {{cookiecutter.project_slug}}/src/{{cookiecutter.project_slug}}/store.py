"""The store every process of the service shares: Redis at ``REDIS_URL``.

It holds what the processes and machines of a fleet must agree on: the rate limits' counts
(Flask-Limiter's storage, on this module's connections)
{%- if cookiecutter.use_email_logging %} and the email flood control's, so that
an error is emailed once per window by the whole fleet and the next email counts what every
process held back{% endif %}.
Every key starts with ``REDIS_KEY_PREFIX``, so services can share one Redis.

Redis away, slow or refusing costs a request little: each call waits ``TIMEOUT`` seconds at most
and is never retried, and after a failure each process keeps to its own memory for a while
(the rate limits try Redis again after 1, 2, 4 ... 32 seconds
{%- if cookiecutter.use_email_logging %},
the flood control after ``RETRY_AFTER``{% endif %}), logging it once a minute at most.
Nothing here makes the service unready: ``/readyz`` does not ask Redis, because without it the
service still answers every request correctly, its limits
{%- if cookiecutter.use_email_logging %} and flood control{% endif %} only counted per
process.
"""
{%- if cookiecutter.use_email_logging %}

import hashlib
import logging
import math
from time import monotonic
from typing import cast
{%- endif %}

import redis
from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry
{%- if cookiecutter.use_email_logging %}

from .reporting.email import FloodControl

logger = logging.getLogger(__name__)
{%- endif %}

# The longest a call to Redis waits, to connect or for an answer.
TIMEOUT = 0.25
{%- if cookiecutter.use_email_logging %}
# After a failure, how long the flood control leaves Redis alone.
RETRY_AFTER = 30.0
# The most often a failure reaches the log.
LOG_INTERVAL = 60.0
# How long Redis keeps the count of an error's reports held back after the last one.
HELD_BACK_KEPT = 7 * 24 * 3600
# A report of an error: claim the error's window for its email (KEYS[1], for ARGV[1] ms) and take
# the count held back since the last (KEYS[2]); or, the window claimed already, add to that count
# (kept ARGV[2] s) and answer -1. One script, which Redis runs whole: as two commands, a report
# held back between the claim and the taking of the count was counted in the claiming email (a
# first email said "2 more of this error were not emailed"), not in the next.
CLAIM_OR_HOLD = """
if redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[1]) then
    return tonumber(redis.call('GETDEL', KEYS[2]) or 0)
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return -1
"""
{%- endif %}


def connect(url: str) -> redis.Redis:
    """A client for ``url`` whose calls wait ``TIMEOUT`` at most and are never retried (redis-py
    retries three times with backoff unless told otherwise)."""
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)
{%- if cookiecutter.use_email_logging %}


class SharedFloodControl(FloodControl):
    """The email flood control, counted in Redis for the whole fleet: the first process to report
    an error in a window claims the window's email, and every other report of it adds to a count
    that the next email takes. While Redis is away, this process counts on its own."""

    def __init__(self, client: redis.Redis, prefix: str, window: float) -> None:
        super().__init__(window)
        self.client = client
        self.prefix = prefix
        self.away_since = -math.inf
        self.logged_at = -math.inf
        self.shared = True  # whether the last admitted email was counted in Redis

    def admit(self, fingerprint: str) -> int | None:
        if monotonic() - self.away_since < RETRY_AFTER:
            self.shared = False
            return super().admit(fingerprint)
        key = f"{self.prefix}:flood:{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}"
        try:
            held_back = cast(
                int,
                self.client.eval(
                    CLAIM_OR_HOLD,
                    2,
                    f"{key}:sent",
                    f"{key}:held",
                    math.ceil(self.window * 1000),
                    HELD_BACK_KEPT,
                ),
            )
        except redis.RedisError as error:
            self.away(error)
            self.shared = False
            return super().admit(fingerprint)
        if held_back < 0:
            return None
        # This process emails it: with the count every process held back since the last email.
        self.shared = True
        return held_back

    def away(self, error: redis.RedisError) -> None:
        now = self.away_since = monotonic()
        if now - self.logged_at >= LOG_INTERVAL:
            self.logged_at = now
            logger.warning(
                "Redis is away (%s): email flood control is per process for %g seconds",
                type(error).__name__,
                RETRY_AFTER,
            )

    def note(self, held_back: int) -> str:
        if not self.shared:
            return super().note(held_back)
        return f"{held_back} more of this error were not emailed, by any process, since the last."
{%- endif %}


def init_app(app: Flask) -> None:
    """Connect (lazily: nothing is sent before the first use) and hand the store to the rate
    limits{% if cookiecutter.use_email_logging %} and the email flood control{% endif %}; called before either is set up."""
    client = connect(app.config["REDIS_URL"])
    prefix = app.config["REDIS_KEY_PREFIX"]
    app.extensions["redis"] = client
    # The URI only chooses the storage's kind: its connections are the pool's, so the URL's
    # password is kept in one place.
    app.config.setdefault("RATELIMIT_STORAGE_URI", "redis://")
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {
            "connection_pool": client.connection_pool,
            "key_prefix": f"{prefix}:limits",
            "wrap_exceptions": True,
        },
    )
{%- if cookiecutter.use_email_logging %}
    app.extensions["flood_control"] = lambda window: SharedFloodControl(client, prefix, window)
{%- endif %}
