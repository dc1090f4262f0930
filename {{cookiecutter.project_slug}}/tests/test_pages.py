"""Errors as HTML pages."""

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page(response, status):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_index_page_renders(client):
    body = page(client.get("/", headers=BROWSER), 200)
    assert "<header>" in body


def test_missing_page_uses_the_404_template(client):
    body = page(client.get("/no-such-page", headers=BROWSER), 404)
    assert "Page not found" in body
    assert "<header>" in body


def test_abort_description_is_shown_on_the_page(client):
    body = page(client.get("/gone", headers=BROWSER), 410)
    assert "This page was retired in 2024." in body
    assert "Gone" in body


def test_other_errors_use_the_generic_template(client):
    response = client.post("/", headers=BROWSER)
    body = page(response, 405)
    assert "Method Not Allowed" in body
    assert "GET" in response.headers["Allow"]


def test_unhandled_exception_page_is_generic(client):
    body = page(client.get("/fail", headers=BROWSER), 500)
    assert "Internal Server Error" in body
    assert "Something went wrong on our side" in body
