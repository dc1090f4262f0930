"""Create the item table.

Revision ID: 1795570437
Revises:
Create Date: 2026-11-25 01:33:57.329682
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1795570437"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("default",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.CheckConstraint("name = trim(name) AND name <> ''", name=op.f("ck_item_name_trimmed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("name", name=op.f("uq_item_name")),
    )


def downgrade() -> None:
    op.drop_table("item")
