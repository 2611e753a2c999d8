"""Read models of the Lotsen: own record, roster, history, feed and contacts.

Personal data is for the CDO-Büro and the person themself: every read of per-person data takes the
`viewer` and refuses anyone else on the server, whatever a page passes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    true,
    union_all,
)
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from model.core import clock
from model.core.actor import Actor, check_admin, check_person_access
from model.core.enums import (
    CURRENT_STAGES,
    STAGE_TRANSITIONS,
    ActivityType,
    PilotStage,
    label,
    labels_of,
)
from model.core.german import fmt_date
from model.core.security_log import security_event
from model.core.statements import select_columns, table_of
from model.core.tables import (
    Activity,
    OrgUnit,
    Pilot,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from model.org.scope import scope_condition

CURRENT_STAGE_CODES: tuple[str, ...] = tuple(stage.value for stage in CURRENT_STAGES)
ALL_STAGE_CODES: tuple[str, ...] = tuple(stage.value for stage in PilotStage)

# Kinds of history entries, German names and their order on the same day (newest work first).
KIND_LABELS = {
    "status": "Statusmeldung",
    "activity": "Aktivität",
    "module": "Modul abgeschlossen",
    "stage": "Stufenwechsel",
}
ACTIVITY_LABELS: dict[str, str] = labels_of(ActivityType)
HISTORY_COLUMNS = ["Datum", "Art", "Eintrag", "Unterstützung"]
FEED_COLUMNS = ["Datum", "Lotsin/Lotse", "Organisationseinheit", "Art", "Eintrag", "Unterstützung"]


# One Lotse as Mein Status and the detail view show them.
@dataclass(frozen=True)
class PilotRecord:
    id: int
    name: str
    email: str
    unit_id: int
    unit_code: str
    unit_name: str
    stage: PilotStage
    stage_since: date
    hours_per_week: float
    last_update_on: date | None
    version: int
    anonymised: bool
    open_support_requests: int

    @property
    def unit_label(self) -> str:
        return f"{self.unit_code} – {self.unit_name}"

    @property
    def next_stages(self) -> tuple[PilotStage, ...]:
        return STAGE_TRANSITIONS[self.stage]


def _open_support() -> ColumnElement[bool]:
    return and_(col(StatusUpdate.support_wanted), col(StatusUpdate.support_resolved_on).is_(None))


def pilot_record(*, session: Session, viewer: Actor, pilot_id: int) -> PilotRecord | None:
    """The record of one Lotse, or None if there is no such Lotse."""
    check_person_access(viewer, pilot_id)
    open_requests = (
        select(func.count())
        .select_from(StatusUpdate)
        .where(StatusUpdate.pilot_id == Pilot.id, _open_support())
        .correlate(Pilot)
        .scalar_subquery()
    )
    row = session.exec(
        select(Pilot, OrgUnit.code, OrgUnit.name, open_requests)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(Pilot.id == pilot_id)
    ).first()
    if row is None:
        return None
    pilot, code, unit_name, requests = row
    assert pilot.id is not None
    return PilotRecord(
        id=pilot.id,
        name=pilot.name,
        email=pilot.email,
        unit_id=pilot.unit_id,
        unit_code=code,
        unit_name=unit_name,
        stage=PilotStage(pilot.stage),
        stage_since=pilot.stage_since,
        hours_per_week=float(pilot.hours_per_week),
        last_update_on=pilot.last_update_on,
        version=pilot.version,
        anonymised=pilot.anonymised,
        open_support_requests=int(requests),
    )


def _event_branches(*, pilot_id: int | None, root_id: int | None, limit: int | None) -> list[Select]:
    """One SELECT per kind of history entry with the same columns; each newest first, each limited."""
    columns = (
        "on",
        "kind",
        "entry_id",
        "pilot_id",
        "code",
        "amount",
        "detail",
        "blocker",
        "support",
        "resolved",
    )

    # One scope subquery for all branches: its recursive CTE may appear only once per statement.
    scoped_pilots = (
        None if root_id is None else select(col(Pilot.id)).where(scope_condition(col(Pilot.unit_id), root_id))
    )

    def restrict(
        query: Select[*tuple[Any, ...]],
        pilot_column: SQLColumnExpression[int],
        date_column: SQLColumnExpression[date | None],
        id_column: SQLColumnExpression[int | None],
    ) -> Select[*tuple[Any, ...]]:
        if pilot_id is not None:
            query = query.where(pilot_column == pilot_id)
        if scoped_pilots is not None:
            query = query.where(pilot_column.in_(scoped_pilots))
        if limit is not None:
            query = query.order_by(date_column.desc(), id_column.desc()).limit(limit)
        return query

    # Typed NULLs: PostgreSQL types an untyped NULL in a UNION as text and then refuses to match it.
    none_text = literal(None).cast(table_of(StatusUpdate).c.text.type)
    none_count = literal(None).cast(Integer)
    none_date = literal(None).cast(Date)
    statuses = restrict(
        select_columns(
            col(StatusUpdate.reported_on),
            literal("status"),
            col(StatusUpdate.id),
            col(StatusUpdate.pilot_id),
            none_text,
            none_count,
            col(StatusUpdate.text),
            col(StatusUpdate.blocker),
            col(StatusUpdate.support_wanted),
            col(StatusUpdate.support_resolved_on),
        ).where(
            or_(
                col(StatusUpdate.text).is_not(None),
                col(StatusUpdate.blocker).is_not(None),
                col(StatusUpdate.support_wanted),
            )
        ),
        col(StatusUpdate.pilot_id),
        col(StatusUpdate.reported_on),
        col(StatusUpdate.id),
    )
    activities = restrict(
        select_columns(
            col(Activity.done_on),
            literal("activity"),
            col(Activity.id),
            col(Activity.pilot_id),
            col(Activity.activity_type),
            col(Activity.count),
            col(Activity.note),
            none_text,
            false(),
            none_date,
        ),
        col(Activity.pilot_id),
        col(Activity.done_on),
        col(Activity.id),
    )
    modules = restrict(
        select_columns(
            col(TrainingRecord.completed_on),
            literal("module"),
            col(TrainingRecord.id),
            col(TrainingRecord.pilot_id),
            col(TrainingModule.name),
            none_count,
            none_text,
            none_text,
            false(),
            none_date,
        )
        .join(TrainingModule, col(TrainingModule.id) == TrainingRecord.module_id)
        .where(col(TrainingRecord.completed_on).is_not(None)),
        col(TrainingRecord.pilot_id),
        col(TrainingRecord.completed_on),
        col(TrainingRecord.id),
    )
    stages = restrict(
        select_columns(
            col(PilotStageChange.changed_on),
            literal("stage"),
            col(PilotStageChange.id),
            col(PilotStageChange.pilot_id),
            col(PilotStageChange.to_stage),
            none_count,
            col(PilotStageChange.reason),
            col(PilotStageChange.from_stage),
            false(),
            none_date,
        ),
        col(PilotStageChange.pilot_id),
        col(PilotStageChange.changed_on),
        col(PilotStageChange.id),
    )
    branches = []
    for query in (statuses, activities, modules, stages):
        # SQLite allows ORDER BY/LIMIT in a compound SELECT only inside subqueries.
        inner = query.subquery()
        branches.append(
            select_columns(*[column.label(name) for column, name in zip(inner.c, columns, strict=True)])
        )
    return branches


def _events(
    session: Session, *, pilot_id: int | None, root_id: int | None, limit: int | None
) -> pd.DataFrame:
    events = union_all(*_event_branches(pilot_id=pilot_id, root_id=root_id, limit=limit)).subquery()
    kind_order = case(
        (events.c.kind == "status", 0),
        (events.c.kind == "activity", 1),
        (events.c.kind == "module", 2),
        else_=3,
    )
    query = (
        select_columns(
            events.c.on,
            events.c.kind,
            events.c.entry_id,
            events.c.code,
            events.c.amount,
            events.c.detail,
            events.c.blocker,
            events.c.support,
            events.c.resolved,
            col(Pilot.name),
            col(OrgUnit.code),
        )
        .join(Pilot, col(Pilot.id) == events.c.pilot_id)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .order_by(events.c.on.desc(), kind_order, events.c.entry_id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.exec(query).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "on",
            "kind",
            "entry_id",
            "code",
            "amount",
            "detail",
            "blocker",
            "support",
            "resolved",
            "pilot_name",
            "unit_code",
        ],
    )
    frame["on"] = pd.to_datetime(frame["on"]).dt.date
    frame["Datum"] = frame["on"]
    frame["Art"] = frame["kind"].map(KIND_LABELS)
    frame["Eintrag"] = [_entry_text(row) for row in frame.itertuples(index=False)]
    frame["Unterstützung"] = [_support_text(row) for row in frame.itertuples(index=False)]
    return frame


def _stage_label(code: str | None) -> str:
    return "–" if code is None else label(PilotStage(code))


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _entry_text(row: Any) -> str:  # a row of frame.itertuples()
    """The one-line German text of a history entry (user text stays plain text)."""
    parts: list[str] = []
    if row.kind == "status":
        blocker = _text(row.blocker)
        parts = [_text(row.detail), f"Hindernis: {blocker}" if blocker else ""]
    elif row.kind == "activity":
        code = _text(row.code)
        kind = ACTIVITY_LABELS.get(code, code)
        parts = [f"{kind} ({int(row.amount)}×)", _text(row.detail)]
    elif row.kind == "module":
        parts = [_text(row.code)]
    elif row.kind == "stage":
        parts = [f"{_stage_label(_text(row.blocker) or None)} → {_stage_label(row.code)}", _text(row.detail)]
    return " – ".join(part for part in parts if part)


def _support_text(row: Any) -> str:
    if not row.support:
        return ""
    if not _text(row.resolved):
        return "gewünscht, offen"
    return f"gewünscht, erledigt am {fmt_date(pd.Timestamp(row.resolved))}"


def pilot_history(
    *, session: Session, viewer: Actor, pilot_id: int, limit: int | None = None
) -> pd.DataFrame:
    """Status updates, activities, completed modules and stage changes of one Lotse, newest first."""
    check_person_access(viewer, pilot_id)
    frame = _events(session, pilot_id=pilot_id, root_id=None, limit=limit)
    return frame[HISTORY_COLUMNS]


def latest_updates(
    *, session: Session, viewer: Actor, root_id: int | None = None, limit: int = 30
) -> pd.DataFrame:
    """The newest entries of all Lotsen in scope (every kind), newest first."""
    check_admin(viewer)
    frame = _events(session, pilot_id=None, root_id=root_id, limit=limit)
    frame["Lotsin/Lotse"] = frame["pilot_name"]
    frame["Organisationseinheit"] = frame["unit_code"]
    return frame[FEED_COLUMNS]


def open_support_requests(
    *, session: Session, viewer: Actor, root_id: int | None = None, limit: int = 200
) -> pd.DataFrame:
    """Unresolved requests for support in scope, oldest first (they have waited longest)."""
    check_admin(viewer)
    rows = session.exec(
        select_columns(
            col(StatusUpdate.id),
            col(StatusUpdate.reported_on),
            col(Pilot.id),
            col(Pilot.name),
            col(OrgUnit.code),
            col(StatusUpdate.blocker),
            col(StatusUpdate.text),
        )
        .join(Pilot, col(Pilot.id) == StatusUpdate.pilot_id)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(_open_support(), scope_condition(col(Pilot.unit_id), root_id))
        .order_by(col(StatusUpdate.reported_on), col(StatusUpdate.id))
        .limit(limit)
    ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "Gemeldet am",
            "pilot_id",
            "Lotsin/Lotse",
            "Organisationseinheit",
            "Hindernis",
            "Meldung",
        ],
    )


def _roster_conditions(
    *,
    root_id: int | None,
    stages: tuple[str, ...],
    stale_days: int | None,
    support_only: bool,
    search: str | None,
) -> list[ColumnElement[bool]]:
    conditions = [col(Pilot.stage).in_(stages), scope_condition(col(Pilot.unit_id), root_id)]
    if stale_days is not None:
        cutoff = clock.today() - timedelta(days=stale_days)
        conditions.append(or_(col(Pilot.last_update_on).is_(None), col(Pilot.last_update_on) < cutoff))
    if support_only:
        conditions.append(exists().where(col(StatusUpdate.pilot_id) == Pilot.id, _open_support()))
    if search:
        # Name or unit code contains the term, any case; % and _ in it are meant literally.
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(col(Pilot.name).ilike(pattern, escape="\\"), col(OrgUnit.code).ilike(pattern, escape="\\"))
        )
    return conditions


def roster_ids(conditions: list[ColumnElement[bool]], limit: int | None) -> Subquery:
    """The ids of the roster rows in display order (unit code, name), at most `limit` of them."""
    chosen = select(col(Pilot.id)).join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id).where(*conditions)
    if limit is not None:
        chosen = chosen.order_by(col(OrgUnit.code), col(Pilot.name), col(Pilot.id)).limit(limit)
    return chosen.subquery("roster_ids")


def _roster_query(*, conditions: list[ColumnElement[bool]], limit: int | None) -> Select[*tuple[Any, ...]]:
    # The rows are chosen first (filter, order, LIMIT), then their figures are looked up: at scale L
    # the support flag and the module count are computed for the 1,000 rows on screen, not 20,000.
    chosen = roster_ids(conditions, limit)
    completed = (
        select(TrainingRecord.pilot_id, func.count().label("modules_done"))
        .join(chosen, chosen.c.id == TrainingRecord.pilot_id)
        .where(col(TrainingRecord.completed_on).is_not(None))
        .group_by(col(TrainingRecord.pilot_id))
        .subquery()
    )
    wants_support = exists().where(col(StatusUpdate.pilot_id) == Pilot.id, _open_support())
    return (
        select_columns(
            col(Pilot.id),
            col(Pilot.name),
            col(Pilot.email),
            col(OrgUnit.code),
            col(OrgUnit.name),
            col(Pilot.stage),
            col(Pilot.stage_since),
            col(Pilot.hours_per_week),
            col(Pilot.last_update_on),
            case((wants_support, true()), else_=false()),
            func.coalesce(completed.c.modules_done, 0),
            col(Pilot.anonymised),
        )
        .join(chosen, chosen.c.id == Pilot.id)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .outerjoin(completed, completed.c.pilot_id == Pilot.id)
        .order_by(col(OrgUnit.code), col(Pilot.name), col(Pilot.id))
    )


@dataclass(frozen=True)
class RosterSize:
    """How many Lotsen a roster filter selects, and how many of them have a mailing address."""

    people: int
    addresses: int


def roster_size(
    *,
    session: Session,
    viewer: Actor,
    root_id: int | None = None,
    stages: tuple[str, ...] = CURRENT_STAGE_CODES,
    stale_days: int | None = None,
    support_only: bool = False,
    search: str | None = None,
) -> RosterSize:
    """The size of the roster `roster` would list without a limit (counted in SQL)."""
    check_admin(viewer)
    conditions = _roster_conditions(
        root_id=root_id, stages=stages, stale_days=stale_days, support_only=support_only, search=search
    )
    people, addresses = session.exec(
        select(func.count(), func.coalesce(func.sum(case((col(Pilot.anonymised), 0), else_=1)), 0))
        .select_from(Pilot)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(*conditions)
    ).one()
    return RosterSize(people=int(people), addresses=int(addresses))


def roster(
    *,
    session: Session,
    viewer: Actor,
    root_id: int | None = None,
    stages: tuple[str, ...] = CURRENT_STAGE_CODES,
    stale_days: int | None = None,
    support_only: bool = False,
    search: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per Lotse in scope: unit, stage, hours, last update, open support, modules done.

    Ordered by unit code and name; `search` keeps names or unit codes containing it (any case),
    `limit` the first rows (the screen), counted by `roster_size`.
    """
    check_admin(viewer)
    conditions = _roster_conditions(
        root_id=root_id, stages=stages, stale_days=stale_days, support_only=support_only, search=search
    )
    rows = session.exec(_roster_query(conditions=conditions, limit=limit)).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "Name",
            "E-Mail",
            "Kürzel",
            "Organisationseinheit",
            "stage",
            "Stufe seit",
            "Stunden pro Woche",
            "Letzte Meldung",
            "support",
            "Module abgeschlossen",
            "anonymised",
        ],
    )
    today = clock.today()
    frame["Stufe"] = frame["stage"].map(lambda code: label(PilotStage(code)))
    frame["Tage ohne Meldung"] = [
        None if last is None or pd.isna(last) else (today - pd.Timestamp(last).date()).days
        for last in frame["Letzte Meldung"]
    ]
    frame["Unterstützung gewünscht"] = frame["support"].map(lambda wanted: "ja" if wanted else "nein")
    return frame[
        [
            "id",
            "Name",
            "E-Mail",
            "Kürzel",
            "Organisationseinheit",
            "Stufe",
            "Stufe seit",
            "Stunden pro Woche",
            "Letzte Meldung",
            "Tage ohne Meldung",
            "Unterstützung gewünscht",
            "Module abgeschlossen",
            "stage",
            "anonymised",
        ]
    ]


def contact_emails(
    *,
    session: Session,
    viewer: Actor,
    root_id: int | None = None,
    stages: tuple[str, ...] = CURRENT_STAGE_CODES,
    stale_days: int | None = None,
    support_only: bool = False,
) -> pd.DataFrame:
    """Name, e-mail and unit of the Lotsen the roster filter shows, for a mailing (anonymised left out)."""
    frame = roster(
        session=session,
        viewer=viewer,
        root_id=root_id,
        stages=stages,
        stale_days=stale_days,
        support_only=support_only,
    )
    return _mailing_columns(frame)


def mailing_list(roster_frame: pd.DataFrame, *, exported_by: str) -> pd.DataFrame:
    """The mailing list for a download: a `roster` frame's mailing columns (no second query).

    Building it is the export of personal data, so it goes to the server log (who, how many rows).
    """
    frame = _mailing_columns(roster_frame)
    security_event("personal_export", user=exported_by, what="mailing_list", rows=len(frame))
    return frame


def _mailing_columns(roster_frame: pd.DataFrame) -> pd.DataFrame:
    """Name, e-mail, Kürzel and unit of a `roster` frame, anonymised people left out."""
    frame = roster_frame.loc[~roster_frame["anonymised"].astype(bool)]
    return frame[["Name", "E-Mail", "Kürzel", "Organisationseinheit"]].reset_index(drop=True)
