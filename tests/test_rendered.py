"""The suite's bakes render each template once per distinct set of the answers it reads
(``rendered.py``): what a template reads, and that nothing else is ever served from memory."""

import jinja2
import pytest
from cookiecutter.environment import StrictEnvironment

from conftest import CompiledTemplates
from rendered import EVERY_ANSWER, RenderedOnce, reads


def environment() -> StrictEnvironment:
    """An environment as cookiecutter makes one for a bake, its default extensions included."""
    return StrictEnvironment(context={"cookiecutter": {}}, keep_trailing_newline=True)


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ("no answer at all", frozenset()),
        ("{{ cookiecutter.project_slug }}/{{ cookiecutter['layout'] }}", {"project_slug", "layout"}),
        (
            "{% if cookiecutter.use_redis %}{{ cookiecutter.project_slug | upper }}{% endif %}",
            {"use_redis", "project_slug"},
        ),
        ("{% for name in ['a', 'b'] %}{{ name }}{{ loop.index }}{% endfor %}", frozenset()),
        ("{{ cookiecutter | jsonify }}", EVERY_ANSWER),
        ("{% for key in cookiecutter %}{{ key }}{% endfor %}", EVERY_ANSWER),
        ("{{ cookiecutter[cookiecutter.which] }}", EVERY_ANSWER),
        ("{% now 'utc', '%Y' %}", False),
        ("{{ random_ascii_string(8) }}", False),
        ("{{ uuid4() }}", False),
        ("{{ lipsum(1) }}", False),
        ("{{ [1, 2] | random }}", False),
        ("{% if cookiecutter.project_slug is string %}yes{% endif %}", {"project_slug"}),
        ("{% include 'other.txt' %}", False),
        ("{{ _cookiecutter.project_slug }}", False),
    ],
)  # fmt: skip
def test_what_a_template_reads_is_found_in_its_syntax_tree(source, read):
    made = environment()
    assert reads(made.parse(source), made) == (frozenset(read) if isinstance(read, set) else read)


def test_a_text_is_rendered_once_per_distinct_value_of_what_it_reads():
    memory = RenderedOnce(CompiledTemplates.settings)
    source = "{{ cookiecutter.project_slug }}{% if cookiecutter.use_redis %}+redis{% endif %}"
    texts = []
    for use_redis, use_sentry in [(True, True), (True, False), (False, True), (True, True)]:
        answers = {"project_slug": "shop", "use_redis": use_redis, "use_sentry": use_sentry}
        made = environment()
        memory.take(made)
        texts.append(made.from_string(source).render(cookiecutter=answers))
    assert texts == ["shop+redis", "shop+redis", "shop", "shop+redis"]
    assert (memory.rendered_anew, memory.reused) == (2, 2)  # use_sentry is not read


def test_a_template_that_reads_more_than_the_answers_is_rendered_anew_every_time():
    memory = RenderedOnce(CompiledTemplates.settings)
    texts = set()
    for _ in range(3):
        made = environment()
        memory.take(made)
        texts.add(made.from_string("{{ random_ascii_string(16) }}").render(cookiecutter={}))
    assert len(texts) == 3 and (memory.rendered_anew, memory.reused) == (0, 0)


def test_an_edited_template_is_never_served_the_text_of_the_one_before(tmp_path):
    memory = RenderedOnce(CompiledTemplates.settings)
    template = tmp_path / "README.md"
    texts = []
    for text in ["# {{ cookiecutter.project_name }}\n", "## {{ cookiecutter.project_name }}\n"]:
        template.write_text(text, encoding="utf-8")
        made = environment()
        made.loader = jinja2.FileSystemLoader(str(tmp_path))
        memory.take(made)
        texts.append(made.get_template("README.md").render(cookiecutter={"project_name": "Shop"}))
    assert texts == ["# Shop\n", "## Shop\n"]


def test_a_missing_answer_fails_as_it_would_without_the_memory():
    made = environment()
    RenderedOnce(CompiledTemplates.settings).take(made)
    with pytest.raises(Exception, match="has no attribute 'use_redis'"):
        made.from_string("{{ cookiecutter.use_redis }}").render(cookiecutter={"project_slug": "shop"})
