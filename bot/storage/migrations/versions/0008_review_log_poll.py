"""a group answer remembers the quiz poll it answered

A member's answer counts once per poll; telling polls apart by item and time made a
round's poll and the group's daily poll on the same item count as one. Answers logged
before this revision have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("poll_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_column("poll_id")
