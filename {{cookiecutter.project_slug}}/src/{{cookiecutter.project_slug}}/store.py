"""The store every process of the service shares: Redis at ``REDIS_URL``.
{% if cookiecutter.use_email_logging %}
It holds what the processes and machines of a fleet must agree on: the rate limits' counts
(Flask-Limiter's storage, on this module's connections) and the email flood control's, so that an
error is emailed once per window by the whole fleet and the next email counts what every process
held back. Every key starts with ``REDIS_KEY_PREFIX``, so services can share one Redis.

Redis away, slow or refusing costs a request little: each call waits ``TIMEOUT`` seconds at most
and is never retried, and after a failure each process keeps its counts in its own memory for a
while (the rate limits try Redis again after 1, 2, 4 ... 32 seconds, the flood control after
``RETRY_AFTER``), saying so in the log once a minute at most. Nothing here makes the service
unready: ``/readyz`` does not ask Redis, because without it the service still answers every
request correctly, only counting per process.
{%- else %}
It holds what the processes and machines of a fleet must agree on: the rate limits' counts
(Flask-Limiter's storage, on this module's connections). Every key starts with
``REDIS_KEY_PREFIX``, so services can share one Redis.

Redis away, slow or refusing costs a request little: each call waits ``TIMEOUT`` seconds at most
and is never retried, and after a failure each process keeps its counts in its own memory for a
while (the rate limits try Redis again after 1, 2, 4 ... 32 seconds), saying so in the log once a
minute at most. Nothing here makes the service unready: ``/readyz`` does not ask Redis, because
without it the service still answers every request correctly, only counting per process.
{%- endif %}
"""
{% if cookiecutter.use_email_logging %}
import hashlib
import logging
import math
{%- endif %}
import time
{%- if cookiecutter.use_email_logging %}
from time import monotonic
{%- endif %}
from typing import Any, cast

import redis
from flask import Flask, g, has_request_context
from limits.storage import RedisStorage
from redis.backoff import NoBackoff
from redis.retry import Retry
{%- if cookiecutter.use_email_logging %}

from .reporting.email import FloodControl

logger = logging.getLogger(__name__)
{%- endif %}

# The longest a call to Redis waits, to connect or for an answer.
TIMEOUT = 0.25
# Where a request keeps what its rate limits' counts learnt (``flask.g``).
COUNTED = "rate_limit_counts"
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


class CountingRedisStorage(RedisStorage):
    """limits' Redis storage, in one round trip per request instead of three.

    After counting a request, Flask-Limiter reads the window (its count and its end, for the
    ``RateLimit`` field), which took a GET and a TTL more. Here one script counts, as limits' own
    does (a window's key expires ``expiry`` seconds after its first count), and answers with the
    count and the window's end together; that read answers from them, within the same request.
    """

    STORAGE_SCHEME = ["counting+redis"]
    SCRIPT = """
        local count = redis.call("INCRBY", KEYS[1], ARGV[2])
        if count == tonumber(ARGV[2]) then redis.call("EXPIRE", KEYS[1], ARGV[1]) end
        return {count, redis.call("PTTL", KEYS[1])}
    """

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri, **options)
        self.count_script = cast(redis.Redis, self.get_connection()).register_script(self.SCRIPT)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        count, milliseconds = self.count_script([self.prefixed_key(key)], [expiry, amount])
        if has_request_context():
            g.setdefault(COUNTED, {})[key] = (int(count), time.time() + max(milliseconds, 0) / 1000)
        return int(count)

    def counted(self, key: str) -> tuple[int, float] | None:
        """The count of ``key`` and its window's end, as this request's own count left them."""
        return g.get(COUNTED, {}).get(key) if has_request_context() else None

    def get(self, key: str) -> int:
        counted = self.counted(key)
        return counted[0] if counted else super().get(key)

    def get_expiry(self, key: str) -> float:
        counted = self.counted(key)
        return counted[1] if counted else super().get_expiry(key)
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
    limits{% if cookiecutter.use_email_logging %} and to the email flood control{% endif %}, before they are set up."""
    client = connect(app.config["REDIS_URL"])
    prefix = app.config["REDIS_KEY_PREFIX"]
    app.extensions["redis"] = client
    # The URI only chooses the storage's kind: its connections are the pool's, so the URL's
    # password is kept in one place.
    app.config.setdefault("RATELIMIT_STORAGE_URI", "counting+redis://")
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
