"""Choose between problem+json and an HTML page for the current request.

- A path under ``API_PREFIX`` always gets JSON: API clients should not have to send ``Accept``.
- Elsewhere, JSON only when ``Accept`` prefers ``application/problem+json`` or
  ``application/json`` to ``text/html``. A tie (``*/*``, or both listed at the same quality), a
  missing ``Accept`` and an ``Accept`` that names neither all get the HTML page: a person with a
  browser is the likelier reader.
"""

from flask import current_app, request

JSON_TYPES = ("application/problem+json", "application/json")


def is_api_path(path: str) -> bool:
    prefix = current_app.config["API_PREFIX"]
    return not prefix or path == prefix or path.startswith(f"{prefix}/")


def wants_problem_json() -> bool:
    if is_api_path(request.path):
        return True
    return request.accept_mimetypes.best_match(("text/html", *JSON_TYPES)) in JSON_TYPES
