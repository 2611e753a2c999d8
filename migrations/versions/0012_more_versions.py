"""A version on milestones, gate decisions, training modules, IT staff and settings

Every edit of such a record compares the version the form showed (optimistic locking like
phase, measure, app_user, …), so that two admins editing one record cannot overwrite each
other; existing rows start at 1.

Revision ID: a7c3e5f9b124
Revises: e5a1c3d7f902
Create Date: 2026-12-08 03:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)


# revision identifiers, used by Alembic.
revision: str = 'a7c3e5f9b124'
down_revision: Union[str, Sequence[str], None] = 'e5a1c3d7f902'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('milestone', 'gate_decision', 'training_module', 'it_staff', 'app_setting')


def upgrade() -> None:
    """Upgrade schema."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    """Downgrade schema."""
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
