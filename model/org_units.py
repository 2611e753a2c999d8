"""Organisationseinheiten: the tree as a table, and the commands that change it (admin only).

A unit with history (Lotsen, stage changes, measures, IT staff, sub-units) is never deleted,
only deactivated; a move that would put a unit below itself is refused.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Text, cast, func, literal
from sqlmodel import Session, select

from model import app_settings
from model.admin_guard import AdminError, check_version, clean_number, clean_text, require_admin
from model.app_settings import SollRuleSetting
from model.audit import diff, record_audit
from model.enums import CURRENT_STAGES, SollRule, UnitKind, label, labels_of
from model.it_staff import CENTRAL_IT_KEY
from model.queries import soll_expression
from model.scope import units_in_scope
from model.tables import AppSetting, ItStaff, Measure, OrgUnit, Pilot, PilotStageChange

ENTITY = "org_unit"
PATH_SEPARATOR = " › "
MAX_HEADCOUNT = 1_000_000
MAX_TARGET = 1_000


def choice_label(*, depth: int, code: str, name: str, active: bool) -> str:
    """A unit in a select box: indented by depth, "(inaktiv)" when deactivated."""
    marker = "" if active else " (inaktiv)"
    return f"{'· ' * depth}{code} – {name}{marker}"


def _tree_cte():  # type: ignore[no-untyped-def]
    """Every unit with its depth, its path of Kürzel and a sort key (recursive CTE)."""
    roots = select(
        OrgUnit.id.label("id"),  # type: ignore[union-attr]
        literal(0).label("depth"),
        cast(OrgUnit.code, Text).label("path"),
        cast(OrgUnit.code, Text).label("sort_key"),
    ).where(OrgUnit.parent_id.is_(None))  # type: ignore[union-attr]
    tree = roots.cte("unit_tree", recursive=True)
    children = select(
        OrgUnit.id,
        (tree.c.depth + 1),
        tree.c.path + literal(PATH_SEPARATOR) + OrgUnit.code,
        tree.c.sort_key + literal("\x1f") + OrgUnit.code,
    ).join(tree, OrgUnit.parent_id == tree.c.id)
    return tree.union_all(children)


def _counts(session: Session, column, where=None) -> dict[int, int]:  # type: ignore[no-untyped-def]
    query = select(column, func.count()).where(column.is_not(None)).group_by(column)
    if where is not None:
        query = query.where(where)
    return {int(key): int(count) for key, count in session.exec(query).all()}


def unit_tree(*, session: Session) -> pd.DataFrame:
    """All units (active and inactive) in tree order with path, Soll and how much history they carry."""
    tree = _tree_cte()
    rule = app_settings.soll_rule(session=session)
    rows = session.exec(
        select(
            OrgUnit.id,
            OrgUnit.code,
            OrgUnit.name,
            OrgUnit.kind,
            OrgUnit.parent_id,
            OrgUnit.headcount,
            OrgUnit.target_pilots,
            soll_expression(rule).label("soll"),
            OrgUnit.active,
            OrgUnit.version,
            tree.c.depth,
            tree.c.path,
            tree.c.sort_key,
        ).join(tree, tree.c.id == OrgUnit.id)
    ).all()
    columns = [
        "id", "code", "name", "kind", "parent_id", "headcount", "target_pilots", "soll",
        "active", "version", "depth", "path", "sort_key",
    ]  # fmt: skip
    # Sorted here, by code point: database collations may ignore the separator and spaces.
    frame = pd.DataFrame(rows, columns=columns).sort_values("sort_key").drop(columns="sort_key")
    frame = frame.reset_index(drop=True)
    pilots = _counts(session, Pilot.unit_id, Pilot.stage.in_([s.value for s in CURRENT_STAGES]))  # type: ignore[attr-defined]
    children = _counts(session, OrgUnit.parent_id)
    frame["pilots"] = frame["id"].map(pilots).fillna(0).astype(int)
    frame["children"] = frame["id"].map(children).fillna(0).astype(int)
    return frame


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


def _clean_fields(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    headcount: object,
    target_pilots: object | None,
    unit_id: int | None,
) -> dict[str, object]:
    clean_code = clean_text(code, field="Kürzel", max_length=30)
    clean_name = clean_text(name, field="Name", max_length=200)
    if kind not in labels_of(UnitKind):
        raise AdminError("Art: Bitte eine der vorgegebenen Arten wählen.")
    taken = session.exec(select(OrgUnit.id).where(OrgUnit.code == clean_code)).first()
    if taken is not None and taken != unit_id:
        raise AdminError(f"Kürzel: „{clean_code}“ ist schon vergeben.")
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


def add_unit(
    *,
    session: Session,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None,
    headcount: object = 0,
    target_pilots: object | None = None,
    actor: str,
) -> OrgUnit:
    """A new active unit below `parent_id` (None: a new top-level unit such as a Dezernat)."""
    require_admin(session=session, actor=actor)
    fields = _clean_fields(
        session,
        code=code,
        name=name,
        kind=kind,
        headcount=headcount,
        target_pilots=target_pilots,
        unit_id=None,
    )
    if parent_id is not None and not _unit(session, parent_id).active:
        raise AdminError("Eine neue Einheit kann nicht unter einer inaktiven Einheit angelegt werden.")
    unit = OrgUnit(**fields, parent_id=parent_id, active=True)  # type: ignore[arg-type]
    session.add(unit)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="create",
        entity=ENTITY,
        entity_id=unit.id,
        changes={key: (None, value) for key, value in _snapshot(unit).items()},
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


def update_unit(
    *,
    session: Session,
    unit_id: int,
    expected_version: int,
    code: str,
    name: str,
    kind: str,
    headcount: object,
    target_pilots: object | None,
    actor: str,
) -> OrgUnit:
    """Rename a unit or change its Kürzel, Art, Beschäftigte or explicit Soll (None: the rule)."""
    require_admin(session=session, actor=actor)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    before = _snapshot(unit)
    fields = _clean_fields(
        session,
        code=code,
        name=name,
        kind=kind,
        headcount=headcount,
        target_pilots=target_pilots,
        unit_id=unit_id,
    )
    for key, value in fields.items():
        setattr(unit, key, value)
    return _save(session, unit, before, actor, "update")


def move_unit(
    *, session: Session, unit_id: int, expected_version: int, new_parent_id: int | None, actor: str
) -> OrgUnit:
    """Hang a unit (with its subtree) below another unit; never below itself or its own sub-units."""
    require_admin(session=session, actor=actor)
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
    return _save(session, unit, before, actor, "move")


def deactivate_unit(*, session: Session, unit_id: int, expected_version: int, actor: str) -> OrgUnit:
    """Take a unit out of use; its history stays. Refused while sub-units or Lotsen are still active."""
    require_admin(session=session, actor=actor)
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
        .where(Pilot.unit_id == unit_id, Pilot.stage.in_([s.value for s in CURRENT_STAGES]))  # type: ignore[attr-defined]
    ).one()
    if current_pilots:
        raise AdminError(
            f"„{unit.code}“ sind noch {current_pilots} Lotsinnen/Lotsen im Programm zugeordnet. "
            "Bitte sie zuerst einer anderen Einheit zuordnen (Seite Lotsen & Qualifizierung)."
        )
    before = _snapshot(unit)
    unit.active = False
    return _save(session, unit, before, actor, "deactivate")


def reactivate_unit(*, session: Session, unit_id: int, expected_version: int, actor: str) -> OrgUnit:
    require_admin(session=session, actor=actor)
    unit = _unit(session, unit_id)
    check_version(current=unit.version, expected=expected_version, what=f"Die Einheit „{unit.code}“")
    if unit.active:
        raise AdminError(f"„{unit.code}“ ist bereits aktiv.")
    if unit.parent_id is not None and not _unit(session, unit.parent_id).active:
        raise AdminError("Die übergeordnete Einheit ist inaktiv; bitte zuerst sie reaktivieren.")
    before = _snapshot(unit)
    unit.active = True
    return _save(session, unit, before, actor, "reactivate")


def delete_unit(*, session: Session, unit_id: int, expected_version: int, actor: str) -> None:
    """Delete a unit that nothing refers to (e.g. created by mistake); otherwise explain why not."""
    require_admin(session=session, actor=actor)
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
        actor=actor,
        action="delete",
        entity=ENTITY,
        entity_id=unit.id,
        changes={key: (value, None) for key, value in _snapshot(unit).items()},
    )
    session.delete(unit)


def change_soll_rule(*, session: Session, rule: str, per_n: object, actor: str) -> None:
    """The rule for units without an explicit Soll: 1 per unit, or 1 per N Beschäftigte."""
    require_admin(session=session, actor=actor)
    if rule not in labels_of(SollRule):
        raise AdminError("Bitte eine der vorgegebenen Regeln wählen.")
    number = int(clean_number(per_n, field="Beschäftigte je Lotse", minimum=1, maximum=100_000, whole=True))
    if app_settings.soll_rule(session=session) == SollRuleSetting(rule=SollRule(rule), per_n=number):
        raise AdminError("Es wurde nichts geändert.")
    app_settings.set_soll_rule(
        session=session, setting=SollRuleSetting(rule=SollRule(rule), per_n=number), actor=actor
    )


def kind_label(kind: str) -> str:
    return label(UnitKind(kind))
