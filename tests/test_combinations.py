"""The covering array on which each project's own suite runs: every pair of answer values (or every
triple, with ``--strength 3``) in at least one combination, and the combinations teams use most.

The defects a pairwise run is meant to catch live in one answer or in two answers together. Each
``SEEDED_DEFECTS`` entry is such a defect, named by the answers that bring it out; the array must
hold a combination that brings each one out. A defect that needs three answers together (``html``,
``single_module`` and no database, say) may be missed by the pairwise run: the static checks that
run on every combination (file set, residue, ruff, mypy, the deploy files) catch what shows in the
files, and the weekly ``--all-combinations`` run catches the rest.
"""

import pytest

from conftest import (
    ALL_OFF,
    ALL_ON,
    COMBINATIONS,
    DEFAULTS,
    OPTIONS,
    covering_array,
    expensive_combinations,
    uncovered,
)

# answers that together bring a defect out -> what the defect would be
SEEDED_DEFECTS = {
    (
        ("use_email_logging", True),
        ("use_file_logging", False),
    ): "a module that breaks with email and no log file",
    (
        ("error_format", "json"),
        ("layout", "single_module"),
    ): "a template branch taken only by json + single_module",
    (
        ("error_format", "html"),
        ("use_database", True),
    ): "an item view that renders a page for a database error",
    (("layout", "blueprints"), ("use_sentry", True)): "a blueprint registered before Sentry's integration",
    (("use_database", False), ("use_sentry", True)): "a reporter that imports the database module",
    (("error_format", "both"),): "negotiation alone",
}
DATABASE_OPTIONS = {name: values for name, values in OPTIONS.items() if name != "use_database"}


@pytest.mark.parametrize("strength", [2, 3])
def test_the_array_holds_every_set_of_answer_values_of_its_strength(strength):
    rows = expensive_combinations(strength)
    assert uncovered(rows, OPTIONS, strength) == []
    assert all(row in COMBINATIONS for row in rows)


@pytest.mark.parametrize("strength", [2, 3])
def test_the_postgresql_array_holds_every_set_of_answer_values_among_database_combinations(strength):
    rows = expensive_combinations(strength, database=True)
    assert all(row["use_database"] for row in rows)
    assert uncovered(rows, DATABASE_OPTIONS, strength) == []


@pytest.mark.parametrize("database", [False, True])
def test_the_array_always_holds_the_defaults_all_on_and_all_off(database):
    rows = expensive_combinations(2, database=database)
    fixed = {"use_database": True} if database else {}
    for preset in (DEFAULTS, ALL_ON, ALL_OFF):
        assert {**preset, **fixed} in rows


@pytest.mark.parametrize("database", [False, True])
def test_the_pairwise_array_is_under_a_fifth_of_every_combination(database):
    assert (
        len(expensive_combinations(2, database=database))
        < len(expensive_combinations(None, database=database)) / 5
    )


def test_every_combination_is_one_flag_away():
    assert expensive_combinations(None) == COMBINATIONS
    assert expensive_combinations(None, database=True) == [a for a in COMBINATIONS if a["use_database"]]


def test_a_strength_of_every_option_is_every_combination():
    assert expensive_combinations(len(OPTIONS)) == COMBINATIONS


def test_one_more_yes_no_answer_costs_at_most_a_quarter_more():
    rows = expensive_combinations(2)
    presets = [{**preset, "one_more": True} for preset in (DEFAULTS, ALL_ON, ALL_OFF)]
    more = covering_array({**OPTIONS, "one_more": [True, False]}, 2, presets)
    assert uncovered(more, {**OPTIONS, "one_more": [True, False]}, 2) == []
    assert len(more) <= 1.25 * len(rows)


@pytest.mark.parametrize("answers", list(SEEDED_DEFECTS), ids=list(SEEDED_DEFECTS.values()))
def test_the_pairwise_array_brings_out_each_seeded_defect(answers):
    assert any(all(row[name] == value for name, value in answers) for row in expensive_combinations(2))


def test_the_coverage_check_finds_a_missing_pair():
    """``uncovered`` is what the tests above rely on: it names a pair that no row holds."""
    rows = [a for a in expensive_combinations(None) if not (a["error_format"] == "json" and a["use_sentry"])]
    assert uncovered(rows, OPTIONS, 2) == [{"error_format": "json", "use_sentry": True}]
