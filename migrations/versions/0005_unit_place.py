"""Each unit's place in the tree stored with it: depth, path and sort key

The Verwaltung read all units through a recursive query on every run (scale L: 10,021 units,
200 ms per run); with the place stored and the sort key indexed it reads the rows it shows.
model.org.paths keeps the columns current; this migration fills them once.

Revision ID: 5b1e0c7d9a21
Revises: 43883bc0b4f4
Create Date: 2026-11-23 19:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)


# revision identifiers, used by Alembic.
revision: str = '5b1e0c7d9a21'
down_revision: Union[str, Sequence[str], None] = '43883bc0b4f4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Written out here (not imported from model.org.paths): a migration keeps the schema it was made for.
FILL = """
WITH RECURSIVE place(id, depth, path, sort_key) AS (
    SELECT id, 0, CAST(code AS TEXT), CAST(code AS TEXT) FROM org_unit WHERE parent_id IS NULL
    UNION ALL
    SELECT org_unit.id, place.depth + 1, place.path || ' › ' || org_unit.code,
           place.sort_key || :separator || org_unit.code
    FROM org_unit JOIN place ON org_unit.parent_id = place.id
)
UPDATE org_unit SET depth = place.depth, path = place.path, sort_key = place.sort_key
FROM place WHERE org_unit.id = place.id
"""


def upgrade() -> None:
    """Upgrade schema."""
    sort_type = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depth', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('path', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sort_key', sort_type, nullable=True))
        batch_op.create_index(batch_op.f('ix_org_unit_sort_key'), ['sort_key'], unique=False)
    op.execute(sa.text(FILL).bindparams(separator="\x1f"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_unit_sort_key'))
        batch_op.drop_column('sort_key')
        batch_op.drop_column('path')
        batch_op.drop_column('depth')
