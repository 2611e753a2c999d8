"""Login delays per account and client; last activity for the idle timeout

The account lock (app_user.locked_until), which anybody could trigger on anybody, gives way to
delays computed from login_failure, now with the client address of each failure. app_user gets
last_seen_at for the idle timeout of logins and failures_reset_at (last login or unlock by the
CDO-Büro), from which an account's failures count.

Revision ID: d4f2b8c6e1a9
Revises: c3e8a1d5f9b2
Create Date: 2026-12-07 23:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)


# revision identifiers, used by Alembic.
revision: str = 'd4f2b8c6e1a9'
down_revision: Union[str, Sequence[str], None] = 'c3e8a1d5f9b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_login_failure_client_at', ['client', 'at'], unique=False)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('failures_reset_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.drop_column('locked_until')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.drop_column('failures_reset_at')
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_client_at')
        batch_op.drop_column('client')
