"""Unit tests of the hooks, imported as plain modules (their Jinja sits in a string at the bottom)."""

import ast
import importlib.metadata
import importlib.util
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ALL_OFF, ALL_ON, CONTEXT, TEMPLATE, combination

PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load("pre_gen_project")
post_gen = load("post_gen_project")


def answers(**overrides) -> dict:
    defaults = {name: value[0] if isinstance(value, list) else value for name, value in CONTEXT.items()}
    return {**defaults, "project_slug": "shop", **overrides}


@pytest.mark.parametrize("slug", ["shop", "my_shop", "_private", "shop2"])
def test_valid_slugs_pass(slug):
    assert pre_gen.slug_error(slug) is None


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("My Shop", "not a lowercase Python identifier"),
        ("my-shop", "not a lowercase Python identifier"),
        ("2shop", "not a lowercase Python identifier"),
        ("Shop", "not a lowercase Python identifier"),
        ("", "not a lowercase Python identifier"),
        ("a" * 33, "longer than 32 characters"),
        ("test_app", "test modules"),
        ("conftest", "test modules"),
        ("click", "shadow"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("flask", "shadow"),
        ("pydantic", "shadow"),
        ("logging", "shadow"),
        ("email", "shadow"),
        ("sentry_sdk", "shadow"),
        ("test", "shadow"),
        ("tests", "shadow"),
    ],
)
def test_bad_slugs_are_rejected_with_the_reason(slug, reason):
    assert reason in pre_gen.slug_error(slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Flask Service", "flask_service"),
        ("Billing-API Gateway", "billing_api_gateway"),
        ("Bob's Shop", "bobs_shop"),
        ("Bob\u2019s Shop", "bobs_shop"),
        ("Café Ünïcode", "cafe_unicode"),
        ("a--b  c", "a_b_c"),
        ("__Order__Desk__", "order_desk"),
        ("123 Go", "service_123_go"),
        ("日本語", "service"),
        ("!!!", "service"),
        ("", "service"),
        ("Class", "class_service"),
        ("Flask", "flask_service"),
        ("Email", "email_service"),
        ("Test", "service_test"),
        ("Test Runner", "service_test_runner"),
        ("conftest", "conftest_service"),
        ("Customer Notification Preference Centre", "customer_notification_preference"),
        ("A" * 40, "a" * 32),
    ],
)
def test_default_slug_of_a_name(name, slug):
    assert pre_gen.default_slug(name) == slug


# No example database: the suite writes nothing outside its temporary directories.
@settings(database=None)
@given(st.text())
def test_the_default_slug_of_any_name_passes_the_checks(name):
    assert pre_gen.slug_error(pre_gen.default_slug(name)) is None


@pytest.mark.parametrize("email", ["you@example.com", "first.last+tag@mail.example.co.uk"])
def test_valid_emails_pass(email):
    assert pre_gen.email_error(email) is None


@pytest.mark.parametrize(
    "email",
    ["", "you", "you@", "@example.com", "you@example", "a b@example.com", "you@..com", "a\\b@example.com"],
)
def test_bad_emails_are_rejected(email):
    assert "not an email address" in pre_gen.email_error(email)


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_an_empty_project_name_is_one_error(name):
    [problem] = pre_gen.errors(answers(project_name=name))
    assert problem.startswith("project_name is empty")


def test_a_project_name_of_two_lines_is_an_error():
    [problem] = pre_gen.errors(answers(project_name="Order\nDesk"))
    assert problem == "project_name 'Order\\nDesk' must be one line of printable characters"


def test_pre_gen_main_reports_every_problem_and_fails(capsys):
    assert pre_gen.main(answers(project_slug="class", author_email="nobody")) == 1
    assert capsys.readouterr().err.count("ERROR:") == 2


def test_pre_gen_main_accepts_the_defaults():
    assert pre_gen.main(answers()) == 0


def test_every_path_in_the_table_exists_in_the_template():
    for paths in post_gen.UNUSED.values():
        for path in paths:
            assert (PROJECT_TEMPLATE / path.format(slug="{{cookiecutter.project_slug}}")).exists(), path


def test_every_table_key_is_a_prompt_and_one_of_its_values():
    for condition in post_gen.UNUSED:
        for variable, value in [condition] if isinstance(condition[0], str) else condition:
            choices = CONTEXT[variable] if isinstance(CONTEXT[variable], list) else [True, False]
            assert value in choices, (variable, value)


@pytest.mark.parametrize(
    ("use_database", "use_redis", "use_tracing", "kept"),
    [
        (True, True, False, True),
        (True, False, False, True),
        (False, True, False, True),
        (False, False, True, True),  # Jaeger, under its profile
        (False, False, False, False),
    ],
)
def test_compose_file_is_kept_while_a_service_runs_beside_the_app(use_database, use_redis, use_tracing, kept):
    chosen = answers(use_database=use_database, use_redis=use_redis, use_tracing=use_tracing)
    assert ("compose.yaml" not in post_gen.unused_paths(chosen)) is kept


def test_json_only_prunes_pages_templates_and_their_tests():
    unused = post_gen.unused_paths(answers(error_format="json"))
    pages = {"src/shop/templates/base.html", "src/shop/templates/index.html", "src/shop/templates/errors"}
    assert pages | {"src/shop/errors/pages.py", "tests/test_pages.py"} <= set(unused)
    assert "src/shop/errors/problem.py" not in unused


@pytest.mark.parametrize("error_format", CONTEXT["error_format"])
def test_every_error_format_keeps_the_docs_page(error_format):
    unused = post_gen.unused_paths(answers(error_format=error_format))
    kept = ["src/shop/docs.py", "src/shop/templates/docs.html"]
    assert not [path for path in kept if any(path == gone or path.startswith(f"{gone}/") for gone in unused)]


def test_json_projects_keep_main_for_their_index_unless_single_module():
    assert "src/shop/main" not in post_gen.unused_paths(answers(error_format="json"))
    unused = post_gen.unused_paths(answers(error_format="json", layout="single_module"))
    assert unused.count("src/shop/main") == 1


def test_post_gen_is_idempotent(tmp_path):
    project = tmp_path / "shop"
    shutil.copytree(PROJECT_TEMPLATE, project)
    (project / "src/{{cookiecutter.project_slug}}").rename(project / "src/shop")
    chosen = answers(error_format="html", layout="single_module", use_file_logging=False)
    post_gen.main(chosen, project)
    after_once = sorted(path.relative_to(project) for path in project.rglob("*"))
    post_gen.main(chosen, project)
    assert sorted(path.relative_to(project) for path in project.rglob("*")) == after_once
    assert not (project / "src/shop/api").exists()
    assert not (project / "src/shop/reporting/logfile.py").exists()
    assert (project / "src/shop/views.py").exists()


def test_post_gen_says_what_to_run_next_for_the_answers(tmp_path, capsys):
    project = tmp_path / "my shop"
    project.mkdir()
    post_gen.main(answers(use_database=True), project)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Generated my shop. Next, with uv")
    assert lines[1] == f"    cd '{project}'"
    assert "    uv run flask --app shop db upgrade" in lines
    assert lines[-1] == "    uv run flask --app shop run --debug"
    assert not any("db upgrade" in line for line in post_gen.next_steps(answers(use_database=False), project))


@pytest.mark.parametrize("hook", ["pre_gen_project", "post_gen_project"])
def test_hooks_import_only_the_standard_library(hook):
    tree = ast.parse((TEMPLATE / "hooks" / f"{hook}.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= sys.stdlib_module_names


def imported_modules(project: Path) -> set[str]:
    """The top-level modules that ``project``'s Python files import, but its own and the tests'."""
    found = set()
    for path in project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return found - {project.name, "conftest"} - set(sys.stdlib_module_names)


def installed_modules(project: Path) -> set[str]:
    """The top-level modules of every package ``project``'s pyproject.toml names (its
    dependencies, extras and dependency groups, and the packages their extras add), as this
    suite's environment has them installed."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [
        *pyproject["project"]["dependencies"],
        *(r for extra in pyproject["project"].get("optional-dependencies", {}).values() for r in extra),
        *(r for group in pyproject.get("dependency-groups", {}).values() for r in group),
    ]
    parsed = [Requirement(requirement) for requirement in requirements]
    names = {canonicalize_name(requirement.name) for requirement in parsed}
    for requirement in parsed:  # and what their extras bring: gunicorn[gevent] brings gevent
        for dependency in map(Requirement, importlib.metadata.requires(requirement.name) or []):
            extras = ({"extra": extra} for extra in requirement.extras)
            if dependency.marker is not None and any(map(dependency.marker.evaluate, extras)):
                names.add(canonicalize_name(dependency.name))
    return {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if names & {canonicalize_name(distribution) for distribution in distributions}
        and module.isidentifier()
    }


@pytest.mark.parametrize("answers", [combination(**ALL_ON), combination(**ALL_OFF)])
def test_the_slug_check_knows_every_module_a_project_imports_or_installs(bakery, answers):
    """A slug named like one of them would shadow it: ``project_name=Pydantic`` made a project
    whose ``import pydantic`` found itself."""
    project = bakery(answers)
    needed = (imported_modules(project) | installed_modules(project)) - {"tests"}
    missing = sorted(needed - pre_gen.SHADOWED_MODULES)
    assert not missing, f"add these to SHADOWED_MODULES in hooks/pre_gen_project.py: {missing}"
