"""The static checks run on a family of projects at once (``static_checks.py``) still fail exactly
the combinations that carry a defect, and name it; seeded by the injection harness."""

import pytest

from conftest import COMBINATIONS, checked_answers, combination_id, family
from injection import PROJECT, Fault, faulty_template, inject
from static_checks import check_projects

PACKAGE = f"{PROJECT}/src/{PROJECT}"
# In one family (html pages, one views module, no database) of 16 combinations: a type error only
# mypy sees, in the store of the Redis projects with email reports (4 of them), and an unused
# import only ruff sees, in the configuration of the projects without a log file (8, 2 of them
# with the type error too).
TYPE_ERROR = Fault(
    f"{PACKAGE}/store.py",
    {"error_format": "html", "layout": "single_module", "use_redis": True, "use_email_logging": True},
    old="    return redis.Redis(connection_pool=pool)\n",
    new="    return redis.Redis(connection_pool=pool).ping()\n",
)
UNUSED_IMPORT = Fault(
    f"{PACKAGE}/config.py",
    {"error_format": "html", "layout": "single_module", "use_file_logging": False},
    old="import logging\n",
    new="import logging\nimport math\n",
)
FAMILY = {"error_format": "html", "layout": "single_module", "use_database": False}


@pytest.mark.slow
def test_a_defect_in_some_combinations_of_a_family_fails_those_and_only_those(cookies, tmp_path):
    template = faulty_template(TYPE_ERROR, tmp_path / "faulty")
    inject(UNUSED_IMPORT, template)  # both faults, in one copy
    rows = [answers for answers in COMBINATIONS if family(answers) == family(FAMILY)]
    assert len(rows) == 16
    projects = {}
    for answers in rows:
        result = cookies.bake(extra_context=checked_answers(answers), template=str(template))
        assert result.exception is None, result.exception
        projects[combination_id(answers)] = result.project_path
    work, cache = tmp_path / "work", tmp_path / "mypy-cache"
    work.mkdir()
    reports = check_projects(projects, work, cache)

    typed = {combination_id(answers) for answers in rows if TYPE_ERROR.brought_out_by(answers)}
    unused = {combination_id(answers) for answers in rows if UNUSED_IMPORT.brought_out_by(answers)}
    assert len(typed) == 4 and len(unused) == 8 and len(typed & unused) == 2
    assert {name for name, report in reports.items() if report.mypy} == typed
    assert {name for name, report in reports.items() if report.ruff} == unused
    for name in typed:
        [line] = reports[name].mypy
        assert line.startswith(f"src/{projects[name].name}/store.py:"), line
        assert "Incompatible return value type" in line and 'expected "Redis"' in line, line
    for name in unused:
        assert [line.split(": ", 1)[1] for line in reports[name].ruff] == [
            "F401 [*] `math` imported but unused"
        ]
