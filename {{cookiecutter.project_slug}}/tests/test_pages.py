"""Errors as HTML pages."""

import logging
import re

import pytest
from jinja2 import DictLoader

from conftest import SECRET

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page(response, status):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert f"Request ID: <code>{response.headers['X-Request-ID']}</code>" in body
    return body


def test_index_page_renders(client):
    response = client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert "<header>" in response.get_data(as_text=True)


def test_the_index_page_links_only_urls_that_answer(client):
    body = client.get("/", headers=BROWSER).get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"', body)
    assert "/no-such-page" in links  # the example of a missing page, on purpose
    answers = {link: client.get(link, headers=BROWSER).status_code for link in links}
    assert answers == {link: 404 if link == "/no-such-page" else 200 for link in links}


def test_missing_page_uses_the_404_template(client):
    body = page(client.get("/no-such-page", headers=BROWSER), 404)
    assert "Page not found" in body
    assert "<header>" in body
    # Werkzeug's description already tells the reader to check the URL; the page says it once.
    assert body.lower().count("check") == 1


def test_abort_description_is_shown_on_the_page(client):
    body = page(client.get("/gone", headers=BROWSER), 410)
    assert "This page was retired in 2024." in body
    assert "Gone" in body


def test_other_errors_use_the_generic_template(client):
    response = client.post("/", headers=BROWSER)
    body = page(response, 405)
    assert "Method Not Allowed" in body
    assert "GET" in response.headers["Allow"]


def test_validation_errors_are_listed_on_the_page(client):
    body = page(client.post("/invalid", headers=BROWSER), 422)
    assert "#/quantity: must be at least 1" in body


def test_unhandled_exception_page_is_generic(client, caplog):
    body = page(client.get("/fail", headers=BROWSER), 500)
    assert "Internal Server Error" in body
    assert "Something went wrong on our side" in body
    # The exception's message held the secret; the page does not.
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert SECRET in str(record.exc_info[1])
    assert SECRET not in body


@pytest.mark.parametrize("path", ["/no-such-page", "/gone", "/fail"])
def test_error_pages_may_run_no_script_and_load_nothing(client, path):
    response = client.get(path, headers=BROWSER)
    policy = dict(
        directive.strip().partition(" ")[::2]
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert "script-src" not in policy
    assert policy["style-src"] == "'unsafe-inline'"
    assert policy["frame-ancestors"] == "'none'"
    # What the page needs is allowed: its inline stylesheet, and nothing to load.
    body = response.get_data(as_text=True)
    assert "<style>" in body
    assert "<script" not in body and "<link" not in body and "<img" not in body


@pytest.mark.parametrize(
    ("templates", "path", "status"),
    [
        ({}, "/no-such-page", 404),
        ({"errors/404.html": "{{ url_for('no_such_view') }}"}, "/no-such-page", 404),
        ({"errors/error.html": "{% extends 'missing.html' %}"}, "/fail", 500),
        ({"errors/error.html": "{% if %}"}, "/gone", 410),
    ],
    ids=["missing", "bad-url-for", "missing-base", "syntax-error"],
)
def test_broken_error_template_keeps_the_status(app, caplog, templates, path, status):
    app.jinja_env.loader = DictLoader(templates)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get(path, headers=BROWSER)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)
    failures = [r for r in caplog.records if "Could not render" in r.getMessage()]
    assert len(failures) == 1
