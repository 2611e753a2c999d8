"""German texts written by the model itself; the deck writes numbers and dates only through them."""

from __future__ import annotations

import re
from pathlib import Path

from model.core.german import fmt_quarter

DECK = Path(__file__).resolve().parents[2] / "model" / "deck"


def test_a_quarter_reads_quarter_then_year() -> None:
    assert fmt_quarter("2026-Q3") == "Q3 2026"
    assert fmt_quarter(None) == "–"
    assert fmt_quarter("") == "–"


def test_the_deck_formats_numbers_and_dates_only_through_model_core_german() -> None:
    own = re.compile(r"strftime|:[,.]\d*f\}|format\(datum")  # Python date/number formats, Vega format()
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(DECK.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if own.search(line)
    ]
    assert found == []
