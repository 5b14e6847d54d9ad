"""the asker of an interrupted /distill run is told once, across any number of restarts

A start marked its previous life's runs interrupted and then told their askers, one
message at a time; a bot killed before the last notice left the rest untold for good, as
the next start found no unfinished run. A run now remembers when its asker was told
(``told_at``), and a start tells the askers of its interrupted runs not yet told. Runs
interrupted before the upgrade count as told then: nobody is told twice.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("distill_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE distill_runs SET told_at = COALESCE(finished_at, CURRENT_TIMESTAMP) "
        "WHERE status = 'interrupted'"
    )


def downgrade() -> None:
    # SQLite rebuilds the table to drop a column: AUTOINCREMENT (0014) is kept.
    with op.batch_alter_table(
        "distill_runs", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("told_at")
