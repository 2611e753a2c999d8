"""IT-Personal: VZÄ per unit and IT task area, and where duplicate structures (Doppelstrukturen) show.

The central IT unit is the unit named in the setting "central_it_unit" (its Kürzel), or, if none
is set or it no longer exists, the unit with the most IT-VZÄ overall. Its sub-units count as
central too. A task area is flagged as a likely duplicate structure when at least MIN_UNITS
units outside the central IT each have more than the threshold of VZÄ in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Label, SQLColumnExpression, and_, case, func, literal, not_
from sqlmodel import Session, col, select

from model.core.actor import Actor
from model.core.audit import record_audit
from model.core.enums import ItTaskArea, label
from model.core.guard import AdminError, check_version, clean_number, require_admin
from model.core.statements import id_column, select_columns
from model.core.tables import AppSetting, ItStaff, OrgUnit
from model.org.scope import scope_condition

CENTRAL_IT_KEY = "central_it_unit"
DEFAULT_THRESHOLD = 0.5
MIN_UNITS = 2
MAX_FTE = 10_000.0
TASKS = tuple(area.value for area in ItTaskArea)


# The central IT unit and how it was determined.
@dataclass(frozen=True)
class CentralUnit:
    id: int
    code: str
    name: str
    configured: bool  # True: from the setting; False: the unit with the most IT-VZÄ


def central_it_unit(*, session: Session) -> CentralUnit | None:
    setting = session.get(AppSetting, CENTRAL_IT_KEY)
    if setting is not None:
        row = session.exec(
            select(id_column(OrgUnit.id), OrgUnit.code, OrgUnit.name).where(
                OrgUnit.code == json.loads(setting.value)
            )
        ).first()
        if row is not None:
            unit_id, code, name = row
            return CentralUnit(unit_id, code, name, configured=True)
    total = func.sum(ItStaff.fte)
    row = session.exec(
        select(id_column(OrgUnit.id), OrgUnit.code, OrgUnit.name)
        .join(ItStaff, col(ItStaff.unit_id) == OrgUnit.id)
        .group_by(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name))
        .order_by(total.desc(), OrgUnit.code)
        .limit(1)
    ).first()
    if row is None:
        return None
    unit_id, code, name = row
    return CentralUnit(unit_id, code, name, configured=False)


def _central_condition(
    column: SQLColumnExpression[int | None], central: CentralUnit | None
) -> ColumnElement[bool]:
    """True for units in the central IT subtree (own CTE name: it may meet the scope CTE)."""
    if central is None:
        return literal(False)
    tree = select(OrgUnit.id).where(OrgUnit.id == central.id).cte("central_tree", recursive=True)
    tree = tree.union_all(select(col(OrgUnit.id)).join(tree, col(OrgUnit.parent_id) == tree.c.id))
    return column.in_(select(tree.c.id))


def _task_columns() -> list[Label[float]]:
    return [
        func.coalesce(
            func.sum(case((col(ItStaff.task_area) == task, col(ItStaff.fte)), else_=0.0)), 0.0
        ).label(task)
        for task in TASKS
    ]


def fte_per_unit(*, session: Session, root_id: int | None = None, limit: int = 2_000) -> pd.DataFrame:
    """Units in scope that have IT staff, most VZÄ first: one column per task area, total, central."""
    central = central_it_unit(session=session)
    total = func.sum(ItStaff.fte)
    rows = session.exec(
        select_columns(
            col(OrgUnit.id),
            col(OrgUnit.code),
            col(OrgUnit.name),
            _central_condition(col(OrgUnit.id), central).label("central"),
            *_task_columns(),
            total.label("total"),
        )
        .join(ItStaff, col(ItStaff.unit_id) == OrgUnit.id)
        .where(scope_condition(col(OrgUnit.id), root_id))
        .group_by(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name))
        .order_by(total.desc(), OrgUnit.code)
        .limit(limit)
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "code", "name", "central", *TASKS, "total"])
    frame["central"] = frame["central"].astype(bool)
    return frame


def units_with_it_staff(*, session: Session, root_id: int | None = None) -> int:
    query = select(func.count(func.distinct(ItStaff.unit_id))).where(
        scope_condition(col(ItStaff.unit_id), root_id)
    )
    return int(session.exec(query).one())


def fte_by_task(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Per task area (all six, in order): VZÄ in total, central, decentral, and decentral units."""
    central = central_it_unit(session=session)
    is_central = _central_condition(col(ItStaff.unit_id), central)
    rows = session.exec(
        select(
            ItStaff.task_area,
            func.sum(ItStaff.fte),
            func.coalesce(func.sum(case((is_central, ItStaff.fte), else_=0.0)), 0.0),
            func.count(func.distinct(case((not_(is_central), ItStaff.unit_id), else_=None))),
        )
        .where(scope_condition(col(ItStaff.unit_id), root_id), col(ItStaff.fte) > 0)
        .group_by(ItStaff.task_area)
    ).all()
    found = {task: (float(total), float(central_fte), int(units)) for task, total, central_fte, units in rows}
    records = []
    for task in TASKS:
        total, central_fte, units = found.get(task, (0.0, 0.0, 0))
        records.append(
            {
                "task_area": task,
                "total": total,
                "central": central_fte,
                "decentral": total - central_fte,
                "decentral_units": units,
            }
        )
    return pd.DataFrame(records)


# Likely duplicate structures: per flagged task area, and the decentral units behind each flag.
@dataclass(frozen=True)
class DuplicateReport:
    flags: pd.DataFrame  # task_area, units, fte (decentral above threshold), central_fte
    units: pd.DataFrame  # task_area, code, name, fte (the largest 10 per task area)


def duplicate_structures(
    *, session: Session, root_id: int | None = None, threshold: float = DEFAULT_THRESHOLD
) -> DuplicateReport:
    """Task areas with more than `threshold` VZÄ in at least MIN_UNITS units outside the central IT."""
    central = central_it_unit(session=session)
    is_central = _central_condition(col(ItStaff.unit_id), central)
    above = and_(
        scope_condition(col(ItStaff.unit_id), root_id), not_(is_central), col(ItStaff.fte) > threshold
    )
    flag_rows = session.exec(
        select(ItStaff.task_area, func.count(), func.sum(ItStaff.fte))
        .where(above)
        .group_by(ItStaff.task_area)
        .having(func.count() >= MIN_UNITS)
    ).all()
    central_fte = fte_by_task(session=session, root_id=root_id).set_index("task_area")["central"]
    order = {task: index for index, task in enumerate(TASKS)}
    flags = pd.DataFrame(
        [
            {"task_area": task, "units": int(n), "fte": float(fte), "central_fte": float(central_fte[task])}
            for task, n, fte in sorted(flag_rows, key=lambda row: order[row[0]])
        ],
        columns=["task_area", "units", "fte", "central_fte"],
    )
    ranked = (
        select_columns(
            col(ItStaff.task_area),
            col(OrgUnit.code),
            col(OrgUnit.name),
            col(ItStaff.fte),
            func.row_number()
            .over(partition_by=col(ItStaff.task_area), order_by=(col(ItStaff.fte).desc(), col(OrgUnit.code)))
            .label("rank"),
        )
        .join(OrgUnit, col(OrgUnit.id) == ItStaff.unit_id)
        .where(above, col(ItStaff.task_area).in_(list(flags["task_area"])))
        .subquery()
    )
    unit_rows = session.exec(
        select(ranked.c.task_area, ranked.c.code, ranked.c.name, ranked.c.fte)
        .where(ranked.c.rank <= 10)
        .order_by(ranked.c.task_area, ranked.c.rank)
    ).all()
    units = pd.DataFrame(unit_rows, columns=["task_area", "code", "name", "fte"])
    return DuplicateReport(flags=flags, units=units)


# ------------------------------------------------------------------ editing


def _version_columns() -> list[Label[int]]:
    return [
        func.coalesce(
            func.max(case((col(ItStaff.task_area) == task, col(ItStaff.version)), else_=None)), 0
        ).label(version_column(task))
        for task in TASKS
    ]


def version_column(task: str) -> str:
    """The it_staff_table column with the version of a task area's cell (0: no entry)."""
    return f"{task}_version"


def it_staff_table(*, session: Session, root_id: int | None = None, limit: int = 1_000) -> pd.DataFrame:
    """Active units in scope (with or without IT staff), by Kürzel: one VZÄ column per task area,
    and beside them the version of each cell's entry (version_column; 0: no entry)."""
    rows = session.exec(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name, *_task_columns(), *_version_columns())
        .outerjoin(ItStaff, col(ItStaff.unit_id) == OrgUnit.id)
        .where(col(OrgUnit.active), scope_condition(col(OrgUnit.id), root_id))
        .group_by(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name))
        .order_by(OrgUnit.code)
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", *TASKS, *map(version_column, TASKS)])


# One edited cell of the IT-Personal table: the version of its entry when loaded (0: none) and the new value.
@dataclass(frozen=True)
class StaffCell:
    unit_id: int
    task_area: str
    expected_version: int
    new_fte: object


# The table's save: every edited cell.
@dataclass(frozen=True)
class StaffCells:
    rows: tuple[StaffCell, ...]


def save_it_staff(*, session: Session, actor: Actor, data: StaffCells) -> int:
    """Save all edited cells or none. 0 or empty removes the entry; a cell someone else saved
    since it was loaded (another version) is refused."""
    require_admin(session=session, actor=actor.username)
    cells = list(data.rows)
    units = dict(
        session.exec(
            select(col(OrgUnit.id), col(OrgUnit.code)).where(col(OrgUnit.id).in_([c.unit_id for c in cells]))
        ).all()
    )
    existing = {
        (row.unit_id, row.task_area): row
        for row in session.exec(
            select(ItStaff).where(col(ItStaff.unit_id).in_([c.unit_id for c in cells])).with_for_update()
        ).all()
    }
    problems: list[str] = []
    planned: list[tuple[StaffCell, float]] = []
    for cell in cells:
        code = units.get(cell.unit_id)
        where = f"„{code}“, {_task_label(cell.task_area)}"
        if code is None or cell.task_area not in TASKS:
            problems.append("Eine Zeile oder Spalte gibt es nicht (mehr).")
            continue
        row = existing.get((cell.unit_id, cell.task_area))
        current = row.fte if row is not None else 0.0
        if (row.version if row is not None else 0) != cell.expected_version:
            problems.append(f"{where}: wurde inzwischen von jemand anderem geändert. Bitte neu laden.")
            continue
        try:
            value = clean_number(
                0 if _empty(cell.new_fte) else cell.new_fte, field="VZÄ", minimum=0, maximum=MAX_FTE
            )
        except AdminError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if abs(value - current) > 1e-9:
            planned.append((cell, value))
    if problems:
        raise AdminError("Nichts gespeichert. " + " ".join(problems))
    if not planned:
        raise AdminError("Es wurde nichts geändert.")
    for cell, value in planned:
        row = existing.get((cell.unit_id, cell.task_area))
        _apply(session, row, cell, value, units[cell.unit_id], actor.username)
    return len(planned)


def _apply(
    session: Session, row: ItStaff | None, cell: StaffCell, value: float, code: str, actor: str
) -> None:
    old = row.fte if row is not None else None
    if row is None:
        session.add(ItStaff(unit_id=cell.unit_id, task_area=cell.task_area, fte=value))
    elif value == 0:
        session.delete(row)
    else:
        row.fte = value
        row.version += 1
        session.add(row)
    record_audit(
        session=session,
        actor=actor,
        action="update",
        entity="it_staff",
        entity_id=f"{code}/{cell.task_area}",
        changes={"fte": (old, value if value else None)},
    )


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _task_label(task: str) -> str:
    return label(ItTaskArea(task)) if task in TASKS else task


def central_it_version(*, session: Session) -> int:
    """The version of the central-IT setting (0: not set, the unit with the most IT-VZÄ counts)."""
    setting = session.get(AppSetting, CENTRAL_IT_KEY)
    return 0 if setting is None else setting.version


# The unit chosen as central IT (None: automatic) and the version of the setting the form showed.
@dataclass(frozen=True, kw_only=True)
class CentralItChoice:
    unit_id: int | None
    expected_version: int


def set_central_it_unit(*, session: Session, actor: Actor, data: CentralItChoice) -> None:
    """Name the central IT unit (None: the unit with the most IT-VZÄ is taken).

    If the setting was stored since the form showed `expected_version`, the change is refused
    (StaleEditError)."""
    require_admin(session=session, actor=actor.username)
    unit_id = data.unit_id
    setting = session.get(AppSetting, CENTRAL_IT_KEY, with_for_update=True)
    check_version(
        current=0 if setting is None else setting.version,
        expected=data.expected_version,
        what="Die zentrale IT-Einheit",
    )
    old = None if setting is None else json.loads(setting.value)
    new = None
    if unit_id is not None:
        unit = session.get(OrgUnit, unit_id)
        if unit is None:
            raise AdminError("Diese Organisationseinheit gibt es nicht (mehr).")
        new = unit.code
    if old == new:
        raise AdminError("Es wurde nichts geändert.")
    if new is None:
        session.delete(setting)
    else:
        if setting is None:
            setting = AppSetting(key=CENTRAL_IT_KEY, value="")
        else:
            setting.version += 1
        setting.value = json.dumps(new, ensure_ascii=False)
        session.add(setting)
    record_audit(
        session=session,
        actor=actor.username,
        action="update",
        entity="app_setting",
        entity_id=CENTRAL_IT_KEY,
        changes={CENTRAL_IT_KEY: (old, new)},
    )
