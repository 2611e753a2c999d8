"""Writes about Lotsen: reports, stage and hours changes, support requests.

Every command runs inside the caller's `write_session()` (one transaction), records its audit row in
it and checks on the server who may act: a Lotse only on the own record, the CDO-Büro on anyone,
the Verwaltungsleitung on nobody. Stage and hours use optimistic locking on `pilot.version`;
status updates are appends and never conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from model.core import clock
from model.core.actor import Actor, check_admin, check_person_access
from model.core.audit import AlreadySaved, record_audit, repeated_create
from model.core.enums import STAGE_TRANSITIONS, ActivityType, PilotStage, Role, label
from model.core.german import fmt_time
from model.core.tables import (
    Activity,
    Pilot,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from model.pilots.checks import (
    MAX_BLOCKER,
    MAX_HOURS,
    MAX_NOTE,
    MAX_REASON,
    MAX_TEXT,
    PilotInputError,
    check_date,
    check_writable,
    checked_pilot,
    clean,
    get_pilot,
)
from model.training.commands import ModuleCompletion, complete_module


# One activity of a report.
@dataclass(frozen=True)
class ActivityReport:
    activity_type: str
    count: int
    done_on: date
    note: str | None = None


# What a Lotse reports in one go (the status update and its activities).
@dataclass(frozen=True)
class StatusReport:
    text: str | None = None
    blocker: str | None = None
    support_wanted: bool = False
    activities: tuple[ActivityReport, ...] = ()


# Everything the Mein-Status form can carry; None means "no change".
@dataclass(frozen=True)
class FullReport:
    status: StatusReport = field(default_factory=StatusReport)
    to_stage: str | None = None
    completed_module_id: int | None = None
    completed_on: date | None = None
    hours_per_week: float | None = None


def _status_changes(pilot_id: int, report: StatusReport) -> dict[str, tuple[Any, Any]]:
    """The checked fields of a status update, as its audit row records them."""
    text = clean(report.text, limit=MAX_TEXT, what="Der Text der Meldung")
    blocker = clean(report.blocker, limit=MAX_BLOCKER, what="Das Hindernis")
    if report.support_wanted and blocker is None:
        raise PilotInputError("Bitte beschreiben Sie kurz das Hindernis, wenn Sie Unterstützung wünschen.")
    return {
        "pilot_id": (None, pilot_id),
        "text": (None, text),
        "blocker": (None, blocker),
        "support_wanted": (None, bool(report.support_wanted)),
    }


def _activity_key(activity_type: str, count: int, done_on: date, note: str | None) -> tuple[Any, ...]:
    return (activity_type, int(count), done_on, (note or "").strip() or None)


def _repeated_report(session: Session, *, actor: Actor, pilot: Pilot, report: FullReport) -> datetime | None:
    """When the same person saved exactly this report in the last minutes: the time it was saved.

    The same text, blocker, request for support and activities as the latest status update the
    actor created (model.core.audit.repeated_create), and nothing else the report asks for still to do:
    its stage reached, its hours set, its module completed.
    """
    assert pilot.id is not None  # a stored Lotse
    status = report.status
    repeat = repeated_create(
        session=session,
        actor=actor.username,
        entity="status_update",
        changes=_status_changes(pilot.id, status),
    )
    if repeat is None or repeat.entity_id is None:
        return None
    stored = session.exec(
        select(
            col(Activity.activity_type), col(Activity.count), col(Activity.done_on), col(Activity.note)
        ).where(Activity.status_update_id == int(repeat.entity_id))
    ).all()
    if sorted(_activity_key(*row) for row in stored) != sorted(
        _activity_key(a.activity_type, a.count, a.done_on, a.note) for a in status.activities
    ):
        return None
    if report.to_stage is not None and pilot.stage != report.to_stage:
        return None
    if report.hours_per_week is not None and round(float(report.hours_per_week), 1) != round(
        pilot.hours_per_week, 1
    ):
        return None
    if report.completed_module_id is not None:
        done = session.exec(
            select(TrainingRecord.id).where(
                TrainingRecord.pilot_id == pilot.id,
                TrainingRecord.module_id == report.completed_module_id,
                col(TrainingRecord.completed_on).is_not(None),
            )
        ).first()
        if done is None:
            return None
    return repeat.at


# A status update for one Lotse; `author_id` is the account that wrote it (None: no login).
@dataclass(frozen=True)
class NewStatusUpdate:
    pilot_id: int
    report: StatusReport
    author_id: int | None = None


def record_status_update(*, session: Session, actor: Actor, data: NewStatusUpdate) -> StatusUpdate:
    """Append a status update with its activities; sets the Lotse's date of the last update."""
    pilot_id, report, author_id = data.pilot_id, data.report, data.author_id
    check_person_access(actor, pilot_id)
    pilot = get_pilot(session, pilot_id)
    check_writable(pilot)
    changes = _status_changes(pilot_id, report)
    text, blocker = changes["text"][1], changes["blocker"][1]
    today = clock.today()
    update_row = StatusUpdate(
        pilot_id=pilot_id,
        reported_on=today,
        author_id=author_id,
        text=text,
        blocker=blocker,
        support_wanted=bool(report.support_wanted),
    )
    session.add(update_row)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity="status_update",
        entity_id=update_row.id,
        changes=changes,
    )
    for activity in report.activities:
        _add_activity(
            session, actor=actor, pilot_id=pilot_id, status_update_id=update_row.id, activity=activity
        )
    if pilot.last_update_on is None or pilot.last_update_on < today:
        pilot.last_update_on = today
        session.add(pilot)
    return update_row


def _add_activity(
    session: Session, *, actor: Actor, pilot_id: int, status_update_id: int | None, activity: ActivityReport
) -> Activity:
    if activity.activity_type not in {kind.value for kind in ActivityType}:
        raise PilotInputError("Bitte eine Art der Aktivität aus der Liste wählen.")
    if (
        isinstance(activity.count, bool)
        or not isinstance(activity.count, int)
        or not 1 <= activity.count <= 1000
    ):
        raise PilotInputError("Die Anzahl der Aktivitäten muss zwischen 1 und 1.000 liegen.")
    row = Activity(
        pilot_id=pilot_id,
        status_update_id=status_update_id,
        activity_type=activity.activity_type,
        count=activity.count,
        done_on=check_date(activity.done_on, what="Das Datum der Aktivität"),
        note=clean(activity.note, limit=MAX_NOTE, what="Die Notiz zur Aktivität"),
    )
    session.add(row)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity="activity",
        entity_id=row.id,
        changes={
            "pilot_id": (None, pilot_id),
            "activity_type": (None, row.activity_type),
            "count": (None, row.count),
            "done_on": (None, row.done_on),
            "note": (None, row.note),
        },
    )
    return row


def _apply_stage(
    session: Session, *, actor: Actor, pilot: Pilot, to_stage: str, changed_on: date, reason: str | None
) -> PilotStageChange:
    current = PilotStage(pilot.stage)
    try:
        target = PilotStage(to_stage)
    except ValueError:
        raise PilotInputError("Bitte eine Stufe aus der Liste wählen.") from None
    if target not in STAGE_TRANSITIONS[current]:
        allowed = ", ".join(f"„{label(stage)}“" for stage in STAGE_TRANSITIONS[current]) or "keine"
        raise PilotInputError(
            f"Von „{label(current)}“ geht es nicht zu „{label(target)}“. Möglich sind: {allowed}."
        )
    changed_on = check_date(changed_on, what="Das Datum des Stufenwechsels")
    if changed_on < pilot.stage_since:
        raise PilotInputError("Der Stufenwechsel kann nicht vor dem Beginn der aktuellen Stufe liegen.")
    assert pilot.id is not None  # a stored Lotse
    change = PilotStageChange(
        pilot_id=pilot.id,
        unit_id=pilot.unit_id,
        from_stage=current.value,
        to_stage=target.value,
        changed_on=changed_on,
        reason=reason,
    )
    session.add(change)
    before = {"stage": pilot.stage, "stage_since": pilot.stage_since, "version": pilot.version}
    pilot.stage = target.value
    pilot.stage_since = changed_on
    pilot.version += 1
    session.add(pilot)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="stage",
        entity="pilot",
        entity_id=pilot.id,
        changes={
            "stage": (before["stage"], pilot.stage),
            "stage_since": (before["stage_since"], pilot.stage_since),
            "reason": (None, reason),
            "version": (before["version"], pilot.version),
        },
    )
    return change


@dataclass(frozen=True)
class StageChange:
    pilot_id: int
    expected_version: int
    to_stage: str
    reason: str | None = None
    changed_on: date | None = None  # None: today


def change_stage(*, session: Session, actor: Actor, data: StageChange) -> Pilot:
    """Move a Lotse one allowed step (STAGE_TRANSITIONS); the CDO-Büro must give a reason."""
    pilot_id, expected_version, changed_on = data.pilot_id, data.expected_version, data.changed_on
    check_person_access(actor, pilot_id)
    reason = clean(data.reason, limit=MAX_REASON, what="Die Begründung")
    if actor.role == Role.ADMIN and reason is None:
        raise PilotInputError("Bitte eine Begründung für den Stufenwechsel angeben.")
    pilot = checked_pilot(session, pilot_id, expected_version)
    check_writable(pilot)
    _apply_stage(
        session,
        actor=actor,
        pilot=pilot,
        to_stage=data.to_stage,
        changed_on=changed_on or clock.today(),
        reason=reason,
    )
    return pilot


def _apply_hours(session: Session, *, actor: Actor, pilot: Pilot, hours_per_week: float) -> None:
    try:
        hours = round(float(hours_per_week), 1)
    except (TypeError, ValueError):
        raise PilotInputError("Bitte die Stunden pro Woche als Zahl angeben.") from None
    if not 0 <= hours <= MAX_HOURS:
        raise PilotInputError("Die Stunden pro Woche müssen zwischen 0 und 40 liegen.")
    before = (pilot.hours_per_week, pilot.version)
    pilot.hours_per_week = hours
    pilot.version += 1
    session.add(pilot)
    record_audit(
        session=session,
        actor=actor.username,
        action="update",
        entity="pilot",
        entity_id=pilot.id,
        changes={"hours_per_week": (before[0], hours), "version": (before[1], pilot.version)},
    )


@dataclass(frozen=True)
class HoursChange:
    pilot_id: int
    expected_version: int
    hours_per_week: float


def change_hours(*, session: Session, actor: Actor, data: HoursChange) -> Pilot:
    """Set the hours per week for the role (0–40)."""
    check_person_access(actor, data.pilot_id)
    pilot = checked_pilot(session, data.pilot_id, data.expected_version)
    check_writable(pilot)
    _apply_hours(session, actor=actor, pilot=pilot, hours_per_week=data.hours_per_week)
    return pilot


@dataclass(frozen=True)
class ReportResult:
    status_update_id: int
    activities: int
    module_name: str | None
    stage: str | None
    hours_per_week: float | None
    version: int


# The Mein-Status form as submitted: the report and the version of the Lotse it was drawn from.
@dataclass(frozen=True)
class ReportSubmission:
    pilot_id: int
    expected_version: int
    report: FullReport
    author_id: int | None = None


def save_report(*, session: Session, actor: Actor, data: ReportSubmission) -> ReportResult:
    """The whole Mein-Status form in one transaction: stage and hours checked against the version."""
    pilot_id, expected_version, report = data.pilot_id, data.expected_version, data.report
    check_person_access(actor, pilot_id)
    pilot = get_pilot(session, pilot_id)
    check_writable(pilot)
    saved_at = _repeated_report(session, actor=actor, pilot=pilot, report=report)
    if saved_at is not None:
        raise AlreadySaved(
            f"Diese Meldung ist bereits gespeichert (um {fmt_time(saved_at)}) "
            "und wurde nicht ein zweites Mal gespeichert."
        )
    hours_changed = report.hours_per_week is not None and round(float(report.hours_per_week), 1) != round(
        pilot.hours_per_week, 1
    )
    status = report.status
    if not (
        status.text
        and status.text.strip()
        or status.blocker
        and status.blocker.strip()
        or status.support_wanted
        or status.activities
        or report.to_stage
        or report.completed_module_id is not None
        or hours_changed
    ):
        raise PilotInputError("Bitte tragen Sie mindestens eine Angabe ein, bevor Sie speichern.")
    if report.to_stage or hours_changed:
        pilot = checked_pilot(session, pilot_id, expected_version)
        if report.to_stage:
            _apply_stage(
                session,
                actor=actor,
                pilot=pilot,
                to_stage=report.to_stage,
                changed_on=clock.today(),
                reason=None,
            )
        if hours_changed:
            assert report.hours_per_week is not None
            _apply_hours(session, actor=actor, pilot=pilot, hours_per_week=report.hours_per_week)
    module_name = None
    if report.completed_module_id is not None:
        complete_module(
            session=session,
            actor=actor,
            data=ModuleCompletion(
                pilot_id=pilot_id,
                module_id=report.completed_module_id,
                completed_on=report.completed_on or clock.today(),
            ),
        )
        module = session.get(TrainingModule, report.completed_module_id)
        assert module is not None  # complete_module has found it
        module_name = module.name
    update_row = record_status_update(
        session=session,
        actor=actor,
        data=NewStatusUpdate(pilot_id=pilot_id, report=status, author_id=data.author_id),
    )
    assert update_row.id is not None  # flushed by record_status_update
    return ReportResult(
        status_update_id=update_row.id,
        activities=len(status.activities),
        module_name=module_name,
        stage=report.to_stage,
        hours_per_week=pilot.hours_per_week if hours_changed else None,
        version=pilot.version,
    )


@dataclass(frozen=True)
class SupportResolution:
    status_update_id: int


def resolve_support_request(*, session: Session, actor: Actor, data: SupportResolution) -> StatusUpdate:
    """The CDO-Büro marks a request for support as done (today)."""
    check_admin(actor)
    row = session.get(StatusUpdate, data.status_update_id, with_for_update=True)
    if row is None or not row.support_wanted:
        raise PilotInputError("Diesen Unterstützungswunsch gibt es nicht.")
    if row.support_resolved_on is not None:
        raise PilotInputError("Dieser Unterstützungswunsch ist bereits erledigt.")
    row.support_resolved_on = clock.today()
    session.add(row)
    record_audit(
        session=session,
        actor=actor.username,
        action="resolve",
        entity="status_update",
        entity_id=row.id,
        changes={"support_resolved_on": (None, row.support_resolved_on)},
    )
    return row
