"""A tiny hand-built city with known answers for the analytics read models (today: 23.11.2026).

Units (Soll by the default rule "1 per unit"; Dezernate are containers):
    Dez A (10 Beschäftigte)   A1 (250)   A2 (80)   A2.1 (0, below A2)
    Dez B (5)                 B1 (120, explicit Soll 2)   B2 (40, inactive)

Lotsen and their dated stage changes:
    P1 A1   nominated 10.01. · selected 01.02. · in_training 01.03. · qualified 01.06. · active 01.11.
    P2 A2   nominated 15.05. · selected 01.06. · in_training 01.09. · qualified 20.10.  (never reported)
    P3 B1   nominated 01.02. · selected 01.03. · in_training 01.04. · qualified 01.07. · active 01.08.
    P4 B1   nominated 01.03. · selected 01.04. · in_training 01.05. · qualified 15.08. · left 30.10.
    P5 A2.1 nominated 01.10.  (never reported)
    P6 A2   nominated 05.01. · selected 01.02. · in_training 01.03. · paused 01.04.

Today: covered A1, A2 (2 of 4); 30 days ago (24.10.): A1, A2, B1 (3 of 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from model.core.db import write_session
from model.core.enums import PhaseStatus, PilotStage, UnitKind
from model.core.tables import (
    GateDecision,
    Milestone,
    OrgUnit,
    Phase,
    Pilot,
    PilotStageChange,
    StatusUpdate,
)

S = PilotStage
TODAY = date(2026, 11, 23)
BEFORE = date(2026, 10, 24)


@dataclass(frozen=True)
class City:
    units: dict[str, int]  # code → id
    pilots: dict[str, int]  # name → id


UNITS = (
    # code, name, kind, parent, headcount, explicit Soll, active
    ("Dez A", "Dezernat A", UnitKind.DEZERNAT, None, 10, None, True),
    ("A1", "Amt A1", UnitKind.AMT, "Dez A", 250, None, True),
    ("A2", "Amt A2", UnitKind.AMT, "Dez A", 80, None, True),
    ("A2.1", "Abteilung A2.1", UnitKind.ABTEILUNG, "A2", 0, None, True),
    ("Dez B", "Dezernat B", UnitKind.DEZERNAT, None, 5, None, True),
    ("B1", "Amt B1", UnitKind.AMT, "Dez B", 120, 2, True),
    ("B2", "Amt B2", UnitKind.AMT, "Dez B", 40, None, False),
)

PILOTS = (
    # name, unit, stage history, last status update
    (
        "P1",
        "A1",
        [
            (S.NOMINATED, "2026-01-10"),
            (S.SELECTED, "2026-02-01"),
            (S.IN_TRAINING, "2026-03-01"),
            (S.QUALIFIED, "2026-06-01"),
            (S.ACTIVE, "2026-11-01"),
        ],
        "2026-11-20",
    ),
    (
        "P2",
        "A2",
        [
            (S.NOMINATED, "2026-05-15"),
            (S.SELECTED, "2026-06-01"),
            (S.IN_TRAINING, "2026-09-01"),
            (S.QUALIFIED, "2026-10-20"),
        ],
        None,
    ),
    (
        "P3",
        "B1",
        [
            (S.NOMINATED, "2026-02-01"),
            (S.SELECTED, "2026-03-01"),
            (S.IN_TRAINING, "2026-04-01"),
            (S.QUALIFIED, "2026-07-01"),
            (S.ACTIVE, "2026-08-01"),
        ],
        "2026-09-15",
    ),
    (
        "P4",
        "B1",
        [
            (S.NOMINATED, "2026-03-01"),
            (S.SELECTED, "2026-04-01"),
            (S.IN_TRAINING, "2026-05-01"),
            (S.QUALIFIED, "2026-08-15"),
            (S.LEFT, "2026-10-30"),
        ],
        "2026-10-01",
    ),
    ("P5", "A2.1", [(S.NOMINATED, "2026-10-01")], None),
    (
        "P6",
        "A2",
        [
            (S.NOMINATED, "2026-01-05"),
            (S.SELECTED, "2026-02-01"),
            (S.IN_TRAINING, "2026-03-01"),
            (S.PAUSED, "2026-04-01"),
        ],
        "2026-04-01",
    ),
)

SUPPORT_REQUESTS = (
    # Lotse, reported, resolved, support wanted
    ("P3", "2026-10-01", None, True),  # open then and now
    ("P1", "2026-10-10", "2026-11-01", True),  # open 30 days ago only
    ("P2", "2026-11-15", None, True),  # open now only
    ("P5", "2026-11-20", None, True),  # open now only
    ("P4", "2026-11-01", None, True),  # P4 has left: does not count
    ("P1", "2026-11-02", None, False),  # no request
)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def build_city(engine: Engine) -> City:
    with write_session(engine) as session:
        units: dict[str, int] = {}
        for code, name, kind, parent, headcount, soll, active in UNITS:
            unit = OrgUnit(
                code=code,
                name=name,
                kind=kind.value,
                parent_id=units.get(parent) if parent else None,
                headcount=headcount,
                target_pilots=soll,
                active=active,
            )
            session.add(unit)
            session.flush()
            units[code] = unit.id
        pilots: dict[str, int] = {}
        for name, unit_code, history, last_update in PILOTS:
            stage, since = history[-1]
            pilot = Pilot(
                name=name,
                email=f"{name.lower()}@example.org",
                unit_id=units[unit_code],
                stage=stage.value,
                stage_since=_day(since),
                last_update_on=_day(last_update),
            )
            session.add(pilot)
            session.flush()
            pilots[name] = pilot.id
            previous = None
            for to_stage, changed_on in history:
                session.add(
                    PilotStageChange(
                        pilot_id=pilot.id,
                        unit_id=units[unit_code],
                        from_stage=previous,
                        to_stage=to_stage.value,
                        changed_on=_day(changed_on),
                    )
                )
                previous = to_stage.value
        for name, reported, resolved, wanted in SUPPORT_REQUESTS:
            session.add(
                StatusUpdate(
                    pilot_id=pilots[name],
                    reported_on=_day(reported),
                    support_wanted=wanted,
                    support_resolved_on=_day(resolved),
                    blocker="Kein Zugang zum Fachverfahren" if wanted else None,
                )
            )
        _programme(session)
    return City(units=units, pilots=pilots)


def _programme(session) -> None:  # type: ignore[no-untyped-def]
    concept = Phase(
        name="Konzept",
        position=1,
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 3, 31),
        actual_start=date(2026, 1, 5),
        actual_end=date(2026, 4, 10),
        status=PhaseStatus.DONE.value,
    )
    selection = Phase(
        name="Auswahl",
        position=2,
        planned_start=date(2026, 3, 1),
        planned_end=date(2026, 6, 30),
        actual_start=date(2026, 3, 15),
        status=PhaseStatus.DELAYED.value,
    )
    training = Phase(
        name="Qualifizierung",
        position=3,
        planned_start=date(2026, 7, 1),
        planned_end=date(2027, 3, 31),
        actual_start=date(2026, 7, 1),
        status=PhaseStatus.RUNNING.value,
    )
    operation = Phase(
        name="Betrieb",
        position=4,
        planned_start=date(2027, 4, 1),
        planned_end=date(2027, 12, 31),
        status=PhaseStatus.PLANNED.value,
    )
    session.add_all([concept, selection, training, operation])
    session.flush()
    session.add_all(
        [
            Milestone(
                phase_id=concept.id,
                title="Rollenprofil beschlossen",
                due_on=date(2026, 3, 15),
                done_on=date(2026, 3, 20),
            ),
            Milestone(phase_id=selection.id, title="Alle Einheiten benannt", due_on=date(2026, 6, 30)),
            Milestone(
                phase_id=training.id, title="Basisqualifizierung abgeschlossen", due_on=date(2027, 1, 31)
            ),
            GateDecision(
                phase_id=concept.id,
                body="Hauptausschuss",
                decided_on=date(2026, 4, 2),
                paper_no="DezI/0101/2026",
                summary="Konzept beschlossen",
            ),
        ]
    )
