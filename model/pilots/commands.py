"""Writes about Lotsen: reports, stage and hours changes, training, ideas, support, DSGVO.

Every command runs inside the caller's `write_session()` (one transaction), records its audit row in
it and checks on the server who may act: a Lotse only on the own record, the CDO-Büro on anyone,
the Verwaltungsleitung on nobody. Stage and hours use optimistic locking on `pilot.version`;
status updates are appends and never conflict.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import String, and_, func, or_, update
from sqlmodel import Session, SQLModel, select

from model.accounts.passwords import hash_password
from model.core import clock
from model.core.audit import AlreadySaved, record_audit, repeated_create
from model.core.enums import STAGE_TRANSITIONS, ActivityType, PilotStage, Role, label
from model.core.german import fmt_time
from model.core.security_log import security_event
from model.core.tables import (
    Activity,
    AppUser,
    AuditEntry,
    Idea,
    LoginFailure,
    Measure,
    OrgUnit,
    Pilot,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from model.core.tabular import xlsx_bytes
from model.pilots.reads import Actor, check_admin, check_person_access

ANONYMISED = "anonymisiert"
EARLIEST = date(2000, 1, 1)
MAX_TEXT = 2000
MAX_BLOCKER = 1000
MAX_NOTE = 1000
MAX_REASON = 500
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_HOURS = 40.0
# Audit fields that can hold personal data or free text; Art. 17 blanks them.
PERSONAL_AUDIT_FIELDS = frozenset(
    {
        "name",
        "email",
        "text",
        "blocker",
        "note",
        "reason",
        "description",
        "decision_note",
        "display_name",
        "username",
    }
)


class PilotInputError(ValueError):
    """Bad input with a German message for the user; nothing was changed."""


class StaleEditError(RuntimeError):
    """The record changed since the user loaded it; the save was refused, nothing was changed."""

    def __init__(self) -> None:
        super().__init__(
            "Nicht gespeichert: Diese Angaben wurden inzwischen an anderer Stelle geändert "
            "(zum Beispiel in einem anderen Browser-Tab). Die Seite zeigt jetzt den aktuellen Stand; "
            "Ihre Eingaben stehen noch im Formular – bitte prüfen und erneut speichern."
        )


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


def _clean(text: str | None, *, limit: int, what: str) -> str | None:
    """Stripped text or None; longer than `limit` is refused."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) > limit:
        raise PilotInputError(f"{what} ist zu lang: höchstens {limit:,} Zeichen.".replace(",", "."))
    return text


def _check_date(value: date, *, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise PilotInputError(f"{what}: Bitte ein gültiges Datum angeben.")
    if value > clock.today():
        raise PilotInputError(f"{what} darf nicht in der Zukunft liegen.")
    if value < EARLIEST:
        raise PilotInputError(f"{what} liegt zu weit in der Vergangenheit.")
    return value


def _pilot(session: Session, pilot_id: int, *, lock: bool = False) -> Pilot:
    pilot = session.get(Pilot, pilot_id, with_for_update=lock)
    if pilot is None:
        raise PilotInputError("Diese Lotsin / diesen Lotsen gibt es nicht.")
    return pilot


def _checked_pilot(session: Session, pilot_id: int, expected_version: int) -> Pilot:
    """The pilot row, locked for the transaction, if nobody changed it since `expected_version`."""
    pilot = _pilot(session, pilot_id, lock=True)
    session.refresh(pilot)
    if pilot.version != expected_version:
        raise StaleEditError()
    return pilot


def _writable(pilot: Pilot) -> None:
    if pilot.anonymised:
        raise PilotInputError(
            "Diese Person wurde anonymisiert; ihre Angaben können nicht mehr geändert werden."
        )


def _status_changes(pilot_id: int, report: StatusReport) -> dict[str, tuple[Any, Any]]:
    """The checked fields of a status update, as its audit row records them."""
    text = _clean(report.text, limit=MAX_TEXT, what="Der Text der Meldung")
    blocker = _clean(report.blocker, limit=MAX_BLOCKER, what="Das Hindernis")
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
    status = report.status
    repeat = repeated_create(
        session=session,
        actor=actor.username,
        entity="status_update",
        changes=_status_changes(pilot.id, status),  # type: ignore[arg-type]
    )
    if repeat is None or repeat.entity_id is None:
        return None
    stored = session.exec(
        select(Activity.activity_type, Activity.count, Activity.done_on, Activity.note).where(
            Activity.status_update_id == int(repeat.entity_id)
        )
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
                TrainingRecord.completed_on.is_not(None),  # type: ignore[union-attr]
            )
        ).first()
        if done is None:
            return None
    return repeat.at


def record_status_update(
    *, session: Session, actor: Actor, pilot_id: int, report: StatusReport, author_id: int | None = None
) -> StatusUpdate:
    """Append a status update with its activities; sets the Lotse's date of the last update."""
    check_person_access(actor, pilot_id)
    pilot = _pilot(session, pilot_id)
    _writable(pilot)
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
        done_on=_check_date(activity.done_on, what="Das Datum der Aktivität"),
        note=_clean(activity.note, limit=MAX_NOTE, what="Die Notiz zur Aktivität"),
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
    changed_on = _check_date(changed_on, what="Das Datum des Stufenwechsels")
    if changed_on < pilot.stage_since:
        raise PilotInputError("Der Stufenwechsel kann nicht vor dem Beginn der aktuellen Stufe liegen.")
    change = PilotStageChange(
        pilot_id=pilot.id,  # type: ignore[arg-type]
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


def change_stage(
    *,
    session: Session,
    actor: Actor,
    pilot_id: int,
    expected_version: int,
    to_stage: str,
    reason: str | None = None,
    changed_on: date | None = None,
) -> Pilot:
    """Move a Lotse one allowed step (STAGE_TRANSITIONS); the CDO-Büro must give a reason."""
    check_person_access(actor, pilot_id)
    reason = _clean(reason, limit=MAX_REASON, what="Die Begründung")
    if actor.role == Role.ADMIN and reason is None:
        raise PilotInputError("Bitte eine Begründung für den Stufenwechsel angeben.")
    pilot = _checked_pilot(session, pilot_id, expected_version)
    _writable(pilot)
    _apply_stage(
        session,
        actor=actor,
        pilot=pilot,
        to_stage=to_stage,
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


def change_hours(
    *, session: Session, actor: Actor, pilot_id: int, expected_version: int, hours_per_week: float
) -> Pilot:
    """Set the hours per week for the role (0–40)."""
    check_person_access(actor, pilot_id)
    pilot = _checked_pilot(session, pilot_id, expected_version)
    _writable(pilot)
    _apply_hours(session, actor=actor, pilot=pilot, hours_per_week=hours_per_week)
    return pilot


def complete_module(
    *, session: Session, actor: Actor, pilot_id: int, module_id: int, completed_on: date
) -> TrainingRecord:
    """Record a completed training module (enrolling on the same day if there was no enrolment)."""
    check_person_access(actor, pilot_id)
    _writable(_pilot(session, pilot_id))
    module = session.get(TrainingModule, module_id)
    if module is None or not module.active:
        raise PilotInputError("Dieses Modul gibt es nicht (mehr).")
    completed_on = _check_date(completed_on, what="Das Datum des Abschlusses")
    record = session.exec(
        select(TrainingRecord).where(
            TrainingRecord.pilot_id == pilot_id, TrainingRecord.module_id == module_id
        )
    ).first()
    if record is not None and record.completed_on is not None:
        raise PilotInputError(f"Das Modul „{module.name}“ ist bereits als abgeschlossen erfasst.")
    if record is not None and completed_on < record.enrolled_on:
        raise PilotInputError("Der Abschluss kann nicht vor der Einschreibung in das Modul liegen.")
    before_enrolled = None if record is None else record.enrolled_on
    if record is None:
        record = TrainingRecord(pilot_id=pilot_id, module_id=module_id, enrolled_on=completed_on)
    record.completed_on = completed_on
    session.add(record)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="complete",
        entity="training_record",
        entity_id=record.id,
        changes={
            "pilot_id": (None, pilot_id) if before_enrolled is None else (pilot_id, pilot_id),
            "module_id": (None, module_id) if before_enrolled is None else (module_id, module_id),
            "enrolled_on": (before_enrolled, record.enrolled_on),
            "completed_on": (None, completed_on),
        },
    )
    return record


# What saving the Mein-Status form did, for the confirmation.
@dataclass(frozen=True)
class ReportResult:
    status_update_id: int
    activities: int
    module_name: str | None
    stage: str | None
    hours_per_week: float | None
    version: int


def save_report(
    *,
    session: Session,
    actor: Actor,
    pilot_id: int,
    expected_version: int,
    report: FullReport,
    author_id: int | None = None,
) -> ReportResult:
    """The whole Mein-Status form in one transaction: stage and hours checked against the version."""
    check_person_access(actor, pilot_id)
    pilot = _pilot(session, pilot_id)
    _writable(pilot)
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
        pilot = _checked_pilot(session, pilot_id, expected_version)
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
            pilot_id=pilot_id,
            module_id=report.completed_module_id,
            completed_on=report.completed_on or clock.today(),
        )
        module_name = session.get(TrainingModule, report.completed_module_id).name  # type: ignore[union-attr]
    update_row = record_status_update(
        session=session, actor=actor, pilot_id=pilot_id, report=status, author_id=author_id
    )
    return ReportResult(
        status_update_id=update_row.id,  # type: ignore[arg-type]
        activities=len(status.activities),
        module_name=module_name,
        stage=report.to_stage,
        hours_per_week=pilot.hours_per_week if hours_changed else None,
        version=pilot.version,
    )


def resolve_support_request(*, session: Session, actor: Actor, status_update_id: int) -> StatusUpdate:
    """The CDO-Büro marks a request for support as done (today)."""
    check_admin(actor)
    row = session.get(StatusUpdate, status_update_id, with_for_update=True)
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


# --- DSGVO -------------------------------------------------------------------------------------


def _frame(session: Session, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.exec(query).all(), columns=columns)


def _rows(session: Session, model: type[SQLModel], *conditions: Any) -> pd.DataFrame:
    table = model.__table__  # type: ignore[attr-defined]
    rows = session.exec(select(*table.c).where(*conditions)).all()
    return pd.DataFrame(rows, columns=[column.name for column in table.c])


def _linked_user(session: Session, pilot_id: int) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.pilot_id == pilot_id)).first()


def _ids(session: Session, column: Any, condition: Any) -> list[str]:
    return [str(value) for value in session.exec(select(column).where(condition)).all()]


def _audit_about(session: Session, pilot_id: int, user: AppUser | None) -> Any:
    """WHERE condition for audit rows about the person: their rows, their account, their actions."""
    own = [
        ("pilot", [str(pilot_id)]),
        ("status_update", _ids(session, StatusUpdate.id, StatusUpdate.pilot_id == pilot_id)),
        ("activity", _ids(session, Activity.id, Activity.pilot_id == pilot_id)),
        ("training_record", _ids(session, TrainingRecord.id, TrainingRecord.pilot_id == pilot_id)),
        ("pilot_stage_change", _ids(session, PilotStageChange.id, PilotStageChange.pilot_id == pilot_id)),
        ("measure", _ids(session, Measure.id, Measure.submitted_by_pilot_id == pilot_id)),
        ("idea", _ids(session, Idea.id, Idea.pilot_id == pilot_id)),
    ]
    conditions = [
        and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))  # type: ignore[union-attr]
        for entity, ids in own
        if ids
    ]
    if user is not None:
        conditions.append(and_(AuditEntry.entity == "app_user", AuditEntry.entity_id == str(user.id)))
        conditions.append(AuditEntry.actor == user.username)
    return or_(*conditions)


# Everything stored about one person (DSGVO Art. 15), one frame per kind of data.
@dataclass(frozen=True)
class PersonExport:
    pilot_id: int
    created_at: datetime
    sheets: dict[str, pd.DataFrame]

    def json_bytes(self) -> bytes:
        payload = {
            "Auskunft nach Art. 15 DSGVO": {
                "Lotsin/Lotse (ID)": self.pilot_id,
                "erstellt am": self.created_at.isoformat(),
            },
            **{
                name: json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
                for name, frame in self.sheets.items()
            },
        }
        return json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode("utf-8")

    def xlsx_bytes(self) -> bytes:
        return xlsx_bytes({name: _excel_safe(frame) for name, frame in self.sheets.items()})


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    # openpyxl cannot store timezone-aware datetimes.
    return frame.map(lambda value: value.replace(tzinfo=None) if isinstance(value, datetime) else value)


def export_person(*, session: Session, actor: Actor, pilot_id: int) -> PersonExport:
    """All rows about one person; the disclosure itself is audited (without content) and logged."""
    check_admin(actor)
    pilot = _pilot(session, pilot_id)
    security_event("personal_export", user=actor.username, what="auskunft", pilot_id=pilot_id)
    user = _linked_user(session, pilot_id)
    person = _frame(
        session,
        select(*Pilot.__table__.c, OrgUnit.code, OrgUnit.name)  # type: ignore[attr-defined]
        .join(OrgUnit, OrgUnit.id == Pilot.unit_id)
        .where(Pilot.id == pilot_id),
        [*[column.name for column in Pilot.__table__.c], "unit_code", "unit_name"],  # type: ignore[attr-defined]
    )
    training = _frame(
        session,
        select(
            TrainingRecord.id, TrainingModule.name, TrainingRecord.enrolled_on, TrainingRecord.completed_on
        )
        .join(TrainingModule, TrainingModule.id == TrainingRecord.module_id)
        .where(TrainingRecord.pilot_id == pilot_id)
        .order_by(TrainingRecord.id),
        ["id", "module", "enrolled_on", "completed_on"],
    )
    user_columns = [column for column in AppUser.__table__.c if column.name != "password_hash"]  # type: ignore[attr-defined]
    account = (
        _frame(session, select(*user_columns).where(AppUser.id == user.id), [c.name for c in user_columns])
        if user is not None
        else pd.DataFrame(columns=[c.name for c in user_columns])
    )
    sheets = {
        "Person": person,
        "Stufenverlauf": _rows(session, PilotStageChange, PilotStageChange.pilot_id == pilot_id),
        "Statusmeldungen": _rows(session, StatusUpdate, StatusUpdate.pilot_id == pilot_id),
        "Aktivitäten": _rows(session, Activity, Activity.pilot_id == pilot_id),
        "Qualifizierung": training,
        "Ideen": _rows(session, Idea, Idea.pilot_id == pilot_id),
        "Maßnahmen": _rows(
            session,
            Measure,
            or_(Measure.submitted_by_pilot_id == pilot_id, Measure.contact_pilot_id == pilot_id),
        ),
        "Benutzerkonto": account,
        "Protokoll": _rows(session, AuditEntry, _audit_about(session, pilot_id, user)),
    }
    record_audit(
        session=session,
        actor=actor.username,
        action="export",
        entity="pilot",
        entity_id=pilot.id,
        changes={"art_15": (None, "Auskunft erstellt")},
    )
    return PersonExport(pilot_id=pilot_id, created_at=clock.now(), sheets=sheets)


def _scrub_audit_changes(changes: str, needles: tuple[str, ...]) -> str:
    """Blank personal and free-text fields of one audit row; other values stay for the trail."""
    try:
        parsed = json.loads(changes)
    except json.JSONDecodeError:
        return ANONYMISED
    if not isinstance(parsed, dict):
        return ANONYMISED
    for key, values in parsed.items():
        if key in PERSONAL_AUDIT_FIELDS and isinstance(values, list):
            parsed[key] = [None if value is None else ANONYMISED for value in values]
    text = json.dumps(parsed, ensure_ascii=False, sort_keys=True)
    for needle in needles:
        text = text.replace(needle, ANONYMISED)
    return text


def _is_text(column: Any) -> bool:
    # SQLModel's AutoString is a TypeDecorator around String, not a String subclass.
    column_type = column.type
    return isinstance(column_type, String) or isinstance(getattr(column_type, "impl_instance", None), String)


def _sweep(session: Session, needles: tuple[str, ...]) -> None:
    """Replace the name and e-mail wherever any text column still holds them (other people's notes)."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.c:
            if not _is_text(column) or column.primary_key or column.name == "password_hash":
                continue
            for needle in needles:
                session.execute(
                    update(table)
                    .where(column.contains(needle, autoescape=True))
                    .values({column.name: func.replace(column, needle, ANONYMISED)})
                )


def anonymise_person(*, session: Session, actor: Actor, pilot_id: int) -> Pilot:
    """DSGVO Art. 17: remove name, e-mail and free texts everywhere, the audit log included.

    The pilot row and its stage history stay (with placeholders), so unit-level counts over time
    do not change; the login is deactivated and unlinked.
    """
    check_admin(actor)
    pilot = _pilot(session, pilot_id, lock=True)
    if pilot.anonymised:
        raise PilotInputError("Diese Person ist bereits anonymisiert.")
    user = _linked_user(session, pilot_id)
    needles = tuple(dict.fromkeys(n for n in (pilot.name, pilot.email, pilot.email.lower()) if len(n) >= 3))
    for entry in session.exec(select(AuditEntry).where(_audit_about(session, pilot_id, user))).all():
        entry.changes = _scrub_audit_changes(entry.changes, needles)
        if user is not None and entry.actor == user.username:
            entry.actor = ANONYMISED
        session.add(entry)
    for model, columns in (
        (StatusUpdate, ("text", "blocker")),
        (Activity, ("note",)),
        (PilotStageChange, ("reason",)),
        (Idea, ("description", "decision_note")),
    ):
        for name in columns:
            column = getattr(model, name)
            session.execute(
                update(model)
                .where(model.pilot_id == pilot_id, column.is_not(None))  # type: ignore[attr-defined]
                .values({name: ANONYMISED})
            )
    if user is not None:
        session.execute(
            update(LoginFailure).where(LoginFailure.username == user.username).values(username=ANONYMISED)
        )
        user.username = f"anonymisiert-{user.id}"
        user.display_name = ANONYMISED
        user.email = None
        user.active = False
        user.pilot_id = None
        user.password_hash = hash_password(secrets.token_urlsafe(32), rounds=4)
        user.sessions_valid_after = clock.now()
        session.add(user)
    pilot.name = f"Anonymisiert #{pilot.id}"
    pilot.email = f"anonym-{pilot.id}@invalid"
    pilot.anonymised = True
    pilot.version += 1
    session.add(pilot)
    session.flush()
    _sweep(session, needles)
    record_audit(
        session=session,
        actor=actor.username,
        action="anonymise",
        entity="pilot",
        entity_id=pilot.id,
        changes={"anonymised": (False, True), "name": (ANONYMISED, pilot.name)},
    )
    return pilot


def export_file_name(pilot_id: int, suffix: str) -> str:
    return f"Auskunft_Art15_Lotse_{pilot_id}_{clock.today().isoformat()}.{suffix}"
