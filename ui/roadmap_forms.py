"""Forms of the Roadmap page (admin only): score weights, one measure, a new measure; each saved with audit.

The weights and the measure form save against what they showed when first drawn (ui.commands):
a save after someone else's is refused by the model, and the form then shows the current state.
The new-measure form is drawn empty after a save and never stores the same measure twice.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.accounts.auth import UserInfo
from model.core.enums import Category, MeasureStatus, Rag, labels_of
from model.core.german import fmt_number
from model.core.tables import Measure
from model.roadmap import reads as roadmap
from model.roadmap import scoring
from model.roadmap.commands import (
    FIELD_LABELS,
    MATURITY_LABELS,
    MeasureEdit,
    NewMeasure,
    create_measure,
    update_measure,
)
from model.roadmap.ozg import load_ozg_catalogue
from model.roadmap.scoring import INPUT_LABELS, ScoreWeights, WeightsEdit, set_score_weights
from ui import cache, feedback, pickers
from ui.commands import run, shown
from ui.feedback import FormRound
from ui.plain import escaped

CATEGORIES = labels_of(Category)
STATUSES = labels_of(MeasureStatus)
RAGS = labels_of(Rag)
WEIGHTS_AREA, MEASURE_AREA, NEW_MEASURE_AREA = "roadmap_weights", "roadmap_measure", "roadmap_new_measure"
UNIT_SEARCH = "Organisationseinheit suchen (Kürzel oder Name)"
MEASURE_CHOICE = "roadmap_measure"  # the page's select box of the measure in the detail


def _percent(weights: ScoreWeights) -> dict[str, int]:
    return {key: round(weight * 100) for key, weight in weights.as_dict().items()}


def weights_form(user: UserInfo, weights: ScoreWeights) -> None:
    form = FormRound("roadmap_weights")
    showing, version = shown(form, (weights, cache.query(scoring.score_weights_version)))
    with st.expander("Gewichte ändern"), st.form(form.form):
        st.caption("Gewichte in Prozent; zusammen genau 100 %.")
        columns = st.columns(len(INPUT_LABELS))
        entered = {
            key: column.number_input(
                f"{name} (%)",
                min_value=0,
                max_value=100,
                step=5,
                value=_percent(showing)[key],
                key=form.key(key),
            )
            for column, (key, name) in zip(columns, INPUT_LABELS.items(), strict=True)
        }
        submitted = st.form_submit_button("Gewichte speichern")
    if submitted and entered == _percent(showing):
        st.info("Es wurde nichts geändert.")
    elif submitted:
        run(
            WEIGHTS_AREA,
            set_score_weights,
            success="Die neuen Gewichte gelten ab sofort für alle Scores und Klassen.",
            reset=[form],
            actor=user,
            data=WeightsEdit(
                weights={key: value / 100 for key, value in entered.items()}, expected_version=version
            ),
        )
    feedback.show(WEIGHTS_AREA)


def _choice(label: str, options: dict[Any, str], current: Any, key: str) -> Any:
    """Selectbox over id → label with an empty choice; a current value missing from the options stays."""
    if current is not None and current not in options:
        options = {**options, current: f"{current} (unbekannt)"}
    choices = [None, *options]
    return st.selectbox(
        label,
        choices,
        index=choices.index(current),
        format_func=lambda v: "–" if v is None else options[v],
        key=key,
    )


def _amount(value: float) -> str:
    return fmt_number(value, 0 if value == int(value) else 2)


def _ozg_choices() -> dict[str, str]:
    return {service.ozg_id: f"{service.ozg_id} – {service.name}" for service in load_ozg_catalogue()}


def _codes(label: str, labels: dict[str, str], current: str | None, key: str, *, chosen: bool = True) -> str:
    """Selectbox over the codes of an enum, showing the German labels; `chosen` False: nothing
    preselected when `current` is None (the user has to choose)."""
    codes = list(labels)
    index = codes.index(current) if current in labels else (0 if chosen else None)
    return st.selectbox(
        label, codes, index=index, format_func=labels.get, placeholder="Bitte wählen", key=key
    )


def _scores(form: FormRound, measure: dict[str, Any]) -> dict[str, int]:
    st.markdown("**Bewertung (1 = gering … 5 = hoch)**")
    return {
        key: column.number_input(
            FIELD_LABELS[key], min_value=1, max_value=5, step=1, value=int(measure[key]), key=form.key(key)
        )
        for column, key in zip(st.columns(len(INPUT_LABELS)), INPUT_LABELS, strict=True)
    }


def _costs(form: FormRound, measure: dict[str, Any]) -> dict[str, str]:
    left, middle, right = st.columns(3)
    return {
        "cost_operating": left.text_input(
            FIELD_LABELS["cost_operating"],
            _amount(measure["cost_operating"]),
            max_chars=20,
            key=form.key("op"),
        ),
        "cost_capital": middle.text_input(
            FIELD_LABELS["cost_capital"], _amount(measure["cost_capital"]), max_chars=20, key=form.key("cap")
        ),
        "person_days": right.text_input(
            FIELD_LABELS["person_days"], _amount(measure["person_days"]), max_chars=12, key=form.key("pt")
        ),
    }


def _quarter(label: str, value: str | None, example: str, key: str) -> str:
    return st.text_input(label, value or "", max_chars=9, placeholder=f"z. B. {example}", key=key)


def measure_form(user: UserInfo, measure_id: int) -> None:
    form = FormRound(f"m_{measure_id}")
    # The measure as the form showed it first: the save edits this version.
    snapshot = shown(form, cache.query(roadmap.measure_detail, measure_id=measure_id))
    if snapshot is None:
        st.warning("Diese Maßnahme gibt es nicht mehr.")
        return
    labels = FIELD_LABELS
    # A large city's units and Lotsen are searched above the form (a form reruns only on submit).
    unit_total, pilot_total = cache.query(roadmap.edit_choice_counts)
    unit_term = pickers.search_term(unit_total, key=form.key("unit"), search_label=UNIT_SEARCH)
    pilot_term = pickers.search_term(
        pilot_total, key=form.key("contact"), search_label="Ansprechperson suchen (Name oder Kürzel)"
    )
    options = cache.query(
        roadmap.edit_choices,
        unit_search=unit_term,
        pilot_search=pilot_term,
        limit=pickers.MAX_CHOICES,
        keep_unit=snapshot["unit_id"],
        keep_pilot=snapshot["contact_pilot_id"],
    )
    pickers.note_cut(options.units_found, noun="Einheiten")
    pickers.note_cut(options.pilots_found, noun="Lotsinnen und Lotsen")
    units, contacts = dict(options.units), dict(options.pilots)
    with st.form(form.form):
        st.markdown("**Maßnahme bearbeiten**")
        values: dict[str, Any] = {
            "title": st.text_input(labels["title"], snapshot["title"], max_chars=200, key=form.key("title")),
            "description": st.text_area(
                labels["description"], snapshot["description"] or "", max_chars=4000, key=form.key("desc")
            ),
        }
        left, middle, right = st.columns(3)
        with left:
            values["category"] = _codes(
                labels["category"], CATEGORIES, snapshot["category"], form.key("category")
            )
            values["status"] = _codes(labels["status"], STATUSES, snapshot["status"], form.key("status"))
            values["rag"] = _codes(labels["rag"], RAGS, snapshot["rag"], form.key("rag"))
        with middle:
            values["unit_id"] = _choice(labels["unit_id"], units, snapshot["unit_id"], form.key("unit"))
            values["contact_pilot_id"] = _choice(
                labels["contact_pilot_id"], contacts, snapshot["contact_pilot_id"], form.key("contact")
            )
            values["decision_ref"] = st.text_input(
                labels["decision_ref"], snapshot["decision_ref"] or "", max_chars=50, key=form.key("ref")
            )
        with right:
            values["start_quarter"] = _quarter(
                labels["start_quarter"], snapshot["start_quarter"], "2026-Q3", form.key("start")
            )
            values["end_quarter"] = _quarter(
                labels["end_quarter"], snapshot["end_quarter"], "2027-Q2", form.key("end")
            )
            values["funding_id"] = _choice(
                labels["funding_id"], dict(options.funding), snapshot["funding_id"], form.key("funding")
            )
        values |= _scores(form, snapshot)
        st.markdown("**Kosten und OZG**")
        values |= _costs(form, snapshot)
        left, middle, right = st.columns(3)
        with left:
            values["ozg_id"] = _choice(labels["ozg_id"], _ozg_choices(), snapshot["ozg_id"], form.key("ozg"))
        with middle:
            values["maturity_target"] = _choice(
                labels["maturity_target"], MATURITY_LABELS, snapshot["maturity_target"], form.key("mt")
            )
        with right:
            values["maturity_actual"] = _choice(
                labels["maturity_actual"], MATURITY_LABELS, snapshot["maturity_actual"], form.key("ma")
            )
        values["efa"] = st.checkbox(labels["efa"], value=bool(snapshot["efa"]), key=form.key("efa"))
        submitted = st.form_submit_button("Änderungen speichern")
    if submitted:

        def saved(measure: Measure) -> str:
            if measure.version == snapshot["version"]:
                return "Es gab keine Änderungen zu speichern."
            return f"Die Maßnahme „{escaped(measure.title)}“ wurde gespeichert."

        run(
            MEASURE_AREA,
            update_measure,
            success=saved,
            reset=[form],
            keep={MEASURE_CHOICE: snapshot["id"]},
            actor=user,
            data=MeasureEdit(measure_id=snapshot["id"], expected_version=snapshot["version"], changes=values),
        )
    feedback.show(MEASURE_AREA)


# What the new-measure form shows before anything is typed.
NEW_MEASURE = {
    "category": None,
    "status": MeasureStatus.PLANNED.value,
    "rag": Rag.GREEN.value,
    "benefit_citizens": 3,
    "benefit_admin": 3,
    "urgency": 3,
    "legal_duty": 1,
    "effort": 3,
    "cost_operating": 0.0,
    "cost_capital": 0.0,
    "person_days": 0.0,
}


def new_measure_form(user: UserInfo) -> None:
    """Title and the rest of a new measure; stored once, then the form is empty again."""
    form = FormRound("roadmap_new")
    labels = FIELD_LABELS
    st.subheader("Neue Maßnahme anlegen")
    unit_total, _ = cache.query(roadmap.edit_choice_counts)
    unit_term = pickers.search_term(unit_total, key=form.key("unit"), search_label=UNIT_SEARCH)
    options = cache.query(
        roadmap.edit_choices, unit_search=unit_term, pilot_search=None, limit=pickers.MAX_CHOICES
    )
    pickers.note_cut(options.units_found, noun="Einheiten")
    with st.form(form.form):
        st.caption("Pflicht sind Titel, Kategorie und Status; alles andere lässt sich später ergänzen.")
        values: dict[str, Any] = {
            "title": st.text_input(labels["title"], max_chars=200, key=form.key("title")),
            "description": st.text_area(labels["description"], max_chars=4000, key=form.key("desc")),
        }
        left, middle, right = st.columns(3)
        with left:
            values["category"] = _codes(
                labels["category"], CATEGORIES, None, form.key("category"), chosen=False
            )
            values["status"] = _codes(labels["status"], STATUSES, NEW_MEASURE["status"], form.key("status"))
            values["rag"] = _codes(labels["rag"], RAGS, NEW_MEASURE["rag"], form.key("rag"))
        with middle:
            values["unit_id"] = _choice(labels["unit_id"], dict(options.units), None, form.key("unit"))
            values["funding_id"] = _choice(
                labels["funding_id"], dict(options.funding), None, form.key("funding")
            )
            values["decision_ref"] = st.text_input(labels["decision_ref"], max_chars=50, key=form.key("ref"))
        with right:
            values["start_quarter"] = _quarter(labels["start_quarter"], None, "2026-Q3", form.key("start"))
            values["end_quarter"] = _quarter(labels["end_quarter"], None, "2027-Q2", form.key("end"))
        values |= _scores(form, NEW_MEASURE)
        st.markdown("**Kosten und OZG**")
        values |= _costs(form, NEW_MEASURE)
        left, right = st.columns(2)
        with left:
            values["ozg_id"] = _choice(labels["ozg_id"], _ozg_choices(), None, form.key("ozg"))
        with right:
            values["maturity_target"] = _choice(
                labels["maturity_target"], MATURITY_LABELS, None, form.key("mt")
            )
        submitted = st.form_submit_button("Maßnahme anlegen")
    if submitted:
        run(
            NEW_MEASURE_AREA,
            create_measure,
            success=lambda measure: f"Die Maßnahme „{escaped(measure.title)}“ wurde angelegt.",
            reset=[form],
            actor=user,
            data=NewMeasure(values),
        )
    feedback.show(NEW_MEASURE_AREA)
