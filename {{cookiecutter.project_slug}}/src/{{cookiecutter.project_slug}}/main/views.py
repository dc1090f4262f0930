{%- if cookiecutter.error_format == "json" -%}
from flask import Blueprint, current_app, url_for

bp = Blueprint("main", __name__)


@bp.get("/")
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
        },
    }
{%- else -%}
from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html")
{%- endif %}
