"""DSGVO for one Lotse: the disclosure of everything stored (Art. 15) and the anonymisation (Art. 17)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import String, and_, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from model.accounts.passwords import hash_password
from model.core import clock
from model.core.actor import Actor, check_admin
from model.core.audit import record_audit
from model.core.security_log import security_event
from model.core.statements import select_columns, table_of
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
from model.pilots.checks import PilotInputError, get_pilot

ANONYMISED = "anonymisiert"
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


# --- DSGVO -------------------------------------------------------------------------------------


def _frame(session: Session, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.exec(query).all(), columns=columns)


def _rows(session: Session, model: type[SQLModel], *conditions: Any) -> pd.DataFrame:
    table = table_of(model)
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
        and_(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id).in_(ids))
        for entity, ids in own
        if ids
    ]
    if user is not None:
        conditions.append(
            and_(col(AuditEntry.entity) == "app_user", col(AuditEntry.entity_id) == str(user.id))
        )
        conditions.append(col(AuditEntry.actor) == user.username)
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


# The person an Art. 15 or Art. 17 request is about.
@dataclass(frozen=True)
class PersonRequest:
    pilot_id: int


def export_person(*, session: Session, actor: Actor, data: PersonRequest) -> PersonExport:
    """All rows about one person; the disclosure itself is audited (without content) and logged."""
    pilot_id = data.pilot_id
    check_admin(actor)
    pilot = get_pilot(session, pilot_id)
    security_event("personal_export", user=actor.username, what="auskunft", pilot_id=pilot_id)
    user = _linked_user(session, pilot_id)
    person = _frame(
        session,
        select_columns(*table_of(Pilot).c, col(OrgUnit.code), col(OrgUnit.name))
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(Pilot.id == pilot_id),
        [*[column.name for column in table_of(Pilot).c], "unit_code", "unit_name"],
    )
    training = _frame(
        session,
        select(
            col(TrainingRecord.id),
            col(TrainingModule.name),
            col(TrainingRecord.enrolled_on),
            col(TrainingRecord.completed_on),
        )
        .join(TrainingModule, col(TrainingModule.id) == TrainingRecord.module_id)
        .where(TrainingRecord.pilot_id == pilot_id)
        .order_by(col(TrainingRecord.id)),
        ["id", "module", "enrolled_on", "completed_on"],
    )
    user_columns = [column for column in table_of(AppUser).c if column.name != "password_hash"]
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
            or_(col(Measure.submitted_by_pilot_id) == pilot_id, col(Measure.contact_pilot_id) == pilot_id),
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


def anonymise_person(*, session: Session, actor: Actor, data: PersonRequest) -> Pilot:
    """DSGVO Art. 17: remove name, e-mail and free texts everywhere, the audit log included.

    The pilot row and its stage history stay (with placeholders), so unit-level counts over time
    do not change; the login is deactivated and unlinked.
    """
    pilot_id = data.pilot_id
    check_admin(actor)
    pilot = get_pilot(session, pilot_id, lock=True)
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
                .where(col(model.pilot_id) == pilot_id, column.is_not(None))
                .values({name: ANONYMISED})
            )
    if user is not None:
        session.execute(
            update(LoginFailure)
            .where(col(LoginFailure.username) == user.username)
            .values(username=ANONYMISED)
        )
        user.username = f"anonymisiert-{user.id}"
        user.display_name = ANONYMISED
        user.email = None
        user.active = False
        user.pilot_id = None
        user.password_hash = hash_password(secrets.token_urlsafe(32), rounds=4)
        user.sessions_valid_after = clock.now()
        user.version += 1
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
