"""What the API takes and answers, declared once: ``openapi.body`` validates requests against
these models, and ``/openapi.json`` describes them.

A name is a ``Name``: what looks the same is the same name (``Café`` typed as one character or as
``e`` and an accent), and what nobody can see (a zero-width space, a byte order mark, a bidi
override) is a 422 naming the character.
{%- if cookiecutter.use_database %}

A value is what its column can hold: a string no longer than its column (``NAME_LENGTH`` is
``Item.name``'s), an integer within its column's width (``Int16``, ``Int32`` and ``Int64``), so
that a value the database would refuse is a 422 before any INSERT, on SQLite as on PostgreSQL;
``tests/test_openapi.py`` checks every ``...In`` schema against its model's columns.
{%- endif %}
"""

import functools
import itertools
import sys
import unicodedata
from collections.abc import Container, Iterable
from typing import Annotated, Any

{% if cookiecutter.use_database -%}
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from .models import NAME_LENGTH
{%- else -%}
from pydantic import BaseModel, ConfigDict, Field, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

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

# What a name may not contain, by Unicode category: characters nobody sees, or that change how
# the text around them shows. Two names a person cannot tell apart are then one name.
INVISIBLE = {
    "Cc": "a control character",
    "Cf": "a format character",  # zero-width spaces and joiners, the BOM, bidi overrides
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
    "Cs": "a surrogate",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
# Nor may it begin or end with a space{% if cookiecutter.use_database %} (the database keeps names trimmed){% endif %}.
SPACE = "Zs"


def code_point(character: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named in a message, never shown in it."""
    return f"U+{ord(character):04X} {unicodedata.name(character, '')}".rstrip()


def visible_name(value: object, handler: ValidatorFunctionWrapHandler) -> str:
    """The name in Unicode's composed form (NFC), if it has only characters a person can see and
    no space at either end. Its length is checked as sent, as the document says, and once
    composed, as it is stored."""
    name = unicodedata.normalize("NFC", handler(value))
    for character in name:
        if kind := INVISIBLE.get(unicodedata.category(character)):
            raise PydanticCustomError(
                "invisible_character",
                "may not contain {character}, {kind}",
                {"character": code_point(character), "kind": kind},
            )
    for end, character in (("begin", name[0]), ("end", name[-1])):
        if unicodedata.category(character) == SPACE:
            raise PydanticCustomError(
                "space_at_either_end",
                "may not {end} with {character}",
                {"end": end, "character": code_point(character)},
            )
    handler(name)
    return name


def character_class(wanted: Container[str], categories: Iterable[str]) -> str:
    """The characters whose Unicode category (``categories``, one per code point from U+0000) is
    ``wanted``, as the inside of a regular expression's ``[...]``: ranges, written so that
    ECMAScript (JSON Schema's dialect, with its ``u`` flag), Python and Rust read them alike
    (``\\uXXXX`` up to U+FFFF, the character itself beyond)."""

    def written(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    ranges: list[str] = []
    start = 0
    for inside, run in itertools.groupby(map(wanted.__contains__, categories)):
        end = start + len(list(run)) - 1
        if inside:
            ranges.append(written(start) if start == end else f"{written(start)}-{written(end)}")
        start = end + 1
    return "".join(ranges)


@functools.cache
def visible_name_pattern() -> str:
    """``visible_name``'s rule as JSON Schema's ``pattern``, for the document and the clients and
    fuzzers that read it: one lookahead per rule (ECMAScript's, as JSON Schema's dialect has
    them; RE2 and Go's engine do not). It is drawn from the same Unicode database, Python's, so
    the two agree (a newer Python knows more characters, and its document says so). Surrogates
    are left out: JSON text cannot carry one alone (the body's parser answers a 400), and Rust's
    regular expressions cannot name one."""
    # Every code point's category, read once for both classes (a million lookups).
    categories = list(map(unicodedata.category, map(chr, range(sys.maxunicode + 1))))
    invisible = character_class(INVISIBLE.keys() - {"Cs"}, categories)
    space = character_class({SPACE}, categories)
    return f"^(?!.*[{invisible}])(?![{space}])(?!.*[{space}]$).+$"


def with_visible_name_pattern(schema: dict[str, Any]) -> None:
    schema["pattern"] = visible_name_pattern()


# A name people read and type: give every name, code or other identifier this type, with
{%- if cookiecutter.use_database %} the
# length of its column{% else %} its
# length{% endif %}, ``name: Name = Field(max_length=NAME_LENGTH)``.
Name = Annotated[
    str,
    Field(
        min_length=1,
        description="Characters a person can see, with no space at either end; kept in "
        "Unicode's composed form (NFC).",
        json_schema_extra=with_visible_name_pattern,
    ),
    WrapValidator(visible_name),
]


class ItemIn(BaseModel):
    name: Name = Field(max_length=NAME_LENGTH)


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
