"""What the Verwaltung tabs share: enum labels, editors pinned to the data they were opened with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from model.core.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    ModuleKind,
    PhaseStatus,
    Rag,
    Role,
    UnitKind,
    labels_of,
)
from ui import cache
from ui.commands import shown
from ui.feedback import FormRound

PINNED_KEY = "verwaltung_pinned_tables"
CATEGORY_LABELS = labels_of(Category)
TASK_LABELS = labels_of(ItTaskArea)
UNIT_KINDS = labels_of(UnitKind)
ROLES = labels_of(Role)
PHASE_STATUSES = labels_of(PhaseStatus)
MODULE_KINDS = labels_of(ModuleKind)
DONORS = labels_of(Donor)
FUNDING_STATUSES = labels_of(FundingStatus)
MEASURE_STATUSES = labels_of(MeasureStatus)
RAGS = labels_of(Rag)
NEW = "new"
TOP_LEVEL = "top"


def yes_no(value: object) -> str:
    return "ja" if bool(value) else "nein"


def pinned(editor_key: str, load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The table an editor was opened with. Edits are stored by row position, so a reload
    underneath pending edits could move them onto other rows; a new editor key reloads."""
    store = st.session_state.get(PINNED_KEY, {})
    if editor_key not in store:
        store = {key: frame for key, frame in store.items() if key.split("_")[0] != editor_key.split("_")[0]}
        store[editor_key] = load()
        st.session_state[PINNED_KEY] = store
    return store[editor_key]


def reload_editor(round_key: str) -> None:
    """Drop the edits and show the current data (e.g. after someone else saved)."""
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
    cache.clear_after_write()
    st.rerun()


def missing(value: object) -> bool:
    """A value the table did not have (None, NaN, NaT)."""
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


def _record_form(
    name: str, selected: object, by_id: dict[int, pd.Series]
) -> tuple[FormRound, dict[str, Any]]:
    """The round of a form that creates (NEW) or edits a record, and what it shows: nothing for a
    new record, else the record as the form showed it first (its saves name this state)."""
    if selected == NEW:
        return FormRound(f"{name}_new"), {}
    form = FormRound(f"{name}_{selected}")
    return form, shown(form, by_id[selected].to_dict())  # type: ignore[index]


def _date_or_none(value: object) -> date | None:
    return None if missing(value) else value  # type: ignore[return-value]
