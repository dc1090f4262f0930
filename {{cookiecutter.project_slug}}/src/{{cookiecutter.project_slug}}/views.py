"""All of the service's views; ``init_app`` registers them on the app."""
{% if cookiecutter.use_database %}
from flask import Flask, abort, {% if cookiecutter.error_format == "json" %}current_app, {% else %}render_template, {% endif %}request, url_for
from sqlalchemy.exc import IntegrityError

from .database import db
from .errors import APIError, ValidationError
from .errors.database import in_transaction, is_unique_violation
from .models import NAME_LENGTH, Item
{%- else %}
from flask import Flask, abort, {% if cookiecutter.error_format == "json" %}current_app, {% else %}render_template, {% endif %}request{% if cookiecutter.error_format == "json" %}, url_for{% endif %}

from .errors import ValidationError

# An example catalogue; a real service would read from its store.
ITEMS: dict[int, dict[str, int | str]] = {
    1: {"id": 1, "name": "Teapot"},
    2: {"id": 2, "name": "Kettle"},
}
{%- endif %}
{%- if cookiecutter.error_format == "json" %}


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
        },
    }
{%- else %}


def index() -> str:
    return render_template("index.html")
{%- endif %}
{%- if cookiecutter.use_database %}


def get_item(item_id: int) -> dict[str, int | str]:
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item.to_dict()


def add_item(name: str) -> Item:
    item = Item(name=name)
    db.session.add(item)
    return item


def create_item() -> tuple[dict[str, int | str], int, dict[str, str]]:
    # Malformed JSON is a 400 and another content type a 415; Flask raises both for us.
    data = request.get_json()
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"#/name": "must be a non-empty string"})
    # What the database would refuse is the client's mistake, a 422, not a failed INSERT.
    name = name.strip()
    if len(name) > NAME_LENGTH or not name.isprintable():
        raise ValidationError({"#/name": f"must be printable, at most {NAME_LENGTH} characters"})
    try:
        # One transaction, run once more if the database asks (after a deadlock, say).
        item = in_transaction(add_item, name)
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
    return item.to_dict(), 201, {"Location": url_for("get_item", item_id=item.id)}
{%- else %}


def get_item(item_id: int) -> dict[str, int | str]:
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


def create_item() -> tuple[dict[str, int | str], int]:
    # Malformed JSON is a 400 and another content type a 415; Flask raises both for us.
    data = request.get_json()
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"#/name": "must be a non-empty string"})
    # An example: a real service would store the item here.
    return {"id": max(ITEMS) + 1, "name": name.strip()}, 201
{%- endif %}


def init_app(app: Flask) -> None:
    api = app.config["API_PREFIX"]
    app.add_url_rule("/", view_func=index)
{%- if cookiecutter.use_database %}
    # The id column's largest value: a larger id in the URL is a 404, not a database error.
    app.add_url_rule(f"{api}/items/<int(max=2147483647):item_id>", view_func=get_item)
{%- else %}
    app.add_url_rule(f"{api}/items/<int:item_id>", view_func=get_item)
{%- endif %}
    app.add_url_rule(f"{api}/items", view_func=create_item, methods=["POST"])
