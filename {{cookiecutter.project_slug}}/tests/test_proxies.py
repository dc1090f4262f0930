"""The hosts the app answers to (``TRUSTED_HOSTS``) and the proxies it believes (``PROXY_HOPS``)."""

import pytest
from flask import request

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment

GOOD_KEY = "0123456789abcdef0123456789abcdef"


def test_trusted_hosts_are_read_as_a_comma_separated_list():
    hosts = from_environment({"TRUSTED_HOSTS": " api.example.com, .example.org,, localhost:8000 "})
    assert hosts["TRUSTED_HOSTS"] == ["api.example.com", ".example.org", "localhost:8000"]
    assert from_environment({"TRUSTED_HOSTS": " , "})["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize("value", ["https://api.example.com", "api.example.com/v1", "a b"])
def test_a_trusted_host_that_is_not_a_host_is_a_clear_config_error(value):
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS must list host names"):
        from_environment({"TRUSTED_HOSTS": value})


def test_production_refuses_to_start_without_trusted_hosts(make_app, monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS must name the hosts"):
        make_app(TESTING=False, SECRET_KEY=GOOD_KEY, TRUSTED_HOSTS=None)


@pytest.mark.parametrize("value", ["-1", "11", "one"])
def test_bad_proxy_hops_is_a_clear_config_error(value):
    with pytest.raises(ConfigError, match="PROXY_HOPS"):
        from_environment({"PROXY_HOPS": value})


def test_another_host_is_a_400_that_does_not_repeat_it(client):
    # Merging the slashes would redirect to an absolute URL on the client's host.
    response = client.get("/api//items/1", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert "does not answer to the requested host" in body
    assert "evil.example" not in body


def test_a_trusted_host_is_answered_and_its_urls_name_it(client):
    response = client.get("/api//items/1", headers={"Host": "localhost:5000"})
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost:5000/api/items/1"


def test_every_subdomain_of_a_dotted_host_is_trusted(make_app):
    client = make_app(TRUSTED_HOSTS=[".example.com"]).test_client()
    assert client.get("/healthz", headers={"Host": "api.example.com"}).status_code == 200
    assert client.get("/api/items/1", headers={"Host": "example.org"}).status_code == 400


@pytest.mark.parametrize("path", ["/healthz"{% if cookiecutter.use_database %}, "/readyz"{% endif %}])
@pytest.mark.parametrize("host", ["10.0.0.7:8000", "evil.example"])
def test_the_probes_answer_whatever_the_host(client, path, host):
    # A load balancer's or Kubernetes' probe sends the machine's address.
    assert client.get(path, headers={"Host": host}).status_code == 200


@pytest.fixture
def seen_by_the_app(make_app):
    """An app behind ``hops`` proxies, with a route that says what it believes of the request."""

    def seen_by_the_app(hops, headers):
        app = make_app(PROXY_HOPS=hops, TRUSTED_HOSTS=["localhost", "shop.example.com"])

        def client_and_host():
            return {
                "address": request.remote_addr,
                "scheme": request.scheme,
                "host": request.host,
                "root": request.root_path,
            }

        app.add_url_rule("/test-only/client", view_func=client_and_host)
        client = app.test_client()
        response = client.get(
            "/test-only/client", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )
        return response.status_code, response.get_json(silent=True)

    return seen_by_the_app


FORWARDED = {
    "X-Forwarded-For": "198.51.100.1, 203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.com",
    "X-Forwarded-Prefix": "/shop",
}


def test_with_no_proxy_no_forwarded_header_is_believed(seen_by_the_app):
    assert seen_by_the_app(0, FORWARDED) == (
        200,
        {"address": "10.0.0.2", "scheme": "http", "host": "localhost", "root": ""},
    )


def test_behind_one_proxy_what_it_added_is_believed_and_nothing_before(seen_by_the_app):
    # The proxy appended the address it saw (203.0.113.9); the client wrote 198.51.100.1 itself.
    assert seen_by_the_app(1, FORWARDED) == (
        200,
        {"address": "203.0.113.9", "scheme": "https", "host": "shop.example.com", "root": "/shop"},
    )


def test_behind_two_proxies_the_address_the_first_one_saw_is_the_client(seen_by_the_app):
    status, seen = seen_by_the_app(2, FORWARDED)
    assert (status, seen["address"]) == (200, "198.51.100.1")


def test_a_host_forwarded_by_the_proxy_must_be_trusted_too(seen_by_the_app):
    status, _ = seen_by_the_app(1, {**FORWARDED, "X-Forwarded-Host": "evil.example"})
    assert status == 400
