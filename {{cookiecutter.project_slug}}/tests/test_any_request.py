"""Whatever a client sends, the answer is never a 5xx and never an error report.

Hypothesis builds requests from odd paths, query strings, ``Accept``, ``Content-Type`` and
``X-Request-ID`` headers, and bodies: JSON of any depth and size up to ``MAX_CONTENT_LENGTH`` and
beyond it, numbers too long to convert, random bytes. On CI (``CI`` is set) the examples are the
same on every run, so a failure there reproduces on a laptop with ``CI=1 pytest``.
"""

import json
import logging
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
{%- if cookiecutter.error_format == "both" %}
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
{%- endif %}

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.problems import TYPES

from conftest import problem_type

PROBLEM = "application/problem+json"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# A route's variables, filled with a small value and with one past a 32-bit column's range.
VARIABLE = re.compile(r"<[^<>]+>")
VALUES = ["1", "2147483648"]
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REGISTERED_TYPES = {f"/problems/{each.slug}" for each in TYPES}

# Header values as WSGI hands them to the app: Latin-1 text, without the line breaks and NUL that
# the HTTP server refuses before the app is called.
header_text = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n\x00"), max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


def nested(opening: str, depth: int, closed: bool) -> bytes:
    """``[[[...]]]`` or ``{"a": {"a": ...}}``, ``depth`` deep, closed or not."""
    innermost, closing = ("", "]") if opening == "[" else ("1", "}")
    return (opening * depth + innermost + closing * depth * closed).encode()


def bodies(limit: int) -> st.SearchStrategy[bytes]:
    """Request bodies up to one byte more than ``limit`` (``MAX_CONTENT_LENGTH``)."""
    deep = st.sampled_from(["[", '{"a":']).flatmap(
        lambda opening: st.builds(
            nested, st.just(opening), st.integers(0, limit // (len(opening) + 1)), st.booleans()
        )
    )
    return st.one_of(
        st.fixed_dictionaries({"name": json_values}).map(lambda item: json.dumps(item).encode()),
        json_values.map(lambda value: json.dumps(value).encode()),
        deep,
        st.integers(1, limit + 1).map(lambda digits: b"1" * digits),
        st.binary(max_size=1000),
    )


def routes(app) -> tuple[list[str], list[tuple[str, str]]]:
    """Every route of the service's own views as paths to request (not the failing views the
    tests add), and the (method, path) pairs that take a body: a resource a team adds is covered
    the moment it is registered."""
    paths, writes = set(), set()
    package = create_app.__module__
    for rule in app.url_map.iter_rules():
        if not app.view_functions[rule.endpoint].__module__.startswith(package):
            continue
        for value in VALUES:
            path = VARIABLE.sub(value, rule.rule)
            paths.add(path)
            writes.update((method, path) for method in rule.methods & {"POST", "PUT", "PATCH"})
    return sorted(paths), sorted(writes)


@st.composite
def requests(draw, limit: int, paths: list[str], writes: list[tuple[str, str]]) -> dict:
    """Half the requests send JSON to a view that reads it, as an API client would; the others go
    anywhere with any method, and say anything about their bodies."""
    if draw(st.booleans()):
        method, path = draw(st.sampled_from(writes))
        content_type = draw(st.sampled_from(["application/json", "application/merge+json"]))
    else:
        method = draw(st.sampled_from(METHODS))
        path = draw(st.sampled_from(paths) | st.sampled_from(["/", "/api/"]))
        # Any text but surrogates, which no URL can carry, `%`, `?` or `#`, which end a path, and
        # tabs and line breaks, which urllib drops from any URL it splits (`/\n/x` is `//x`).
        characters = st.characters(exclude_categories=["Cs"], exclude_characters="%?#\t\n\r")
        path += draw(st.text(characters))
        # The test client reads a path that starts with `//` as a host (werkzeug.test splits it as
        # a URL), and cannot send one such as `//\x80`: keep one leading slash.
        path = "/" + path.lstrip("/")
        content_type = draw(
            st.sampled_from(["application/json", "text/plain", "multipart/form-data"]) | header_text
        )
    return {
        "path": path,
        "method": method,
        "query_string": draw(st.text(st.characters(max_codepoint=255), max_size=50)),
        "headers": {
            "Accept": draw(st.sampled_from(["", "text/html", PROBLEM, "*/*"]) | header_text),
            "Content-Type": content_type,
            "X-Request-ID": draw(st.uuids().map(str) | header_text),
        },
        "data": draw(bodies(limit)),
    }


def expected_media_type(path: str, accept: str) -> str:
{%- if cookiecutter.error_format == "both" %}
    """The README's rule: JSON under the API prefix, or when ``Accept`` prefers it; else HTML."""
    if path == "/api" or path.startswith("/api/"):
        return PROBLEM
    best = parse_accept_header(accept, MIMEAccept).best_match(
        ("text/html", PROBLEM, "application/json")
    )
    return PROBLEM if best in (PROBLEM, "application/json") else "text/html"
{%- elif cookiecutter.error_format == "html" %}
    return "text/html"
{%- else %}
    return PROBLEM
{%- endif %}


def body_status(response) -> int:
    if response.mimetype == PROBLEM:
        return response.get_json()["status"]
    return int(re.search(r'<p class="status">(\d+)</p>', response.get_data(as_text=True))[1])


def test_no_request_is_a_server_error_or_a_report_and_every_error_has_a_known_type(app, caplog):
    """Every error is of a registered problem type (whose page the test then opens), or
    ``about:blank``."""
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    seen = set()

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(request=requests(limit, *routes(app)))
    def check(request):
        caplog.clear()
        response = client.open(**request)
        status = response.status_code
        assert status < 500, response.get_data(as_text=True)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

        request_id = response.headers["X-Request-ID"]
        sent = request["headers"]["X-Request-ID"]
        assert request_id == sent if WELL_FORMED_ID.fullmatch(sent) else len(request_id) == 32
        if status >= 400 and request["method"] != "HEAD":
            accept = request["headers"]["Accept"]
            assert response.mimetype == expected_media_type(request["path"], accept)
            assert body_status(response) == status
            assert request_id in response.get_data(as_text=True)
            seen.add(problem_type(response))

    with caplog.at_level(logging.INFO):
        check()
    assert seen <= {*REGISTERED_TYPES, "about:blank"}
    for uri in seen - {"about:blank"}:
        assert client.get(uri).status_code == 200, uri
