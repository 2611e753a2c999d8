"""Building blocks of the two Lotsen pages: the record header, history tables, German labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from model.core.enums import Category, PilotStage, label, labels_of
from model.core.german import fmt_date, fmt_number
from model.pilots.reads import PilotRecord
from ui.plain import escaped, escaped_cells
from ui.tables import download_buttons, file_stem

CATEGORY_LABELS: dict[str, str] = labels_of(Category)
MAX_CHOICES = 300  # a longer roster is searched before the detail choice lists anyone


@dataclass(frozen=True)
class SeenRecord:
    """What a form showed when it was drawn: the version a save must still find."""

    pilot_id: int
    version: int


def remember(key: str, record: PilotRecord) -> None:
    st.session_state[key] = SeenRecord(record.id, record.version)


def seen(key: str, record: PilotRecord) -> SeenRecord:
    """The version the user saw; a stored value of another person counts as not seen."""
    stored = st.session_state.get(key)
    if isinstance(stored, SeenRecord) and stored.pilot_id == record.id:
        return stored
    return SeenRecord(record.id, record.version)


def stage_label(stage: str | PilotStage) -> str:
    return label(PilotStage(stage))


def record_header(record: PilotRecord) -> None:
    """Unit, stage, hours and last update as four tiles."""
    unit, stage, hours, last = st.columns(4)
    unit.metric("Organisationseinheit", escaped(record.unit_code), help=escaped(record.unit_name))
    unit.caption(escaped(record.unit_name))
    stage.metric("Stufe", stage_label(record.stage))
    stage.caption(f"seit {fmt_date(record.stage_since)}")
    hours.metric("Stunden pro Woche", fmt_number(record.hours_per_week, 1))
    last.metric("Letzte Meldung", fmt_date(record.last_update_on))
    if record.open_support_requests:
        last.caption(f"Offene Unterstützungswünsche: {fmt_number(record.open_support_requests)}")


def german_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with the given date columns as German text (for static tables)."""
    shown = frame.copy()
    for column in columns:
        shown[column] = [
            "–" if value is None or (not isinstance(value, date) and pd.isna(value)) else fmt_date(value)
            for value in shown[column]
        ]
    return shown


def static_table(
    frame: pd.DataFrame, *, empty: str, name: str, date_columns: list[str] | None = None
) -> None:
    """A small plain HTML table (screen readers and browser search read it) with CSV/Excel downloads."""
    if frame.empty:
        st.caption(empty)
        return
    # st.table renders cells as Markdown: user text is escaped, so it shows exactly as typed.
    st.table(escaped_cells(german_dates(frame, date_columns or [])), hide_index=True)
    download_buttons(frame, name=name, key=f"table_{file_stem(name)}")


def progress_text(progress: pd.DataFrame) -> tuple[float, str]:
    """Share and German text of completed modules, e.g. (0.5, "3 von 6 Modulen abgeschlossen")."""
    total = len(progress)
    done = int((progress["state"] == "completed").sum())
    share = done / total if total else 0.0
    return share, f"{fmt_number(done)} von {fmt_number(total)} Modulen abgeschlossen"


def detail_choices(
    people: int,
    rows: Callable[[str | None, int], pd.DataFrame],
    count: Callable[[str], int],
) -> dict[int, str]:
    """Id → "Name (Kürzel)" for the detail choice; a long roster is searched first, not listed whole.

    `people` is the roster's size, `rows(search, limit)` reads its first rows (optionally only
    those whose name or unit code contains `search`), `count(search)` counts those.
    """
    search = None
    found = people
    if people > MAX_CHOICES:
        search = (
            st.text_input(
                "Lotsin oder Lotse suchen (Name oder Kürzel)", max_chars=100, key="lotsen_detail_search"
            ).strip()
            or None
        )
        if search:
            found = count(search)
        if found > MAX_CHOICES:
            st.caption(
                f"Zur Auswahl stehen die ersten {fmt_number(MAX_CHOICES)} von {fmt_number(found)}; "
                "ein Suchbegriff grenzt sie ein."
            )
    frame = rows(search, MAX_CHOICES)
    return {
        int(pilot_id): f"{name} ({code})"
        for pilot_id, name, code in zip(frame["id"], frame["Name"], frame["Kürzel"], strict=True)
    }
