{%- if cookiecutter.use_database -%}
from typing import Any

from flask import Blueprint, abort, url_for
from sqlalchemy.exc import IntegrityError

from ..database import db
from ..errors import APIError
from ..errors.database import in_transaction, is_unique_violation
from ..models import Item
from ..openapi import body, operation
from ..schemas import ItemIn, ItemOut

bp = Blueprint("api", __name__)


# The id column's largest value: a larger id in the URL is a 404, not a database error.
@bp.get("/items/<int(max=2147483647):item_id>")
@operation("An item", response=ItemOut, errors=(503,))
def get_item(item_id: int) -> dict[str, Any]:
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return ItemOut.model_validate(item).model_dump()


def add_item(name: str) -> Item:
    item = Item(name=name)
    db.session.add(item)
    return item


@bp.post("/items")
@operation(
    "Create an item",
    response=ItemOut,
    status=201,
    headers={"Location": "The new item's URL."},
    errors=(409, 503),
    links={"item": {"operationId": "get_item", "parameters": {"item_id": "$response.body#/id"}}},
)
@body(ItemIn)
def create_item(new: ItemIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    try:
        # One transaction, run once more if the database asks (after a deadlock, say).
        item = in_transaction(add_item, new.name)
    except IntegrityError as error:
        # The database decides, not a read before the write: of two requests racing to store one
        # name, exactly one commits.
        if not is_unique_violation(error):
            raise
        raise APIError(
            "An item with this name exists already.",
            status=409,
            errors=[{"detail": "is taken", "pointer": "#/name"}],
        ) from None
    location = url_for(".get_item", item_id=item.id)
    return ItemOut.model_validate(item).model_dump(), 201, {"Location": location}
{%- else -%}
from typing import Any

from flask import Blueprint, abort

from ..openapi import body, operation
from ..schemas import ItemIn, ItemOut

bp = Blueprint("api", __name__)

# An example catalogue; a real service would read from its store.
ITEMS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "Teapot"},
    2: {"id": 2, "name": "Kettle"},
}


@bp.get("/items/<int:item_id>")
@operation("An item", response=ItemOut)
def get_item(item_id: int) -> dict[str, Any]:
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


@bp.post("/items")
@operation("Create an item (an example: it is not stored)", response=ItemOut, status=201)
@body(ItemIn)
def create_item(new: ItemIn) -> tuple[dict[str, Any], int]:
    # An example: a real service would store the item here.
    return {"id": max(ITEMS) + 1, "name": new.name}, 201
{%- endif %}
