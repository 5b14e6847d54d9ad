"""a round's question is claimed before its poll is sent

Every bot instance resumes the running rounds at its start-up: one started while another
was sending a round's next poll sent that poll a second time. The instance that sends a
question now stamps it first, and the others wait out a delivery lease before taking over.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("round_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asking_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round_questions", schema=None) as batch_op:
        batch_op.drop_column("asking_since")
