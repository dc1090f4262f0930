"""The service's data.

A change here needs a migration: ``flask --app <package> db revision "what changed"`` writes
one in ``migrations/`` beside ``database.py``; read and adjust it, then ``db upgrade``.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .database import Model

NAME_LENGTH = 80
# The largest id an Integer column holds.
ID_MAX = 2**31 - 1


class Item(Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The database keeps names unique and trimmed, however many requests race to store one. A
    # check declared on its column is that column's: a refusal points at the field (#/name).
    name: Mapped[str] = mapped_column(
        sa.String(NAME_LENGTH),
        sa.CheckConstraint("name = trim(name) AND name <> ''", name="name_trimmed"),
        unique=True,
    )
