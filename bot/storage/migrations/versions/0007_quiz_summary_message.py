"""a quiz question remembers the summary its answer closed the quiz with

An undo of that answer takes the summary back (the quiz is open again), so answering
again shows one summary, not two. Questions answered before this revision have none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_message_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_column("summary_message_id")
