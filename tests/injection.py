"""Seeded defects: a copy of the template with one fault injected, which only the bakes whose answers
hold together carry, and the combinations of a list whose bakes from a template fail a check.

    template = faulty_template(fault, tmp_path)          # nothing is written into the template
    failures = failing(rows, template, check, cookies)   # {combination id: why it failed}

A ``Fault`` edits one file the template renders: its ``old`` text becomes ``new`` inside a Jinja
``{% if %}`` over the fault's answers, with ``old`` kept in the ``{% else %}``. A bake from the copy
whose answers do not all hold is the template's own, byte for byte (as long as the fault's ``old``
does not split a Jinja whitespace-control pair: ``"\\n    line"`` before a ``{%- ... %}``, not
``"    line\\n"``); a bake whose answers all hold carries the defect. A check is any function of a
baked project that raises when it finds a problem, such as ``assert_ruff_clean``.
"""

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cookiecutter.generate import is_copy_only_path

from conftest import CONTEXT, TEMPLATE, checked_answers, combination_id

PROJECT = "{{cookiecutter.project_slug}}"
# What cookiecutter reads of the template's directory to bake a project.
TEMPLATE_PARTS = ("cookiecutter.json", "hooks", PROJECT, "local_extensions.py")
# Left by tools run inside the template's directory: no part of the template.
CACHES = shutil.ignore_patterns("__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache")


@dataclass(frozen=True)
class Fault:
    """A defect that ``answers`` bring out together: in the template file at ``path`` (relative to
    the template's directory, such as ``{{cookiecutter.project_slug}}/src/...``), ``old``, found
    there exactly once, becomes ``new`` in every bake where each of ``answers`` holds."""

    path: str
    answers: dict
    old: str
    new: str

    def brought_out_by(self, answers: dict) -> bool:
        """Whether a bake with ``answers`` carries the defect."""
        return all(answers[name] == value for name, value in self.answers.items())

    def condition(self) -> str:
        """The Jinja test of the fault's answers: ``cookiecutter.layout == "single_module" and ...``."""
        return " and ".join(
            f"cookiecutter.{name} == {json.dumps(value)}" for name, value in self.answers.items()
        )


def faulty_template(fault: Fault | None, directory: Path) -> Path:
    """A copy of the template in ``directory`` (as ``template/``), with ``fault`` injected; with
    None, the template as it is, for a positive control."""
    copy = directory / "template"
    copy.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = TEMPLATE / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=CACHES)
        elif source.exists():
            shutil.copy2(source, copy / part)
    if fault is not None:
        inject(fault, copy)
    return copy


def inject(fault: Fault, template: Path) -> None:
    """Apply ``fault`` to the copy of the template at ``template``."""
    checked_answers(fault.answers)
    for name, value in fault.answers.items():
        values = CONTEXT[name] if isinstance(CONTEXT[name], list) else [True, False]
        assert value in values, f"{name} cannot be {value!r}: no bake would carry the fault"
    # Cookiecutter renders the hooks, and the project's files but those it copies as they are.
    inside_project = fault.path.removeprefix(f"{PROJECT}/")
    rendered = fault.path.startswith("hooks/") or (
        inside_project != fault.path and not is_copy_only_path(inside_project, {"cookiecutter": CONTEXT})
    )
    assert rendered, f"{fault.path} is copied as it is: the Jinja condition would reach every bake as text"
    target = template / fault.path
    text = target.read_text(encoding="utf-8")
    assert text.count(fault.old) == 1, f"{fault.old!r} is not in {fault.path} exactly once"
    wrapped = f"{{% if {fault.condition()} %}}{fault.new}{{% else %}}{fault.old}{{% endif %}}"
    target.write_text(text.replace(fault.old, wrapped), encoding="utf-8")


def failing(rows: list[dict], template: Path, check: Callable[[Path], object], cookies) -> dict[str, str]:
    """The combinations of ``rows`` whose bake from ``template`` fails ``check`` (it raises), by
    combination id, each with what it raised. A bake that fails counts as failing too.

    ``cookies`` is pytest-cookies' fixture: each bake goes to a directory of its own.
    """
    failures = {}
    for answers in rows:
        result = cookies.bake(extra_context=checked_answers(answers), template=str(template))
        try:
            assert result.exception is None, f"the bake failed: {result.exception!r}"
            check(result.project_path)
        except Exception as error:  # an import, a request, an assertion: whatever the check meets
            failures[combination_id(answers)] = f"{type(error).__name__}: {error}"
    return failures
