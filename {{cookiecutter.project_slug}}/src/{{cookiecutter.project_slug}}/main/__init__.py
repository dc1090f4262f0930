"""The {% if cookiecutter.error_format == "json" %}front door: a JSON index at ``/``{% else %}HTML pages{% endif %}."""

from .views import bp

__all__ = ["bp"]
