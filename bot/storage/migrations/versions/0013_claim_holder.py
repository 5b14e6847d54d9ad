"""each claim records the instance holding it

A bot killed mid-send and restarted waited a whole delivery lease before it sent what it
had been sending (the rest of a drop, a quiz question, a round's poll): a claim did not
say whose it was, so a restarted instance could not tell its own dead claims from a live
peer's. Deliveries, quiz questions and round questions now record the claiming instance
(``INSTANCE_NAME``); existing rows get NULL, a holder not known, and keep waiting for
their lease as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("deliveries", "quiz_questions", "round_questions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("holder", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("holder")
