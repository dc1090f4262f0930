"""Rate limits per client (``RATELIMIT_DEFAULT``, ``RATELIMIT_APPLICATION``), counted here in this
process's memory{% if cookiecutter.use_redis %} (tests/test_store.py counts them in Redis){% endif %}."""

import re

import pytest

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
from {{ cookiecutter.project_slug }}.ratelimits import limit, limit_views

RATE_LIMIT = re.compile(r'^"(?P<name>[^"]+)";r=(?P<remaining>\d+);t=(?P<reset>\d+)$')


def hello():
    return "hello"


def other():
    return "other"


@pytest.fixture
def limited(make_app):
    """An app with ``limits`` (its settings), two plain routes, counted in this process."""

    def limited(**limits):
        app = make_app(RATELIMIT_STORAGE_URI="memory://", **limits)
        app.add_url_rule("/hello", "hello", hello, methods=["GET", "POST"])
        app.add_url_rule("/other", "other", other)
        return app.test_client()

    return limited


def statuses(client, path, count, **options):
    return [client.get(path, **options).status_code for _ in range(count)]


def test_nothing_is_limited_by_default(limited):
    client = limited()
    assert statuses(client, "/hello", 50) == [200] * 50
    response = client.get("/hello")
    assert "RateLimit" not in response.headers and "RateLimit-Policy" not in response.headers
    # No limiter at all: a request costs nothing more than without rate limits.
    assert "ratelimits" not in client.application.extensions
    checks = client.application.before_request_funcs.get(None, [])
    assert not [check for check in checks if "Limiter" in repr(check)]


def test_a_client_over_the_default_limit_gets_a_429_with_retry_after(limited):
    client = limited(RATELIMIT_DEFAULT="3/minute")
    assert statuses(client, "/hello", 3) == [200] * 3
    response = client.get("/hello"{% if cookiecutter.error_format == "both" %}, headers={"Accept": "application/problem+json"}{% endif %})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Policy"] == '"3 per 1 minute";q=3;w=60'
    fields = RATE_LIMIT.match(response.headers["RateLimit"])
    assert fields and fields["name"] == "3 per 1 minute" and fields["remaining"] == "0"
    assert 1 <= int(fields["reset"]) <= 60
{%- if cookiecutter.error_format == "html" %}
    assert response.mimetype == "text/html"
    assert "Rate limit reached" in response.get_data(as_text=True)
    assert 'href="/problems/rate-limited"' in response.get_data(as_text=True)
{%- else %}
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["status"] == 429 and problem["title"] == "Rate limit reached"
    assert problem["type"] == "/problems/rate-limited"
    assert problem["detail"].startswith("Too many requests: the limit is 3 per 1 minute.")
    assert problem["request_id"] == response.headers["X-Request-ID"]
{%- endif %}


def test_a_response_within_the_limit_says_what_is_left(limited):
    client = limited(RATELIMIT_DEFAULT="5/minute;100/hour")
    response = client.get("/hello")
    assert response.status_code == 200
    policies = '"5 per 1 minute";q=5;w=60, "100 per 1 hour";q=100;w=3600'
    assert response.headers["RateLimit-Policy"] == policies
    fields = RATE_LIMIT.match(response.headers["RateLimit"])
    assert fields and fields["name"] == "5 per 1 minute" and fields["remaining"] == "4"


def test_each_route_has_its_own_default_count(limited):
    client = limited(RATELIMIT_DEFAULT="2/minute")
    assert statuses(client, "/hello", 3) == [200, 200, 429]
    assert statuses(client, "/other", 3) == [200, 200, 429]


def test_the_application_limit_counts_every_route_together(limited):
    client = limited(RATELIMIT_APPLICATION="3/minute")
    assert statuses(client, "/hello", 2) + statuses(client, "/other", 2) == [200, 200, 200, 429]


@limit("2/minute")
def scarce():
    return "scarce"


def test_a_view_can_have_a_limit_of_its_own(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    app.add_url_rule("/scarce", "scarce", scarce)
    limit_views(app)
    client = app.test_client()
    assert statuses(client, "/scarce", 3) == [200, 200, 429]
    assert statuses(client, "/gone", 3) == [410] * 3  # no default limit: the others are free


def test_unrouted_requests_count_against_the_limit(limited):
    """A scanner's 404s and 405s spend its limit: Flask-Limiter skips them unless told."""
    client = limited(RATELIMIT_DEFAULT="3/minute")
    assert statuses(client, "/wp-login.php", 2) == [404, 404]
    assert client.delete("/hello").status_code == 405
    assert client.get("/.env").status_code == 429


@pytest.mark.parametrize(
    "path",
    ["/healthz"{% if cookiecutter.use_database %}, "/readyz"{% endif %}, "/openapi.json", "/docs"],
)
def test_the_probes_and_the_documentation_are_never_limited(limited, path):
    client = limited(RATELIMIT_DEFAULT="1/minute", RATELIMIT_APPLICATION="1/minute")
    assert 429 not in statuses(client, path, 5)
    assert "RateLimit" not in client.get(path).headers


def test_a_client_cannot_move_to_a_fresh_count_with_its_own_forwarded_header(limited):
    client = limited(RATELIMIT_DEFAULT="2/minute")
    assert statuses(client, "/hello", 2) == [200, 200]
    forged = {"X-Forwarded-For": "198.51.100.7"}
    assert statuses(client, "/hello", 2, headers=forged) == [429, 429]


def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_reports(limited):
    client = limited(RATELIMIT_DEFAULT="2/minute", PROXY_HOPS=1)
    first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    assert statuses(client, "/hello", 3, headers=first) == [200, 200, 429]
    assert statuses(client, "/hello", 2, headers=second) == [200, 200]
    # What a client writes before the proxy's own entry is not believed.
    spoofed = {"X-Forwarded-For": "192.0.2.9, 203.0.113.1"}
    assert statuses(client, "/hello", 1, headers=spoofed) == [429]


@pytest.mark.parametrize("name", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
@pytest.mark.parametrize("value", ["ten per minute", "10/fortnight", "10"])
def test_a_limit_that_cannot_be_read_is_a_clear_config_error(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be limits such as 100/minute"):
        from_environment({name: value})


def test_limits_are_read_from_the_environment():
    settings = {"RATELIMIT_DEFAULT": " 100/minute;1000/day ", "RATELIMIT_APPLICATION": ""}
    config = from_environment(settings)
    assert config["RATELIMIT_DEFAULT"] == "100/minute;1000/day"
    assert config["RATELIMIT_APPLICATION"] == ""


def test_every_operation_but_the_probes_documents_its_429(client):
    document = client.get("/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path in {"/healthz", "/readyz"}:
                assert "429" not in responses, (method, path)
                continue
            headers = responses["429"]["headers"]
            assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(headers), (method, path)
            assert all(headers[name]["required"] for name in ("RateLimit", "Retry-After"))
