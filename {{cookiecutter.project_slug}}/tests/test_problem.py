"""Errors as RFC 9457 problem details."""

from datetime import date

import pytest

from {{ cookiecutter.project_slug }}.errors import APIError

PROBLEM_JSON = "application/problem+json"


def problem(response, status):
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    assert response.json["status"] == status
    assert response.json["type"] == "about:blank"
    return response.json


def test_unknown_api_route_returns_problem_json(client):
    body = problem(client.get("/api/no-such-thing"), 404)
    assert body["title"] == "Not Found"


def test_abort_description_becomes_the_detail(client):
    body = problem(client.get("/api/items/999"), 404)
    assert body["detail"] == "There is no item with id 999."


def test_api_error_extensions_are_merged(client):
    body = problem(client.post("/api/items", json={}), 422)
    assert body["detail"] == "The item needs a non-empty 'name'."
    assert body["pointer"] == "/name"


def test_405_problem_keeps_the_allow_header(client):
    response = client.put("/api/items/1")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [("{", "application/json", 400), ("{}", "text/plain", 415)],
)
def test_request_body_errors_are_problems(client, data, content_type, status):
    problem(client.post("/api/items", data=data, content_type=content_type), status)


def test_unhandled_exception_is_a_generic_problem(client):
    body = problem(client.get("/api/fail"), 500)
    assert body["title"] == "Internal Server Error"
    assert body["detail"] == "The server could not complete the request."


def test_extensions_are_encoded_like_flask_json(app):
    def closed():
        raise APIError("The shop is closed today.", status=409, reopens=date(2030, 1, 2))

    app.add_url_rule("/api/closed", "closed", closed)
    body = problem(app.test_client().get("/api/closed"), 409)
    assert body["reopens"] == "Wed, 02 Jan 2030 00:00:00 GMT"
