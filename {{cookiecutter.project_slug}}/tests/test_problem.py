"""Errors as RFC 9457 problem details."""

import logging
from datetime import date

from {{ cookiecutter.project_slug }}.errors import APIError

PROBLEM_JSON = "application/problem+json"


def problem(response, status, type="about:blank"):
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    body = response.json
    assert body["status"] == status
    assert body["type"] == type
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_api_route_returns_problem_json(client):
    body = problem(client.get("/api/no-such-thing"), 404)
    assert body["title"] == "Not Found"


def test_problem_members_come_in_the_rfc_order(client):
    body = problem(client.get("/api/no-such-thing"), 404)
    assert list(body) == ["type", "title", "status", "detail", "request_id"]


def test_abort_description_becomes_the_detail(client):
    body = problem(client.get("/api/items/999"), 404)
    assert body["detail"] == "There is no item with id 999."


def test_validation_error_lists_what_is_wrong(client):
    body = problem(client.post("/api/items", json={"name": ""}), 422, "/problems/invalid")
    assert body["title"] == "Invalid request body"
    assert body["errors"] == [
        {"detail": "String should have at least 1 character", "pointer": "#/name"}
    ]


def test_405_problem_keeps_the_allow_header(client):
    response = client.put("/api/items/1")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_problem_says_so(client):
    body = problem(client.post("/api/items", data="{", content_type="application/json"), 400)
    assert body["detail"].startswith("The request body is not valid JSON: Expecting")


def test_wrong_content_type_problem_names_it(client):
    response = client.post("/api/items", data='{"name": "Mug"}', content_type="text/plain")
    assert "application/json" in problem(response, 415)["detail"]


def test_oversized_body_is_a_413_problem(make_app):
    client = make_app(MAX_CONTENT_LENGTH=64).test_client()
    response = client.post("/api/items", json={"name": "M" * 100})
    body = problem(response, 413, "/problems/body-too-large")
    assert body["title"] == "Request body too large"


def test_unhandled_exception_is_a_generic_problem(client):
    body = problem(client.get("/api/fail"), 500)
    assert body["title"] == "Internal Server Error"
    assert body["detail"] == "The server could not complete the request."


def test_server_error_hides_the_abort_description(client):
    body = problem(client.get("/api/abort/503"), 503)
    assert body["detail"] == "The server could not complete the request."


def test_extensions_are_encoded_like_flask_json(app):
    def closed():
        raise APIError("The shop is closed today.", status=409, reopens=date(2030, 1, 2))

    app.add_url_rule("/api/closed", "closed", closed)
    body = problem(app.test_client().get("/api/closed"), 409)
    assert body["reopens"] == "Wed, 02 Jan 2030 00:00:00 GMT"


def test_a_body_that_cannot_be_built_falls_back_to_plain_text(app, caplog):
    def conflict():
        raise APIError("Taken.", status=409, owner=object())  # not JSON-serialisable

    app.add_url_rule("/api/conflict", "conflict", conflict)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/conflict")
    assert response.status_code == 409
    assert response.mimetype == "text/plain"
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)
    failures = [r for r in caplog.records if "Could not render" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
