"""The API's documentation for people: Swagger UI at ``/docs``, reading ``/openapi.json``.

Swagger UI's files come from the installed ``swagger-ui-bundle-v2`` package, so the page works
offline and loads nothing from anywhere else: its Content-Security-Policy allows this site's
scripts, styles, images and requests, and nothing more (no inline script, no framing). Only the
two files the page loads are served from the package, whose folder also holds Swagger UI's stock
``index.html`` (which loads an example document from elsewhere, under no policy), an OAuth redirect
page, templates and source maps; and every response of the documentation says ``nosniff``.
"""

from flask import Blueprint, Flask, Response, make_response, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Starts Swagger UI on the element that names the document: a file of its own, because the
# page's policy runs no inline script.
INITIALIZER = """\
const element = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: element.dataset.url, dom_id: "#swagger-ui" });
"""

bp = Blueprint("docs", __name__)


@bp.after_request
def not_sniffed(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("")
def page() -> Response:
    response = make_response(render_template("docs.html"))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.get('/assets/<any("swagger-ui.css", "swagger-ui-bundle.js"):filename>')
def asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename)


@bp.get("/initializer.js")
def initializer() -> Response:
    return Response(INITIALIZER, mimetype="text/javascript")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/docs")
