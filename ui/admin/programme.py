"""Verwaltung, tab Programm: phases, milestones, gates and training modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core import clock
from model.core.enums import (
    ModuleKind,
    PhaseStatus,
)
from model.core.german import amount_text, fmt_date, fmt_number
from model.programme import plan as programme
from model.training import modules as training_modules
from ui import cache, feedback
from ui.admin.common import (
    MODULE_KINDS,
    NEW,
    PHASE_STATUSES,
    date_or_none,
    missing,
    record_form,
    yes_no,
)
from ui.commands import choose_again
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.plain import escaped
from ui.tables import show_table

PROGRAMME_TAB = "programme"
PHASE_AREA, MILESTONE_AREA, GATE_AREA, MODULE_AREA = "phase", "milestone", "gate", "module"


def _german_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.assign(
        **{column: frame[column].map(lambda v: fmt_date(v) if pd.notna(v) else "–") for column in columns}
    )


def render_programme(user: UserInfo) -> None:
    phases = cache.query(programme.phases)
    st.subheader("Phasen")
    shown_dates = _german_dates(phases, ["planned_start", "planned_end", "actual_start", "actual_end"])
    show_table(
        pd.DataFrame(
            {
                "Phase": shown_dates["name"],
                "Geplant von": shown_dates["planned_start"],
                "Geplant bis": shown_dates["planned_end"],
                "Tatsächlich von": shown_dates["actual_start"],
                "Tatsächlich bis": shown_dates["actual_end"],
                "Status": phases["status"].map(PHASE_STATUSES),
                "Anmerkung": phases["status_note"].fillna("–"),
                "Meilensteine": phases["milestones"],
                "Beschlüsse": phases["gates"],
            }
        ),
        name="Programmphasen",
        key="phases_table",
    )
    _phase_form(user, phases)
    phase_names = dict(zip(phases["id"].astype(int), phases["name"], strict=True))
    _milestones(user, phase_names)
    _gates(user, phase_names)
    _modules(user)


def _saved_as(selected: object) -> str:
    return "angelegt" if selected == NEW else "gespeichert"


def _text_or_empty(value: object) -> str:
    return "" if missing(value) else str(value)


def _phase_form(user: UserInfo, phases: pd.DataFrame) -> None:
    by_id = {int(row["id"]): row for _, row in phases.iterrows()}
    choose_again("phase_selected")
    selected = st.selectbox(
        "Phase bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: "Neue Phase anlegen" if v == NEW else by_id[v]["name"],
        key="phase_selected",
    )
    form, current = record_form("phase", selected, by_id)
    with st.form(form.form):
        left, right = st.columns([3, 1])
        values: dict[str, Any] = {
            "name": left.text_input(
                "Name der Phase", current.get("name", ""), max_chars=100, key=form.key("name")
            ),
            "position": right.number_input(
                "Reihenfolge",
                0,
                1000,
                value=int(current.get("position", len(phases) + 1)),
                key=form.key("pos"),
            ),
        }
        columns = st.columns(4)
        for column, (field, title) in zip(
            columns,
            [
                ("planned_start", "Geplanter Beginn"),
                ("planned_end", "Geplantes Ende"),
                ("actual_start", "Tatsächlicher Beginn"),
                ("actual_end", "Tatsächliches Ende"),
            ],
            strict=True,
        ):
            values[field] = column.date_input(
                title, value=date_or_none(current.get(field)), format="DD.MM.YYYY", key=form.key(field)
            )
        statuses = list(PHASE_STATUSES)
        values["status"] = st.selectbox(
            "Status",
            statuses,
            index=statuses.index(current.get("status", PhaseStatus.PLANNED.value)),
            format_func=PHASE_STATUSES.get,
            key=form.key("status"),
        )
        values["status_note"] = st.text_area(
            "Anmerkung (Pflicht bei „verzögert“ und „blockiert“, z. B. „kein Budget in diesem Jahr“)",
            _text_or_empty(current.get("status_note")),
            max_chars=500,
            key=form.key("note"),
        )
        submitted = st.form_submit_button("Phase speichern")
    if submitted:
        name = escaped(values["name"].strip())
        if selected == NEW:
            run_command(
                PHASE_AREA,
                programme.add_phase,
                success=f"Die Phase „{name}“ wurde angelegt.",
                reset=[form],
                actor=user,
                data=programme.PhaseInput(**values),
            )
        else:
            run_command(
                PHASE_AREA,
                programme.update_phase,
                success=f"Die Phase „{name}“ wurde gespeichert.",
                reset=[form],
                keep={"phase_selected": selected},
                actor=user,
                data=programme.PhaseEdit(
                    phase_id=selected, expected_version=int(current["version"]), **values
                ),
            )
    feedback.show(PHASE_AREA)


def _milestones(user: UserInfo, phase_names: dict[int, str]) -> None:
    milestones = cache.query(programme.milestones)
    st.subheader("Meilensteine")
    dates = _german_dates(milestones, ["due_on", "done_on"])
    show_table(
        pd.DataFrame(
            {
                "Phase": milestones["phase"],
                "Meilenstein": milestones["title"],
                "Fällig am": dates["due_on"],
                "Erreicht am": dates["done_on"],
                "Stand": [
                    "erreicht" if pd.notna(done) else ("überfällig" if due < clock.today() else "offen")
                    for due, done in zip(milestones["due_on"], milestones["done_on"], strict=True)
                ],
            }
        ),
        name="Meilensteine",
        key="milestones_table",
    )
    by_id = {int(row["id"]): row for _, row in milestones.iterrows()}
    choose_again("milestone_selected")
    selected = st.selectbox(
        "Meilenstein bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: (
            "Neuen Meilenstein anlegen" if v == NEW else f"{by_id[v]['phase']}: {by_id[v]['title']}"
        ),
        key="milestone_selected",
    )
    form, current = record_form("milestone", selected, by_id)
    with st.form(form.form):
        values = {
            "phase_id": _phase_choice(phase_names, current.get("phase_id"), form.key("phase")),
            "title": st.text_input(
                "Meilenstein", current.get("title", ""), max_chars=200, key=form.key("title")
            ),
        }
        left, right = st.columns(2)
        values["due_on"] = left.date_input(
            "Fällig am", value=date_or_none(current.get("due_on")), format="DD.MM.YYYY", key=form.key("due")
        )
        values["done_on"] = right.date_input(
            "Erreicht am (leer: offen)",
            value=date_or_none(current.get("done_on")),
            format="DD.MM.YYYY",
            key=form.key("done"),
        )
        delete = selected != NEW and st.checkbox("Diesen Meilenstein löschen", key=form.key("delete"))
        submitted = st.form_submit_button("Meilenstein speichern")
    if submitted:
        command: Callable[..., Any]
        data: object
        if delete:
            command = programme.delete_milestone
            data = programme.MilestoneDeletion(selected, int(current["version"]))
        elif selected == NEW:
            command, data = programme.add_milestone, programme.MilestoneInput(**values)
        else:
            command = programme.update_milestone
            data = programme.MilestoneEdit(
                milestone_id=selected, expected_version=int(current["version"]), **values
            )
        _save_or_delete(
            user,
            area=MILESTONE_AREA,
            form=form,
            selected=selected,
            command=command,
            data=data,
            deleting=delete,
            saved=f"Der Meilenstein „{escaped(values['title'].strip())}“ wurde {_saved_as(selected)}.",
            deleted="Der Meilenstein wurde gelöscht.",
            selection="milestone_selected",
        )
    feedback.show(MILESTONE_AREA)


def _save_or_delete(
    user: UserInfo,
    *,
    area: str,
    form: FormRound,
    selected: object,
    command: Callable[..., Any],
    data: object,
    deleting: bool,
    saved: str,
    deleted: str,
    selection: str,
) -> None:
    """Run the save or delete of a programme record from its form (an edit's `data` names the version
    the form showed).

    After a deletion the choice goes back to "new", since the record is gone."""
    if deleting:
        run_command(area, command, success=deleted, reset=[form], forget=[selection], actor=user, data=data)
    else:
        keep = None if selected == NEW else {selection: selected}
        run_command(area, command, success=saved, reset=[form], keep=keep, actor=user, data=data)


def _phase_choice(phase_names: dict[int, str], current: object, key: str) -> int | None:
    options = list(phase_names)
    index = options.index(int(current)) if not missing(current) and int(current) in options else 0  # type: ignore[call-overload]
    return st.selectbox(
        "Phase", options, index=index if options else None, format_func=phase_names.get, key=key
    )


def _gates(user: UserInfo, phase_names: dict[int, str]) -> None:
    gates = cache.query(programme.gate_decisions)
    st.subheader("Beschlüsse (Gremien)")
    show_table(
        pd.DataFrame(
            {
                "Phase": gates["phase"],
                "Gremium": gates["body"],
                "Datum": _german_dates(gates, ["decided_on"])["decided_on"],
                "Vorlage-Nr.": gates["paper_no"].fillna("–"),
                "Inhalt": gates["summary"].fillna("–"),
            }
        ),
        name="Beschlüsse",
        key="gates_table",
    )
    by_id = {int(row["id"]): row for _, row in gates.iterrows()}
    choose_again("gate_selected")
    selected = st.selectbox(
        "Beschluss bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: (
            "Neuen Beschluss erfassen"
            if v == NEW
            else f"{by_id[v]['body']}, {fmt_date(by_id[v]['decided_on'])}"
        ),
        key="gate_selected",
    )
    form, current = record_form("gate", selected, by_id)
    with st.form(form.form):
        values = {"phase_id": _phase_choice(phase_names, current.get("phase_id"), form.key("phase"))}
        left, middle, right = st.columns(3)
        values["body"] = left.text_input(
            "Gremium", current.get("body", ""), max_chars=200, key=form.key("body")
        )
        values["decided_on"] = middle.date_input(
            "Datum des Beschlusses",
            value=date_or_none(current.get("decided_on")),
            format="DD.MM.YYYY",
            key=form.key("date"),
        )
        values["paper_no"] = right.text_input(
            "Vorlage-Nr.", _text_or_empty(current.get("paper_no")), max_chars=50, key=form.key("paper")
        )
        values["summary"] = st.text_area(
            "Inhalt des Beschlusses",
            _text_or_empty(current.get("summary")),
            max_chars=1000,
            key=form.key("summary"),
        )
        delete = selected != NEW and st.checkbox("Diesen Beschluss löschen", key=form.key("delete"))
        submitted = st.form_submit_button("Beschluss speichern")
    if submitted:
        command: Callable[..., Any]
        data: object
        if delete:
            command = programme.delete_gate_decision
            data = programme.GateDeletion(selected, int(current["version"]))
        elif selected == NEW:
            command, data = programme.add_gate_decision, programme.GateInput(**values)
        else:
            command = programme.update_gate_decision
            data = programme.GateEdit(gate_id=selected, expected_version=int(current["version"]), **values)
        _save_or_delete(
            user,
            area=GATE_AREA,
            form=form,
            selected=selected,
            command=command,
            data=data,
            deleting=delete,
            saved=f"Der Beschluss wurde {_saved_as(selected)}.",
            deleted="Der Beschluss wurde gelöscht.",
            selection="gate_selected",
        )
    feedback.show(GATE_AREA)


def _modules(user: UserInfo) -> None:
    modules = cache.query(training_modules.training_modules)
    st.subheader("Qualifizierungsmodule")
    show_table(
        pd.DataFrame(
            {
                "Modul": modules["name"],
                "Art": modules["kind"].map(MODULE_KINDS),
                "Dauer (Tage)": modules["duration_days"].map(lambda v: fmt_number(v, 1)),
                "Angemeldet": modules["enrolled"],
                "Abgeschlossen": modules["completed"],
                "Angeboten": modules["active"].map(yes_no),
            }
        ),
        name="Qualifizierungsmodule",
        key="modules_table",
    )
    by_id = {int(row["id"]): row for _, row in modules.iterrows()}
    choose_again("module_selected")
    selected = st.selectbox(
        "Modul bearbeiten",
        [NEW, *by_id],
        format_func=lambda v: "Neues Modul anlegen" if v == NEW else by_id[v]["name"],
        key="module_selected",
    )
    form, current = record_form("module", selected, by_id)
    with st.form(form.form):
        kinds = list(MODULE_KINDS)
        left, middle, right = st.columns([3, 2, 1])
        values = {
            "name": left.text_input(
                "Name des Moduls", current.get("name", ""), max_chars=200, key=form.key("name")
            ),
            "kind": middle.selectbox(
                "Art",
                kinds,
                index=kinds.index(current.get("kind", ModuleKind.ADVANCED.value)),
                format_func=MODULE_KINDS.get,
                key=form.key("kind"),
            ),
            "duration_days": right.text_input(
                "Dauer (Tage)",
                amount_text(current.get("duration_days", 1.0)),
                max_chars=6,
                key=form.key("days"),
            ),
            "position": st.number_input(
                "Reihenfolge",
                0,
                1000,
                value=int(current.get("position", len(modules) + 1)),
                key=form.key("pos"),
            ),
            "active": st.checkbox(
                "Wird angeboten", value=bool(current.get("active", True)), key=form.key("active")
            ),
        }
        submitted = st.form_submit_button("Modul speichern")
    if submitted:
        success = f"Das Modul „{escaped(values['name'].strip())}“ wurde {_saved_as(selected)}."
        if selected == NEW:
            run_command(
                MODULE_AREA,
                training_modules.add_training_module,
                success=success,
                reset=[form],
                actor=user,
                data=training_modules.ModuleInput(**values),
            )
        else:
            run_command(
                MODULE_AREA,
                training_modules.update_training_module,
                success=success,
                reset=[form],
                keep={"module_selected": selected},
                actor=user,
                data=training_modules.ModuleEdit(
                    module_id=selected, expected_version=int(current["version"]), **values
                ),
            )
    feedback.show(MODULE_AREA)
