"""The JSON API, registered under ``API_PREFIX``."""

from .views import bp

__all__ = ["bp"]
