"""Names a person cannot tell apart are one name: ``schemas.Name``, the type of an item's name.

What looks the same is stored the same (Unicode's composed form, NFC), and a character nobody
can see, or one that changes how the text around it shows, is a 422 that names it by its code
point and never repeats it. The document's pattern says the same as the type.
"""

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic import ValidationError as Invalid

from {{ cookiecutter.project_slug }}.schemas import Name

from conftest import refused

DERANDOMIZE = bool(os.environ.get("CI"))
COMPOSED = "Caf\u00e9"
DECOMPOSED = "Cafe\u0301"  # e, and a combining acute accent
# Names with a character nobody sees, or one that changes how the text around it shows, and
# what the refusal says of it.
INVISIBLE = {
    "Tea\u200bpot": "U+200B ZERO WIDTH SPACE, a format character",
    "Teapot\u200b": "U+200B ZERO WIDTH SPACE, a format character",
    "\ufeffTeapot": "U+FEFF ZERO WIDTH NO-BREAK SPACE, a format character",
    "Tea\u00adpot": "U+00AD SOFT HYPHEN, a format character",
    "Tea\u2060pot": "U+2060 WORD JOINER, a format character",
    "\u202eTeapot": "U+202E RIGHT-TO-LEFT OVERRIDE, a format character",
    "\u2066Teapot\u2069": "U+2066 LEFT-TO-RIGHT ISOLATE, a format character",
    "Tea\tpot": "U+0009, a control character",
    "Tea\u2028pot": "U+2028 LINE SEPARATOR, a line separator",
    "Tea\u2029pot": "U+2029 PARAGRAPH SEPARATOR, a paragraph separator",
    "Tea\ue000pot": "U+E000, a private-use character",
    "Tea\u0378pot": "U+0378, an unassigned code point",
}
# Characters a test draws more often than among all of Unicode's.
TRICKY = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202e\u2066\u2069\u2028\u2029 \u00a0\u3000"


def escaped(name):
    return name.encode("unicode_escape").decode("ascii")


def test_a_name_is_kept_in_its_composed_form(client):
    response = client.post("/api/items", json={"name": DECOMPOSED})
    assert response.status_code == 201
    assert response.json["name"] == COMPOSED
{%- if cookiecutter.use_database %}
    assert client.get(response.headers["Location"]).json["name"] == COMPOSED


def test_a_name_composed_or_decomposed_is_one_name(client):
    assert client.post("/api/items", json={"name": COMPOSED}).status_code == 201
    response = client.post("/api/items", json={"name": DECOMPOSED})
    assert response.status_code == 409
    assert refused(response) == ["#/name: is taken"]
{%- endif %}


@pytest.mark.parametrize("name", INVISIBLE, ids=escaped)
def test_a_character_nobody_sees_is_a_422_naming_it(client, name):
    response = client.post("/api/items", json={"name": name})
    assert response.status_code == 422
    assert refused(response) == [f"#/name: may not contain {INVISIBLE[name]}"]
    assert not (set(name) - set("Teapot")) & set(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (" Teapot", "begin with U+0020 SPACE"),
        ("Teapot\u00a0", "end with U+00A0 NO-BREAK SPACE"),
        ("\u3000Teapot", "begin with U+3000 IDEOGRAPHIC SPACE"),
    ],
    ids=["space", "no-break-space", "ideographic-space"],
)
def test_a_space_at_either_end_is_a_422_naming_it(client, name, said):
    response = client.post("/api/items", json={"name": name})
    assert response.status_code == 422
    assert refused(response) == [f"#/name: may not {said}"]


def test_a_name_of_invisible_characters_only_is_a_422(client):
    response = client.post("/api/items", json={"name": "\u200b\u2060\ufeff"})
    assert response.status_code == 422
    assert refused(response) == [
        "#/name: may not contain U+200B ZERO WIDTH SPACE, a format character"
    ]


def test_the_documents_pattern_says_what_a_name_may_be(client):
    """A client, or a fuzzer, that reads the document knows which names the API takes."""
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    pattern = re.compile(schemas["ItemIn"]["properties"]["name"]["pattern"])
    names = TypeAdapter(Name)

    # Text that UTF-8, and so JSON, can carry: no lone surrogate, which the pattern leaves out.
    characters = st.sampled_from(TRICKY) | st.characters(codec="utf-8")

    @given(name=st.text(characters, min_size=1))
    @settings(derandomize=DERANDOMIZE)
    def check(name):
        try:
            names.validate_python(name, strict=True)
        except Invalid:
            taken = False
        else:
            taken = True
        # A full match, as ECMAScript reads the pattern: its $ is the end of the text, where
        # Python's is also before a final newline.
        assert bool(pattern.fullmatch(name)) == taken

    check()
