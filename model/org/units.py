"""Organisationseinheiten: the tree as a table, and the commands that change it (admin only).

A unit with history (Lotsen, stage changes, measures, IT staff, sub-units) is never deleted,
only deactivated; a move that would put a unit below itself is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypedDict

import pandas as pd
from sqlalchemy import SQLColumnExpression, and_, func, true
from sqlmodel import Session, col, select

from model.core import app_settings
from model.core.actor import Actor
from model.core.app_settings import SollRuleSetting
from model.core.audit import diff, record_audit
from model.core.enums import CURRENT_STAGES, SollRule, UnitKind, labels_of
from model.core.guard import (
    AdminError,
    check_version,
    clean_number,
    clean_text,
    refuse_repeat,
    require_admin,
)
from model.core.queries import contains, soll_expression
from model.core.statements import select_columns
from model.core.tables import AppSetting, ItStaff, Measure, OrgUnit, Pilot, PilotStageChange
from model.it_staff.structures import CENTRAL_IT_KEY
from model.org import paths as unit_paths
from model.org.scope import units_in_scope

ENTITY = "org_unit"
MAX_HEADCOUNT = 1_000_000
MAX_TARGET = 1_000


def choice_label(*, depth: int, code: str, name: str, active: bool) -> str:
    """A unit in a select box: indented by depth, "(inaktiv)" when deactivated."""
    marker = "" if active else " (inaktiv)"
    return f"{'· ' * depth}{code} – {name}{marker}"


TREE_COLUMNS = [
    "id", "code", "name", "kind", "parent_id", "headcount", "target_pilots", "soll",
    "active", "version", "depth", "path", "pilots", "children",
]  # fmt: skip


def unit_tree(
    *, session: Session, limit: int | None = None, unit_ids: tuple[int, ...] | None = None
) -> pd.DataFrame:
    """Units (active and inactive) in tree order with path, Soll and how much history they carry.

    `limit` reads the first units in tree order, `unit_ids` only those units; the place in the
    tree is stored with each unit (model.org.paths), so neither reads the whole tree.
    """
    rule = app_settings.soll_rule(session=session)
    query = (
        select_columns(
            col(OrgUnit.id),
            col(OrgUnit.code),
            col(OrgUnit.name),
            col(OrgUnit.kind),
            col(OrgUnit.parent_id),
            col(OrgUnit.headcount),
            col(OrgUnit.target_pilots),
            soll_expression(rule).label("soll"),
            col(OrgUnit.active),
            col(OrgUnit.version),
            col(OrgUnit.depth),
            col(OrgUnit.path),
            col(OrgUnit.sort_key),
        )
        .order_by(OrgUnit.sort_key)
        .limit(limit)
    )
    if unit_ids is not None:
        query = query.where(col(OrgUnit.id).in_(unit_ids))
    units = query.subquery()
    stages = [stage.value for stage in CURRENT_STAGES]
    pilots = (
        select(func.count())
        .where(col(Pilot.unit_id) == units.c.id, col(Pilot.stage).in_(stages))
        .scalar_subquery()
    )
    children = select(func.count()).where(OrgUnit.parent_id == units.c.id).scalar_subquery()
    shown = [units.c[name] for name in TREE_COLUMNS[:-2]]
    rows = session.exec(select_columns(*shown, pilots, children).order_by(units.c.sort_key)).all()
    return pd.DataFrame(rows, columns=TREE_COLUMNS)


def unit_counts(*, session: Session) -> tuple[int, int]:
    """How many units are active and how many inactive."""
    counts = dict(session.exec(select(col(OrgUnit.active), func.count()).group_by(col(OrgUnit.active))).all())
    return int(counts.get(True, 0)), int(counts.get(False, 0))


@dataclass(frozen=True)
class UnitChoices:
    options: tuple[tuple[int, str], ...]  # (id, "· · Kürzel – Name") in tree order
    found: int  # units matching the search (more than `options` holds when cut)


def _choice_filter(*, active_only: bool, outside_of: int | None, session: Session) -> Any:
    """Active units only, and/or none in the subtree of `outside_of` (where a unit cannot move to)."""
    conditions: list[SQLColumnExpression[bool]] = [col(OrgUnit.active)] if active_only else []
    if outside_of is not None:
        own = session.exec(select(OrgUnit.sort_key).where(OrgUnit.id == outside_of)).one_or_none()
        if own is not None:
            below = own + unit_paths.SORT_SEPARATOR
            conditions.append(
                and_(col(OrgUnit.sort_key) != own, func.substr(col(OrgUnit.sort_key), 1, len(below)) != below)
            )
    return and_(true(), *conditions)


def unit_choice_count(*, session: Session, active_only: bool = False, outside_of: int | None = None) -> int:
    """How many units a unit choice would offer without a search."""
    where = _choice_filter(active_only=active_only, outside_of=outside_of, session=session)
    return int(session.exec(select(func.count()).select_from(OrgUnit).where(where)).one())


def unit_choices(
    *,
    session: Session,
    search: str | None = None,
    limit: int | None = None,
    keep: int | None = None,
    active_only: bool = False,
    outside_of: int | None = None,
) -> UnitChoices:
    """Units to choose from in tree order: those whose Kürzel or name contains `search`, the first
    `limit` of them, and always `keep` (the current value) if it is allowed at all."""
    allowed = _choice_filter(active_only=active_only, outside_of=outside_of, session=session)
    match = and_(allowed, contains(search, OrgUnit.code, OrgUnit.name))
    columns = (
        col(OrgUnit.id),
        col(OrgUnit.depth),
        col(OrgUnit.code),
        col(OrgUnit.name),
        col(OrgUnit.active),
        col(OrgUnit.sort_key),
    )
    rows = list(
        session.exec(select_columns(*columns).where(match).order_by(col(OrgUnit.sort_key)).limit(limit)).all()
    )
    if keep is not None and keep not in {row[0] for row in rows}:
        kept = session.exec(select_columns(*columns).where(allowed, col(OrgUnit.id) == keep)).all()
        rows = sorted([*rows, *kept], key=lambda row: row[5] or "")
    found = session.exec(select(func.count()).select_from(OrgUnit).where(match)).one()
    options = tuple(
        (int(unit_id), choice_label(depth=depth, code=code, name=name, active=bool(active)))
        for unit_id, depth, code, name, active, _ in rows
    )
    return UnitChoices(options=options, found=int(found))


def unit_references(*, session: Session, unit_id: int) -> dict[str, int]:
    """What refers to a unit (German label → count); a unit with any of these is never deleted."""
    counts = {
        "Untereinheiten": select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit_id),
        "Lotsinnen und Lotsen": select(func.count()).select_from(Pilot).where(Pilot.unit_id == unit_id),
        "Stufenwechsel in der Historie": select(func.count())
        .select_from(PilotStageChange)
        .where(PilotStageChange.unit_id == unit_id),
        "Maßnahmen": select(func.count()).select_from(Measure).where(Measure.unit_id == unit_id),
        "Einträge IT-Personal": select(func.count()).select_from(ItStaff).where(ItStaff.unit_id == unit_id),
    }
    found = {name: int(session.exec(query).one()) for name, query in counts.items()}
    unit = session.get(OrgUnit, unit_id)
    central = session.get(AppSetting, CENTRAL_IT_KEY)
    if unit is not None and central is not None and json.loads(central.value) == unit.code:
        found["Einstellung „zentrale IT-Einheit“"] = 1
    return {name: count for name, count in found.items() if count}


def _unit(session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id, with_for_update=True)
    if unit is None:
        raise AdminError("Diese Organisationseinheit gibt es nicht (mehr).")
    return unit


def _snapshot(unit: OrgUnit) -> dict[str, object]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "headcount": unit.headcount,
        "target_pilots": unit.target_pilots,
        "active": unit.active,
    }


class _UnitFields(TypedDict):
    code: str
    name: str
    kind: str
    headcount: int
    target_pilots: int | None


def _clean_fields(
    *, code: str, name: str, kind: str, headcount: object, target_pilots: object | None
) -> _UnitFields:
    clean_code = clean_text(code, field="Kürzel", max_length=30)
    clean_name = clean_text(name, field="Name", max_length=200)
    if kind not in labels_of(UnitKind):
        raise AdminError("Art: Bitte eine der vorgegebenen Arten wählen.")
    count = clean_number(headcount, field="Beschäftigte", minimum=0, maximum=MAX_HEADCOUNT, whole=True)
    target = None
    if target_pilots is not None and str(target_pilots).strip() != "":
        target = int(
            clean_number(target_pilots, field="Soll-Lotsen", minimum=0, maximum=MAX_TARGET, whole=True)
        )
    return {
        "code": clean_code,
        "name": clean_name,
        "kind": kind,
        "headcount": int(count),
        "target_pilots": target,
    }


def _check_code_free(session: Session, code: object, unit_id: int | None) -> None:
    taken = session.exec(select(OrgUnit.id).where(OrgUnit.code == code)).first()
    if taken is not None and taken != unit_id:
        raise AdminError(f"Kürzel: „{code}“ ist schon vergeben.")


# A new unit as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class NewUnit:
    code: str
    name: str
    kind: str
    parent_id: int | None = None  # None: a new top-level unit
    headcount: object = 0
    target_pilots: object | None = None  # None: the Soll rule applies


@dataclass(frozen=True, kw_only=True)
class UnitEdit:
    unit_id: int
    expected_version: int
    code: str
    name: str
    kind: str
    headcount: object
    target_pilots: object | None


@dataclass(frozen=True)
class UnitMove:
    unit_id: int
    expected_version: int
    new_parent_id: int | None


# A unit named with the version the form showed: (de)activation and deletion.
@dataclass(frozen=True)
class UnitVersion:
    unit_id: int
    expected_version: int


def add_unit(*, session: Session, actor: Actor, data: NewUnit) -> OrgUnit:
    """A new active unit below `parent_id` (None: a new top-level unit such as a Dezernat).

    The same admin's identical create moments ago is not stored twice (AlreadySaved)."""
    parent_id = data.parent_id
    require_admin(session=session, actor=actor.username)
    fields = _clean_fields(
        code=data.code,
        name=data.name,
        kind=data.kind,
        headcount=data.headcount,
        target_pilots=data.target_pilots,
    )
    unit = OrgUnit(**fields, parent_id=parent_id, active=True)
    created = {key: (None, value) for key, value in _snapshot(unit).items()}
    what = f"Die Einheit „{fields['code']}“"
    refuse_repeat(
        session=session, actor=actor.username, entity=ENTITY, changes=created, model=OrgUnit, what=what
    )
    _check_code_free(session, fields["code"], None)
    if parent_id is not None and not _unit(session, parent_id).active:
        raise AdminError("Eine neue Einheit kann nicht unter einer inaktiven Einheit angelegt werden.")
    session.add(unit)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity=ENTITY,
        entity_id=unit.id,
        changes=created,
    )
    return unit


def _save(session: Session, unit: OrgUnit, before: dict[str, object], actor: str, action: str) -> OrgUnit:
    changes = diff(before, _snapshot(unit))
    if not changes:
        raise AdminError("Es wurde nichts geändert.")
    unit.version += 1
    session.add(unit)
    record_audit(
        session=session, actor=actor, action=action, entity=ENTITY, entity_id=unit.id, changes=changes
    )
    return unit


def update_unit(*, session: Session, actor: Actor, data: UnitEdit) -> OrgUnit:
    """Rename a unit or change its Kürzel, Art, Beschäftigte or explicit Soll (None: the rule)."""
    unit_id, expected_version = data.unit_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    before = _snapshot(unit)
    fields = _clean_fields(
        code=data.code,
        name=data.name,
        kind=data.kind,
        headcount=data.headcount,
        target_pilots=data.target_pilots,
    )
    _check_code_free(session, fields["code"], unit_id)
    for key, value in fields.items():
        setattr(unit, key, value)
    return _save(session, unit, before, actor.username, "update")


def move_unit(*, session: Session, actor: Actor, data: UnitMove) -> OrgUnit:
    """Hang a unit (with its subtree) below another unit; never below itself or its own sub-units."""
    unit_id, expected_version, new_parent_id = data.unit_id, data.expected_version, data.new_parent_id
    require_admin(session=session, actor=actor.username)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    if new_parent_id is not None:
        parent = _unit(session, new_parent_id)
        inside = session.exec(units_in_scope(unit_id)).all()
        if new_parent_id in set(inside):
            raise AdminError(
                f"„{unit.code}“ kann nicht unter „{parent.code}“ verschoben werden: "
                f"„{parent.code}“ ist die Einheit selbst oder liegt unter ihr (Kreis im Organigramm)."
            )
        if unit.active and not parent.active:
            raise AdminError(f"„{parent.code}“ ist inaktiv; eine aktive Einheit kann nicht darunter liegen.")
    before = _snapshot(unit)
    unit.parent_id = new_parent_id
    return _save(session, unit, before, actor.username, "move")


def deactivate_unit(*, session: Session, actor: Actor, data: UnitVersion) -> OrgUnit:
    """Take a unit out of use; its history stays. Refused while sub-units or Lotsen are still active."""
    unit_id, expected_version = data.unit_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    if not unit.active:
        raise AdminError(f"„{unit.code}“ ist bereits inaktiv.")
    active_children = session.exec(
        select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit_id, OrgUnit.active)
    ).one()
    if active_children:
        raise AdminError(
            f"„{unit.code}“ hat noch {active_children} aktive Untereinheit(en). "
            "Bitte diese zuerst deaktivieren oder verschieben."
        )
    current_pilots = session.exec(
        select(func.count())
        .select_from(Pilot)
        .where(col(Pilot.unit_id) == unit_id, col(Pilot.stage).in_([s.value for s in CURRENT_STAGES]))
    ).one()
    if current_pilots:
        raise AdminError(
            f"„{unit.code}“ sind noch {current_pilots} Lotsinnen/Lotsen im Programm zugeordnet. "
            "Bitte sie zuerst einer anderen Einheit zuordnen (Seite Lotsen & Qualifizierung)."
        )
    before = _snapshot(unit)
    unit.active = False
    return _save(session, unit, before, actor.username, "deactivate")


def reactivate_unit(*, session: Session, actor: Actor, data: UnitVersion) -> OrgUnit:
    unit_id, expected_version = data.unit_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    if unit.active:
        raise AdminError(f"„{unit.code}“ ist bereits aktiv.")
    if unit.parent_id is not None and not _unit(session, unit.parent_id).active:
        raise AdminError("Die übergeordnete Einheit ist inaktiv; bitte zuerst sie reaktivieren.")
    before = _snapshot(unit)
    unit.active = True
    return _save(session, unit, before, actor.username, "reactivate")


def delete_unit(*, session: Session, actor: Actor, data: UnitVersion) -> None:
    """Delete a unit that nothing refers to (e.g. created by mistake); otherwise explain why not."""
    unit_id, expected_version = data.unit_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    references = unit_references(session=session, unit_id=unit_id)
    if references:
        listed = ", ".join(f"{count} {name}" for name, count in references.items())
        raise AdminError(
            f"„{unit.code}“ kann nicht gelöscht werden, weil Daten auf sie verweisen ({listed}). "
            "Deaktivieren Sie die Einheit stattdessen: Ihre Historie bleibt so erhalten."
        )
    record_audit(
        session=session,
        actor=actor.username,
        action="delete",
        entity=ENTITY,
        entity_id=unit.id,
        changes={key: (value, None) for key, value in _snapshot(unit).items()},
    )
    session.delete(unit)


def soll_rule_version(*, session: Session) -> int:
    """The version of the stored Soll rule (0: none stored, 1 per unit applies); the form keeps it."""
    return app_settings.version_of(session=session, key=app_settings.SOLL_RULE_KEY)


# The rule chosen in the form (a SollRule code, N for "1 per N Beschäftigte") and the version shown.
@dataclass(frozen=True, kw_only=True)
class SollRuleEdit:
    rule: str
    per_n: object
    expected_version: int


def change_soll_rule(*, session: Session, actor: Actor, data: SollRuleEdit) -> None:
    """The rule for units without an explicit Soll: 1 per unit, or 1 per N Beschäftigte.

    If the setting was stored since the form showed `expected_version`, someone else changed it
    meanwhile and this change is refused (StaleEditError).
    """
    require_admin(session=session, actor=actor.username)
    stored = app_settings.soll_rule(session=session, for_update=True)
    app_settings.check_setting_version(
        session=session,
        key=app_settings.SOLL_RULE_KEY,
        expected=data.expected_version,
        what="Die Soll-Lotsen-Regel",
    )
    rule, per_n = data.rule, data.per_n
    if rule not in labels_of(SollRule):
        raise AdminError("Bitte eine der vorgegebenen Regeln wählen.")
    number = int(clean_number(per_n, field="Beschäftigte je Lotse", minimum=1, maximum=100_000, whole=True))
    if stored == SollRuleSetting(rule=SollRule(rule), per_n=number):
        raise AdminError("Es wurde nichts geändert.")
    app_settings.set_soll_rule(
        session=session, setting=SollRuleSetting(rule=SollRule(rule), per_n=number), actor=actor.username
    )
