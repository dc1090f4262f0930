"""Choose between problem+json and an HTML page for the current request.

- A path under ``API_PREFIX`` always gets JSON: API clients should not have to send ``Accept``.
- Elsewhere, JSON when Werkzeug's ``best_match`` picks a JSON type over ``text/html``: a higher
  quality wins, then the more specific type, so ``application/json, */*`` gets JSON while ``*/*``
  alone gets HTML. A full tie, a missing ``Accept`` and an ``Accept`` that names neither get the
  HTML page: a person with a browser is the likelier reader. These responses vary with ``Accept``
  and say so, so that a cache does not hand a browser's page to an API client.
"""

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .pages import page_response
from .problem import problem_response

JSON_TYPES = ("application/problem+json", "application/json")


def is_api_path(path: str) -> bool:
    prefix = current_app.config["API_PREFIX"]
    return not prefix or path == prefix or path.startswith(f"{prefix}/")


def prefers_problem_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", *JSON_TYPES)) in JSON_TYPES


def negotiated_response(error: HTTPException) -> Response:
    if is_api_path(request.path):
        return problem_response(error)
    response = problem_response(error) if prefers_problem_json() else page_response(error)
    response.vary.add("Accept")
    return response
