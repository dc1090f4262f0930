"""The static checks of every combination at once (``static_checks.py``: each distinct file or
package checked once, whichever combinations made it) still fail exactly the combinations that
carry a defect, and name it; seeded by the injection harness."""

import pytest

from conftest import ALL_ON, COMBINATIONS, checked_answers, combination_id, project_files
from injection import PROJECT, Fault, faulty_template, inject
from static_checks import Report, run_mypy, run_ruff

PACKAGE = f"{PROJECT}/src/{PROJECT}"
# A type error only mypy sees, in the store of the Redis projects with email reports and HTML pages
# from one views module (2 of the 8 projects of those answers checked by mypy); an unused
# import only ruff sees, in the configuration of those projects without a log file or tracing (16
# of the 384); and a formatting slip, in a file every combination has, of one combination alone.
TYPE_ERROR = Fault(
    f"{PACKAGE}/store.py",
    {"error_format": "html", "layout": "single_module", "use_redis": True, "use_email_logging": True},
    old="    return redis.Redis(connection_pool=pool)\n",
    new="    return redis.Redis(connection_pool=pool).ping()\n",
)
UNUSED_IMPORT = Fault(
    f"{PACKAGE}/config.py",
    {"error_format": "html", "layout": "single_module", "use_file_logging": False, "use_tracing": False},
    old="import logging\n",
    new="import logging\nimport math\n",
)
MISFORMATTED = Fault(
    f"{PACKAGE}/problems.py",
    ALL_ON,
    old="from typing import Any\n",
    new="from typing import (Any)\n",
)
MYPY_CHECKED = {
    **{"error_format": "html", "layout": "single_module"},
    **{"use_file_logging": False, "use_database": False, "use_tracing": False},
}


@pytest.mark.slow
def test_a_defect_in_some_combinations_fails_those_and_only_those(cookies_session, tmp_path):
    template = faulty_template(TYPE_ERROR, tmp_path / "faulty")
    inject(UNUSED_IMPORT, template)  # the three faults, in one copy
    inject(MISFORMATTED, template)
    projects = {}
    for answers in COMBINATIONS:
        result = cookies_session.bake(extra_context=checked_answers(answers), template=str(template))
        assert result.exception is None, result.exception
        projects[combination_id(answers)] = result.project_path
    checked = {combination_id(answers) for answers in COMBINATIONS if MYPY_CHECKED.items() <= answers.items()}
    reports = {name: Report() for name in projects}
    (tmp_path / "ruff").mkdir()
    (tmp_path / "mypy").mkdir()
    files = run_ruff(projects, reports, tmp_path / "ruff", project_files)
    packages = run_mypy(
        {name: projects[name] for name in checked}, reports, tmp_path / "mypy", tmp_path / "mypy-cache"
    )

    def bringing_out(fault: Fault) -> set[str]:
        return {combination_id(answers) for answers in COMBINATIONS if fault.brought_out_by(answers)}

    typed, unused = bringing_out(TYPE_ERROR) & checked, bringing_out(UNUSED_IMPORT)
    misformatted = {combination_id(ALL_ON)}
    assert len(typed) == 2 and len(unused) == 16 and bringing_out(MISFORMATTED) == misformatted
    assert {name for name, report in reports.items() if report.mypy} == typed
    assert {name for name, report in reports.items() if report.ruff} == unused | misformatted
    for name in typed:
        [line] = reports[name].mypy
        assert line.startswith(f"src/{projects[name].name}/store.py:"), line
        assert "Incompatible return value type" in line and 'expected "Redis"' in line, line
    for name in unused:
        assert [line.split(": ", 1)[1] for line in reports[name].ruff] == [
            "F401 [*] `math` imported but unused"
        ]
    problems_py = f"src/{projects[combination_id(ALL_ON)].name}/problems.py"
    assert [line.split(": ", 1) for line in reports[combination_id(ALL_ON)].ruff] == [
        [f"{problems_py}:20:1", "I001 [*] Import block is un-sorted or un-formatted"],
        [f"{problems_py}:22:20", "unformatted: File would be reformatted"],
    ]

    # Each distinct file was checked once, and stands for the combinations that have it: the
    # misformatted one for all-on alone, the others for many.
    assert sum(map(len, files.values())) == sum(
        1 for project in projects.values() for path in project.rglob("*.py") if path.is_file()
    )
    assert len(files) < sum(map(len, files.values())) / 10
    problems = [file for file in files if file.startswith(f"{problems_py} ")]
    # all-on's problems.py, misformatted, is a file of its own, which no other combination has.
    assert [files[file] for file in problems if combination_id(ALL_ON) in files[file]] == [
        [combination_id(ALL_ON)]
    ]
    assert sorted(map(len, packages.values())) == [1] * len(checked)  # each combination's package differs
