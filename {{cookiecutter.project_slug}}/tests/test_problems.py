"""The problem types: each one's page, its place in the document, and the record of what clients
rely on.

``problems.TYPES`` is what a client can branch on. ``tests/problem_types.json`` records, for each
type, what a client relies on: its status, its members and whether trying again helps. A type
removed or renamed, its status or retry advice changed, or a member gone, breaks those clients:
the record test fails and says so. A new type, or a new member, breaks nobody; it only needs
recording, with the command below, as does a break you mean to make (a major version).
"""

import json
import re
from pathlib import Path

import pytest
{%- if cookiecutter.error_format == "html" %}
from markupsafe import escape
{%- endif %}

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
{%- if cookiecutter.use_database %}
from {{ cookiecutter.project_slug }}.database import Model
{%- endif %}
from {{ cookiecutter.project_slug }}.errors import APIError, ValidationError
from {{ cookiecutter.project_slug }}.openapi import build_document, operation, type_schema_name
from {{ cookiecutter.project_slug }}.problems import INVALID, RATE_LIMITED, TYPES, ProblemType

RECORD = Path(__file__).with_name("problem_types.json")
RECORD_COMMAND = "uv run pytest tests/test_problems.py --record-problem-types"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# A type declared but left out of TYPES.
STRAY = ProblemType(
    "stray",
    409,
    "Stray",
    happens="Never.",
    retry="No.",
    retryable=False,
    example={"detail": "A stray problem."},
)
{%- if cookiecutter.error_format == "both" %}
ASK_FOR_JSON = {"Accept": "application/json"}
{%- endif %}


def recorded(types=TYPES):
    """What clients rely on, per type, as ``tests/problem_types.json`` keeps it."""
    return {
        each.slug: {
            "status": each.status,
            "retryable": each.retryable,
            "members": sorted(each.members),
        }
        for each in types
    }


def breaks(before, now):
    """What a client of ``before`` would find broken in ``now``."""
    found = []
    for slug, was in before.items():
        if slug not in now:
            found.append(f"{slug}: removed or renamed")
            continue
        for name in ("status", "retryable"):
            if now[slug][name] != was[name]:
                found.append(f"{slug}: {name} was {was[name]}, is {now[slug][name]}")
        if gone := sorted(set(was["members"]) - set(now[slug]["members"])):
            found.append(f"{slug}: members gone: {', '.join(gone)}")
    return found


def additions(before, now):
    found = [f"{slug}: a new type" for slug in now if slug not in before]
    for slug, was in before.items():
        if new := sorted(set(now.get(slug, was)["members"]) - set(was["members"])):
            found.append(f"{slug}: new members: {', '.join(new)}")
    return found


def test_the_problem_types_are_those_recorded(request):
    now = recorded()
    if request.config.getoption("record_problem_types"):
        RECORD.write_text(json.dumps(now, indent=2) + "\n")
    before = json.loads(RECORD.read_text())
    broken = breaks(before, now)
    assert not broken, (
        "These changes to problems.TYPES break the clients that branch on them:\n  "
        + "\n  ".join(broken)
        + "\nUndo them; or, to break those clients on purpose, record the change with "
        f"`{RECORD_COMMAND}` and release it as a major version, with a note that tells clients "
        "what to change."
    )
    added = additions(before, now)
    assert not added, (
        "problems.TYPES has what tests/problem_types.json does not record:\n  "
        + "\n  ".join(added)
        + f"\nThis breaks no client: record it with `{RECORD_COMMAND}`."
    )


def test_a_renamed_type_is_a_break_and_a_new_type_is_not():
    before = recorded()
    renamed = {("name-taken" if slug == "invalid" else slug): was for slug, was in before.items()}
    assert breaks(before, renamed) == ["invalid: removed or renamed"]
    assert additions(before, renamed) == ["name-taken: a new type"]


def test_a_changed_status_or_a_member_gone_is_a_break():
    before = recorded()
    changed = {**before, "invalid": {**before["invalid"], "status": 400, "members": []}}
    assert breaks(before, changed) == [
        "invalid: status was 422, is 400",
        "invalid: members gone: errors",
    ]


def test_every_type_has_a_page_that_says_what_it_means(client):
    for each in TYPES:
        response = client.get(f"/problems/{each.slug}"{% if cookiecutter.error_format == "both" %}, headers=ASK_FOR_JSON{% endif %})
        assert response.status_code == 200
{%- if cookiecutter.error_format == "html" %}
        assert response.mimetype == "text/html"
        for shown in (each.title, each.happens, each.retry, *each.members):
            assert escape(shown) in response.text
{%- else %}
        assert response.mimetype == "application/json"
        page = response.json
        assert page["type"] == f"/problems/{each.slug}"
        assert (page["status"], page["title"], page["retryable"]) == (
            each.status,
            each.title,
            each.retryable,
        )
        assert page["members"].keys() == each.members.keys()
        example = page["example"]
        assert (example["type"], example["status"]) == (page["type"], each.status)
        assert each.members.keys() <= example.keys()
{%- endif %}
{%- if cookiecutter.error_format == "both" %}


def test_a_browser_gets_the_types_page(client):
    response = client.get(f"/problems/{INVALID.slug}")
    assert response.mimetype == "text/html"
    assert INVALID.title in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Accept" in response.vary


@pytest.mark.parametrize("accept", ["application/json", "application/problem+json"])
def test_a_client_that_prefers_json_gets_the_types_page_in_json(client, accept):
    """As errors are negotiated: JSON when it is preferred to HTML, problem+json too."""
    response = client.get(f"/problems/{INVALID.slug}", headers={"Accept": accept})
    assert response.mimetype == "application/json"
    assert response.json["type"] == f"/problems/{INVALID.slug}"
{%- endif %}


def test_the_catalogue_lists_every_type(client):
    response = client.get("/problems/"{% if cookiecutter.error_format == "both" %}, headers=ASK_FOR_JSON{% endif %})
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
{%- if cookiecutter.error_format == "html" %}
    for each in TYPES:
        assert f'href="/problems/{each.slug}"' in response.text
{%- else %}
    assert [page["type"] for page in response.json["types"]] == [
        f"/problems/{each.slug}" for each in TYPES
    ]
{%- endif %}


def test_the_catalogue_without_its_slash_redirects_to_it(client):
    response = client.get("/problems")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/problems/"


def test_an_unknown_type_is_a_404(client):
    response = client.get("/problems/no-such-type")
    assert response.status_code == 404


def test_the_document_names_each_operations_types_with_an_example(client):
    document = client.get("/openapi.json").json
    schemas = document["components"]["schemas"]
    for each in TYPES:
        fixed = schemas[type_schema_name(each)]["properties"]
        assert fixed["type"] == {"const": f"/problems/{each.slug}"}
        assert fixed["status"] == {"const": each.status}
    create = document["paths"]["/api/items"]["post"]["responses"]
    expected = {
        "413": ["/problems/body-too-large"],
        "422": ["/problems/invalid"],
        "429": ["/problems/rate-limited"],
{%- if cookiecutter.use_database %}
        "409": ["/problems/taken"],
        "503": ["/problems/database-unavailable"],
{%- endif %}
    }
    assert {status: create[status].get("x-problem-types") for status in expected} == expected
{%- if cookiecutter.error_format != "html" %}
    for status, [uri] in expected.items():
        examples = create[status]["content"]["application/problem+json"]["examples"]
        assert [example["value"]["type"] for example in examples.values()] == [uri]
{%- endif %}
    assert "x-problem-types" not in create["400"]


def test_every_type_has_a_name_of_its_own_fit_for_a_uri():
    slugs = [each.slug for each in TYPES]
    assert len(set(slugs)) == len(slugs)
    assert [slug for slug in slugs if not SLUG.fullmatch(slug)] == []


def test_a_type_left_out_of_the_table_is_refused_where_raised_or_documented(app):
    with pytest.raises(ValueError, match="stray is not in problems.TYPES"):
        APIError("A stray problem.", type=STRAY)

    @operation("A stray", errors=(STRAY,))
    def stray():
        return ""

    app.add_url_rule("/stray", view_func=stray)
    with (
        app.test_request_context(),
        pytest.raises(ValueError, match="not in problems.TYPES: stray"),
    ):
        build_document(app)
{%- if cookiecutter.use_database %}


def test_every_type_a_column_answers_when_taken_is_in_the_table():
    columns = [column for table in Model.metadata.tables.values() for column in table.columns]
    assert [c.key for c in columns if c.info.get("taken", TYPES[0]) not in TYPES] == []
{%- endif %}


def test_a_validation_error_is_a_422_of_a_422_type():
    assert ValidationError({"#/name": "is wrong"}).code == 422
    with pytest.raises(ValueError, match="A ValidationError is a 422, not a rate-limited problem"):
        ValidationError({"#/name": "is wrong"}, type=RATE_LIMITED)


@pytest.mark.parametrize(
    "base",
    ["//elsewhere.example/problems/", "/problèmes/", "/problems", "/p/{x}/", "ftp://x/problems/"],
)
def test_a_type_base_that_is_no_path_or_http_url_ending_in_a_slash_stops_the_app(base):
    with pytest.raises(ConfigError, match="PROBLEM_TYPE_BASE must be a path such as /problems/"):
        from_environment({"PROBLEM_TYPE_BASE": base})


@pytest.mark.parametrize(
    "base", ["/", "/orders/problems/", "HTTPS://Docs.Example.com:8443/p%C3%A8/"]
)
def test_a_path_or_an_http_url_is_a_type_base(base):
    assert from_environment({"PROBLEM_TYPE_BASE": base})["PROBLEM_TYPE_BASE"] == base


def test_an_api_error_takes_its_status_from_its_type():
    error = APIError("Slow down.", type=RATE_LIMITED)
    assert error.code == 429 and error.problem_type is RATE_LIMITED


def test_an_api_error_without_its_types_members_is_refused():
    with pytest.raises(TypeError, match="A problem of type invalid needs errors"):
        APIError("The request is invalid.", type=INVALID)


def test_an_api_error_with_another_status_than_its_types_is_refused():
    with pytest.raises(ValueError, match="A problem of type rate-limited is a 429, not 400"):
        APIError("Slow down.", status=400, type=RATE_LIMITED)
{%- if cookiecutter.error_format != "html" %}


def test_the_types_base_can_be_where_the_catalogue_is_published(make_app):
    base = "https://docs.example.com/problems/"
    client = make_app(PROBLEM_TYPE_BASE=base).test_client()
    response = client.post("/api/items", json={"name": ""})
    assert response.json["type"] == f"{base}invalid"
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    assert schemas["InvalidProblem"]["properties"]["type"] == {"const": f"{base}invalid"}
{%- endif %}
