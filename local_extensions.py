"""Jinja filters for ``cookiecutter.json``, which lists them in ``_extensions``.

Cookiecutter (and cruft) put the template's directory on ``sys.path`` while they render it, so this
module is imported from here. ``slug`` derives the default ``project_slug`` with the pre-generation
hook's own ``default_slug``, so a default answer always passes the hook's checks.
"""

import importlib.util
from pathlib import Path

from cookiecutter.utils import simple_filter


def _load_pre_gen_hook():
    path = Path(__file__).resolve().parent / "hooks" / "pre_gen_project.py"
    spec = importlib.util.spec_from_file_location("pre_gen_project", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_pre_gen_hook = _load_pre_gen_hook()


@simple_filter
def slug(name: str) -> str:
    """``{{ cookiecutter.project_name | slug }}``: a valid package name for any project name."""
    return _pre_gen_hook.default_slug(name)
