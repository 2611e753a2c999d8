"""Covering index for scoring, filtering and the timeline of measures

The Roadmap and the deck compute the score from five input columns of every filtered measure; the
table row is wide (description), so they scanned it or looked each row up. This index holds every
column they filter, score, group or sort by (not the wide ones). Scale L, 50,000 measures, SQLite,
with the top-N reads ranking ids in a subquery and the timeline grouped by status first: deck
class-A counts 118 -> 33 ms, deck top measures 43 -> 32 ms, Roadmap table 70 -> 42 ms, matrix
46 -> 39 ms, quadrant counts 44 -> 37 ms, timeline 71 -> 13 ms; with a status filter the table
90 -> 27 ms. The index takes 5.6 MB beside the 15 MB table.

Revision ID: a6c1e0f2b7d4
Revises: b7d2f1a3c8e5
Create Date: 2026-12-05 09:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)


# revision identifiers, used by Alembic.
revision: str = 'a6c1e0f2b7d4'
down_revision: Union[str, Sequence[str], None] = 'b7d2f1a3c8e5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index('ix_measure_scoring', ['status', 'category', 'start_quarter', 'end_quarter', 'rag', 'benefit_citizens', 'benefit_admin', 'urgency', 'legal_duty', 'effort', 'unit_id', 'ozg_id', 'title'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index('ix_measure_scoring')
