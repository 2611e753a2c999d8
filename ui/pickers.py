"""Long choice lists are searched before they are offered.

A select box with 10,000 units or 20,000 Lotsen helps nobody and sends every entry to the browser on
every run. Above MAX_CHOICES entries a text field comes first; the select box then lists the first
MAX_CHOICES entries that contain the search term (any case), and always the current value. The
search runs in the database (model.org.units.unit_choices, model.roadmap.reads.edit_choices).
"""

from __future__ import annotations

import streamlit as st

from model.core.german import fmt_number

MAX_CHOICES = 300


def search_term(total: int, *, key: str, search_label: str) -> str | None:
    """For a list read from the database: the search field when `total` is too long to list."""
    if total <= MAX_CHOICES:
        return None
    return st.text_input(search_label, max_chars=100, key=f"{key}_search").strip() or None


def note_cut(found: int, *, noun: str) -> None:
    """Say that only the first MAX_CHOICES of `found` matches are listed."""
    if found > MAX_CHOICES:
        st.caption(
            f"Zur Auswahl stehen die ersten {fmt_number(MAX_CHOICES)} von {fmt_number(found)} "
            f"{noun}; ein Suchbegriff grenzt sie ein."
        )
