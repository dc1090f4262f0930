from flask import Blueprint, abort, request

from ..errors import ValidationError

bp = Blueprint("api", __name__)

# An example catalogue; a real service would read from its store.
ITEMS = {1: {"id": 1, "name": "Teapot"}, 2: {"id": 2, "name": "Kettle"}}


@bp.get("/items/<int:item_id>")
def get_item(item_id: int) -> dict:
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


@bp.post("/items")
def create_item() -> tuple[dict, int]:
    # Malformed JSON is a 400 and another content type a 415; Flask raises both for us.
    data = request.get_json()
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"#/name": "must be a non-empty string"})
    # An example: a real service would store the item here.
    return {"id": max(ITEMS) + 1, "name": name.strip()}, 201
