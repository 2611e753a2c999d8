"""Förderprogramme: deadlines, the pipeline identifiziert → beantragt → bewilligt/abgelehnt, totals.

Reads aggregate in SQL (one row per programme or per status); commands are admin-only, audited,
and use the version column so a concurrent save is refused instead of overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.actor import Actor
from model.core.audit import diff, record_audit
from model.core.enums import Donor, FundingStatus, labels_of
from model.core.guard import (
    AdminError,
    check_version,
    clean_number,
    clean_text,
    refuse_repeat,
    require_admin,
)
from model.core.statements import select_columns
from model.core.tables import FundingProgramme, Measure, OrgUnit

ENTITY = "funding_programme"
FIELDS = ("name", "donor", "deadline", "amount_applied", "amount_granted", "status")
MAX_AMOUNT = 1e12
DUE_SOON_DAYS = 30
# Statuses with an application behind them (their amount_applied counts as "beantragt").
SUBMITTED = (FundingStatus.APPLIED.value, FundingStatus.GRANTED.value, FundingStatus.REJECTED.value)
DECIDED = (FundingStatus.GRANTED.value, FundingStatus.REJECTED.value)


class DeadlineState:
    """Where a programme stands against its deadline (codes; the page labels them)."""

    OVERDUE = "overdue"  # identified, deadline passed, no application
    DUE_SOON = "due_soon"  # identified, deadline within DUE_SOON_DAYS
    OPEN = "open"  # identified, deadline later
    SUBMITTED = "submitted"  # an application exists: the deadline is met
    NONE = "none"  # identified without a deadline


def funding_programmes(*, session: Session) -> pd.DataFrame:
    """Every programme with the number of linked measures, by name."""
    linked = (
        select(Measure.funding_id, func.count().label("n"))
        .where(col(Measure.funding_id).is_not(None))
        .group_by(col(Measure.funding_id))
        .subquery()
    )
    rows = session.exec(
        select_columns(
            col(FundingProgramme.id),
            col(FundingProgramme.version),
            *[getattr(FundingProgramme, name) for name in FIELDS],
            func.coalesce(linked.c.n, 0),
        )
        .outerjoin(linked, linked.c.funding_id == FundingProgramme.id)
        .order_by(FundingProgramme.name)
    ).all()
    return pd.DataFrame(rows, columns=["id", "version", *FIELDS, "measures"])


def deadline_state(*, status: str, deadline: date | None, as_of: date) -> str:
    if status in SUBMITTED:
        return DeadlineState.SUBMITTED
    if deadline is None:
        return DeadlineState.NONE
    if deadline < as_of:
        return DeadlineState.OVERDUE
    if (deadline - as_of).days <= DUE_SOON_DAYS:
        return DeadlineState.DUE_SOON
    return DeadlineState.OPEN


def funding_timeline(*, session: Session, as_of: date | None = None) -> pd.DataFrame:
    """Programmes by deadline: open deadlines first (soonest first), then overdue, then the rest.

    Columns: id, name, donor, status, deadline, days_left, state, amount_applied, amount_granted, measures.
    """
    today = as_of or clock.today()
    frame = funding_programmes(session=session)
    frame["state"] = [
        deadline_state(status=s, deadline=d, as_of=today)
        for s, d in zip(frame["status"], frame["deadline"], strict=True)
    ]
    frame["days_left"] = [None if d is None else (d - today).days for d in frame["deadline"]]
    rank = {
        DeadlineState.DUE_SOON: 0,
        DeadlineState.OPEN: 0,
        DeadlineState.OVERDUE: 1,
        DeadlineState.NONE: 2,
        DeadlineState.SUBMITTED: 3,
    }
    frame["_rank"] = frame["state"].map(rank)
    # Open and overdue: soonest deadline first; submitted: the latest first.
    frame["_order"] = [
        0 if d is None else (-d.toordinal() if r == 3 else d.toordinal())
        for r, d in zip(frame["_rank"], frame["deadline"], strict=True)
    ]
    frame = frame.sort_values(["_rank", "_order", "name"], kind="stable")
    return frame[
        [
            "id",
            "name",
            "donor",
            "status",
            "deadline",
            "days_left",
            "state",
            "amount_applied",
            "amount_granted",
            "measures",
        ]
    ].reset_index(drop=True)


def funding_pipeline(*, session: Session) -> pd.DataFrame:
    """One row per status in pipeline order: number of programmes, € applied, € granted."""
    rows = session.exec(
        select(
            FundingProgramme.status,
            func.count(),
            func.coalesce(func.sum(FundingProgramme.amount_applied), 0.0),
            func.coalesce(func.sum(FundingProgramme.amount_granted), 0.0),
        ).group_by(FundingProgramme.status)
    ).all()
    found = {status: (int(n), float(applied), float(granted)) for status, n, applied, granted in rows}
    return pd.DataFrame(
        [
            {
                "status": status.value,
                "programmes": found.get(status.value, (0, 0.0, 0.0))[0],
                "amount_applied": found.get(status.value, (0, 0.0, 0.0))[1],
                "amount_granted": found.get(status.value, (0, 0.0, 0.0))[2],
            }
            for status in FundingStatus
        ]
    )


# The money at a glance: applied vs. granted.
@dataclass(frozen=True)
class FundingTotals:
    applied: float  # all submitted applications (beantragt, bewilligt, abgelehnt)
    granted: float  # granted amounts
    pending: float  # applied, not yet decided
    decided_applied: float  # applied amounts of granted and rejected applications

    @property
    def success_rate(self) -> float | None:
        """Granted € per € applied among the decided applications."""
        return self.granted / self.decided_applied if self.decided_applied else None


def funding_totals(*, session: Session) -> FundingTotals:
    status = col(FundingProgramme.status)
    applied = col(FundingProgramme.amount_applied)

    def total(expression: Any) -> Any:
        return func.coalesce(func.sum(expression), 0.0)

    row = session.exec(
        select(
            total(case((status.in_(SUBMITTED), applied), else_=0.0)),
            total(
                case((status == FundingStatus.GRANTED.value, col(FundingProgramme.amount_granted)), else_=0.0)
            ),
            total(case((status == FundingStatus.APPLIED.value, applied), else_=0.0)),
            total(case((status.in_(DECIDED), applied), else_=0.0)),
        )
    ).one()
    return FundingTotals(
        applied=float(row[0]),
        granted=float(row[1]),
        pending=float(row[2]),
        decided_applied=float(row[3]),
    )


def measures_of_programme(*, session: Session, funding_id: int) -> pd.DataFrame:
    """The measures linked to one programme: title, status, category, unit, costs."""
    rows = session.exec(
        select_columns(
            col(Measure.id),
            col(Measure.title),
            col(Measure.status),
            col(Measure.category),
            col(OrgUnit.code),
            col(Measure.cost_operating),
            col(Measure.cost_capital),
        )
        .outerjoin(OrgUnit, col(OrgUnit.id) == Measure.unit_id)
        .where(Measure.funding_id == funding_id)
        .order_by(Measure.title)
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "title", "status", "category", "unit_code", "cost_operating", "cost_capital"]
    )


# ------------------------------------------------------------------ commands


# A programme as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class ProgrammeInput:
    name: object
    donor: object
    status: object
    deadline: object = None
    amount_applied: object = 0
    amount_granted: object = 0


@dataclass(frozen=True, kw_only=True)
class ProgrammeEdit(ProgrammeInput):
    programme_id: int
    expected_version: int


@dataclass(frozen=True)
class ProgrammeDeletion:
    programme_id: int
    expected_version: int


def _check_name_free(session: Session, name: object, programme_id: int | None) -> None:
    taken = session.exec(select(FundingProgramme.id).where(FundingProgramme.name == name)).first()
    if taken is not None and taken != programme_id:
        raise AdminError(f"Ein Förderprogramm „{name}“ gibt es schon.")


def _clean(data: ProgrammeInput) -> dict[str, Any]:
    name = clean_text(data.name, field="Name", max_length=200)
    donor, status = data.donor, data.status
    if donor not in labels_of(Donor):
        raise AdminError("Geber: Bitte EU, Bund, Land oder Sonstige wählen.")
    if status not in labels_of(FundingStatus):
        raise AdminError("Status: Bitte einen der vorgegebenen Status wählen.")
    deadline = data.deadline
    if deadline is not None and not isinstance(deadline, date):
        raise AdminError("Frist: Bitte ein Datum angeben.")
    applied = clean_number(data.amount_applied or 0, field="Beantragt (€)", minimum=0, maximum=MAX_AMOUNT)
    granted = clean_number(data.amount_granted or 0, field="Bewilligt (€)", minimum=0, maximum=MAX_AMOUNT)
    if status in SUBMITTED and applied <= 0:
        raise AdminError("Beantragt (€): Bei einem gestellten Antrag bitte den beantragten Betrag angeben.")
    if granted > 0 and status != FundingStatus.GRANTED.value:
        raise AdminError("Bewilligt (€): Einen bewilligten Betrag gibt es nur beim Status „bewilligt“.")
    return {
        "name": name,
        "donor": donor,
        "deadline": deadline,
        "amount_applied": applied,
        "amount_granted": granted,
        "status": status,
    }


def create_programme(*, session: Session, actor: Actor, data: ProgrammeInput) -> FundingProgramme:
    """A new programme; the same admin's identical create moments ago is not stored twice (AlreadySaved)."""
    require_admin(session=session, actor=actor.username)
    clean = _clean(data)
    created = {name: (None, clean[name]) for name in FIELDS}
    what = f"Das Förderprogramm „{clean['name']}“"
    refuse_repeat(
        session=session,
        actor=actor.username,
        entity=ENTITY,
        changes=created,
        model=FundingProgramme,
        what=what,
    )
    _check_name_free(session, clean["name"], None)
    programme = FundingProgramme(**clean)
    session.add(programme)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity=ENTITY,
        entity_id=programme.id,
        changes=created,
    )
    return programme


def _programme(session: Session, programme_id: int, expected_version: int) -> FundingProgramme:
    programme = session.get(FundingProgramme, programme_id, with_for_update=True)
    if programme is None:
        raise AdminError("Dieses Förderprogramm gibt es nicht (mehr).")
    check_version(
        current=programme.version, expected=expected_version, what=f"Das Förderprogramm „{programme.name}“"
    )
    return programme


def update_programme(*, session: Session, actor: Actor, data: ProgrammeEdit) -> FundingProgramme:
    require_admin(session=session, actor=actor.username)
    programme = _programme(session, data.programme_id, data.expected_version)
    clean = _clean(data)
    _check_name_free(session, clean["name"], data.programme_id)
    changes = diff({name: getattr(programme, name) for name in FIELDS}, clean)
    if not changes:
        raise AdminError("Es wurde nichts geändert.")
    for name, (_old, new) in changes.items():
        setattr(programme, name, new)
    programme.version += 1
    session.add(programme)
    record_audit(
        session=session,
        actor=actor.username,
        action="update",
        entity=ENTITY,
        entity_id=programme.id,
        changes=changes,
    )
    return programme


def delete_programme(*, session: Session, actor: Actor, data: ProgrammeDeletion) -> None:
    """Delete a programme no measure refers to; otherwise explain (the link would be lost silently)."""
    require_admin(session=session, actor=actor.username)
    programme = _programme(session, data.programme_id, data.expected_version)
    linked = session.exec(
        select(func.count()).select_from(Measure).where(Measure.funding_id == data.programme_id)
    ).one()
    if linked:
        raise AdminError(
            f"„{programme.name}“ ist mit {linked} Maßnahme(n) verknüpft und wird nicht gelöscht. "
            "Bitte die Verknüpfung zuerst bei den Maßnahmen entfernen."
        )
    record_audit(
        session=session,
        actor=actor.username,
        action="delete",
        entity=ENTITY,
        entity_id=programme.id,
        changes={name: (getattr(programme, name), None) for name in FIELDS},
    )
    session.delete(programme)
