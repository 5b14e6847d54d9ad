"""a member's answer to a quiz poll is logged once

The same poll answer handled by two instances at once (Telegram retries a webhook update
it got no answer to in time) was logged twice: two points on the group's board for one
answer. A second log of one member's answer to one poll is now refused by the database.
Answers logged twice before this revision keep their first log. Answers by button have
no poll and are not limited.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-13
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Every log of a member's answer to a poll but the first.
_LATER_LOGS_OF_ONE_ANSWER = sa.text(
    "DELETE FROM review_logs WHERE poll_id IS NOT NULL AND id NOT IN ("
    " SELECT MIN(id) FROM review_logs WHERE poll_id IS NOT NULL GROUP BY learner_id, poll_id)"
)


def upgrade() -> None:
    op.get_bind().execute(_LATER_LOGS_OF_ONE_ANSWER)
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_review_logs_learner_poll", ["learner_id", "poll_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index("uq_review_logs_learner_poll")
