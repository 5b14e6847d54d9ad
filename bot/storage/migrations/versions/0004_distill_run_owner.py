"""the process that runs each /distill run, and its lease

Runs recorded before this revision have no owner: the next start-up reports them
interrupted if they were left queued or running, as it did before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("distill_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distill_runs", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("owner")
