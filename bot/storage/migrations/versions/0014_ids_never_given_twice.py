"""an id is never given twice (SQLite)

SQLite gave a new row the highest id plus one, so the id of a row just deleted went to the
next one. Ids leave the database: an answer button carries its question's id, a quiz
summary on its way waits for its answer's log, /plans buttons carry a plan's id, a queued
run and a delivery are held by theirs. A question withdrawn by a new review session passed
its id to the new session's first question, and a tap on the old message answered it; an
undone answer's log passed its id to the answer given again, and the stale summary stayed.
These tables are rebuilt with AUTOINCREMENT, every row and index kept; from then on an id
is given once. PostgreSQL's sequences never gave one twice: nothing changes there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("review_logs", "quiz_questions", "deliveries", "plans", "distill_runs")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
