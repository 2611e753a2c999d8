"""The aggregates only the deck reads: top measures, support per unit, phases per status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from model.core import clock
from model.core.enums import MeasureStatus, Rag, label
from model.core.queries import CURRENT, open_support_condition
from model.core.statements import select_columns
from model.core.tables import Measure, OrgUnit, Phase, Pilot, StatusUpdate
from model.deck.content import MAX_ROWS, quarter_text, rag_text, short_text
from model.roadmap.scoring import among_best, class_expression, score_expression, score_weights

BLOCKER_DAYS = 30


@dataclass(frozen=True)
class TopMeasures:
    rows: pd.DataFrame  # Maßnahme, OE, Status, Ampel, Ende
    total: int  # class A measures, all statuses
    open_total: int  # class A measures not done and not deferred
    in_progress: int
    red: int


CLOSED = (MeasureStatus.DONE.value, MeasureStatus.DEFERRED.value)


def top_measures(*, session: Session, limit: int = MAX_ROWS) -> TopMeasures:
    """Open class-A measures with the best score first, and counts of all class-A measures."""
    weights = score_weights(session=session)
    is_a = class_expression(weights) == "A"
    rows = session.exec(
        select_columns(
            col(Measure.title),
            func.coalesce(OrgUnit.code, "–"),
            col(Measure.status),
            col(Measure.rag),
            col(Measure.end_quarter),
        )
        .outerjoin(OrgUnit, col(OrgUnit.id) == Measure.unit_id)
        .where(
            among_best(
                weights=weights,
                conditions=[is_a, col(Measure.status).not_in(CLOSED)],
                limit=limit,
            )
        )
        .order_by(score_expression(weights).desc(), Measure.title)
    ).all()
    counts = session.exec(
        select(Measure.status, Measure.rag, func.count()).where(is_a).group_by(Measure.status, Measure.rag)
    ).all()
    frame = pd.DataFrame(
        [
            (short_text(title), code, label(MeasureStatus(status)), rag_text(rag), quarter_text(end))
            for title, code, status, rag, end in rows
        ],
        columns=["Maßnahme", "OE", "Status", "Ampel", "Ende"],
    )
    return TopMeasures(
        rows=frame,
        total=sum(n for _s, _r, n in counts),
        open_total=sum(n for s, _r, n in counts if s not in CLOSED),
        in_progress=sum(n for s, _r, n in counts if s == MeasureStatus.IN_PROGRESS.value),
        red=sum(n for s, r, n in counts if r == Rag.RED.value and s not in CLOSED),
    )


def support_by_unit(*, session: Session) -> pd.DataFrame:
    """Per unit: open requests for support and blockers reported in 30 days (counts, no persons)."""
    today = clock.today()
    reporting = col(Pilot.stage).in_(CURRENT)
    requests: Select[Any, Any] = (
        select(col(Pilot.unit_id).label("unit_id"), func.count().label("n"))
        .select_from(StatusUpdate)
        .join(Pilot, col(Pilot.id) == StatusUpdate.pilot_id)
        .where(open_support_condition(today), reporting)
        .group_by(col(Pilot.unit_id))
    )
    blockers: Select[Any, Any] = (
        select(col(Pilot.unit_id).label("unit_id"), func.count().label("n"))
        .select_from(StatusUpdate)
        .join(Pilot, col(Pilot.id) == StatusUpdate.pilot_id)
        .where(
            col(StatusUpdate.blocker).is_not(None),
            func.trim(StatusUpdate.blocker) != "",
            StatusUpdate.reported_on >= today - timedelta(days=BLOCKER_DAYS),
            reporting,
        )
        .group_by(col(Pilot.unit_id))
    )
    counts: dict[int, list[int]] = {}
    for position, query in enumerate((requests, blockers)):
        for unit_id, n in session.exec(query).all():
            counts.setdefault(int(unit_id), [0, 0])[position] = int(n)
    if not counts:
        return pd.DataFrame(columns=["unit_id", "Kürzel", "Name", "Unterstützung", "Hindernisse"])
    named = select(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name)).where(col(OrgUnit.id).in_(counts))
    units = {unit_id: (code, name) for unit_id, code, name in session.exec(named).all()}
    frame = pd.DataFrame(
        [(unit_id, *units[unit_id], support, blocked) for unit_id, (support, blocked) in counts.items()],
        columns=["unit_id", "Kürzel", "Name", "Unterstützung", "Hindernisse"],
    )
    return frame.sort_values(["Unterstützung", "Hindernisse", "Kürzel"], ascending=[False, False, True])


def phase_counts(*, session: Session) -> dict[str, int]:
    return dict(session.exec(select(Phase.status, func.count()).group_by(Phase.status)).all())
