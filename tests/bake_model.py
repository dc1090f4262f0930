"""A bake without cookiecutter's per-file pipeline, for the suite's shared bakes (``Bakes``).

cookiecutter's ``generate_files`` walks the template, sniffs each file for binary content and its
newline, renders each path and text, writes it, copies its mode, then renders each hook into a
temporary file and runs that as a script. Most of a bake's time went there, and it is the same
work for every bake. ``BakeModel.generate_files`` takes its place in ``cookiecutter.main``: the
answers, the replay and the project directory are still cookiecutter's, and so is every render
(through the environment cookiecutter makes, so ``rendered.py``'s memory serves it); what the
template holds (the walk, each file's binary guess, newline, mode, bytes and text) is read once per
version of the template, Jinja's loader taking each text from there, and each file is written with
one ``open``; and a hook is run as its module's code, compiled once, and its
``__main__`` block, the only part cookiecutter's rendering changes, rendered and run per bake.

Whatever the model does not know it leaves to cookiecutter: options other than a plain bake, a
``_new_lines`` setting, a directory copied without rendering, a hook that is not a module with
its templated part in its ``__main__`` block; and a bake that fails (a template that does not
render, a hook that fails, two directories of one name) is made again by cookiecutter, from the
start, which fails as it fails and says why.
``tests/test_bake_model.py`` holds its bakes to cookiecutter's, file by file (bytes and modes) and
directory by directory: on the covering array in the quick loop, on every combination in the whole
run.
"""

import ast
import contextlib
import dataclasses
import functools
import json
import os
import posixpath
import shutil
import stat
import typing
from pathlib import Path

import cookiecutter.generate
import cookiecutter.hooks
from cookiecutter.exceptions import FailedHookException
from cookiecutter.find import find_template
from cookiecutter.utils import work_in
from jinja2 import FileSystemLoader
from jinja2.loaders import split_template_path


@dataclasses.dataclass(frozen=True)
class File:
    """A file of the template: its path as cookiecutter walks it (a template of the output path)
    and, read once, what cookiecutter reads of it in every bake."""

    path: str
    mode: int
    copied: bool  # matched by ``_copy_without_render``: copied as it is
    binary: bool
    newline: str | None
    content: bytes
    # The text Jinja's FileSystemLoader reads from it (UTF-8, universal newlines), None where it is
    # not rendered or is not UTF-8 (the loader reads it then, and fails as it fails); and the
    # modification time the loader's ``uptodate`` compares.
    source: str | None
    mtime: float


@dataclasses.dataclass(frozen=True)
class Hook:
    """A Python hook in two parts: its module's code, which the answers do not change (compiled
    once), and its ``__main__`` block, a template of the answers (rendered and run per bake)."""

    path: str
    module: typing.Any  # a code object
    main: str

    @classmethod
    def read(cls, path: str) -> "Hook | None":
        """The hook at ``path`` in two parts, or None where its templated part is not its
        ``__main__`` block alone (cookiecutter then runs it)."""
        source = Path(path).read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return None
        last = tree.body[-1] if tree.body else None
        if not (isinstance(last, ast.If) and ast.unparse(last.test) == "__name__ == '__main__'"):
            return None
        lines = source.splitlines(keepends=True)
        module, main = "".join(lines[: last.lineno - 1]), "".join(lines[last.lineno - 1 :])
        if "{{" in module or "{%" in module or "{#" in module:
            return None
        return cls(path, compile(module, path, "exec"), main)

    def run(self, environment, context: dict, cwd: str) -> None:
        """Run the hook in ``cwd`` as the suite's runner does (``as_a_hook``)."""
        namespace = {"__name__": "__main__", "__file__": self.path}
        main = environment.from_string(self.main).render(**context)
        with contextlib.chdir(cwd), as_a_hook():
            exec(self.module, namespace)  # noqa: S102 - the template's own hook
            exec(compiled(main, self.path), namespace)  # noqa: S102


@functools.cache
def compiled(source: str, path: str) -> typing.Any:
    """A hook's rendered ``__main__`` block, compiled once per text (a few per template)."""
    return compile(source, path, "exec")


@contextlib.contextmanager
def as_a_hook() -> typing.Iterator[None]:
    """A hook run in this process ends as cookiecutter's runner has a hook's process end: an exit
    status other than 0 fails the bake."""
    try:
        yield
    except SystemExit as exit:
        if exit.code not in (None, 0):
            raise FailedHookException(f"Hook script failed (exit status: {exit.code})") from None


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a template directory holds, in cookiecutter's walk order: ``("dir", path)`` and
    ``("file", File)`` steps (paths relative to the template directory, still templates)."""

    steps: tuple
    copied_dirs: bool  # a directory cookiecutter copies without rendering: left to cookiecutter


def signature(template_dir: str) -> tuple:
    """Each file and directory under ``template_dir`` with its size and modification time: a new
    version of a file (a seeded defect, say) is a new signature."""
    found: list = []
    directories = [template_dir]
    while directories:
        with os.scandir(directories.pop()) as entries:
            for entry in entries:
                status = entry.stat()
                found.append((entry.path, status.st_size, status.st_mtime_ns))
                if entry.is_dir(follow_symlinks=False):  # as os.walk, which cookiecutter's walk is
                    directories.append(entry.path)
    return tuple(found)


class PlannedLoader(FileSystemLoader):
    """cookiecutter's loader (``FileSystemLoader([".", "../templates"])`` in the template
    directory), which takes a planned file's text from the plan instead of reading it again."""

    def __init__(self, plan: "Plan") -> None:
        super().__init__([".", "../templates"])
        self.planned = {
            step.path.replace(os.path.sep, "/"): step
            for kind, step in plan.steps
            if kind == "file" and step.source is not None
        }

    def get_source(self, environment, template):
        step = self.planned.get(template)
        if step is None:
            return super().get_source(environment, template)
        filename = os.path.normpath(posixpath.join(".", *split_template_path(template)))

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == step.mtime
            except OSError:
                return False

        return step.source, filename, uptodate


class BakeModel:
    """``generate_files`` for ``cookiecutter.main``, and its memory of templates and hooks."""

    def __init__(self) -> None:
        self.plans: dict[tuple, Plan] = {}
        self.hooks: dict[tuple, Hook | None] = {}
        self.modelled = self.declined = 0

    def plan(self, template_dir: str, context: dict) -> Plan:
        """What ``template_dir`` holds, read once per version of it and of ``_copy_without_render``."""
        copied = json.dumps(context["cookiecutter"].get("_copy_without_render"))
        key = (os.path.abspath(template_dir), copied, signature(template_dir))
        if key not in self.plans:
            self.plans[key] = self.read_plan(template_dir, context)
        return self.plans[key]

    @staticmethod
    def read_plan(template_dir: str, context: dict) -> Plan:
        steps: list = []
        copied_dirs = False
        copy_only = cookiecutter.generate.is_copy_only_path
        with work_in(template_dir):
            for root, dirs, files in os.walk("."):
                dirs.sort()
                if any(copy_only(os.path.normpath(os.path.join(root, d)), context) for d in dirs):
                    copied_dirs = True
                steps += [("dir", os.path.join(root, d)) for d in dirs]
                for name in sorted(files):
                    path = os.path.normpath(os.path.join(root, name))
                    content = Path(path).read_bytes()
                    binary = cookiecutter.generate.is_binary(path)
                    newline = source = None
                    if not binary:
                        with open(path, encoding="utf-8") as read:
                            read.readline()
                        newline = read.newlines[0] if isinstance(read.newlines, tuple) else read.newlines
                    status, copied = os.stat(path), copy_only(path, context)
                    if not (binary or copied):
                        with contextlib.suppress(UnicodeDecodeError), open(path, encoding="utf-8") as read:
                            source = read.read()
                    mode, mtime = status.st_mode, status.st_mtime
                    steps.append(("file", File(path, mode, copied, binary, newline, content, source, mtime)))
        return Plan(tuple(steps), copied_dirs)

    def hook(self, repo_dir: str, name: str) -> Hook | None | bool:
        """The hook ``name`` of ``repo_dir``: False if it has none, None if cookiecutter must run it."""
        with work_in(repo_dir):
            scripts = cookiecutter.hooks.find_hook(name)
            if not scripts:
                return False
            if len(scripts) != 1 or not scripts[0].endswith(".py"):
                return None
            path = os.path.abspath(scripts[0])
        status = os.stat(path)
        key = (path, status.st_size, status.st_mtime_ns)
        if key not in self.hooks:
            self.hooks[key] = Hook.read(path)
        return self.hooks[key]

    def generate_files(
        self,
        repo_dir,
        context=None,
        output_dir=".",
        overwrite_if_exists=False,
        skip_if_file_exists=False,
        accept_hooks=True,
        keep_project_on_failure=False,
    ) -> str:
        """cookiecutter's ``generate_files``, modelled where it is a plain bake, else its own."""

        def cookiecutters() -> str:
            self.declined += 1
            return cookiecutter.generate.generate_files(
                repo_dir, context, output_dir, overwrite_if_exists, skip_if_file_exists,
                accept_hooks, keep_project_on_failure,
            )  # fmt: skip

        if overwrite_if_exists or skip_if_file_exists or not accept_hooks or keep_project_on_failure:
            return cookiecutters()
        if not context or context["cookiecutter"].get("_new_lines"):
            return cookiecutters()
        hooks = {name: self.hook(repo_dir, name) for name in ("pre_gen_project", "post_gen_project")}
        if any(hook is None for hook in hooks.values()):
            return cookiecutters()
        environment = cookiecutter.generate.create_env_with_context(context)
        template_dir = os.fspath(find_template(repo_dir, environment))
        plan = self.plan(template_dir, context)
        if plan.copied_dirs:
            return cookiecutters()
        project_dir = None
        try:
            made, _ = cookiecutter.generate.render_and_create_dir(
                os.path.split(template_dir)[1], context, output_dir, environment
            )
            project_dir = os.path.abspath(made)
            if hooks["pre_gen_project"]:
                hooks["pre_gen_project"].run(environment, context, project_dir)
            with work_in(template_dir):
                environment.loader = PlannedLoader(plan)
                self.write(plan, environment, context, project_dir)
            if hooks["post_gen_project"]:
                hooks["post_gen_project"].run(environment, context, project_dir)
        except Exception:  # noqa: BLE001 - cookiecutter's own run fails as it fails, saying why
            if project_dir is not None:
                shutil.rmtree(project_dir)
            return cookiecutters()
        self.modelled += 1
        return project_dir

    @staticmethod
    def write(plan: Plan, environment, context: dict, project_dir: str) -> None:
        """The template's directories and files, rendered into ``project_dir`` as cookiecutter
        writes them (``generate_files`` and ``generate_file``)."""
        for kind, step in plan.steps:
            if kind == "dir":
                path = environment.from_string(os.path.join(project_dir, step)).render(**context)
                if os.path.exists(path):  # two directories of one name: cookiecutter refuses it
                    raise FileExistsError(path)
                os.makedirs(path)
                continue
            outfile = os.path.join(project_dir, environment.from_string(step.path).render(**context))
            if step.copied:
                content = step.content
            elif os.path.isdir(outfile):  # the name rendered empty: no file
                continue
            elif step.binary:
                content = step.content
            else:
                text = environment.get_template(step.path.replace(os.path.sep, "/")).render(**context)
                content = encoded(text, step.newline)
            write_file(outfile, content, stat.S_IMODE(step.mode))


def encoded(text: str, newline: str | None) -> bytes:
    """``text`` as ``open(..., "w", encoding="utf-8", newline=newline)`` writes it."""
    if newline is None:
        newline = os.linesep
    if newline not in ("", "\n"):
        text = text.replace("\n", newline)
    return text.encode("utf-8")


def write_file(path: str, content: bytes, mode: int) -> None:
    """``content`` into the file at ``path``, made or emptied first, with the permission bits
    ``mode``: what cookiecutter leaves (the file written, then the template file's mode copied)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)
