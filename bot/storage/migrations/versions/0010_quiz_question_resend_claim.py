"""a question cut off by a stop is claimed before it is sent again

Every bot instance sends at its start-up the quiz questions recorded but never sent: one
started while another was sending such a question sent it a second time, and two starting
together both did. A question is now taken (``resent_at``) before it goes again, and only
once it is a delivery lease old (a live instance sends its question within that time).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_column("resent_at")
