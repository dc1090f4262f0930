"""Each template rendered once per distinct set of the answers it reads, in the suite's bakes.

Most combinations render most files identically: a view reads two or three of the answers, a test
file one or none. So a template's text is rendered once for each distinct value of what it reads,
and every later bake whose answers agree there takes that text (cookiecutter still walks the
template, writes each file with its newline and mode, and runs the hooks, as in any bake).

What a template reads is found in its syntax tree, and a template is only taken from memory when
that tree shows all of it: the answers (``cookiecutter.<name>`` or ``cookiecutter["<name>"]``; any
other use of ``cookiecutter``, a loop over it say, reads all of it), Jinja's own filters (but
``random``) and tests and cookiecutter's ``jsonify`` and ``slugify``, which give the same text for
the same input. A
template that reads anything else (a global such as ``random_ascii_string``, ``uuid4`` or
``lipsum``, an extension's tag such as ``{% now %}``, the ``random`` filter, another template
through ``include`` or ``import``) is rendered anew in every bake. A template's text and the
environment's compile settings are part of the key, so an edited template, or a copy of the
template with a seeded defect, is never served another's text.
"""

import functools
import json
import typing

import jinja2
from jinja2 import meta, nodes

# Filters that give the same text for the same input: Jinja's own but ``random``, and the two that
# cookiecutter's default extensions add.
PURE_FILTERS = (set(jinja2.filters.FILTERS) - {"random"}) | {"jsonify", "slugify"}
# Jinja's globals that give the same result for the same input (``lipsum`` is random).
PURE_GLOBALS = {"range", "dict", "cycler", "joiner", "namespace"}
# The context's answers: a template may name them and the names it binds itself (loops, ``set``,
# macros), which are not free, and so not in jinja2.meta's answer.
CONTEXT = "cookiecutter"
# Nodes whose output depends on more than the answers: another template, an extension's own code.
OPAQUE_NODES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.ExtensionAttribute)
EVERY_ANSWER = None  # what a template reads when it uses ``cookiecutter`` as a whole


def reads(tree: nodes.Template, environment: jinja2.Environment) -> frozenset[str] | None | bool:
    """The answers ``tree`` reads: their names, ``EVERY_ANSWER`` when it uses the answers as a whole,
    or False when its text depends on more than the answers (render it anew every time)."""
    if meta.find_undeclared_variables(tree) - {CONTEXT}:  # what the context would have to hold
        return False
    named = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load"}
    if named & (set(environment.globals) - PURE_GLOBALS):  # the environment's own, such as uuid4()
        return False
    if any(True for _ in tree.find_all(OPAQUE_NODES)):
        return False
    if any(node.name not in PURE_FILTERS for node in tree.find_all(nodes.Filter)):
        return False
    if any(node.name not in jinja2.tests.TESTS for node in tree.find_all(nodes.Test)):
        return False  # an extension's test: its own code
    names: set[str] = set()
    whole = False
    parents = {id(child): node for node in tree.find_all(nodes.Node) for child in node.iter_child_nodes()}
    for node in tree.find_all(nodes.Name):
        if node.name != CONTEXT or node.ctx != "load":
            continue
        parent = parents.get(id(node))
        if isinstance(parent, nodes.Getattr) and parent.node is node:
            names.add(parent.attr)
        elif (
            isinstance(parent, nodes.Getitem)
            and parent.node is node
            and isinstance(parent.arg, nodes.Const)
            and isinstance(parent.arg.value, str)
        ):
            names.add(parent.arg.value)
        else:
            whole = True
    return EVERY_ANSWER if whole else frozenset(names)


# Answers a key can hold as they are: equal only when of one type (True and 1 are not one answer).
PLAIN = (str, bool, int, float, type(None))


class Known:
    """A template's source and the answers it reads (``reads``): one object per source of a file
    or string, so that a text rendered from it is never served for another source."""

    def __init__(self, source: str, read: frozenset[str] | None | bool) -> None:
        self.source, self.read = source, read
        self.names = None if read is EVERY_ANSWER or read is False else sorted(read)


class Rendered:
    """A template's render, taken from ``RenderedOnce`` when its answers were rendered before."""

    def __init__(self, memory: "RenderedOnce", known: Known, load) -> None:
        self.memory, self.known, self.load = memory, known, load

    def render(self, *args: typing.Any, **kwargs: typing.Any) -> str:
        context = dict(*args, **kwargs)
        answers = context.get(CONTEXT)
        if set(context) - {CONTEXT, "_cookiecutter"} or not isinstance(answers, dict):
            return self.load().render(context)  # more than the answers in the context: as it is
        names = self.known.names
        if names is None:  # the answers as a whole
            try:
                values: typing.Any = json.dumps(answers, sort_keys=True)
            except TypeError:  # not JSON: as it is
                return self.load().render(context)
        elif not all(name in answers for name in names):
            return self.load().render(context)  # an answer missing: the render raises as it would
        else:
            values = tuple(answers[name] for name in names)
            if all(type(value) in PLAIN for value in values):
                values = tuple((type(value), value) for value in values)
            else:
                values = json.dumps(values, sort_keys=True, default=repr)
        key = (self.known, values)
        texts = self.memory.texts
        if key not in texts:
            texts[key] = self.load().render(context)
            self.memory.rendered_anew += 1
        else:
            self.memory.reused += 1
        return texts[key]


class RenderedOnce:
    """The memory of the renders of this process's bakes (``take``: an environment of a bake).

    ``rendered_anew`` and ``reused`` count the renders done and those taken from memory."""

    def __init__(self, settings: typing.Callable[[jinja2.Environment], tuple]) -> None:
        self.settings = settings
        # A template's source and the compile settings: the same text in two files (a template's
        # copy, as cruft clones it) is one template, whose renders serve both.
        self.known: dict[tuple, Known] = {}
        self.texts: dict[tuple, str] = {}
        self.rendered_anew = self.reused = 0

    def known_as(self, source: str, settings: tuple, environment: jinja2.Environment) -> Known:
        known = self.known.get((source, settings))
        if known is None:
            try:
                read = reads(environment.parse(source), environment)
            except jinja2.TemplateSyntaxError:
                read = False  # Jinja raises it where it would
            known = self.known[source, settings] = Known(source, read)
        return known

    def take(self, environment: jinja2.Environment) -> None:
        """Serve the renders of ``environment``'s templates (files and strings) from memory."""
        get_template, from_string = environment.get_template, environment.from_string
        settings = functools.cache(lambda: self.settings(environment))  # once it is made

        def file(name, *args, **kwargs):
            loader = environment.loader
            if args or kwargs or not isinstance(name, str) or loader is None:
                return get_template(name, *args, **kwargs)
            try:
                source, _, _ = loader.get_source(environment, name)
            except jinja2.TemplateNotFound:
                return get_template(name)
            known = self.known_as(source, settings(), environment)
            if known.read is False:
                return get_template(name)
            return Rendered(self, known, lambda: get_template(name))

        def string(source, *args, **kwargs):
            if args or kwargs or not isinstance(source, str):
                return from_string(source, *args, **kwargs)
            known = self.known_as(source, settings(), environment)
            if known.read is False:
                return from_string(source)
            return Rendered(self, known, lambda: from_string(source))

        environment.get_template, environment.from_string = file, string
