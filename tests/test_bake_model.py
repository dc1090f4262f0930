"""The model of a bake (``bake_model.py``) makes what cookiecutter makes.

The shared bakes (``bakery``) are the model's. Here its bakes are held, file by file (path, bytes,
mode) and directory by directory, to cookiecutter's own ``generate_files`` from the same answers:
on the covering array in the quick loop, on every combination in the whole run. What the model
does not know it leaves to cookiecutter, and a bake that fails, fails as cookiecutter's does.
The bakes of a session killed before its end are removed by the next.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException, UndefinedVariableInTemplate

from bake_model import BakeModel, Hook
from conftest import (
    ALL_ON,
    DEFAULTS,
    MEMORY,
    TEMPLATE,
    Bakes,
    bake,
    matrix,
    matrix_on_the_array,
    project_files,
    remove_the_bakes_of_ended_processes,
)
from injection import faulty_template


@pytest.fixture(scope="session")
def cookiecutters_bakes(cookies_session) -> Bakes:
    """Bakes beside the shared ones, by cookiecutter's own ``generate_files``."""
    root = cookies_session.root / "by-cookiecutter"
    root.mkdir(exist_ok=True)
    return Bakes(root)


def modes(project: Path) -> dict[str, int]:
    """The mode of every directory (``/``-ended) and file of ``project``: what ``project_files``
    does not hold."""
    found = {}
    for root, directories, names in os.walk(project):
        for name in [*directories, *names]:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, project) + ("/" if name in directories else "")
            found[relative] = stat.S_IMODE(os.stat(path).st_mode)
    return found


def differences(made: dict, expected: dict) -> list[str]:
    return [
        f"{path}: " + ("missing" if path not in made else "extra" if path not in expected else "differs")
        for path in sorted(made.keys() | expected.keys())
        if made.get(path) != expected.get(path)
    ]


def the_model_bakes_what_cookiecutter_bakes(bakery, cookiecutters_bakes, answers):
    modelled = bakery(answers)
    result = bake(cookiecutters_bakes, **answers)
    assert result.exception is None, result.exception
    made = result.project_path
    assert not differences(project_files(modelled), project_files(made))
    assert not differences(modes(modelled), modes(made))


test_the_model_bakes_what_cookiecutter_bakes_on_the_covering_array = matrix_on_the_array(
    the_model_bakes_what_cookiecutter_bakes
)
test_the_model_bakes_what_cookiecutter_bakes_for_every_combination = pytest.mark.slow(
    matrix(the_model_bakes_what_cookiecutter_bakes)
)


def test_the_shared_bakes_are_the_models(bakery, bake_model):
    """The model bakes the template, both hooks included: nothing is left to cookiecutter."""
    modelled, declined = bake_model.modelled, bake_model.declined
    bakery({**DEFAULTS, "project_name": "Modelled Service"})
    assert (bake_model.modelled - modelled, bake_model.declined - declined) == (1, 0)
    for name in ("pre_gen_project", "post_gen_project"):
        assert isinstance(bake_model.hook(str(TEMPLATE), name), Hook)


def test_a_hook_templated_outside_its_main_block_is_left_to_cookiecutter(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text('NAME = "{{ cookiecutter.project_slug }}"\n\nif __name__ == "__main__":\n    pass\n')
    no_main = tmp_path / "no_main.py"
    no_main.write_text('print("{{ cookiecutter.project_slug }}")\n')
    not_python = tmp_path / "not_python.py"
    not_python.write_text("{% if cookiecutter.use_redis %}\nimport redis\n{% endif %}\n")
    inside = tmp_path / "inside.py"
    inside.write_text(
        'import sys\n\nif __name__ == "__main__":\n    sys.exit("{{ cookiecutter.x }}" != "1")\n'
    )
    assert [Hook.read(str(path)) for path in (outside, no_main, not_python)] == [None, None, None]
    assert Hook.read(str(inside)) is not None


def test_a_hook_that_fails_fails_the_bake_as_cookiecutters(cookies_session, bake_model):
    """A slug the pre-generation hook refuses: the bake fails with cookiecutter's error, and the
    project directory is gone."""
    declined = bake_model.declined
    result = bake(cookies_session, **{**DEFAULTS, "project_slug": "import"})
    assert isinstance(result.exception, FailedHookException)
    assert bake_model.declined == declined + 1  # left to cookiecutter, which says why
    assert not any((cookies_session.root / "oven").iterdir())


def test_a_template_that_fails_to_render_fails_as_cookiecutters(cookies_session, bake_model, tmp_path):
    """A copy of the template with a file that names an answer there is none of."""
    copy = faulty_template(None, tmp_path)  # the template as it is
    (copy / "{{cookiecutter.project_slug}}" / "broken.txt").write_text(
        "{{ cookiecutter.no_such_answer.x }}\n"
    )
    declined = bake_model.declined
    result = cookies_session.bake(extra_context=ALL_ON, template=str(copy))
    assert isinstance(result.exception, UndefinedVariableInTemplate)
    assert "broken.txt" in str(result.exception)
    assert bake_model.declined == declined + 1
    assert not any((cookies_session.root / "oven").iterdir())


def test_new_lines_set_by_the_template_are_left_to_cookiecutter(cookies_session, bake_model, tmp_path):
    copy = faulty_template(None, tmp_path)  # the template as it is
    context = json.loads((copy / "cookiecutter.json").read_text(encoding="utf-8"))
    (copy / "cookiecutter.json").write_text(json.dumps({**context, "_new_lines": "\r\n"}), encoding="utf-8")
    modelled = bake_model.modelled
    result = cookies_session.bake(extra_context={}, template=str(copy))
    assert result.exception is None, result.exception
    assert bake_model.modelled == modelled
    assert (result.project_path / "pyproject.toml").read_bytes().count(b"\r\n") > 10


def test_the_model_reads_a_template_again_when_a_file_changes(tmp_path):
    """A plan is per version of the template: an edited file is a new plan."""
    template = tmp_path / "template"
    (template / "x").mkdir(parents=True)
    (template / "x" / "a.txt").write_text("one\n")
    model = BakeModel()
    first = model.plan(str(template), {"cookiecutter": {}})
    (template / "x" / "a.txt").write_text("three\n")
    second = model.plan(str(template), {"cookiecutter": {}})
    assert first is not second
    assert [step.content for kind, step in second.steps if kind == "file"] == [b"three\n"]


def test_the_bakes_of_an_ended_session_are_removed_and_no_others(tmp_path, cookies_session):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead = int(ended.stdout)  # a process that has exited
    made = {
        f"bakes-{dead}-abc": True,  # a killed session's: removed
        f"bakes-{os.getpid()}-def": False,  # this process's
        "bakes-1-ghi": False,  # init's: a process that runs
        "bakes-xyz": False,  # named otherwise than this suite names its bakes
        f"bakes-{2**70}-mno": False,  # a number no process's id can be
        f"others-{dead}-jkl": False,
    }
    for name in made:
        (tmp_path / name / "oven").mkdir(parents=True)
    assert remove_the_bakes_of_ended_processes(tmp_path) == [name for name, gone in made.items() if gone]
    left = sorted(name for name, gone in made.items() if not gone)
    assert sorted(path.name for path in tmp_path.iterdir()) == left
    # This session's own bakes carry its process's id, and are not another session's to remove.
    if cookies_session.root.parent == MEMORY:
        assert cookies_session.root.name.startswith(f"bakes-{os.getpid()}-")
