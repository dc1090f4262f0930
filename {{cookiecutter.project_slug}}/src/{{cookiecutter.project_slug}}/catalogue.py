"""The problem types' catalogue: ``GET /problems`` lists them, ``GET /problems/<slug>`` shows one.

Every type's URI resolves here (``PROBLEM_TYPE_BASE`` is ``/problems/`` unless the catalogue is
published elsewhere), and the pages are drawn from the same table as the errors and
``/openapi.json``: its status, title, when it happens, whether trying again helps, its members and
an example.
"""

from typing import Any

from flask import Blueprint, Flask, abort
{%- if cookiecutter.error_format != "html" %}, jsonify{% endif %}
{%- if cookiecutter.error_format != "json" %}, make_response, render_template{% endif %}
{%- if cookiecutter.error_format == "both" %}, request{% endif %}
from werkzeug.wrappers import Response

from .docs import not_sniffed
{% if cookiecutter.error_format != "json" -%}
from .errors.pages import CONTENT_SECURITY_POLICY
{% endif -%}
from .problems import TYPES, described

bp = Blueprint("problems", __name__)
bp.after_request(not_sniffed)  # as the documentation's responses


@bp.get("")
def catalogue() -> Response:
    types = [described(problem_type) for problem_type in TYPES]
    return catalogue_response("problems/index.html", {"types": types}, types=types)


@bp.get("/<slug>")
def problem_type_page(slug: str) -> Response:
    found = next((problem_type for problem_type in TYPES if problem_type.slug == slug), None)
    if found is None:
        abort(404, description="There is no problem type of this name: /problems lists them.")
    return catalogue_response("problems/type.html", described(found), type=described(found))


def catalogue_response(template: str, document: dict[str, Any], **context: Any) -> Response:
{%- if cookiecutter.error_format == "json" %}
    """The catalogue in JSON, as this service answers everything."""
    return jsonify(document)
{%- elif cookiecutter.error_format == "html" %}
    """The catalogue as a page, as this service answers errors; it loads and runs nothing."""
    response = make_response(render_template(template, **context))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
{%- else %}
    """The catalogue as a page, unless the client's ``Accept`` prefers JSON (errors'
    negotiation: a tie or no ``Accept`` is a page); a page loads and runs nothing."""
    if request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json":
        response = jsonify(document)
    else:
        response = make_response(render_template(template, **context))
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.vary.add("Accept")
    return response
{%- endif %}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/problems")
