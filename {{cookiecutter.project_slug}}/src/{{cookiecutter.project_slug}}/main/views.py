{%- if cookiecutter.error_format == "json" -%}
from flask import Blueprint, current_app, url_for

from ..openapi import operation
from ..schemas import Index

bp = Blueprint("main", __name__)


@bp.get("/")
@operation("The service's name and links to its resources", response=Index)
def index() -> dict[str, object]:
    """The service's name and where its resources are, for a client that starts at the root."""
    return {
        "service": current_app.name,
        "links": {
            "items": url_for("api.create_item"),
            "health": url_for("healthz"),
{%- if cookiecutter.use_database %}
            "readiness": url_for("readyz"),
{%- endif %}
            "openapi": url_for("openapi_document"),
            "docs": url_for("docs.page"),
            "problems": url_for("problems.catalogue"),
        },
    }
{%- else -%}
from flask import Blueprint, render_template

from ..openapi import operation

bp = Blueprint("main", __name__)


@bp.get("/")
@operation("The index page", media_type="text/html")
def index() -> str:
    return render_template("index.html")
{%- endif %}
