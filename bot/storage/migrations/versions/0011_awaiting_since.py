"""a question for a typed time or zone remembers when it was asked

A chat that owed a time zone owed it forever: "thanks a lot", typed days after /timezone,
got the time zone parser's correction. The wait now lapses an hour after the question
(``awaiting_since``). A question still open at the upgrade counts as asked then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE chats SET awaiting_since = CURRENT_TIMESTAMP WHERE awaiting IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("awaiting_since")
