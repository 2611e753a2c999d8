"""Reading the audit log: filters (user, object type, period) and old → new per field, in German."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    ModuleKind,
    PhaseStatus,
    PilotStage,
    Rag,
    Role,
    UnitKind,
    labels_of,
)
from model.core.german import fmt_trimmed
from model.core.tables import AuditEntry, FundingProgramme, OrgUnit, Pilot, TrainingModule
from model.exchange import SHEETS

DEFAULT_LIMIT = 2_000
COLUMNS = ["Zeitpunkt", "Benutzer", "Aktion", "Objekt", "Objekt-ID", "Feld", "Alt", "Neu"]

ENTITY_LABELS = {
    "org_unit": "Organisationseinheit",
    "pilot": "Lotsin/Lotse",
    "pilot_stage_change": "Stufenwechsel",
    "measure": "Maßnahme",
    "it_staff": "IT-Personal",
    "funding_programme": "Förderprogramm",
    "app_user": "Benutzer",
    "app_setting": "Einstellung",
    "status_update": "Statusmeldung",
    "activity": "Aktivität",
    "training_record": "Qualifizierung",
    "training_module": "Modul",
    "phase": "Phase",
    "milestone": "Meilenstein",
    "gate_decision": "Beschluss",
    "meeting_snapshot": "Sitzung",
    "database": "Datenbank",
}
ACTION_LABELS = {
    "create": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "move": "verschoben",
    "activate": "aktiviert",
    "reactivate": "reaktiviert",
    "deactivate": "deaktiviert",
    "anonymise": "anonymisiert",
    "complete": "abgeschlossen",
    "resolve": "erledigt",
    "stage": "Stufe gewechselt",
    "triage": "Idee bewertet",
    "role": "Rolle geändert",
    "link": "verknüpft",
    "lock": "gesperrt",
    "unlock": "entsperrt",
    "password": "Passwort geändert",
    "logout": "abgemeldet",
    "revoke": "Anmeldungen widerrufen",
    "export": "exportiert",
    "import": "importiert",
    "backup": "gesichert",
    "restore": "wiederhergestellt",
    "seed": "Demo-Daten angelegt",
}
# Field names of the tables → German column names (the exchange headers where there is one).
FIELD_LABELS = {
    **{column.field: column.header.removesuffix(" (Kürzel)") for spec in SHEETS for column in spec.columns},
    "parent_id": "Übergeordnet",
    "unit_id": "Organisationseinheit",
    "funding_id": "Förderprogramm",
    "pilot_id": "Lotsin/Lotse",
    "contact_pilot_id": "Ansprechperson",
    "submitted_by_pilot_id": "Eingereicht von",
    "module_id": "Modul",
    "active": "Aktiv",
    "rag": "Ampel",
    "efa": "EfA",
    "maturity_actual": "Reifegrad Ist",
    "decision_ref": "Beschluss/Vorlage-Nr.",
    "role": "Rolle",
    "username": "Benutzername",
    "display_name": "Anzeigename",
    "from_stage": "Stufe vorher",
    "to_stage": "Stufe",
    "reason": "Grund",
    "text": "Text",
    "blocker": "Hindernis",
    "support_wanted": "Unterstützung gewünscht",
    "completed_on": "Abgeschlossen am",
    "enrolled_on": "Angemeldet am",
    "files": "Dateien",
    "backup": "Sicherung",
    "export": "Export",
    "restored_from": "Wiederhergestellt aus",
    "safety_copy": "Vorheriger Stand gesichert in",
    "scale": "Stufe der Demo-Daten",
}
_CHOICES: dict[str, dict[str, str]] = {
    "kind": labels_of(UnitKind) | labels_of(ModuleKind),
    "stage": labels_of(PilotStage),
    "from_stage": labels_of(PilotStage),
    "to_stage": labels_of(PilotStage),
    "category": labels_of(Category),
    "donor": labels_of(Donor),
    "task_area": labels_of(ItTaskArea),
    "role": labels_of(Role),
    "rag": labels_of(Rag),
}
_STATUS_BY_ENTITY = {
    "measure": labels_of(MeasureStatus),
    "funding_programme": labels_of(FundingStatus),
    "phase": labels_of(PhaseStatus),
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Reference fields shown by name instead of id: table, id column, shown column.
_REFERENCES: dict[str, tuple[Any, Any]] = {
    "parent_id": (OrgUnit.id, OrgUnit.code),
    "unit_id": (OrgUnit.id, OrgUnit.code),
    "funding_id": (FundingProgramme.id, FundingProgramme.name),
    "pilot_id": (Pilot.id, Pilot.name),
    "contact_pilot_id": (Pilot.id, Pilot.name),
    "submitted_by_pilot_id": (Pilot.id, Pilot.name),
    "module_id": (TrainingModule.id, TrainingModule.name),
}


@dataclass(frozen=True)
class AuditFilterOptions:
    actors: tuple[str, ...]
    entities: dict[str, str]  # code → German label


# One page of the log: the expanded rows and how many entries matched in all.
@dataclass(frozen=True)
class AuditLog:
    frame: pd.DataFrame
    entries_shown: int
    entries_total: int


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def audit_filter_options(*, session: Session) -> AuditFilterOptions:
    """The users and object types that occur in the log, for the filters."""
    actors = session.exec(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)).all()
    entities = session.exec(select(AuditEntry.entity).distinct()).all()
    labelled = sorted(((entity_label(e), e) for e in entities), key=lambda pair: pair[0].casefold())
    return AuditFilterOptions(actors=tuple(actors), entities={code: text for text, code in labelled})


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LOCAL_TIMEZONE).astimezone(clock.now().tzinfo)


def _conditions(actor: str | None, entity: str | None, start: date | None, end: date | None) -> list[Any]:
    conditions: list[Any] = []
    if actor:
        conditions.append(AuditEntry.actor == actor)
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if start is not None:
        conditions.append(AuditEntry.at >= _local_midnight_utc(start))
    if end is not None:
        conditions.append(AuditEntry.at < _local_midnight_utc(end + timedelta(days=1)))
    return conditions


def audit_entries(
    *,
    session: Session,
    actor: str | None = None,
    entity: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AuditLog:
    """The newest `limit` entries matching the filters, one row per changed field (old → new)."""
    conditions = _conditions(actor, entity, start, end)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    entries = session.exec(
        select(AuditEntry)
        .where(*conditions)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    parsed = [(entry, _changes(entry.changes)) for entry in entries]
    names = _reference_names(session, [changes for _, changes in parsed])
    rows = [
        [
            _when(entry.at),
            entry.actor,
            ACTION_LABELS.get(entry.action, entry.action),
            entity_label(entry.entity),
            entry.entity_id or "–",
            FIELD_LABELS.get(name, name) if name else "–",
            _shown(entry.entity, name, old, names),
            _shown(entry.entity, name, new, names),
        ]
        for entry, changes in parsed
        for name, (old, new) in (changes.items() or [("", (None, None))])
    ]
    return AuditLog(pd.DataFrame(rows, columns=COLUMNS), entries_shown=len(entries), entries_total=int(total))


def _changes(text: str) -> dict[str, tuple[Any, Any]]:
    try:
        raw = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {"": (None, text)}
    if not isinstance(raw, dict):
        return {"": (None, raw)}
    result: dict[str, tuple[Any, Any]] = {}
    for name, pair in raw.items():
        if isinstance(pair, list) and len(pair) == 2:
            result[name] = (pair[0], pair[1])
        else:
            result[name] = (None, pair)
    return result


def _reference_names(
    session: Session, all_changes: list[dict[str, tuple[Any, Any]]]
) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = {}
    for changes in all_changes:
        for name, pair in changes.items():
            if name in _REFERENCES:
                wanted.setdefault(name, set()).update(v for v in pair if isinstance(v, int))
    names: dict[str, dict[int, str]] = {}
    for name, ids in wanted.items():
        id_column, shown_column = _REFERENCES[name]
        rows = session.exec(select(id_column, shown_column).where(id_column.in_(sorted(ids)))).all()
        names[name] = {row_id: str(text) for row_id, text in rows}
    return names


def _when(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=clock.now().tzinfo)
    return aware.astimezone(clock.LOCAL_TIMEZONE).strftime("%d.%m.%Y %H:%M:%S")


def _shown(entity: str, name: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    """A stored value as a German reader expects it: labels, names, dates, ja/nein."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if name in names and isinstance(value, int):
        return f"{names[name].get(value, '(gelöscht)')} (#{value})"
    if isinstance(value, int | float):
        return fmt_trimmed(value)
    if isinstance(value, str):
        choices = _STATUS_BY_ENTITY.get(entity, {}) if name == "status" else _CHOICES.get(name, {})
        if value in choices:
            return choices[value]
        if match := _ISO_DATE.match(value):
            return f"{match.group(3)}.{match.group(2)}.{match.group(1)}"
        if _ISO_DATETIME.match(value):
            try:
                return _when(datetime.fromisoformat(value))
            except ValueError:
                return value
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
