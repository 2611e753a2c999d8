"""The shared Dezernat/unit filter in the sidebar, kept in the URL (?dez=…&oe=…).

A copied link opens the same view; an unknown code in a link is named and ignored. The choice
also survives moving between pages (Streamlit drops widget state on a page switch, so the
codes are kept in a plain session entry that the widgets are filled from on every run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from model.org import scope
from model.org.scope import UnitOption
from ui import cache
from ui.plain import escaped

DEZ_KEY = "filter_dez"
UNIT_KEY = "filter_oe"
SAVED_KEY = "filter_codes"  # (Dezernat code, unit code) of the current choice
NOTICE_KEY = "filter_notice"  # what was wrong with the link; shown until the filter is changed
ALL = "Alle"


@dataclass(frozen=True)
class Scope:
    """What the pages show: everything (root_id None), a Dezernat or one unit with its subtree."""

    root_id: int | None
    label: str
    params: tuple[tuple[str, str], ...] = field(default=())

    @property
    def query_params(self) -> dict[str, str]:
        """URL parameters of this scope, for links to other pages (st.page_link(query_params=...))."""
        return dict(self.params)


def _option_label(option: UnitOption | None) -> str:
    return ALL if option is None else f"{option.code} – {option.name}"


def _find(options: list[UnitOption], code: str | None, what: str, *, from_link: bool) -> UnitOption | None:
    if not code:
        return None
    match = next((o for o in options if o.code == code), None)
    if match is None and from_link:
        st.session_state[NOTICE_KEY] = (
            f"Der Link nennt {what} „{escaped(code[:30])}“, die es nicht gibt. "
            "Es wird die Auswahl „Alle“ gezeigt."
        )
    return match


def _dezernat_changed() -> None:
    chosen: UnitOption | None = st.session_state[DEZ_KEY]
    st.session_state[SAVED_KEY] = (chosen.code if chosen else None, None)
    st.session_state.pop(NOTICE_KEY, None)


def _unit_changed() -> None:
    chosen: UnitOption | None = st.session_state[UNIT_KEY]
    st.session_state[SAVED_KEY] = (st.session_state[SAVED_KEY][0], chosen.code if chosen else None)
    st.session_state.pop(NOTICE_KEY, None)


def scope_filter() -> Scope:
    """Draw the filter in the sidebar and return the selected scope."""
    from_link = SAVED_KEY not in st.session_state
    if from_link:
        st.session_state[SAVED_KEY] = (st.query_params.get("dez"), st.query_params.get("oe"))
    dez_code, unit_code = st.session_state[SAVED_KEY]
    dezernate = cache.query(scope.dezernate)
    st.session_state[DEZ_KEY] = _find(dezernate, dez_code, "ein Dezernat", from_link=from_link)
    with st.sidebar:
        st.subheader("Filter")
        dezernat = st.selectbox(
            "Dezernat",
            [None, *dezernate],
            format_func=_option_label,
            key=DEZ_KEY,
            placeholder=ALL,
            on_change=_dezernat_changed,
        )
        unit = None if dezernat is None else _unit_filter(dezernat, unit_code, from_link=from_link)
    if from_link and unit_code and dezernat is None:
        st.session_state[NOTICE_KEY] = (
            "Der Link nennt eine Organisationseinheit, aber kein gültiges Dezernat."
        )
    st.session_state[SAVED_KEY] = (dezernat.code if dezernat else None, unit.code if unit else None)
    if NOTICE_KEY in st.session_state:
        st.warning(st.session_state[NOTICE_KEY])
    params = _write_url(dezernat, unit)
    chosen = unit or dezernat
    if chosen is None:
        return Scope(root_id=None, label="Gesamte Verwaltung")
    return Scope(root_id=chosen.id, label=_option_label(chosen), params=params)


def _unit_filter(dezernat: UnitOption, code: str | None, *, from_link: bool) -> UnitOption | None:
    """The unit selectbox, shown once a Dezernat is chosen (a greyed-out box would fail contrast)."""
    units = cache.query(scope.units_below, root_id=dezernat.id)
    st.session_state[UNIT_KEY] = _find(units, code, "eine Organisationseinheit", from_link=from_link)
    return st.selectbox(
        "Organisationseinheit",
        [None, *units],
        format_func=_option_label,
        key=UNIT_KEY,
        placeholder=ALL,
        on_change=_unit_changed,
    )


def _write_url(dezernat: UnitOption | None, unit: UnitOption | None) -> tuple[tuple[str, str], ...]:
    """Keep the URL in step with the filter, so that a copied link opens the same view."""
    for param, option in (("dez", dezernat), ("oe", unit)):
        if option is None:
            st.query_params.pop(param, None)
        elif st.query_params.get(param) != option.code:
            st.query_params[param] = option.code
    return tuple((param, option.code) for param, option in (("dez", dezernat), ("oe", unit)) if option)
