"""A version on user accounts, so that two admins editing one account cannot overwrite each other

Every edit of an account in the Verwaltung compares the version the form showed (optimistic
locking like org_unit, pilot, measure, …); existing accounts start at 1.

Revision ID: e5a1c3d7f902
Revises: f6b2d4e8a013
Create Date: 2026-12-08 02:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)


# revision identifiers, used by Alembic.
revision: str = 'e5a1c3d7f902'
down_revision: Union[str, Sequence[str], None] = 'f6b2d4e8a013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('version')
