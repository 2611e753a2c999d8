"""Forms of the Roadmap page (admin only): score weights and one measure, each saved with audit.

The measure form edits the version that was loaded when it opened; a save after someone else's is
refused by the model, and the form then shows the current state.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from model import roadmap
from model.auth_store import UserInfo
from model.db import write_session
from model.enums import Category, MeasureStatus, Rag, labels_of
from model.measures import FIELD_LABELS, MATURITY_LABELS, MeasureInputError, StaleEditError, update_measure
from model.ozg import load_ozg_catalogue
from model.scoring import INPUT_LABELS, ScoreWeights, ScoreWeightsError, set_score_weights
from ui import cache, pickers
from ui.locale import fmt_number
from ui.plain import escaped

CATEGORIES = labels_of(Category)
STATUSES = labels_of(MeasureStatus)
RAGS = labels_of(Rag)
SNAPSHOT_KEY = "roadmap_edit_snapshot"
FLASH_KEY = "roadmap_flash"


def flash(area: str) -> None:
    """Show the message a save left for this area of the page (it survives the rerun)."""
    message = st.session_state.get(FLASH_KEY, {}).pop(area, None)
    if message is not None:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


def leave_flash(area: str, kind: str, text: str) -> None:
    st.session_state.setdefault(FLASH_KEY, {})[area] = (kind, text)


def weights_form(user: UserInfo, weights: ScoreWeights) -> None:
    flash("weights")
    # New weights (also from another admin) give new widgets showing them.
    suffix = "_".join(str(round(weight * 1000)) for weight in weights.as_dict().values())
    with st.expander("Gewichte ändern"), st.form("roadmap_weights_form"):
        st.caption("Gewichte in Prozent; zusammen genau 100 %.")
        columns = st.columns(len(INPUT_LABELS))
        entered = {
            key: column.number_input(
                f"{name} (%)",
                min_value=0,
                max_value=100,
                step=5,
                value=round(weights.as_dict()[key] * 100),
                key=f"roadmap_weight_{key}_{suffix}",
            )
            for column, (key, name) in zip(columns, INPUT_LABELS.items(), strict=True)
        }
        if not st.form_submit_button("Gewichte speichern"):
            return
    try:
        with write_session() as session:
            set_score_weights(
                session=session,
                weights={key: value / 100 for key, value in entered.items()},
                actor=user.username,
                actor_role=user.role,
            )
    except (ScoreWeightsError, PermissionError) as error:
        messages = getattr(error, "messages", [str(error)])
        st.error(
            "Die Gewichte wurden nicht gespeichert:\n\n"
            + "\n".join(f"- {escaped(message)}" for message in messages)
        )
        return
    cache.clear_after_write()
    leave_flash("weights", "success", "Die neuen Gewichte gelten ab sofort für alle Scores und Klassen.")
    st.rerun()


def _snapshot(measure_id: int) -> dict[str, Any] | None:
    """The measure as it was when the form was opened: the form edits this version."""
    snapshot = st.session_state.get(SNAPSHOT_KEY)
    if snapshot is None or snapshot["id"] != measure_id:
        snapshot = cache.query(roadmap.measure_detail, measure_id=measure_id)
        st.session_state[SNAPSHOT_KEY] = snapshot
    return snapshot


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


def measure_form(user: UserInfo, measure_id: int) -> None:
    flash("measure")
    snapshot = _snapshot(measure_id)
    if snapshot is None:
        st.warning("Diese Maßnahme gibt es nicht mehr.")
        return
    suffix = f"{measure_id}_{snapshot['version']}"
    labels = FIELD_LABELS
    # A large city's units and Lotsen are searched above the form (a form reruns only on submit).
    unit_total, pilot_total = cache.query(roadmap.edit_choice_counts)
    unit_term = pickers.search_term(
        unit_total, key=f"m_unit_{suffix}", search_label="Organisationseinheit suchen (Kürzel oder Name)"
    )
    pilot_term = pickers.search_term(
        pilot_total, key=f"m_contact_{suffix}", search_label="Ansprechperson suchen (Name oder Kürzel)"
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
    ozg = {service.ozg_id: f"{service.ozg_id} – {service.name}" for service in load_ozg_catalogue()}
    with st.form(f"roadmap_edit_{suffix}"):
        st.markdown("**Maßnahme bearbeiten**")
        values: dict[str, Any] = {
            "title": st.text_input(
                labels["title"], snapshot["title"], max_chars=200, key=f"m_title_{suffix}"
            ),
            "description": st.text_area(
                labels["description"], snapshot["description"] or "", max_chars=4000, key=f"m_desc_{suffix}"
            ),
        }
        left, middle, right = st.columns(3)
        with left:
            values["category"] = st.selectbox(
                labels["category"],
                list(CATEGORIES),
                index=list(CATEGORIES).index(snapshot["category"])
                if snapshot["category"] in CATEGORIES
                else 0,
                format_func=CATEGORIES.get,
                key=f"m_category_{suffix}",
            )
            values["status"] = st.selectbox(
                labels["status"],
                list(STATUSES),
                index=list(STATUSES).index(snapshot["status"]) if snapshot["status"] in STATUSES else 0,
                format_func=STATUSES.get,
                key=f"m_status_{suffix}",
            )
            values["rag"] = st.selectbox(
                labels["rag"],
                list(RAGS),
                index=list(RAGS).index(snapshot["rag"]) if snapshot["rag"] in RAGS else 0,
                format_func=RAGS.get,
                key=f"m_rag_{suffix}",
            )
        with middle:
            values["unit_id"] = _choice(labels["unit_id"], units, snapshot["unit_id"], f"m_unit_{suffix}")
            values["contact_pilot_id"] = _choice(
                labels["contact_pilot_id"], contacts, snapshot["contact_pilot_id"], f"m_contact_{suffix}"
            )
            values["decision_ref"] = st.text_input(
                labels["decision_ref"], snapshot["decision_ref"] or "", max_chars=50, key=f"m_ref_{suffix}"
            )
        with right:
            values["start_quarter"] = st.text_input(
                labels["start_quarter"],
                snapshot["start_quarter"] or "",
                max_chars=9,
                placeholder="z. B. 2026-Q3",
                key=f"m_start_{suffix}",
            )
            values["end_quarter"] = st.text_input(
                labels["end_quarter"],
                snapshot["end_quarter"] or "",
                max_chars=9,
                placeholder="z. B. 2027-Q2",
                key=f"m_end_{suffix}",
            )
            values["funding_id"] = _choice(
                labels["funding_id"], dict(options.funding), snapshot["funding_id"], f"m_funding_{suffix}"
            )
        st.markdown("**Bewertung (1 = gering … 5 = hoch)**")
        for column, key in zip(st.columns(len(INPUT_LABELS)), INPUT_LABELS, strict=True):
            values[key] = column.number_input(
                labels[key],
                min_value=1,
                max_value=5,
                step=1,
                value=int(snapshot[key]),
                key=f"m_{key}_{suffix}",
            )
        st.markdown("**Kosten und OZG**")
        left, middle, right = st.columns(3)
        values["cost_operating"] = left.text_input(
            labels["cost_operating"], _amount(snapshot["cost_operating"]), max_chars=20, key=f"m_op_{suffix}"
        )
        values["cost_capital"] = middle.text_input(
            labels["cost_capital"], _amount(snapshot["cost_capital"]), max_chars=20, key=f"m_cap_{suffix}"
        )
        values["person_days"] = right.text_input(
            labels["person_days"], _amount(snapshot["person_days"]), max_chars=12, key=f"m_pt_{suffix}"
        )
        left, middle, right = st.columns(3)
        with left:
            values["ozg_id"] = _choice(labels["ozg_id"], ozg, snapshot["ozg_id"], f"m_ozg_{suffix}")
        with middle:
            values["maturity_target"] = _choice(
                labels["maturity_target"], MATURITY_LABELS, snapshot["maturity_target"], f"m_mt_{suffix}"
            )
        with right:
            values["maturity_actual"] = _choice(
                labels["maturity_actual"], MATURITY_LABELS, snapshot["maturity_actual"], f"m_ma_{suffix}"
            )
        values["efa"] = st.checkbox(labels["efa"], value=bool(snapshot["efa"]), key=f"m_efa_{suffix}")
        if not st.form_submit_button("Änderungen speichern"):
            return
    save_measure(user, snapshot, values)


def save_measure(user: UserInfo, snapshot: dict[str, Any], values: dict[str, Any]) -> None:
    try:
        with write_session() as session:
            saved = update_measure(
                session=session,
                measure_id=snapshot["id"],
                expected_version=snapshot["version"],
                changes=values,
                actor=user.username,
                actor_role=user.role,
            )
    except StaleEditError as error:
        # The shown state is outdated: forget it and the cached reads, then show the current one.
        st.session_state.pop(SNAPSHOT_KEY, None)
        cache.clear_after_write()
        leave_flash("measure", "error", escaped(str(error)))
        st.rerun()
    except (MeasureInputError, PermissionError) as error:
        messages = getattr(error, "messages", [str(error)])
        st.error(
            "Die Maßnahme wurde nicht gespeichert:\n\n"
            + "\n".join(f"- {escaped(message)}" for message in messages)
        )
        return
    st.session_state.pop(SNAPSHOT_KEY, None)
    if saved.version == snapshot["version"]:
        leave_flash("measure", "success", "Es gab keine Änderungen zu speichern.")
    else:
        cache.clear_after_write()
        leave_flash("measure", "success", f"Die Maßnahme „{escaped(saved.title)}“ wurde gespeichert.")
    st.rerun()
