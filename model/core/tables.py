"""All tables of Lotsen-Cockpit. Enumerated columns hold the codes of model.core.enums.

Numeric bounds are named CHECK constraints (migration 0010); string lengths are VARCHAR lengths,
which PostgreSQL enforces. The commands refuse out-of-range input first, with a German message.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from model.core import clock


# An organisational unit in the tree Dezernat → Amt/Fachbereich → Abteilung.
class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"
    __table_args__ = (
        CheckConstraint("headcount >= 0", name="ck_org_unit_headcount"),
        CheckConstraint("target_pilots >= 0", name="ck_org_unit_target_pilots"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    headcount: int = Field(default=0)
    target_pilots: int | None = Field(default=None)  # explicit Soll; None = from the rule
    active: bool = Field(default=True, index=True)
    version: int = Field(default=1)
    # The unit's place in the tree, kept by model.org.paths: depth (0 = top), path of Kürzel
    # ("1 › 33"), and a key that sorts the tree in order (parent before children, siblings by
    # Kürzel); compared by code point, also on PostgreSQL (collation "C").
    depth: int = Field(default=0)
    path: str | None = Field(default=None, sa_type=Text)
    sort_key: str | None = Field(
        default=None, sa_type=Text().with_variant(Text(collation="C"), "postgresql"), index=True
    )

    pilots: list["Pilot"] = Relationship(back_populates="unit")


# A Digitale Lotsin / ein Digitaler Lotse.
class Pilot(SQLModel, table=True):
    __tablename__ = "pilot"
    __table_args__ = (
        Index("ix_pilot_unit_stage", "unit_id", "stage"),
        CheckConstraint("hours_per_week BETWEEN 0 AND 40", name="ck_pilot_hours_per_week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254, unique=True, index=True)
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="RESTRICT")
    stage: str = Field(max_length=20, index=True)
    stage_since: date
    hours_per_week: float = Field(default=2.0)
    last_update_on: date | None = Field(default=None, index=True)  # latest status update
    anonymised: bool = Field(default=False)
    version: int = Field(default=1)

    unit: "OrgUnit" = Relationship(back_populates="pilots")
    stage_changes: list["PilotStageChange"] = Relationship(back_populates="pilot", cascade_delete=True)


# Every stage change of a Lotse with its date: the history behind all trends.
class PilotStageChange(SQLModel, table=True):
    __tablename__ = "pilot_stage_change"
    __table_args__ = (Index("ix_stage_change_pilot_date", "pilot_id", "changed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", index=True)  # unit at the time
    from_stage: str | None = Field(default=None, max_length=20)
    to_stage: str = Field(max_length=20)
    changed_on: date = Field(index=True)
    reason: str | None = Field(default=None, max_length=500)

    pilot: "Pilot" = Relationship(back_populates="stage_changes")


# Derived from the stage history (model.pilots.stage_months): per unit at a date (month ends, today, 30
# days ago) its Lotsen in the programme, its qualified or active Lotsen and the rollout rank of its
# most advanced Lotse, so that trends need not rebuild every Lotse's stage on each read.
# Rows exist only where there are Lotsen; StageMonthDone says which dates are stored.
class UnitMonth(SQLModel, table=True):
    __tablename__ = "unit_month"

    month_end: date = Field(primary_key=True)
    unit_id: int = Field(primary_key=True)  # the unit at the time (no foreign key: derived data)
    in_programme: int  # Lotsen in a current stage (model.core.queries.CURRENT)
    covering: int  # qualified or active Lotsen (model.core.queries.COVERING)
    top_rank: int  # model.core.queries.rollout_rank of the most advanced Lotse (0: none counts)


class StageMonthDone(SQLModel, table=True):
    __tablename__ = "stage_month_done"

    month_end: date = Field(primary_key=True)
    stored_at: datetime = Field(default_factory=lambda: clock.now())


# A phase of the programme: Konzept, Auswahl, Qualifizierung, Betrieb (configurable).
class Phase(SQLModel, table=True):
    __tablename__ = "phase"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    position: int = Field(default=0)
    planned_start: date
    planned_end: date
    actual_start: date | None = None
    actual_end: date | None = None
    status: str = Field(max_length=20)
    status_note: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)


# A dated deliverable inside a phase.
class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    due_on: date = Field(index=True)
    done_on: date | None = None
    version: int = Field(default=1)


# A gate decision of a body (Gremium) with date and paper number.
class GateDecision(SQLModel, table=True):
    __tablename__ = "gate_decision"

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=200)
    decided_on: date
    paper_no: str | None = Field(default=None, max_length=50)
    summary: str | None = Field(default=None, max_length=1000)
    version: int = Field(default=1)


# A training module: the Basisqualifizierung or an Aufbaumodul.
class TrainingModule(SQLModel, table=True):
    __tablename__ = "training_module"
    __table_args__ = (CheckConstraint("duration_days > 0", name="ck_training_module_duration_days"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20)
    duration_days: float = Field(default=1.0)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    version: int = Field(default=1)


# Enrolment and completion of one Lotse in one module.
class TrainingRecord(SQLModel, table=True):
    __tablename__ = "training_record"
    __table_args__ = (UniqueConstraint("pilot_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="training_module.id", index=True)
    enrolled_on: date
    completed_on: date | None = Field(default=None, index=True)


# A dated status update of a Lotse: progress text, blocker, request for support.
class StatusUpdate(SQLModel, table=True):
    __tablename__ = "status_update"
    __table_args__ = (
        Index("ix_status_update_pilot_date", "pilot_id", "reported_on"),
        # Open requests for support (a few of a million updates): counted and listed on most pages.
        Index("ix_status_update_support", "support_wanted", "support_resolved_on", "pilot_id", "reported_on"),
        # Recent blockers per unit (Präsentation, deck): 5 % of the updates name one.
        Index(
            "ix_status_update_blocker",
            "pilot_id",
            "reported_on",
            sqlite_where=text("blocker IS NOT NULL"),
            postgresql_where=text("blocker IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", ondelete="CASCADE")
    reported_on: date = Field(index=True)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    text: str | None = Field(default=None, max_length=2000)
    blocker: str | None = Field(default=None, max_length=1000)
    support_wanted: bool = Field(default=False)
    support_resolved_on: date | None = None  # an open request has support_wanted and no date


# What a Lotse did: type, count, date.
class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_pilot_date", "pilot_id", "done_on"),
        CheckConstraint("count BETWEEN 1 AND 1000", name="ck_activity_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", ondelete="CASCADE")
    status_update_id: int | None = Field(default=None, foreign_key="status_update.id", ondelete="SET NULL")
    activity_type: str = Field(max_length=30, index=True)
    count: int = Field(default=1)
    done_on: date = Field(index=True)
    note: str | None = Field(default=None, max_length=1000)


# A funding programme (Förderprogramm).
class FundingProgramme(SQLModel, table=True):
    __tablename__ = "funding_programme"
    __table_args__ = (
        CheckConstraint("amount_applied >= 0", name="ck_funding_programme_amount_applied"),
        CheckConstraint("amount_granted >= 0", name="ck_funding_programme_amount_granted"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    donor: str = Field(max_length=10)
    deadline: date | None = Field(default=None, index=True)
    amount_applied: float = Field(default=0)
    amount_granted: float = Field(default=0)
    status: str = Field(max_length=20)
    version: int = Field(default=1)


# One item of the digitalisation roadmap (Maßnahme).
class Measure(SQLModel, table=True):
    __tablename__ = "measure"
    __table_args__ = (
        Index("ix_measure_status_category", "status", "category"),
        # Every column the Roadmap and the deck filter, score, group or sort by: they read it, not the table.
        Index(
            "ix_measure_scoring",
            "status",
            "category",
            "start_quarter",
            "end_quarter",
            "rag",
            "benefit_citizens",
            "benefit_admin",
            "urgency",
            "legal_duty",
            "effort",
            "unit_id",
            "ozg_id",
            "title",
        ),
        CheckConstraint("benefit_citizens BETWEEN 1 AND 5", name="ck_measure_benefit_citizens"),
        CheckConstraint("benefit_admin BETWEEN 1 AND 5", name="ck_measure_benefit_admin"),
        CheckConstraint("urgency BETWEEN 1 AND 5", name="ck_measure_urgency"),
        CheckConstraint("legal_duty BETWEEN 1 AND 5", name="ck_measure_legal_duty"),
        CheckConstraint("effort BETWEEN 1 AND 5", name="ck_measure_effort"),
        CheckConstraint("cost_operating >= 0", name="ck_measure_cost_operating"),
        CheckConstraint("cost_capital >= 0", name="ck_measure_cost_capital"),
        CheckConstraint("person_days >= 0", name="ck_measure_person_days"),
        CheckConstraint("maturity_target BETWEEN 0 AND 4", name="ck_measure_maturity_target"),
        CheckConstraint("maturity_actual BETWEEN 0 AND 4", name="ck_measure_maturity_actual"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200, unique=True)
    description: str | None = Field(default=None, max_length=4000)
    category: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    contact_pilot_id: int | None = Field(
        default=None, foreign_key="pilot.id", index=True, ondelete="SET NULL"
    )
    submitted_by_pilot_id: int | None = Field(default=None, foreign_key="pilot.id", ondelete="SET NULL")
    status: str = Field(max_length=20)
    rag: str = Field(default="green", max_length=10)
    benefit_citizens: int = Field(default=3)
    benefit_admin: int = Field(default=3)
    urgency: int = Field(default=3)
    legal_duty: int = Field(default=1)
    effort: int = Field(default=3)
    start_quarter: str | None = Field(default=None, max_length=7)  # "2025-Q3"
    end_quarter: str | None = Field(default=None, max_length=7)
    cost_operating: float = Field(default=0)  # konsumtiv, €
    cost_capital: float = Field(default=0)  # investiv, €
    person_days: float = Field(default=0)
    ozg_id: str | None = Field(default=None, max_length=20, index=True)
    maturity_target: int | None = Field(default=None)
    maturity_actual: int | None = Field(default=None)
    efa: bool = Field(default=False)
    funding_id: int | None = Field(
        default=None, foreign_key="funding_programme.id", index=True, ondelete="SET NULL"
    )
    decision_ref: str | None = Field(default=None, max_length=50)  # Beschluss / Vorlage-Nr.
    created_on: date = Field(default_factory=lambda: clock.today())
    version: int = Field(default=1)


# A Lotse's idea for the roadmap until the CDO-Büro decides on it: while open, only the CDO-Büro
# and its author see it; accepted, it becomes a measure; declined, its author sees the reason.
class Idea(SQLModel, table=True):
    __tablename__ = "idea"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    category: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", ondelete="SET NULL")
    pilot_id: int | None = Field(default=None, foreign_key="pilot.id", index=True, ondelete="SET NULL")
    submitted_on: date = Field(default_factory=lambda: clock.today())
    status: str = Field(default="open", max_length=20, index=True)  # model.core.enums.IdeaStatus
    decided_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=50)
    decision_note: str | None = Field(default=None, max_length=1000)  # shown to the author
    measure_id: int | None = Field(default=None, foreign_key="measure.id", ondelete="SET NULL")
    version: int = Field(default=1)


# IT staff (VZÄ) of one unit in one IT task area.
class ItStaff(SQLModel, table=True):
    __tablename__ = "it_staff"
    __table_args__ = (
        UniqueConstraint("unit_id", "task_area"),
        CheckConstraint("fte BETWEEN 0 AND 10000", name="ck_it_staff_fte"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    task_area: str = Field(max_length=30, index=True)
    fte: float
    version: int = Field(default=1)


# Key figures saved at a meeting, to show "seit der letzten Sitzung".
class MeetingSnapshot(SQLModel, table=True):
    __tablename__ = "meeting_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    held_on: date = Field(index=True)
    created_at: datetime = Field(default_factory=lambda: clock.now())
    created_by: str | None = Field(default=None, max_length=100)
    payload: str  # JSON of the figures


# A configurable setting (Soll rule, score weights) as a JSON value.
class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=2000)
    version: int = Field(default=1)


# A login. Roles are enforced by the app, never by the client.
class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True, index=True)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=10)
    password_hash: str = Field(max_length=100)
    active: bool = Field(default=True)
    pilot_id: int | None = Field(default=None, foreign_key="pilot.id", unique=True, ondelete="SET NULL")
    sessions_valid_after: datetime = Field(default_factory=lambda: clock.now())
    last_seen_at: datetime | None = None  # last activity, written at most once a minute (idle timeout)
    failures_reset_at: datetime | None = None  # last login or unlock: earlier failures no longer delay
    version: int = Field(default=1)  # optimistic locking of the Verwaltung's edits
    created_at: datetime = Field(default_factory=lambda: clock.now())


# A failed login (user name as typed, client address), kept a day to delay repeated attempts.
class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_user_at", "username", "at"),
        Index("ix_login_failure_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50)
    client: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=lambda: clock.now())


# Append-only audit log: who changed what when, old → new per field (JSON).
class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: clock.now(), index=True)
    actor: str = Field(max_length=50, index=True)
    action: str = Field(max_length=20)
    entity: str = Field(max_length=30)
    entity_id: str | None = Field(default=None, max_length=50)
    changes: str = Field(default="{}")  # {"field": [old, new]}
