"""indexes for a learner's open questions and a group's leaderboard

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_questions_learner_sent", ["learner_id", "sent_at"])
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.create_index("ix_review_logs_chat_time", ["chat_id", "reviewed_at"])


def downgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_review_logs_chat_time")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_questions_learner_sent")
