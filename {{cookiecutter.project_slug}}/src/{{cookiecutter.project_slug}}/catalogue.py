"""The problem types' catalogue: ``GET /problems/`` lists them, ``GET /problems/<slug>`` shows one.

With the default ``PROBLEM_TYPE_BASE``, ``/problems/``, every type's URI is its page here. The
pages are drawn from the same table as the errors and ``/openapi.json`` (``problems.py``): a
type's status, title, when it happens, whether trying again helps, its members and an example.
{%- if cookiecutter.error_format == "both" %} A
browser gets a page, a client whose ``Accept`` prefers JSON gets JSON, as errors are negotiated.
{%- endif %}
"""

from typing import Any

from flask import Blueprint, Flask, abort
{%- if cookiecutter.error_format != "html" %}, jsonify{% endif %}
{%- if cookiecutter.error_format != "json" %}, make_response, render_template{% endif %}
from werkzeug.wrappers import Response

from .docs import not_sniffed
{% if cookiecutter.error_format == "both" -%}
from .errors.negotiation import prefers_problem_json
{% endif -%}
{% if cookiecutter.error_format != "json" -%}
from .errors.pages import CONTENT_SECURITY_POLICY
{% endif -%}
from .problems import TYPES, described

bp = Blueprint("problems", __name__)
bp.after_request(not_sniffed)  # as the documentation's responses


@bp.get("/")
def catalogue() -> Response:
    document = {"types": [described(problem_type) for problem_type in TYPES]}
    return catalogue_response(document{% if cookiecutter.error_format != "json" %}, "problems/index.html"{% endif %})


@bp.get("/<slug>")
def problem_type_page(slug: str) -> Response:
    found = next((problem_type for problem_type in TYPES if problem_type.slug == slug), None)
    if found is None:
        abort(404, description="There is no problem type of this name: /problems/ lists them.")
    return catalogue_response(described(found){% if cookiecutter.error_format != "json" %}, "problems/type.html"{% endif %})
{%- if cookiecutter.error_format == "json" %}


def catalogue_response(document: dict[str, Any]) -> Response:
    """The catalogue in JSON, as this service answers everything."""
    return jsonify(document)
{%- elif cookiecutter.error_format == "html" %}


def catalogue_response(document: dict[str, Any], template: str) -> Response:
    """The catalogue as a page, as this service answers errors; it loads and runs nothing."""
    response = make_response(render_template(template, **document))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
{%- else %}


def catalogue_response(document: dict[str, Any], template: str) -> Response:
    """The catalogue as a page, or as JSON when the client prefers it; a page loads and runs
    nothing."""
    if prefers_problem_json():
        response = jsonify(document)
    else:
        response = make_response(render_template(template, **document))
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.vary.add("Accept")
    return response
{%- endif %}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/problems")
