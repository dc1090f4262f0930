"""URL converters that match what a client types: ASCII digits only.

Werkzeug's ``int`` and ``float`` converters match any Unicode digit (``\\d``), and ``int()`` reads
them: ``/api/items/١`` (an Arabic-Indic one) and ``/api/items/１`` (a fullwidth one) would reach
item 1. These replace them under the same names, so every route written ``<int:...>`` or
``<float:...>`` matches ``0-9`` alone, and any other digit is a 404 like any URL no route has.
Registered before any route, since a rule takes its converter when it is added.
"""

from flask import Flask
from werkzeug.routing import FloatConverter, IntegerConverter


class ASCIIIntegerConverter(IntegerConverter):
    regex = r"[0-9]+"


class ASCIIFloatConverter(FloatConverter):
    regex = r"[0-9]+\.[0-9]+"


def init_app(app: Flask) -> None:
    app.url_map.converters.update(int=ASCIIIntegerConverter, float=ASCIIFloatConverter)
