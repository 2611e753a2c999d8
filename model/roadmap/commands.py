"""Commands on roadmap measures: the admin's create and edit with validation, version check and audit."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from model.core.actor import Actor
from model.core.audit import diff, record_audit
from model.core.enums import Category, MeasureStatus, Rag, Role
from model.core.errors import DomainError, NotPermitted
from model.core.guard import StaleEditError, refuse_repeat
from model.core.tables import FundingProgramme, Measure, OrgUnit, Pilot
from model.roadmap.ozg import load_ozg_catalogue

__all__ = [
    "MeasureEdit",
    "MeasureInputError",
    "NewMeasure",
    "StaleEditError",
    "create_measure",
    "update_measure",
    "validate_changes",
]

# German names of the editable fields, in form order (also used in messages).
FIELD_LABELS = {
    "title": "Titel",
    "description": "Beschreibung",
    "category": "Kategorie",
    "unit_id": "Organisationseinheit",
    "contact_pilot_id": "Ansprechperson (Lotse)",
    "status": "Status",
    "rag": "Ampel",
    "benefit_citizens": "Nutzen Bürger*innen",
    "benefit_admin": "Nutzen Verwaltung",
    "urgency": "Dringlichkeit",
    "legal_duty": "Rechtliche Pflicht",
    "effort": "Aufwand",
    "start_quarter": "Start (Quartal)",
    "end_quarter": "Ende (Quartal)",
    "cost_operating": "Kosten konsumtiv (€)",
    "cost_capital": "Kosten investiv (€)",
    "person_days": "Personentage",
    "ozg_id": "OZG-Leistung (OZG-ID)",
    "maturity_target": "Reifegrad Ziel",
    "maturity_actual": "Reifegrad Ist",
    "efa": "EfA („Einer für alle“)",
    "funding_id": "Förderprogramm",
    "decision_ref": "Beschluss / Vorlage-Nr.",
}
MATURITY_LABELS = {
    0: "0 – offline",
    1: "1 – Information",
    2: "2 – Formular-Assistent",
    3: "3 – Online-Leistung (OZG-konform)",
    4: "4 – Online-Transaktion (Once-Only)",
}
MAX_COST = 1_000_000_000.0
MAX_PERSON_DAYS = 100_000.0
QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
GERMAN_QUARTER_PATTERN = re.compile(r"^Q([1-4])\s+(\d{4})$")
THOUSANDS_PATTERN = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


class MeasureInputError(DomainError, ValueError):
    """Input that cannot be saved; `messages` are German, one per bad field. Nothing was changed."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class _FieldError(Exception):
    """One field's German reason, collected into MeasureInputError."""


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _text(max_length: int, *, required: bool) -> Callable[[object], str | None]:
    def clean(value: object) -> str | None:
        if _empty(value):
            if required:
                raise _FieldError("Bitte einen Wert angeben.")
            return None
        text = str(value).strip()
        if len(text) > max_length:
            raise _FieldError(f"höchstens {max_length} Zeichen (jetzt {len(text)}).")
        return text

    return clean


def _code(options: type[Category] | type[MeasureStatus] | type[Rag]) -> Callable[[object], str]:
    def clean(value: object) -> str:
        codes = [member.value for member in options]
        if _empty(value):
            raise _FieldError("Bitte einen Wert wählen.")
        if value not in codes:
            raise _FieldError(f"„{str(value)[:40]}“ ist kein zulässiger Wert.")
        return str(value)

    return clean


def parse_number(value: object) -> float:
    """A number from a form: 12000, '12.000', '12.000,50', '1234,5', '12.5' (German first)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().removesuffix("€").strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif THOUSANDS_PATTERN.match(text):
        text = text.replace(".", "")
    return float(text)


def _number(minimum: float, maximum: float, *, whole: bool = False) -> Callable[[object], float]:
    def clean(value: object) -> float:
        if _empty(value):
            raise _FieldError("Bitte eine Zahl angeben.")
        try:
            number = parse_number(value)
        except ValueError:
            raise _FieldError(f"„{str(value)[:30]}“ ist keine Zahl.") from None
        if not math.isfinite(number) or not minimum <= number <= maximum:
            raise _FieldError(f"Bitte eine Zahl von {_plain(minimum)} bis {_plain(maximum)} angeben.")
        if whole and number != int(number):
            raise _FieldError("Bitte eine ganze Zahl angeben.")
        return number

    return clean


def _whole(minimum: int, maximum: int, *, optional: bool = False) -> Callable[[object], int | None]:
    number = _number(minimum, maximum, whole=True)

    def clean(value: object) -> int | None:
        if optional and _empty(value):
            return None
        return int(number(value))

    return clean


def _quarter(value: object) -> str | None:
    if _empty(value):
        return None
    text = str(value).strip()
    german = GERMAN_QUARTER_PATTERN.match(text)
    if german:
        text = f"{german.group(2)}-Q{german.group(1)}"
    match = QUARTER_PATTERN.match(text)
    if match is None or not 2000 <= int(match.group(1)) <= 2099:
        raise _FieldError(f"„{text[:20]}“ ist kein Quartal (Beispiel: 2026-Q3).")
    return text


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _FieldError("Bitte ja oder nein angeben.")
    return value


def _plain(number: float) -> str:
    text = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    return text.replace(",", "#").replace(".", ",").replace("#", ".")


_CLEANERS: dict[str, Callable[[object], Any]] = {
    "title": _text(200, required=True),
    "description": _text(4000, required=False),
    "category": _code(Category),
    "status": _code(MeasureStatus),
    "rag": _code(Rag),
    "benefit_citizens": _whole(1, 5),
    "benefit_admin": _whole(1, 5),
    "urgency": _whole(1, 5),
    "legal_duty": _whole(1, 5),
    "effort": _whole(1, 5),
    "start_quarter": _quarter,
    "end_quarter": _quarter,
    "cost_operating": _number(0, MAX_COST),
    "cost_capital": _number(0, MAX_COST),
    "person_days": _number(0, MAX_PERSON_DAYS),
    "ozg_id": _text(20, required=False),
    "maturity_target": _whole(0, 4, optional=True),
    "maturity_actual": _whole(0, 4, optional=True),
    "efa": _flag,
    "decision_ref": _text(50, required=False),
    "unit_id": _whole(1, 2**62, optional=True),
    "contact_pilot_id": _whole(1, 2**62, optional=True),
    "funding_id": _whole(1, 2**62, optional=True),
}
# Foreign keys: the table the id must exist in and what to say if it does not.
_REFERENCES: dict[str, tuple[type, str]] = {
    "unit_id": (OrgUnit, "Diese Organisationseinheit gibt es nicht."),
    "contact_pilot_id": (Pilot, "Diese Lotsin / diesen Lotsen gibt es nicht."),
    "funding_id": (FundingProgramme, "Dieses Förderprogramm gibt es nicht."),
}


def _title_taken(title: str, *, creating: bool) -> str:
    if creating:
        return (
            f"Es gibt schon eine Maßnahme mit dem Titel „{title}“. Bitte wählen Sie einen anderen Titel, "
            "oder ändern Sie die vorhandene Maßnahme unter „Maßnahme im Detail“."
        )
    return f"Es gibt schon eine Maßnahme mit dem Titel „{title}“."


def _check_references(session: Session, measure_id: int | None, values: dict[str, Any]) -> dict[str, str]:
    """Problems that need the database or the OZG catalogue, per field."""
    problems: dict[str, str] = {}
    for field, (table, message) in _REFERENCES.items():
        if values.get(field) is not None and session.get(table, values[field]) is None:
            problems[field] = message
    if values.get("ozg_id") is not None:
        known = {service.ozg_id for service in load_ozg_catalogue()}
        if values["ozg_id"] not in known:
            problems["ozg_id"] = f"Die OZG-ID „{values['ozg_id']}“ steht nicht im OZG-Katalog."
    if values.get("title") is not None:
        others = select(Measure.id).where(Measure.title == values["title"])
        if measure_id is not None:
            others = others.where(Measure.id != measure_id)
        if session.exec(others).first() is not None:
            problems["title"] = _title_taken(values["title"], creating=measure_id is None)
    return problems


def _clean_each(changes: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each field cleaned on its own: the clean values, and a German reason per bad field."""
    messages: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, raw in changes.items():
        cleaner = _CLEANERS.get(field)
        if cleaner is None:
            messages[field] = f"Das Feld „{field}“ kann nicht bearbeitet werden."
            continue
        try:
            values[field] = cleaner(raw)
        except _FieldError as error:
            messages[field] = str(error)
    return values, messages


def validate_changes(
    *,
    session: Session,
    measure_id: int | None,
    changes: Mapping[str, object],
    current: Mapping[str, object],
) -> dict[str, Any]:
    """Clean values of `changes`; MeasureInputError naming every bad field in German.

    `measure_id` None: the values of a new measure (its title must not be taken by any other)."""
    values, messages = _clean_each(changes)
    return _checked(session, measure_id, values, messages, current)


def _checked(
    session: Session,
    measure_id: int | None,
    values: dict[str, Any],
    messages: dict[str, str],
    current: Mapping[str, object],
) -> dict[str, Any]:
    """`values` once the checks that need the database or several fields pass; else every problem."""
    messages.update(
        {k: v for k, v in _check_references(session, measure_id, values).items() if k not in messages}
    )
    merged = {**current, **values}
    start, end = merged.get("start_quarter"), merged.get("end_quarter")
    if start and end and end < start and "end_quarter" not in messages:
        messages["end_quarter"] = "Das Ende-Quartal liegt vor dem Start-Quartal."
    if messages:
        raise MeasureInputError(
            [f"{FIELD_LABELS.get(field, field)}: {text}" for field, text in messages.items()]
        )
    return values


def _stale_message(title: str) -> str:
    return (
        f"Die Maßnahme „{title}“ wurde inzwischen von jemand anderem geändert. Ihre Änderungen "
        "wurden nicht gespeichert. Bitte prüfen Sie den aktuellen Stand und tragen Sie Ihre "
        "Änderungen dort erneut ein."
    )


# The admin's edit of one measure: the fields the form sent (raw; the command cleans them) and the
# version the form was loaded with.
@dataclass(frozen=True, kw_only=True)
class MeasureEdit:
    measure_id: int
    expected_version: int
    changes: Mapping[str, object]


def update_measure(*, session: Session, actor: Actor, data: MeasureEdit) -> Measure:
    """Save the admin's changes if nobody saved in between; one audit row with old → new per field.

    Unchanged values are not written; with no change at all the version stays as it is.
    """
    if actor.role != Role.ADMIN:
        raise NotPermitted("Nur das CDO-Büro darf Maßnahmen bearbeiten.")
    measure_id, expected_version, changes = data.measure_id, data.expected_version, data.changes
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise StaleEditError("Die Maßnahme gibt es nicht mehr; sie wurde inzwischen gelöscht.")
    if measure.version != expected_version:
        raise StaleEditError(_stale_message(measure.title))
    current = {field: getattr(measure, field) for field in _CLEANERS}
    values = validate_changes(session=session, measure_id=measure_id, changes=changes, current=current)
    changed = diff(current, values)
    if not changed:
        return measure
    # The version condition makes a concurrent save that slipped in after our read fail here.
    result = session.exec(
        update(Measure)
        .where(col(Measure.id) == measure_id, col(Measure.version) == expected_version)
        .values(**{field: new for field, (_old, new) in changed.items()}, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleEditError(_stale_message(measure.title))
    record_audit(
        session=session,
        actor=actor.username,
        action="update",
        entity="measure",
        entity_id=measure_id,
        changes=changed,
    )
    session.flush()
    session.refresh(measure)
    return measure


# What a new measure has where the form leaves a field out (the table's defaults, as clean values).
CREATE_DEFAULTS: dict[str, Any] = {
    "description": None,
    "unit_id": None,
    "contact_pilot_id": None,
    "rag": Rag.GREEN.value,
    "benefit_citizens": 3,
    "benefit_admin": 3,
    "urgency": 3,
    "legal_duty": 1,
    "effort": 3,
    "start_quarter": None,
    "end_quarter": None,
    "cost_operating": 0.0,
    "cost_capital": 0.0,
    "person_days": 0.0,
    "ozg_id": None,
    "maturity_target": None,
    "maturity_actual": None,
    "efa": False,
    "funding_id": None,
    "decision_ref": None,
}
REQUIRED_ON_CREATE = ("title", "category", "status")


# A new measure as the form submits it: field → raw value; a field left out gets CREATE_DEFAULTS
# (title, category and status must be there).
@dataclass(frozen=True)
class NewMeasure:
    values: Mapping[str, object]


def create_measure(*, session: Session, actor: Actor, data: NewMeasure) -> Measure:
    """A new measure from the admin's form, validated like an edit, with one audit row.

    Every problem is named at once (MeasureInputError); the same admin's identical create moments
    ago is not stored twice (AlreadySaved); a title that is taken says what to do instead.
    """
    if actor.role != Role.ADMIN:
        raise NotPermitted("Nur das CDO-Büro darf Maßnahmen anlegen.")
    values = data.values
    clean, messages = _clean_each(values)
    for field in REQUIRED_ON_CREATE:
        if field not in values:
            messages[field] = "Bitte einen Wert angeben."
    full = {**CREATE_DEFAULTS, **clean}
    created = {field: (None, full.get(field)) for field in FIELD_LABELS}
    if not messages:
        what = f"Die Maßnahme „{full['title']}“"
        refuse_repeat(
            session=session, actor=actor.username, entity="measure", changes=created, model=Measure, what=what
        )
    _checked(session, None, clean, messages, CREATE_DEFAULTS)
    measure = Measure(**full)
    try:
        with session.begin_nested():  # a title taken at the same moment by another admin (PostgreSQL)
            session.add(measure)
            session.flush()
    except IntegrityError:
        raise MeasureInputError(
            [f"{FIELD_LABELS['title']}: {_title_taken(full['title'], creating=True)}"]
        ) from None
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity="measure",
        entity_id=measure.id,
        changes=created,
    )
    return measure
