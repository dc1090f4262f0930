{%- if cookiecutter.use_email_logging -%}
"""The store every process shares (``REDIS_URL``): the rate limits' counts and the email flood
control's, and what happens while Redis is away.
{%- else -%}
"""The store every process shares (``REDIS_URL``): the rate limits' counts, and what happens while
Redis is away.
{%- endif %}

The tests that need a Redis server take it from ``TEST_REDIS_URL`` (``conftest.py``), and are
skipped without it; a Redis that is away is a port that refuses connections, or one that accepts
them and never answers (``conftest.HungServer``).
"""

import logging
import time

import flask_limiter
import pytest
import redis

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
{%- if cookiecutter.use_email_logging %}
from {{ cookiecutter.project_slug }}.reporting import email
{%- endif %}
{%- if cookiecutter.use_email_logging %}

from conftest import Inbox
{%- endif %}


def hello():
    return "hello"


def limited_client(make_app, **config):
    app = make_app(RATELIMIT_DEFAULT="3/minute", **config)
    app.add_url_rule("/hello", "hello", hello)
    return app.test_client()


def statuses(client, count):
    return [client.get("/hello").status_code for _ in range(count)]


def test_redis_settings_have_defaults():
    config = from_environment({})
    assert config["REDIS_URL"] == "redis://localhost:6379/0"
    assert config["REDIS_KEY_PREFIX"] == "{{ cookiecutter.project_slug }}"


@pytest.mark.parametrize(
    "url", ["rediss://:s3cret-pass@cache.example.com:6380/1", "unix:///run/redis.sock"]
)
def test_tls_and_socket_urls_are_accepted(url):
    assert from_environment({"REDIS_URL": url})["REDIS_URL"] == url


@pytest.mark.parametrize("url", ["http://:s3cret-pass@cache.example.com/0", "localhost:6379"])
def test_a_redis_url_of_another_scheme_is_a_one_line_error_that_hides_its_password(url):
    with pytest.raises(ConfigError, match="REDIS_URL must be a redis:// URL") as raised:
        from_environment({"REDIS_URL": url})
    assert "s3cret" not in str(raised.value) and "\\n" not in str(raised.value)


def test_the_rate_limits_count_in_redis_for_every_process(make_app, shared_redis):
    first, second = limited_client(make_app), limited_client(make_app)  # two processes' apps
    assert statuses(first, 2) + statuses(second, 2) == [200, 200, 200, 429]
    assert statuses(first, 1) == [429]


class Collected(logging.Handler):
    """The records that reach the app's own handlers, which the log's readers see."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_limited_request_costs_one_round_trip_to_redis(make_app, shared_redis, monkeypatch):
    """The count and its window's end come back together: the RateLimit field needs no more."""
    client = limited_client(make_app)
    client.get("/hello")  # the first connects, and loads the script that counts
    trips = []

    def counted(method):
        def call(self, *args, **options):
            trips.append(method.__name__)
            return method(self, *args, **options)

        return call

    # A client's command is a round trip; a pipeline's are queued, and sent together by execute.
    monkeypatch.setattr(redis.Redis, "execute_command", counted(redis.Redis.execute_command))
    monkeypatch.setattr(redis.client.Pipeline, "execute", counted(redis.client.Pipeline.execute))
    response = client.get("/hello")
    assert response.headers["RateLimit"].startswith('"3 per 1 minute";r=1;t=')
    assert len(trips) == 1, trips


@pytest.fixture
def collected():
    """A ``Collected`` on the app's logger (every app of the package's), for one test."""
    handler = Collected()
    logger = logging.getLogger("{{ cookiecutter.project_slug }}")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_redis_away_keeps_the_limits_per_process_and_says_so_once(
    make_app, refusing_url, collected
):
    client = limited_client(make_app, REDIS_URL=refusing_url)
    assert statuses(client, 5) == [200, 200, 200, 429, 429]
    assert [record.getMessage() for record in collected.records] == [
        "Rate limit storage unreachable - falling back to in-memory storage"
    ]


def test_a_redis_that_never_answers_costs_one_timeout_then_is_left_alone(
    make_app, hung_server, monkeypatch
):
    client = limited_client(make_app, REDIS_URL=f"redis://127.0.0.1:{hung_server.port}/0")
    # An hour after the app was built (Flask-Limiter's clock of its tries starts then), and still
    # then: it would try the store again after 1, 2, 4 ... seconds, but no time passes here.
    later = time.time() + 3600
    monkeypatch.setattr(flask_limiter._extension.time, "time", lambda: later)
    assert statuses(client, 5) == [200, 200, 200, 429, 429]
    hung_server.wait_for(1)
    assert len(hung_server.held) == 1  # one call, by the first request; none since


{%- if cookiecutter.use_email_logging %}


def flood_emails(mail_app, smtp_server, **config):
    inbox = Inbox()
    port = smtp_server(inbox)
    apps = [mail_app(port, MAIL_FLOOD_WINDOW=60, **config) for _ in range(2)]
    return inbox, [app.test_client() for app in apps], [email_handler(app) for app in apps]


def email_handler(app):
    [handler] = [each for each in app.logger.handlers if isinstance(each, email.BackgroundHandler)]
    return handler


def test_an_error_is_emailed_once_per_window_by_every_process_together(
    mail_app, smtp_server, shared_redis, key_prefix
):
    inbox, clients, handlers = flood_emails(mail_app, smtp_server, REDIS_URL=shared_redis)
    for _ in range(3):
        for client in clients:
            client.get("/fail")
    for handler in handlers:
        handler.queue.join()
    assert len(inbox.wait_for(1)) == 1
    # The window ends: the next email, from either process, counts what both held back.
    with redis.Redis.from_url(shared_redis) as store:
        store.delete(*store.keys(f"{key_prefix}:flood:*:sent"))
    clients[1].get("/fail")
    first, second = inbox.wait_for(2)
    assert "5 more of this error were not emailed, by any process, since the last." in (
        second.get_content()
    )


def test_redis_away_keeps_the_flood_control_per_process_and_says_so_once(
    mail_app, smtp_server, refusing_url, caplog
):
    inbox, [client, _], [handler, _] = flood_emails(mail_app, smtp_server, REDIS_URL=refusing_url)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            client.get("/fail")
        handler.queue.join()
    assert len(inbox.wait_for(1)) == 1
    away = [record for record in caplog.records if "Redis is away" in record.getMessage()]
    assert len(away) == 1 and "per process" in away[0].getMessage()
{%- endif %}
