"""All of the service's views; ``init_app`` registers them on the app."""

from typing import Any
{% if cookiecutter.use_database %}
from flask import Flask, abort, {% if cookiecutter.error_format == "json" %}current_app, {% else %}render_template, {% endif %}url_for

from .database import db, in_transaction
from .models import ID_MAX, Item
from .openapi import body, operation
from .problems import DATABASE_UNAVAILABLE, REFERRED_TO, TAKEN
from .schemas import {% if cookiecutter.error_format == "json" %}Index, {% endif %}ItemIn, ItemOut
{%- else %}
from flask import Flask, abort{% if cookiecutter.error_format == "json" %}, current_app, url_for{% else %}, render_template{% endif %}

from .openapi import body, operation
from .schemas import {% if cookiecutter.error_format == "json" %}Index, {% endif %}ItemIn, ItemOut

# An example catalogue; a real service would read from its store.
ITEMS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "Teapot"},
    2: {"id": 2, "name": "Kettle"},
}
{%- endif %}
{%- if cookiecutter.error_format == "json" %}


@operation("The service's name and links to its resources", response=Index)
def index() -> dict[str, object]:
    """The service's name and where its resources are, for a client that starts at the root."""
    return {
        "service": current_app.name,
        "links": {
            "items": url_for("create_item"),
            "health": url_for("healthz"),
{%- if cookiecutter.use_database %}
            "readiness": url_for("readyz"),
{%- endif %}
            "openapi": url_for("openapi_document"),
            "docs": url_for("docs.page"),
            "problems": url_for("problems.catalogue"),
        },
    }
{%- else %}


@operation("The index page", media_type="text/html")
def index() -> str:
    return render_template("index.html")
{%- endif %}
{%- if cookiecutter.use_database %}


@operation("An item", response=ItemOut, errors=(DATABASE_UNAVAILABLE,))
def get_item(item_id: int) -> dict[str, Any]:
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return ItemOut.model_validate(item).model_dump()


def add_item(name: str) -> dict[str, Any]:
    item = Item(name=name)
    db.session.add(item)
    # The INSERT, which gives the item its id: the answer is made in the transaction, so the
    # commit is the request's last call to the database (no read of the row after it).
    db.session.flush()
    return ItemOut.model_validate(item).model_dump()


@operation(
    "Create an item",
    response=ItemOut,
    status=201,
    headers={"Location": "The new item's URL."},
    errors=(TAKEN, DATABASE_UNAVAILABLE),
    links={"item": {"operationId": "get_item", "parameters": {"item_id": "$response.body#/id"}}},
)
@body(ItemIn)
def create_item(new: ItemIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    # One transaction, run once more if the database asks (after a deadlock, say). The database
    # decides, not a read before the write: of two requests racing to store one name, exactly
    # one commits, and the other is a 409 pointing at #/name (errors/database.py).
    item = in_transaction(add_item, new.name)
    return item, 201, {"Location": url_for("get_item", item_id=item["id"])}


def remove_item(item_id: int) -> None:
    # An id beyond the id column's is no item's (the GET rule says so with its converter's max,
    # which Werkzeug would answer with a 405 for a DELETE that another method's rule matches).
    item = db.session.get(Item, item_id) if item_id <= ID_MAX else None
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    db.session.delete(item)


@operation("Delete an item", status=204, errors=(REFERRED_TO, DATABASE_UNAVAILABLE))
def delete_item(item_id: int) -> tuple[str, int]:
    # An item that other rows refer to stays: a 409 names the table that refers to it.
    in_transaction(remove_item, item_id)
    return "", 204
{%- else %}


@operation("An item", response=ItemOut)
def get_item(item_id: int) -> dict[str, Any]:
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


@operation("Create an item (an example: it is not stored)", response=ItemOut, status=201)
@body(ItemIn)
def create_item(new: ItemIn) -> tuple[dict[str, Any], int]:
    # An example: a real service would store the item here.
    return {"id": max(ITEMS) + 1, "name": new.name}, 201
{%- endif %}


def init_app(app: Flask) -> None:
    api = app.config["API_PREFIX"]
    app.add_url_rule("/", view_func=index)
{%- if cookiecutter.use_database %}
    # The id column's largest value: a larger id in the URL is a 404, not a database error.
    app.add_url_rule(f"{api}/items/<int(max=2147483647):item_id>", view_func=get_item)
    app.add_url_rule(f"{api}/items/<int:item_id>", view_func=delete_item, methods=["DELETE"])
{%- else %}
    app.add_url_rule(f"{api}/items/<int:item_id>", view_func=get_item)
{%- endif %}
    app.add_url_rule(f"{api}/items", view_func=create_item, methods=["POST"])
