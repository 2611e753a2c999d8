"""Field bounds as CHECK constraints

The bounds model/core/tables.py declared with ge/le/gt (hours per week 0–40, scores 1–5,
amounts and costs not negative, …) were checked by nobody below the commands:
`Pilot(hours_per_week=99)` was stored. Each becomes a named CHECK constraint, so the database
refuses what the commands already refuse with their German message. SQLite: batch mode (the
table is copied into a new one with the constraint; a violating row would stop the upgrade).

Revision ID: f6b2d4e8a013
Revises: d4f2b8c6e1a9
Create Date: 2026-12-08 02:30:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'f6b2d4e8a013'
down_revision: Union[str, Sequence[str], None] = 'd4f2b8c6e1a9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_org_unit_headcount', 'headcount >= 0')
        batch_op.create_check_constraint('ck_org_unit_target_pilots', 'target_pilots >= 0')
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_pilot_hours_per_week', 'hours_per_week BETWEEN 0 AND 40')
    with op.batch_alter_table('training_module', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_training_module_duration_days', 'duration_days > 0')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_activity_count', 'count BETWEEN 1 AND 1000')
    with op.batch_alter_table('funding_programme', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_funding_programme_amount_applied', 'amount_applied >= 0')
        batch_op.create_check_constraint('ck_funding_programme_amount_granted', 'amount_granted >= 0')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_measure_benefit_citizens', 'benefit_citizens BETWEEN 1 AND 5')
        batch_op.create_check_constraint('ck_measure_benefit_admin', 'benefit_admin BETWEEN 1 AND 5')
        batch_op.create_check_constraint('ck_measure_urgency', 'urgency BETWEEN 1 AND 5')
        batch_op.create_check_constraint('ck_measure_legal_duty', 'legal_duty BETWEEN 1 AND 5')
        batch_op.create_check_constraint('ck_measure_effort', 'effort BETWEEN 1 AND 5')
        batch_op.create_check_constraint('ck_measure_cost_operating', 'cost_operating >= 0')
        batch_op.create_check_constraint('ck_measure_cost_capital', 'cost_capital >= 0')
        batch_op.create_check_constraint('ck_measure_person_days', 'person_days >= 0')
        batch_op.create_check_constraint('ck_measure_maturity_target', 'maturity_target BETWEEN 0 AND 4')
        batch_op.create_check_constraint('ck_measure_maturity_actual', 'maturity_actual BETWEEN 0 AND 4')
    with op.batch_alter_table('it_staff', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_it_staff_fte', 'fte BETWEEN 0 AND 10000')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('it_staff', schema=None) as batch_op:
        batch_op.drop_constraint('ck_it_staff_fte', type_='check')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint('ck_measure_maturity_actual', type_='check')
        batch_op.drop_constraint('ck_measure_maturity_target', type_='check')
        batch_op.drop_constraint('ck_measure_person_days', type_='check')
        batch_op.drop_constraint('ck_measure_cost_capital', type_='check')
        batch_op.drop_constraint('ck_measure_cost_operating', type_='check')
        batch_op.drop_constraint('ck_measure_effort', type_='check')
        batch_op.drop_constraint('ck_measure_legal_duty', type_='check')
        batch_op.drop_constraint('ck_measure_urgency', type_='check')
        batch_op.drop_constraint('ck_measure_benefit_admin', type_='check')
        batch_op.drop_constraint('ck_measure_benefit_citizens', type_='check')
    with op.batch_alter_table('funding_programme', schema=None) as batch_op:
        batch_op.drop_constraint('ck_funding_programme_amount_granted', type_='check')
        batch_op.drop_constraint('ck_funding_programme_amount_applied', type_='check')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint('ck_activity_count', type_='check')
    with op.batch_alter_table('training_module', schema=None) as batch_op:
        batch_op.drop_constraint('ck_training_module_duration_days', type_='check')
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_constraint('ck_pilot_hours_per_week', type_='check')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_constraint('ck_org_unit_target_pilots', type_='check')
        batch_op.drop_constraint('ck_org_unit_headcount', type_='check')
