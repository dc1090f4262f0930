"""Which format an error takes: problem+json under the API prefix or when ``Accept`` prefers it."""

import pytest

HTML = "text/html"
PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/no-such-page", None, HTML),
        ("/no-such-page", "*/*", HTML),
        ("/no-such-page", "image/png", HTML),
        ("/no-such-page", "text/html,application/xhtml+xml,*/*;q=0.8", HTML),
        ("/no-such-page", "application/json, text/html", HTML),
        ("/no-such-page", "application/json", PROBLEM),
        ("/no-such-page", "application/problem+json", PROBLEM),
        ("/no-such-page", "text/html;q=0.5, application/json", PROBLEM),
        ("/no-such-page", "application/json, */*", PROBLEM),
        ("/no-such-page", "text/*, application/json", PROBLEM),
        ("/api/no-such-thing", None, PROBLEM),
        ("/api/no-such-thing", "text/html", PROBLEM),
        ("/apiary", "*/*", HTML),
    ],
)
def test_error_format_follows_path_and_accept(client, path, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.mimetype == expected


def test_negotiated_errors_vary_with_accept(client):
    assert "Accept" in client.get("/no-such-page").vary
    assert "Accept" not in client.get("/api/no-such-thing").vary
