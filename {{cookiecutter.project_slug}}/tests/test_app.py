import pytest
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
from {{ cookiecutter.project_slug }}.errors import APIError


def test_config_mapping_is_applied_last(make_app, monkeypatch):
    monkeypatch.setenv("API_PREFIX", "/from-environment")
    app = make_app(API_PREFIX="/v2")
    assert app.config["API_PREFIX"] == "/v2"


def test_api_prefix_is_normalised_from_environment_and_mapping(make_app):
    assert from_environment({"API_PREFIX": "v1/"})["API_PREFIX"] == "/v1"
    assert from_environment({})["API_PREFIX"] == "/api"
    app = make_app(API_PREFIX="v2/")
    assert app.config["API_PREFIX"] == "/v2"
    assert app.test_client().get("/v2/items/1").status_code == 200


def test_bad_log_level_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        from_environment({"LOG_LEVEL": "loud"})


def test_api_returns_an_item(client):
    response = client.get("/api/items/1")
    assert response.status_code == 200
    assert response.json == {"id": 1, "name": "Teapot"}


def test_api_creates_an_item(client):
    response = client.post("/api/items", json={"name": "Mug"})
    assert response.status_code == 201
    assert response.json["name"] == "Mug"


def test_missing_item_is_404(client):
    assert client.get("/api/items/999").status_code == 404


def test_invalid_item_is_422(client):
    assert client.post("/api/items", json={"name": ""}).status_code == 422


def test_malformed_json_is_400(client):
    response = client.post("/api/items", data="{", content_type="application/json")
    assert response.status_code == 400


def test_json_with_another_content_type_is_415(client):
    response = client.post("/api/items", data='{"name": "Mug"}', content_type="text/plain")
    assert response.status_code == 415


def test_routing_405_keeps_the_allow_header(client):
    response = client.delete("/api/items/1")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("path", ["/fail", "/api/fail"])
def test_unhandled_exception_is_500_without_its_message(client, path):
    response = client.get(path)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "hunter2" not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body


def test_a_response_given_to_an_exception_is_sent_as_it_is(app):
    def login():
        raise Unauthorized(response=Response("Sign in first", 401, {"WWW-Authenticate": "Basic"}))

    app.add_url_rule("/login", "login", login)
    response = app.test_client().get("/login")
    assert response.status_code == 401
    assert response.get_data(as_text=True) == "Sign in first"
    assert response.headers["WWW-Authenticate"] == "Basic"


def test_api_error_needs_an_error_status():
    with pytest.raises(ValueError, match="4xx or 5xx"):
        APIError("Fine", status=200)


def test_api_error_cannot_replace_standard_members():
    with pytest.raises(TypeError, match="title"):
        APIError("Bad", **{"title": "Something else"})
