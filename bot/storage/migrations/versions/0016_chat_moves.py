"""a group that became a supergroup is remembered as moved

The old group's "migrated to" message could come after the move (or reach a process that
had not seen the group yet): it made a blank row at the old id, and the move it asked for
copied that blank row over the supergroup's schedule and path. A move now records the
old id and the new one, so a second move of the same group keeps the supergroup's state.
No row changes; groups moved before the upgrade are not known as moved.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-15
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_moves",
        sa.Column("old_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("new_id", sa.BigInteger(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("old_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_moves")
