"""The prompts and the command line: defaults, overrides, and answers refused before anything is written."""

import json
import os
import re
import sys
import tomllib

import pytest

from conftest import (
    CONTEXT,
    TEMPLATE,
    assert_project_tests_pass,
    assert_ruff_clean,
    bake,
    checked_answers,
    run,
)

VARIABLES = [name for name in CONTEXT if not name.startswith("_")]


def cookiecutter_cli(*args, cwd):
    return run(sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), *args, cwd=cwd)


def test_every_prompt_has_a_question_and_every_choice_a_label():
    prompts = CONTEXT["__prompts__"]
    assert set(prompts) == set(VARIABLES)
    for name in VARIABLES:
        if isinstance(CONTEXT[name], list):
            value = CONTEXT[name]
            assert set(prompts[name]) == {"__prompt__", *value}, name


def test_override_guard_catches_a_typo():
    with pytest.raises(AssertionError, match="use_sentri"):
        checked_answers({"use_sentri": True})


def test_no_input_uses_the_defaults(tmp_path):
    result = cookiecutter_cli("-o", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "flask_service"
    assert (project / "src/flask_service/errors/negotiation.py").exists()
    assert (project / "src/flask_service/reporting/logfile.py").exists()
    assert not (project / "src/flask_service/reporting/sentry.py").exists()
    assert not (project / "src/flask_service/store.py").exists()


def test_a_bake_says_what_to_run_next(tmp_path):
    result = cookiecutter_cli("-o", str(tmp_path), "project_name=Order Desk", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Generated order_desk. Next, with uv")
    assert f"    cd {tmp_path / 'order_desk'}" in lines
    assert "    uv run flask --app order_desk run --debug" in lines


def test_command_line_overrides_take_yes_for_a_boolean(tmp_path):
    answers = ["project_name=Order Desk", "error_format=json", "use_sentry=yes", "use_redis=yes"]
    result = cookiecutter_cli("-o", str(tmp_path), *answers, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    package = tmp_path / "order_desk" / "src" / "order_desk"
    assert (package / "reporting/sentry.py").exists()
    assert (package / "store.py").exists()
    assert not (package / "templates/errors").exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Billing-API Gateway", "billing_api_gateway"),
        ("Bob's Shop", "bobs_shop"),
        ("Café Ünïcode", "cafe_unicode"),
        ("123 Go", "service_123_go"),
        ("a--b  c", "a_b_c"),
        ("日本語", "service"),
        ("Class", "class_service"),
    ],
)
def test_the_default_slug_is_valid_for_any_name(cookies, name, slug):
    result = bake(cookies, project_name=name)
    assert result.exception is None, result.exception
    assert result.project_path.name == slug


def test_quotes_in_text_answers_stay_valid_toml(cookies):
    result = bake(cookies, project_description="Say \"hi\" \\ to 'everyone'", author_name='O"Brien')
    pyproject = tomllib.loads((result.project_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == "Say \"hi\" \\ to 'everyone'"
    assert pyproject["project"]["authors"] == [{"name": 'O"Brien', "email": "you@example.com"}]
    for path in result.project_path.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("project_slug=class", "project_slug 'class' is a Python keyword"),
        ("project_slug=my-shop", "project_slug 'my-shop' is not a lowercase Python identifier"),
        ("project_slug=flask", "project_slug 'flask' would shadow"),
        ("author_email=nobody", "author_email 'nobody' is not an email address"),
        ("project_name= ", "project_name is empty"),
    ],
)
def test_bad_answers_fail_in_pre_gen_and_leave_nothing(tmp_path, answer, message):
    output = tmp_path / "out"
    output.mkdir()
    result = cookiecutter_cli("-o", str(output), answer, cwd=tmp_path)
    assert result.returncode != 0
    assert f"ERROR: {message}" in result.stderr
    assert list(output.iterdir()) == []


def test_a_bad_slug_is_reported_first_with_a_suggestion(tmp_path):
    result = cookiecutter_cli("-o", str(tmp_path), "project_slug=my-shop", cwd=tmp_path)
    first_line = result.stderr.splitlines()[0]
    assert first_line.startswith("ERROR: project_slug 'my-shop' is not a lowercase Python identifier")
    assert first_line.endswith("; try project_slug=my_shop")


# One of each way this file bakes: from the command line, from the command line refused by
# pre_gen_project, and through pytest-cookies.
EACH_WAY_OF_BAKING = [
    test_no_input_uses_the_defaults,
    test_a_bad_slug_is_reported_first_with_a_suggestion,
    test_quotes_in_text_answers_stay_valid_toml,
]


@pytest.mark.slow  # runs tests of this file again, in a pytest of their own
def test_each_way_of_baking_writes_nothing_into_home(tmp_path):
    """A bake of each kind, run with ``HOME`` (and the XDG directories) in an empty directory,
    leaves it empty: cookiecutter reads its user config and writes its replay files and
    cookiecutters directory in the session's temporary directory. (A project's own suite is
    checked for the same wherever it runs: ``assert_project_tests_pass``.)"""
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.pop("COOKIECUTTER_CONFIG", None)  # set by this session; the inner one must set its own
    env |= {"HOME": str(home)} | {
        f"XDG_{kind}_HOME": str(home / f".{kind.lower()}") for kind in ("CONFIG", "CACHE", "DATA", "STATE")
    }
    env.pop("XDG_RUNTIME_DIR", None)
    selected = " or ".join(test.__name__ for test in EACH_WAY_OF_BAKING)
    inner = run(
        sys.executable, "-m", "pytest", __file__, "-n", "0", "-p", "no:cacheprovider", "-q",
        "-k", selected, cwd=tmp_path, env=env, timeout=300,
    )  # fmt: skip
    assert inner.returncode == 0, inner.stdout[-3000:] + inner.stderr[-2000:]
    assert re.search(rf"\b{len(EACH_WAY_OF_BAKING)} passed\b", inner.stdout), inner.stdout[-2000:]
    assert sorted(path.relative_to(home).as_posix() for path in home.rglob("*")) == []


def test_replay_file_answers_are_all_variables():
    """Users' replay files and CI rely on these names: they are part of the template's interface."""
    assert VARIABLES == [
        "project_name",
        "project_slug",
        "project_description",
        "author_name",
        "author_email",
        "error_format",
        "layout",
        "use_email_logging",
        "use_file_logging",
        "use_sentry",
        "use_database",
        "use_redis",
        "use_tracing",
    ]
    assert CONTEXT["use_database"] is True
    # A new prompt's default leaves a project made before it as it was (CHANGELOG.md says why).
    assert CONTEXT["use_redis"] is False
    assert CONTEXT["use_tracing"] is False
    assert json.dumps(CONTEXT["error_format"]) == '["both", "html", "json"]'


@pytest.mark.slow
def test_the_longest_slug_bakes_lint_clean_and_passes_its_tests(cookies):
    slug = "customer_notification_preference"  # 32 characters, the most pre_gen_project allows
    everything = {
        "use_email_logging": True,
        "use_file_logging": True,
        "use_sentry": True,
        "use_database": True,
    }
    project = bake(cookies, project_slug=slug, layout="single_module", **everything).project_path
    assert_ruff_clean(project)
    # Its coverage gate is all-on's, but for the layout: the presets' runs check the gate.
    assert_project_tests_pass(project, PYTHONPATH=str(project / "src"), coverage_gate=False)
