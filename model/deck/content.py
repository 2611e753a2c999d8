"""What a slide of the leadership deck is: plain text, tables and Vega-Lite specs, no Streamlit.

The Präsentation page draws these objects and model.deck.pdf / model.deck.powerpoint write the same
objects to files, so screen and handout never disagree. Only aggregates: no names of people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from model.core.enums import PhaseStatus, Rag, label
from model.core.german import fmt_date as _date
from model.core.german import fmt_datetime as _datetime
from model.core.german import fmt_number as _number

PRODUCT = "Lotsen-Cockpit"
MAX_ROWS = 6  # table rows per slide: what fits at 24 px on 1080 pixels
TITLE_LENGTH = 70
# Status never by colour alone: a symbol and the word.
RAG_SYMBOLS = {Rag.GREEN.value: "✓", Rag.AMBER.value: "▲", Rag.RED.value: "■"}
PHASE_SYMBOLS = {
    PhaseStatus.PLANNED.value: "○",
    PhaseStatus.RUNNING.value: "▶",
    PhaseStatus.DONE.value: "✓",
    PhaseStatus.DELAYED.value: "▲",
    PhaseStatus.BLOCKED.value: "■",
}
PHASE_CODES = {label(status): status.value for status in PhaseStatus}  # German label → code


# ------------------------------------------------------------------ what a slide is


@dataclass(frozen=True)
class Figure:
    """A key figure: large value, its label, an optional note (e.g. the change)."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    description: str  # what the table shows, for screen readers

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.columns))


@dataclass(frozen=True)
class Chart:
    spec: str  # Vega-Lite JSON without a width: the page stretches it, the files fix it
    description: str  # the chart in words (alt text)
    data: Table  # the same numbers as a table


@dataclass(frozen=True)
class Slide:
    title: str
    subtitle: str = ""
    figures: tuple[Figure, ...] = ()
    chart: Chart | None = None
    table: Table | None = None
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deck:
    as_of: datetime
    meeting_on: date
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    @property
    def stand(self) -> str:
        return f"Stand: {_datetime(self.as_of)}"

    @property
    def title(self) -> str:
        return f"{PRODUCT} – Sitzung vom {_date(self.meeting_on)}"


# ------------------------------------------------------------------ German formats (no Streamlit here)


def quarter_text(value: str | None) -> str:
    if not value:
        return "–"
    year, quarter = value.split("-")
    return f"{quarter} {year}"


def short_text(text: str, limit: int = TITLE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rag_text(code: str) -> str:
    return f"{RAG_SYMBOLS.get(code, '')} {label(Rag(code))}".strip()


def phase_status_text(code: str) -> str:
    return f"{PHASE_SYMBOLS.get(code, '')} {label(PhaseStatus(code))}".strip()


def text_table(columns: Sequence[str], rows: Sequence[Sequence[object]], description: str) -> Table:
    return Table(
        columns=tuple(columns),
        rows=tuple(tuple(str(v) for v in row) for row in rows),
        description=description,
    )


def more_lines(shown: int, total: int) -> tuple[str, ...]:
    return (
        (f"… und {_number(total - shown)} weitere (vollständig auf den Seiten der Anwendung).",)
        if total > shown
        else ()
    )


# ------------------------------------------------------------------ charts
