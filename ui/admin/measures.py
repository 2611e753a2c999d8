"""Verwaltung, tab Maßnahmen: the shared measures editor and the ideas waiting for a decision."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core.db import write_session
from model.core.enums import (
    MeasureStatus,
)
from model.core.german import fmt_date, fmt_number
from model.roadmap import bulk as admin_measures
from model.roadmap import ideas
from model.roadmap.bulk import MeasureRowsEdit, RowEdit
from ui import cache, feedback
from ui.admin.common import (
    CATEGORY_LABELS,
    MEASURE_STATUSES,
    RAGS,
    pinned,
)
from ui.commands import run as run_command
from ui.feedback import FormRound
from ui.filters import scope_filter
from ui.plain import escaped
from ui.tables import show_table

MEASURES_TAB = "measures"
EDITOR = FormRound("measures_editor")  # a new round draws a fresh editor


def _measure_column_config(options: dict[str, list[str]]) -> dict[str, Any]:
    header = admin_measures.COLUMNS
    cc = st.column_config
    config: dict[str, Any] = {
        "title": cc.TextColumn(header["title"], max_chars=200, required=True, width="large"),
        "category": cc.SelectboxColumn(
            header["category"], options=list(CATEGORY_LABELS), format_func=CATEGORY_LABELS.get, required=True
        ),
        "status": cc.SelectboxColumn(
            header["status"], options=list(MEASURE_STATUSES), format_func=MEASURE_STATUSES.get, required=True
        ),
        "rag": cc.SelectboxColumn(header["rag"], options=list(RAGS), format_func=RAGS.get, required=True),
        "start_quarter": cc.TextColumn(header["start_quarter"], max_chars=7, help="z. B. 2026-Q3"),
        "end_quarter": cc.TextColumn(header["end_quarter"], max_chars=7, help="z. B. 2027-Q2"),
        "cost_operating": cc.NumberColumn(header["cost_operating"], min_value=0, format="euro"),
        "cost_capital": cc.NumberColumn(header["cost_capital"], min_value=0, format="euro"),
        "person_days": cc.NumberColumn(header["person_days"], min_value=0, format="localized"),
        "ozg_id": cc.TextColumn(header["ozg_id"], max_chars=20),
        "maturity_target": cc.NumberColumn(header["maturity_target"], min_value=0, max_value=4, step=1),
        "maturity_actual": cc.NumberColumn(header["maturity_actual"], min_value=0, max_value=4, step=1),
        "efa": cc.CheckboxColumn(header["efa"]),
        "funding": cc.SelectboxColumn(header["funding"], options=options["funding"]),
        "decision_ref": cc.TextColumn(header["decision_ref"], max_chars=50),
    }
    if len(options["units"]) <= 2_000:
        config["unit_code"] = cc.SelectboxColumn(header["unit_code"], options=options["units"])
    else:
        config["unit_code"] = cc.TextColumn(header["unit_code"], max_chars=30, help="Kürzel der Einheit")
    for name in admin_measures.SCORE_FIELDS:
        config[name] = cc.NumberColumn(header[name], min_value=1, max_value=5, step=1, required=True)
    return config


def render_measures(user: UserInfo) -> None:
    scope = scope_filter()
    st.subheader("Maßnahmen gemeinsam bearbeiten")
    left, right = st.columns(2)
    status = left.selectbox(
        "Status",
        [None, *MEASURE_STATUSES],
        format_func=lambda v: "Alle" if v is None else MEASURE_STATUSES[v],
        key="measures_status",
    )
    category = right.selectbox(
        "Kategorie",
        [None, *CATEGORY_LABELS],
        format_func=lambda v: "Alle" if v is None else CATEGORY_LABELS[v],
        key="measures_category",
    )
    filters = {"root_id": scope.root_id, "status": status, "category": category}
    editor_key = f"{EDITOR.form}_{scope.root_id}_{status}_{category}"
    frame = pinned(editor_key, lambda: cache.query(admin_measures.measures_for_editing, **filters))
    total = cache.query(admin_measures.measure_count, **filters)
    st.caption(
        f"Auswahl: {escaped(scope.label)} · {fmt_number(len(frame))} von {fmt_number(total)} Maßnahmen"
        + (" – bitte die Auswahl eingrenzen, um die übrigen zu sehen." if total > len(frame) else ".")
        + " Gespeichert wird alles oder nichts: Ist eine Zeile ungültig oder inzwischen von jemand anderem "
        "geändert, wird keine Zeile gespeichert und jedes Problem mit Zeile und Spalte genannt."
    )
    st.data_editor(
        frame,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        column_order=list(admin_measures.COLUMNS),
        column_config=_measure_column_config(cache.query(admin_measures.editor_options)),
        width="stretch",
        alt="Tabelle der Maßnahmen zum Bearbeiten",
    )
    edits = _row_edits(frame, st.session_state.get(editor_key, {}))
    save, discard = st.columns(2)
    if save.button(f"Änderungen speichern ({len(edits)} Zeilen)", key="measures_save", disabled=not edits):
        run_command(
            MEASURES_TAB,
            admin_measures.bulk_update_measures,
            success=f"{len(edits)} Maßnahme(n) gespeichert.",
            reset=[EDITOR],  # saved: a fresh editor; refused: the edits stay
            actor=user,
            data=MeasureRowsEdit(tuple(edits)),
        )
    if discard.button("Verwerfen und neu laden", key="measures_discard"):
        feedback.refresh(reset=[EDITOR])
    feedback.show(MEASURES_TAB)
    _ideas(user)


def _row_edits(frame: pd.DataFrame, state: dict[str, Any]) -> list[RowEdit]:
    """The editor's changed cells per row, with the id and version the row was loaded with."""
    edits = []
    for position, changes in (state.get("edited_rows") or {}).items():
        row = frame.iloc[int(position)]
        edits.append(RowEdit(int(row["id"]), int(row["version"]), dict(changes)))
    return edits


IDEAS_AREA = "ideas"
ACCEPT_AS_IDEA, ACCEPT_AS_PLANNED, DECLINE = "accept_idea", "accept_planned", "decline"
IDEA_DECISIONS = {
    ACCEPT_AS_IDEA: "In die Roadmap aufnehmen (Status „Idee“, noch zu bewerten)",
    ACCEPT_AS_PLANNED: "In die Roadmap aufnehmen (Status „geplant“)",
    DECLINE: "Nicht aufnehmen",
}


def _ideas(user: UserInfo) -> None:
    """Ideas of Lotsen waiting for a decision: only here and to their author are they visible."""
    st.subheader("Ideen der Lotsinnen und Lotsen")
    feedback.show(IDEAS_AREA)
    count = cache.query(ideas.open_idea_count, viewer=user)
    waiting = cache.query(ideas.open_ideas, viewer=user)
    if waiting.empty:
        st.info("Keine Idee wartet auf eine Entscheidung.")
        return
    st.caption(
        f"{fmt_number(count)} Idee(n) warten auf eine Entscheidung, die älteste zuerst. Bis dahin sehen sie "
        "nur das CDO-Büro und wer sie eingereicht hat – nicht die Verwaltungsleitung und nicht die anderen "
        "Lotsen. Die Entscheidung und ihre Begründung sieht die Lotsin / der Lotse auf „Mein Status“."
    )
    show_table(
        pd.DataFrame(
            {
                "Titel": waiting["title"],
                "Kategorie": waiting["category"].map(CATEGORY_LABELS),
                "Organisationseinheit": waiting["unit_code"].fillna("–"),
                "Eingereicht von": waiting["submitted_by"].fillna("–"),
                "Eingereicht am": waiting["submitted_on"].map(fmt_date),
                "Beschreibung": waiting["description"].fillna("–"),
            }
        ),
        name="Offene Ideen",
        key="ideas_table",
    )
    by_id = {int(row["id"]): row for _, row in waiting.iterrows()}
    chosen = st.selectbox("Idee", list(by_id), format_func=lambda v: by_id[v]["title"], key="idea_selected")
    idea = by_id[chosen]
    form = FormRound(f"idea_{chosen}_{int(idea['version'])}")
    with st.form(form.form):
        decision = st.radio(
            "Entscheidung", list(IDEA_DECISIONS), format_func=IDEA_DECISIONS.get, key=form.key("decision")
        )
        left, right = st.columns([3, 2])
        title = left.text_input(
            "Titel der Maßnahme (beim Aufnehmen)",
            idea["title"],
            max_chars=ideas.TITLE_MAX,
            key=form.key("title"),
        )
        categories = list(CATEGORY_LABELS)
        category = right.selectbox(
            "Kategorie",
            categories,
            index=categories.index(idea["category"]) if idea["category"] in categories else 0,
            format_func=CATEGORY_LABELS.get,
            key=form.key("category"),
        )
        note = st.text_area(
            "Antwort an die Lotsin / den Lotsen (Pflicht bei „Nicht aufnehmen“)",
            max_chars=ideas.NOTE_MAX,
            key=form.key("note"),
        )
        if not st.form_submit_button("Entscheidung speichern"):
            return
    try:
        with write_session() as session:
            if decision == DECLINE:
                ideas.decline_idea(
                    session=session,
                    actor=user,
                    data=ideas.IdeaDecline(
                        idea_id=chosen, expected_version=int(idea["version"]), reason=note
                    ),
                )
                message = (
                    f"„{escaped(idea['title'])}“ wird nicht aufgenommen; "
                    "die Begründung sieht die Lotsin / der Lotse."
                )
            else:
                measure = ideas.accept_idea(
                    session=session,
                    actor=user,
                    data=ideas.IdeaAcceptance(
                        idea_id=chosen,
                        expected_version=int(idea["version"]),
                        title=title,
                        category=category,
                        status=MeasureStatus.IDEA.value
                        if decision == ACCEPT_AS_IDEA
                        else MeasureStatus.PLANNED.value,
                        note=note,
                    ),
                )
                message = (
                    f"„{escaped(measure.title)}“ steht jetzt auf der Roadmap "
                    f"(Status „{MEASURE_STATUSES[measure.status]}“)."
                )
    except ideas.StaleIdeaError as error:
        feedback.done(IDEAS_AREA, escaped(error), kind="error", forget=("idea_selected",))
    except (ideas.IdeaError, PermissionError) as error:
        st.error(f"Nicht gespeichert: {escaped(error)}")
        return
    feedback.done(IDEAS_AREA, message, forget=("idea_selected",))
