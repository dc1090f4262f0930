"""All of the service's views; ``init_app`` registers them on the app."""

from flask import Flask, abort, {% if cookiecutter.error_format != "json" %}render_template, {% endif %}request

from .errors import ValidationError

# An example catalogue; a real service would read from its store.
ITEMS = {1: {"id": 1, "name": "Teapot"}, 2: {"id": 2, "name": "Kettle"}}
{%- if cookiecutter.error_format != "json" %}


def index() -> str:
    return render_template("index.html")
{%- endif %}


def get_item(item_id: int) -> dict:
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


def create_item() -> tuple[dict, int]:
    # Malformed JSON is a 400 and another content type a 415; Flask raises both for us.
    data = request.get_json()
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"#/name": "must be a non-empty string"})
    # An example: a real service would store the item here.
    return {"id": max(ITEMS) + 1, "name": name.strip()}, 201


def init_app(app: Flask) -> None:
    api = app.config["API_PREFIX"]
{%- if cookiecutter.error_format != "json" %}
    app.add_url_rule("/", view_func=index)
{%- endif %}
    app.add_url_rule(f"{api}/items/<int:item_id>", view_func=get_item)
    app.add_url_rule(f"{api}/items", view_func=create_item, methods=["POST"])
