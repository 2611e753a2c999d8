"""Slides on a shared screen: large type, an optional high-contrast variant, no sidebar clutter.

The CSS here is static and app-defined; no user text ever goes into HTML. User text (phase and
measure titles, unit names) reaches the screen through st.markdown/st.table with Markdown escaped.
"""

from __future__ import annotations

import json

import streamlit as st

from model.deck.content import Deck, Figure, Slide, Table
from ui.plain import escaped, escaped_cells
from ui.tables import download_buttons

SLIDE_KEY = "lc_slide"
NAV_KEY = "lc_nav"

# Body text at least 24 px; key figures 72 px on a 1920 × 1080 screen, smaller on narrower ones, never cut.
BASE_CSS = """
[data-testid="stMainBlockContainer"] { padding-top: 1rem; padding-bottom: 1rem; max-width: 100%; }
.st-key-lc_slide { padding: 0.5rem 1.5rem 1rem 1.5rem; border-radius: 0.5rem; }
.st-key-lc_slide h1 { font-size: 56px; line-height: 1.15; padding: 0; }
.st-key-lc_slide p, .st-key-lc_slide li, .st-key-lc_slide td, .st-key-lc_slide th, .st-key-lc_slide summary p,
.st-key-lc_nav p { font-size: 26px; line-height: 1.35; }
.st-key-lc_slide [data-testid="stMetricValue"] p { font-size: clamp(40px, 4vw, 72px); line-height: 1.1;
  font-weight: 700; }
.st-key-lc_slide [data-testid="stMetricValue"], .st-key-lc_slide [data-testid="stMetricValue"] * {
  white-space: normal; overflow: visible; text-overflow: clip; }
.st-key-lc_slide [data-testid="stMetricLabel"] p { font-size: 28px; }
.st-key-lc_slide [data-testid="stVegaLiteChart"] { background: #FFFFFF; }
.st-key-lc_slide td [data-testid="stMarkdownContainer"] { max-width: none; }
.st-key-lc_slide .st-key-lc_stand p { font-size: 24px; }
"""
# White and yellow on black: for bright rooms and weak projectors. Charts keep a white panel.
CONTRAST_CSS = """
.st-key-lc_slide { background: #000000; border: 3px solid #FFFFFF; }
.st-key-lc_slide h1, .st-key-lc_slide p, .st-key-lc_slide li, .st-key-lc_slide td,
.st-key-lc_slide th, .st-key-lc_slide [data-testid="stMetricLabel"] p { color: #FFFFFF; }
.st-key-lc_slide [data-testid="stMetricValue"] p { color: #FFEB3B; }
.st-key-lc_slide table, .st-key-lc_slide td,
.st-key-lc_slide th { background: #000000; border-color: #FFFFFF; }
.st-key-lc_slide details { border-color: #FFFFFF; }
.st-key-lc_slide summary, .st-key-lc_slide summary svg { color: #FFFFFF; fill: #FFFFFF; }
.st-key-lc_slide [data-testid="stVegaLiteChart"] { padding: 0.5rem; }
"""
# Presentation without the menu; the page keeps a visible "Menü einblenden" switch.
HIDE_MENU_CSS = """
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"] { display: none; }
"""


def apply_style(*, contrast: bool, menu: bool) -> None:
    css = BASE_CSS + (CONTRAST_CSS if contrast else "") + ("" if menu else HIDE_MENU_CSS)
    st.html(f"<style>{css}</style>")


def _figures(figures: tuple[Figure, ...]) -> None:
    per_row = 3 if len(figures) > 4 else len(figures)
    for start in range(0, len(figures), per_row):
        for column, figure in zip(st.columns(per_row), figures[start : start + per_row], strict=False):
            with column:
                st.metric(figure.label, figure.value)
                if figure.note:
                    st.markdown(escaped(figure.note))


def _table(table: Table) -> None:
    st.table(escaped_cells(table.frame().map(str)), hide_index=True, alt=table.description)


def show_slide(slide: Slide, *, stand: str) -> None:
    """One slide: title, Stand, subtitle, key figures, chart (with its table), table, notes."""
    st.title(slide.title, anchor=False)
    with st.container(key="lc_stand"):
        st.markdown(escaped(stand))
    if slide.subtitle:
        st.markdown(escaped(slide.subtitle))
    if slide.figures:
        _figures(slide.figures)
    if slide.chart is not None:
        st.vega_lite_chart(
            spec=json.loads(slide.chart.spec), width="stretch", theme=None, alt=slide.chart.description
        )
        with st.expander("Daten des Diagramms als Tabelle"):
            _table(slide.chart.data)
    if slide.table is not None:
        _table(slide.table)
    if slide.lines:
        st.markdown("\n".join(f"- {escaped(line)}" for line in slide.lines))


def table_downloads(deck: Deck) -> None:
    """CSV and Excel of every table on the slides (German headers, formula-safe)."""
    for number, slide in enumerate(deck.slides, start=1):
        tables = [table for table in (slide.chart.data if slide.chart else None, slide.table) if table]
        for index, table in enumerate(tables):
            st.caption(f"Folie {number} – {slide.title}: {table.description}")
            download_buttons(table.frame(), name=slide.title, key=f"lc_table_{number}_{index}")
