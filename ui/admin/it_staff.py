"""Verwaltung, tab IT-Personal: VZÄ per unit and task area, and the central IT unit."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core.german import fmt_number
from model.it_staff import structures as it_staff
from model.it_staff.structures import StaffCell
from ui import cache, feedback
from ui.admin.common import (
    TASK_LABELS,
    pinned,
)
from ui.admin.units import unit_options
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.filters import scope_filter
from ui.plain import escaped

IT_TAB = "it_staff"
CENTRAL_IT_AREA = "central_it"
IT_EDITOR = FormRound("it_editor")  # a new round draws a fresh editor
AUTOMATIC = "auto"
CENTRAL_IT_SEEN = "central_it_seen_version"  # the setting's version the form showed


def render_it_staff(user: UserInfo) -> None:
    scope = scope_filter()
    _central_unit_form(user)
    st.subheader("VZÄ je Organisationseinheit und IT-Aufgabenbereich")
    editor_key = f"{IT_EDITOR.form}_{scope.root_id}"
    frame = pinned(editor_key, lambda: cache.query(it_staff.it_staff_table, root_id=scope.root_id))
    st.caption(
        f"Auswahl: {escaped(scope.label)} · {fmt_number(len(frame))} aktive Einheiten. "
        "0 oder leer entfernt den Eintrag. Gespeichert wird alles oder nichts."
    )
    config: dict[str, Any] = {
        "code": st.column_config.TextColumn("Kürzel", disabled=True),
        "name": st.column_config.TextColumn("Organisationseinheit", disabled=True, width="large"),
    }
    for task, title in TASK_LABELS.items():
        config[task] = st.column_config.NumberColumn(
            title, min_value=0, max_value=it_staff.MAX_FTE, step=0.05, format="localized"
        )
    st.data_editor(
        frame,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        column_order=["code", "name", *TASK_LABELS],
        column_config=config,
        disabled=["code", "name"],
        width="stretch",
        alt="Tabelle der IT-VZÄ je Organisationseinheit zum Bearbeiten",
    )
    cells = _staff_cells(frame, st.session_state.get(editor_key, {}))
    if st.button(f"VZÄ speichern ({len(cells)} Zellen)", key="it_save", disabled=not cells):
        run_command(
            IT_TAB,
            it_staff.save_it_staff,
            success=f"{len(cells)} Wert(e) gespeichert.",
            reset=[IT_EDITOR],  # saved: a fresh editor; refused: the edits stay
            actor=user,
            data=it_staff.StaffCells(tuple(cells)),
        )
    if st.button("Verwerfen und neu laden", key="it_discard"):
        feedback.refresh(reset=[IT_EDITOR])
    feedback.show(IT_TAB)


def _staff_cells(frame: pd.DataFrame, state: dict[str, Any]) -> list[StaffCell]:
    cells = []
    for position, changes in (state.get("edited_rows") or {}).items():
        row = frame.iloc[int(position)]
        for task, value in changes.items():
            if task in TASK_LABELS:
                version = int(row[it_staff.version_column(task)])
                cells.append(StaffCell(int(row["id"]), task, version, value))
    return cells


def _central_unit_form(user: UserInfo) -> None:
    central = cache.query(it_staff.central_it_unit)
    # The setting's version when the form was first drawn, kept while its select box stays drawn
    # (like ui.commands.shown); a save or a refusal as stale forgets it.
    if CENTRAL_IT_SEEN not in st.session_state or "central_it_unit" not in st.session_state:
        st.session_state[CENTRAL_IT_SEEN] = cache.query(it_staff.central_it_version)
    shown_version = st.session_state[CENTRAL_IT_SEEN]
    st.subheader("Zentrale IT-Einheit")
    choices = unit_options(
        key="central_it_unit",
        keep=central.id if central is not None and central.configured else None,
        active_only=True,
    )
    if central is None:
        st.caption("Noch kein IT-Personal erfasst.")
    else:
        how = "festgelegt" if central.configured else "automatisch: die Einheit mit den meisten IT-VZÄ"
        st.text(f"Zentrale IT: {central.code} – {central.name} ({how}). Ihre Untereinheiten zählen mit.")
    with st.form("central_it_form"):
        options = [AUTOMATIC, *choices]
        index = (
            options.index(central.id)
            if central is not None and central.configured and central.id in options
            else 0
        )
        chosen = st.selectbox(
            "Zentrale IT-Einheit festlegen",
            options,
            index=index,
            format_func=lambda v: "automatisch (meiste IT-VZÄ)" if v == AUTOMATIC else choices[v],
            key="central_it_unit",
        )
        if st.form_submit_button("Zentrale IT-Einheit speichern"):
            run_command(
                CENTRAL_IT_AREA,
                it_staff.set_central_it_unit,
                success="Die zentrale IT-Einheit wurde gespeichert.",
                forget=[CENTRAL_IT_SEEN],
                actor=user,
                data=it_staff.CentralItChoice(
                    unit_id=None if chosen == AUTOMATIC else chosen, expected_version=shown_version
                ),
            )
    feedback.show(CENTRAL_IT_AREA)
