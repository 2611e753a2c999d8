"""The Roadmap's own filters (category, status, unit, class, OZG), kept in the URL like the scope.

A copied link opens the same view; values a link names that do not exist are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from model.core.enums import Category, MeasureStatus, labels_of
from model.org.scope import UnitOption
from model.roadmap import reads as roadmap
from model.roadmap.reads import MeasureFilter
from model.roadmap.scoring import CLASSES
from ui import cache, pickers
from ui.filters import Scope

CATEGORIES = labels_of(Category)
STATUSES = labels_of(MeasureStatus)
# URL parameters of the page filters (the sidebar scope keeps its own: dez, oe).
URL_PARAMS = {
    "roadmap_categories": "kategorie",
    "roadmap_statuses": "status",
    "roadmap_units": "einheit",
    "roadmap_classes": "klasse",
}


def _from_url(key: str, allowed: dict[str, Any] | Callable[[tuple[str, ...]], dict[str, Any]]) -> None:
    """Seed a multiselect from the link once; values the link names but that do not exist are dropped.

    `allowed` maps each allowed value in the link to the widget's value, or is a function that
    reads that map for the values the link names.
    """
    if key in st.session_state:
        return
    wanted = st.query_params.get_all(URL_PARAMS[key])
    known = allowed(tuple(wanted)) if callable(allowed) else allowed
    st.session_state[key] = [known[value] for value in wanted if value in known]


def _to_url(key: str, codes: list[str]) -> None:
    param = URL_PARAMS[key]
    if not codes:
        st.query_params.pop(param, None)
    elif st.query_params.get_all(param) != codes:
        st.query_params[param] = codes


def _unit_options(root_id: int | None) -> list[UnitOption]:
    """The units the unit filter offers: searched first when there are more than MAX_CHOICES."""
    total = cache.query(roadmap.count_units_with_measures, root_id=root_id)
    term = pickers.search_term(total, key="roadmap_units", search_label="Einheit suchen (Kürzel oder Name)")
    chosen = tuple(st.session_state["roadmap_units"])
    units = cache.query(
        roadmap.units_with_measures, root_id=root_id, search=term, limit=pickers.MAX_CHOICES, keep=chosen
    )
    found = cache.query(roadmap.count_units_with_measures, root_id=root_id, search=term) if term else total
    pickers.note_cut(found, noun="Einheiten")
    return units


def page_filters(scope: Scope) -> MeasureFilter:
    """Category, status, unit, class and OZG filters above the charts, kept in the URL."""
    root_id = scope.root_id
    _from_url("roadmap_categories", {code: code for code in CATEGORIES})
    _from_url("roadmap_statuses", {code: code for code in STATUSES})
    _from_url(
        "roadmap_units",
        lambda codes: (
            {
                unit.code: unit.id
                for unit in cache.query(roadmap.units_with_measures, root_id=root_id, codes=codes)
            }
            if codes
            else {}
        ),
    )
    _from_url("roadmap_classes", {name: name for name in CLASSES})
    if "roadmap_ozg" not in st.session_state:
        st.session_state["roadmap_ozg"] = st.query_params.get("ozg") == "1"
    first, second, third = st.columns([3, 2, 3])
    with third:  # a Land's thousands of units are searched before they are offered (ui.pickers)
        units = _unit_options(root_id)
    unit_labels = {unit.id: f"{unit.code} – {unit.name}" for unit in units}
    # A unit outside a newly chosen Dezernat cannot stay selected.
    st.session_state["roadmap_units"] = [u for u in st.session_state["roadmap_units"] if u in unit_labels]
    categories = first.multiselect(
        "Kategorie",
        list(CATEGORIES),
        format_func=CATEGORIES.get,
        key="roadmap_categories",
        placeholder="Alle",
    )
    statuses = second.multiselect(
        "Status", list(STATUSES), format_func=STATUSES.get, key="roadmap_statuses", placeholder="Alle"
    )
    unit_ids = third.multiselect(
        "Verantwortliche Organisationseinheit",
        list(unit_labels),
        format_func=unit_labels.get,
        key="roadmap_units",
        placeholder="Alle",
    )
    first, second = st.columns([3, 5])
    classes = first.multiselect(
        "Prioritätsklasse",
        list(CLASSES),
        format_func=lambda name: f"Klasse {name}",
        key="roadmap_classes",
        placeholder="Alle",
    )
    ozg_only = second.checkbox("nur OZG-verknüpfte Maßnahmen", key="roadmap_ozg")
    codes = {unit.id: unit.code for unit in units}
    _to_url("roadmap_categories", categories)
    _to_url("roadmap_statuses", statuses)
    _to_url("roadmap_units", [codes[unit_id] for unit_id in unit_ids])
    _to_url("roadmap_classes", classes)
    if ozg_only:
        st.query_params["ozg"] = "1"
    else:
        st.query_params.pop("ozg", None)
    return MeasureFilter(
        root_id=scope.root_id,
        categories=tuple(categories),
        statuses=tuple(statuses),
        unit_ids=tuple(unit_ids),
        classes=tuple(classes),
        ozg_only=ozg_only,
    )
