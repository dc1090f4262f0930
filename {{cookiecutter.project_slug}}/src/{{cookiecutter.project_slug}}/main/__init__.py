"""The HTML pages."""

from .views import bp

__all__ = ["bp"]
