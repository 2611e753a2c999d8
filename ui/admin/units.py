"""Verwaltung, tab Organisationseinheiten: the unit tree, the Soll rule, create/edit/move/retire a unit."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core.app_settings import soll_rule
from model.core.enums import (
    SollRule,
    UnitKind,
    labels_of,
)
from model.core.german import fmt_number
from model.org import units as org_units
from ui import cache, feedback, pickers
from ui.admin.common import (
    NEW,
    TOP_LEVEL,
    UNIT_KINDS,
    missing,
    yes_no,
)
from ui.commands import choose_again, shown
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.plain import escaped
from ui.tables import MAX_SHOWN_ROWS, show_table

UNITS_TAB = "units"
SOLL_AREA, UNIT_NEW_AREA, UNIT_EDIT_AREA = "soll_rule", "unit_new", "unit_edit"
UNIT_MOVE_AREA, UNIT_STATUS_AREA, UNIT_DELETE_AREA = "unit_move", "unit_status", "unit_delete"


def _unit_table(tree: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Struktur": [
                "· " * depth + f"{code} – {name}"
                for depth, code, name in zip(tree["depth"], tree["code"], tree["name"], strict=True)
            ],
            "Pfad": tree["path"],
            "Art": tree["kind"].map(UNIT_KINDS),
            "Beschäftigte": tree["headcount"],
            "Soll-Lotsen": tree["soll"],
            "Soll festgelegt": tree["target_pilots"].map(
                lambda v: "nach Regel" if pd.isna(v) else "eigener Wert"
            ),
            "Lotsen im Programm": tree["pilots"],
            "Aktiv": tree["active"].map(yes_no),
        }
    )


def render_units(user: UserInfo) -> None:
    active, inactive = cache.query(org_units.unit_counts)
    # The first rows in tree order; the downloads read every unit when clicked.
    tree = cache.query(org_units.unit_tree, limit=MAX_SHOWN_ROWS)
    st.subheader("Organigramm")
    st.caption(
        f"{fmt_number(active)} aktive und {fmt_number(inactive)} "
        "inaktive Organisationseinheiten. Einheiten mit Historie werden nie gelöscht, nur deaktiviert."
    )
    show_table(
        _unit_table(tree),
        name="Organisationseinheiten",
        key="units_table",
        total=active + inactive,
        whole=lambda: _unit_table(cache.query(org_units.unit_tree)),
    )
    _soll_rule_form(user)
    st.subheader("Einheit bearbeiten")
    choose_again("unit_selected")
    current = st.session_state.get("unit_selected")
    offered = unit_options(key="unit_selected", keep=current if isinstance(current, int) else None)
    selected = st.selectbox(
        "Organisationseinheit",
        [NEW, *offered],
        format_func=lambda value: "Neue Organisationseinheit anlegen" if value == NEW else offered[value],
        key="unit_selected",
    )
    feedback.show(UNIT_DELETE_AREA)  # where the deleted unit was chosen
    if selected == NEW:
        _new_unit_form(user)
        return
    found = cache.query(org_units.unit_tree, unit_ids=(selected,))
    if found.empty:
        st.info("Diese Organisationseinheit gibt es nicht mehr.")
        return
    # The edit, move and status forms show one state of the unit and save against its version.
    form = FormRound(f"unit_{selected}")
    unit = shown(form, found.iloc[0].to_dict())
    _edit_unit_form(user, form, unit)
    _move_unit_form(user, form, unit)
    _unit_status_actions(user, form, unit)


def unit_options(
    *, key: str, keep: int | None = None, active_only: bool = False, outside_of: int | None = None
) -> dict[int, str]:
    """Id → "· · Kürzel – Name" in tree order; a long list is searched first (ui.pickers).

    `key` names the search field (`<key>_search`); `keep` (the current value) is always listed.
    """
    allowed = {"active_only": active_only, "outside_of": outside_of}
    total = cache.query(org_units.unit_choice_count, **allowed)
    term = pickers.search_term(total, key=key, search_label="Einheit suchen (Kürzel oder Name)")
    limit = pickers.MAX_CHOICES
    choices = cache.query(org_units.unit_choices, search=term, limit=limit, keep=keep, **allowed)
    pickers.note_cut(choices.found, noun="Einheiten")
    return dict(choices.options)


def _soll_rule_form(user: UserInfo) -> None:
    form = FormRound("soll_rule")
    rule, version = shown(form, (cache.query(soll_rule), cache.query(org_units.soll_rule_version)))
    st.subheader("Soll-Lotsen-Regel")
    st.caption(
        "Gilt für alle Einheiten ohne eigenen Soll-Wert; Dezernate zählen als Container (Soll 0). "
        "Ein eigener Soll-Wert je Einheit wird unter „Einheit bearbeiten“ gesetzt."
    )
    rules = labels_of(SollRule)
    with st.form(form.form):
        chosen = st.radio(
            "Regel",
            list(rules),
            format_func=rules.get,
            index=list(rules).index(rule.rule.value),
            key=form.key("rule"),
        )
        per_n = st.number_input(
            "Beschäftigte je Lotse (nur für „1 Lotse je N Beschäftigte“)",
            1,
            100_000,
            value=rule.per_n,
            step=10,
            key=form.key("per_n"),
        )
        if st.form_submit_button("Regel speichern"):
            run_command(
                SOLL_AREA,
                org_units.change_soll_rule,
                success="Die Soll-Lotsen-Regel wurde gespeichert.",
                reset=[form],
                actor=user,
                data=org_units.SollRuleEdit(rule=chosen, per_n=per_n, expected_version=version),
            )
    feedback.show(SOLL_AREA)


def _unit_fields(form: FormRound, unit: dict[str, Any] | None) -> dict[str, Any]:
    current = unit or {}
    left, right = st.columns([1, 3])
    code = left.text_input("Kürzel", current.get("code", ""), max_chars=30, key=form.key("code"))
    name = right.text_input("Name", current.get("name", ""), max_chars=200, key=form.key("name"))
    kind_col, head_col, soll_col = st.columns(3)
    kinds = list(UNIT_KINDS)
    kind = kind_col.selectbox(
        "Art",
        kinds,
        index=kinds.index(current.get("kind", UnitKind.AMT.value)),
        format_func=UNIT_KINDS.get,
        key=form.key("kind"),
    )
    headcount = head_col.number_input(
        "Beschäftigte",
        0,
        org_units.MAX_HEADCOUNT,
        value=int(current.get("headcount", 0)),
        key=form.key("head"),
    )
    target = current.get("target_pilots")
    explicit = soll_col.number_input(
        "Eigenes Soll-Lotsen (leer: nach Regel)",
        0,
        org_units.MAX_TARGET,
        value=None if missing(target) else int(target),  # type: ignore[arg-type]
        key=form.key("target"),
    )
    return {"code": code, "name": name, "kind": kind, "headcount": headcount, "target_pilots": explicit}


def _new_unit_form(user: UserInfo) -> None:
    form = FormRound("unit_new")
    parents = unit_options(key=form.key("parent"), active_only=True)
    with st.form(form.form):
        values = _unit_fields(form, None)
        parent = st.selectbox(
            "Übergeordnete Einheit",
            [TOP_LEVEL, *parents],
            format_func=lambda value: (
                "(oberste Ebene, z. B. ein Dezernat)" if value == TOP_LEVEL else parents[value]
            ),
            key=form.key("parent"),
        )
        if st.form_submit_button("Einheit anlegen"):
            run_command(
                UNIT_NEW_AREA,
                org_units.add_unit,
                success=f"Die Einheit „{escaped(values['code'].strip())}“ wurde angelegt.",
                reset=[form],
                actor=user,
                data=org_units.NewUnit(parent_id=None if parent == TOP_LEVEL else parent, **values),
            )
    feedback.show(UNIT_NEW_AREA)


def _edit_unit_form(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    st.text(f"Pfad: {unit['path']} · Version {unit['version']}")
    with st.form(form.key("edit")):
        values = _unit_fields(form, unit)
        if st.form_submit_button("Änderungen speichern"):
            run_command(
                UNIT_EDIT_AREA,
                org_units.update_unit,
                success=f"Die Einheit „{escaped(values['code'].strip())}“ wurde gespeichert.",
                reset=[form],
                keep={"unit_selected": int(unit["id"])},
                actor=user,
                data=org_units.UnitEdit(
                    unit_id=int(unit["id"]), expected_version=int(unit["version"]), **values
                ),
            )
    feedback.show(UNIT_EDIT_AREA)


def _move_unit_form(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    parent_id = None if missing(unit["parent_id"]) else int(unit["parent_id"])
    # The unit itself and its sub-units are not offered (the model refuses such cycles too).
    targets = unit_options(key=form.key("move"), keep=parent_id, outside_of=int(unit["id"]))
    current = TOP_LEVEL if parent_id is None else parent_id
    options = [TOP_LEVEL, *targets]
    with st.form(form.key("move_form")):
        parent = st.selectbox(
            "Verschieben unter",
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda value: "(oberste Ebene)" if value == TOP_LEVEL else targets[value],
            key=form.key("move"),
        )
        if st.form_submit_button("Einheit verschieben"):
            run_command(
                UNIT_MOVE_AREA,
                org_units.move_unit,
                success=f"„{escaped(unit['code'])}“ wurde verschoben (mit allen Untereinheiten).",
                reset=[form],
                keep={"unit_selected": int(unit["id"])},
                actor=user,
                data=org_units.UnitMove(
                    unit_id=int(unit["id"]),
                    expected_version=int(unit["version"]),
                    new_parent_id=None if parent == TOP_LEVEL else parent,
                ),
            )
    feedback.show(UNIT_MOVE_AREA)


def _unit_status_actions(user: UserInfo, form: FormRound, unit: dict[str, Any]) -> None:
    arguments = {
        "actor": user,
        "data": org_units.UnitVersion(unit_id=int(unit["id"]), expected_version=int(unit["version"])),
        "reset": [form],
    }
    stays = {"keep": {"unit_selected": int(unit["id"])}}
    code = escaped(unit["code"])
    left, right = st.columns(2)
    if bool(unit["active"]):
        if left.button("Einheit deaktivieren", key=form.key("deactivate")):
            run_command(
                UNIT_STATUS_AREA,
                org_units.deactivate_unit,
                success=f"„{code}“ ist jetzt inaktiv; ihre Historie bleibt erhalten.",
                **arguments,
                **stays,
            )
    elif left.button("Einheit reaktivieren", key=form.key("reactivate")):
        run_command(
            UNIT_STATUS_AREA,
            org_units.reactivate_unit,
            success=f"„{code}“ ist wieder aktiv.",
            **arguments,
            **stays,
        )
    with right:
        confirmed = st.checkbox("Ja, diese Einheit endgültig löschen", key=form.key("delete_confirm"))
        if st.button("Einheit löschen", key=form.key("delete"), disabled=not confirmed):
            run_command(
                UNIT_DELETE_AREA,
                org_units.delete_unit,
                success=f"„{code}“ wurde gelöscht.",
                forget=["unit_selected"],
                **arguments,
            )
        st.caption("Nur möglich, wenn nichts auf die Einheit verweist (Lotsen, Maßnahmen, Historie …).")
    feedback.show(UNIT_STATUS_AREA)
