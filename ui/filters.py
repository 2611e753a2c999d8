"""The shared Dezernat/unit filter in the sidebar, kept in the URL (?dez=…&oe=…).

A copied link opens the same view; an unknown code in a link is named and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from model import scope
from model.scope import UnitOption
from ui import cache

DEZ_KEY = "filter_dez"
UNIT_KEY = "filter_oe"
ALL = "Alle"


@dataclass(frozen=True)
class Scope:
    """What the pages show: everything (root_id None), a Dezernat or one unit with its subtree."""

    root_id: int | None
    label: str


def _option_label(option: UnitOption | None) -> str:
    return ALL if option is None else f"{option.code} – {option.name}"


def _from_url(param: str, options: list[UnitOption], what: str) -> UnitOption | None:
    code = st.query_params.get(param)
    if not code:
        return None
    match = next((o for o in options if o.code == code), None)
    if match is None:
        st.warning(
            f"Der Link nennt {what} „{code[:30]}“, die es nicht gibt. Es wird die Auswahl „Alle“ gezeigt."
        )
    return match


def scope_filter() -> Scope:
    """Draw the filter in the sidebar and return the selected scope."""
    dezernate = cache.query(scope.dezernate)
    if DEZ_KEY not in st.session_state:
        st.session_state[DEZ_KEY] = _from_url("dez", dezernate, "ein Dezernat")
    with st.sidebar:
        st.subheader("Filter")
        dezernat = st.selectbox("Dezernat", [None, *dezernate], format_func=_option_label, key=DEZ_KEY)
        units = [] if dezernat is None else cache.query(scope.units_below, root_id=dezernat.id)
        if UNIT_KEY not in st.session_state:
            st.session_state[UNIT_KEY] = _from_url("oe", units, "eine Organisationseinheit")
        if st.session_state[UNIT_KEY] not in units:
            st.session_state[UNIT_KEY] = None
        unit = st.selectbox(
            "Organisationseinheit",
            [None, *units],
            format_func=_option_label,
            key=UNIT_KEY,
            disabled=dezernat is None,
            help="Erst ein Dezernat wählen." if dezernat is None else None,
        )
    _write_url(dezernat, unit)
    chosen = unit or dezernat
    if chosen is None:
        return Scope(root_id=None, label="Gesamte Verwaltung")
    return Scope(root_id=chosen.id, label=_option_label(chosen))


def _write_url(dezernat: UnitOption | None, unit: UnitOption | None) -> None:
    for param, option in (("dez", dezernat), ("oe", unit)):
        if option is None:
            st.query_params.pop(param, None)
        elif st.query_params.get(param) != option.code:
            st.query_params[param] = option.code
