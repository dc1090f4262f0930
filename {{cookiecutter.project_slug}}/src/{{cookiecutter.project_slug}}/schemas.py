"""What the API takes and answers, declared once: ``openapi.body`` validates requests against
these models, and ``/openapi.json`` describes them.
{%- if cookiecutter.use_database %}

A string is no longer than its column (``NAME_LENGTH`` is ``Item.name``'s), so a value the
database would refuse is a 422 before any INSERT, on SQLite as on PostgreSQL;
``tests/test_openapi.py`` checks every ``...In`` schema against its model's columns.
{%- endif %}
"""

from pydantic import BaseModel, ConfigDict, Field
{%- if cookiecutter.use_database %}

from .models import NAME_LENGTH
{%- else %}

NAME_LENGTH = 80
{%- endif %}

# Text without control characters: give every string field this pattern, or a stricter one.
{%- if cookiecutter.use_database %}
# PostgreSQL refuses a NUL in a text column: without the pattern, a 500 instead of a 422.
{%- endif %}
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"
# The same, and no space at either end{% if cookiecutter.use_database %} (the database keeps names trimmed){% endif %}.
NAME_PATTERN = r"^[^ \x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\x9f])?$"


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=NAME_LENGTH, pattern=NAME_PATTERN)


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
{%- if cookiecutter.error_format == "json" %}


class Index(BaseModel):
    service: str
    links: dict[str, str]
{%- endif %}


class Health(BaseModel):
    status: str
{%- if cookiecutter.use_database %}


class Readiness(BaseModel):
    status: str
{%- endif %}
