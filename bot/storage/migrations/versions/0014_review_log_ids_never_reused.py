"""a review log's id is never given again (SQLite)

SQLite gave a new row the highest id plus one, so the id of an answer just undone (or of a
learner's answers after /forget) went to the next answer: a quiz summary on its way for
the undone answer was then kept as the new answer's. The table is rebuilt with
AUTOINCREMENT, every row and index kept; from then on an id is given once. PostgreSQL's
sequence never gave one twice: nothing changes there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "review_logs", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
