"""Reject answers that would generate a broken project, before anything is written.

Cookiecutter renders this file with the answers and runs it with its own interpreter, so it uses the
standard library only. The answers enter as JSON data, never as Python syntax; the module itself is
importable, and ``tests/test_hooks.py`` tests its checks directly.
"""

import json
import keyword
import re
import sys
import unicodedata

# Top-level names the generated project and its tests import besides the standard library's
# (``sys.stdlib_module_names``), and those of every package its pyproject.toml installs (through an
# extra too): a package of the same name would shadow them. tests/test_hooks.py derives the names
# from the all-on and all-off projects and fails, naming them, when one is missing here.
SHADOWED_MODULES = frozenset(
    {
        "_hypothesis_ftz_detector",
        "_hypothesis_globals",
        "_hypothesis_pytestplugin",
        "_pytest",
        "aiosmtpd",
        "alembic",
        "blinker",
        "certifi",
        "click",
        "concurrent_log_handler",
        "dotenv",
        "flask",
        "flask_alembic",
        "flask_limiter",
        "flask_sqlalchemy",
        "gevent",
        "greenlet",
        "gunicorn",
        "hypothesis",
        "iniconfig",
        "itsdangerous",
        "jinja2",
        "limits",
        "mako",
        "markupsafe",
        "mypy",
        "mypyc",
        "openapi_spec_validator",
        "opentelemetry",
        "packaging",
        "pluggy",
        "portalocker",
        "pre_commit",
        "psycopg",
        "psycopg_binary",
        "py",
        "pydantic",
        "pydantic_core",
        "pytest",
        "pytest_cov",
        "redis",
        "ruff",
        "schemathesis",
        "sentry_sdk",
        "sqlalchemy",
        "src",
        "swagger_ui_bundle",
        "test",
        "tests",
        "trustme",
        "typing_extensions",
        "urllib3",
        "werkzeug",
    }
)

SLUG_PATTERN = re.compile(r"[a-z_][a-z0-9_]*")
# Long enough for any sensible package name, short enough that every generated line fits in 100.
SLUG_MAX_LENGTH = 32
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)


def slug_error(slug: str) -> str | None:
    """Return why ``slug`` cannot name the project's package, or None when it can."""
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier "
            "(letters a-z, digits and '_', not starting with a digit)"
        )
    if len(slug) > SLUG_MAX_LENGTH:
        return f"project_slug {slug!r} is longer than {SLUG_MAX_LENGTH} characters"
    if slug.startswith("test_") or slug == "conftest":
        return f"project_slug {slug!r} would be taken for one of the project's test modules"
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug {slug!r} is a Python keyword"
    if slug in SHADOWED_MODULES or slug in sys.stdlib_module_names:
        return f"project_slug {slug!r} would shadow the module of the same name that the project imports"
    return None


def _shorten(slug: str, limit: int) -> str:
    """``slug`` cut to at most ``limit`` characters, at the end of a word where there is one."""
    if len(slug) <= limit:
        return slug
    end = slug.rfind("_", 0, limit + 1)
    return slug[:end] if end > 0 else slug[:limit].rstrip("_")


def default_slug(name: str) -> str:
    """The default ``project_slug`` for ``name``: one that ``slug_error`` accepts, whatever the name.

    Apostrophes are dropped (``Bob's Shop`` gives ``bobs_shop``), accents too (``Café`` gives
    ``cafe``), any other character that is not an ASCII letter or digit separates words, and the
    words are joined with ``_``. A slug that still cannot be used (a keyword, a module the project
    imports, a leading digit) gets ``_service`` after it or ``service_`` before it; a name with
    nothing usable in it gives ``service``. ``cookiecutter.json`` uses this function, through
    ``local_extensions.py``.
    """
    letters = unicodedata.normalize("NFKD", re.sub(r"['\u2019]", "", name))
    words = re.findall(r"[a-z0-9]+", letters.encode("ascii", "ignore").decode("ascii").lower())
    slug = "_".join(words)
    if not slug:
        return "service"
    candidates = (
        _shorten(slug, SLUG_MAX_LENGTH),
        f"{_shorten(slug, SLUG_MAX_LENGTH - len('_service'))}_service",
        _shorten(f"service_{slug}", SLUG_MAX_LENGTH),
    )
    return next(candidate for candidate in candidates if slug_error(candidate) is None)


def name_error(name: str) -> str | None:
    """Return why ``name`` cannot be the project's name, or None when it can."""
    if not name.strip():
        return "project_name is empty; give the project a name, such as project_name='Order Desk'"
    if not name.isprintable():
        return f"project_name {name!r} must be one line of printable characters"
    return None


def email_error(email: str) -> str | None:
    """Return why ``email`` is not a usable author address, or None when it is."""
    if not EMAIL_PATTERN.fullmatch(email):
        return f"author_email {email!r} is not an email address (expected name@example.com)"
    return None


def errors(answers: dict) -> list[str]:
    """One line per problem with the answers; a bad slug's line suggests one that would do."""
    problems = []
    if message := name_error(answers["project_name"]):
        problems.append(message)
    if message := slug_error(answers["project_slug"]):
        problems.append(f"{message}; try project_slug={default_slug(answers['project_slug'])}")
    if message := email_error(answers["author_email"]):
        problems.append(message)
    return problems


def main(answers: dict) -> int:
    problems = errors(answers)
    for message in problems:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(json.loads(r"""{{ cookiecutter | tojson }}""")))
