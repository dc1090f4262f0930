"""What the API takes and answers, declared once: ``openapi.body`` validates requests against
these models, and ``/openapi.json`` describes them.
{%- if cookiecutter.use_database %}

A value is what its column can hold: a string no longer than its column (``NAME_LENGTH`` is
``Item.name``'s), an integer within its column's width (``Int16``, ``Int32`` and ``Int64``), so
that a value the database would refuse is a 422 before any INSERT, on SQLite as on PostgreSQL;
``tests/test_openapi.py`` checks every ``...In`` schema against its model's columns.
{%- endif %}
"""

{% if cookiecutter.use_database -%}
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .models import NAME_LENGTH
{%- else -%}
from pydantic import BaseModel, ConfigDict, Field

NAME_LENGTH = 80
{%- endif %}
{%- if cookiecutter.use_database %}


def whole_number(value: object) -> object:
    """JSON's ``5.0`` as the integer 5: JSON Schema's ``integer`` is any number without a
    fraction. ``5.5`` stays a number, which an integer field refuses."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Integers as wide as their columns: give a field the type of its column (sa.SmallInteger,
# sa.Integer, sa.BigInteger). A wider value is a 422, not a database error. The limits come
# before the validator, so that the document shows them as JSON Schema's minimum and maximum.
Int16 = Annotated[int, Field(ge=-(2**15), le=2**15 - 1), BeforeValidator(whole_number)]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1), BeforeValidator(whole_number)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1), BeforeValidator(whole_number)]
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
