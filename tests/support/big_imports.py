"""The largest uploads an import must survive: a 12 MB CSV of 1,000,000 bad rows (the hostile walk of
issue 16) and a maximal valid one (100,000 new Maßnahmen, the default row limit per sheet)."""

from __future__ import annotations

from model.core.enums import Category, MeasureStatus, label
from model.exchange import MEASURES, UNITS

BAD_ROWS = 1_000_000
MAXIMAL_ROWS = 100_000


def bad_rows_csv(rows: int = BAD_ROWS) -> tuple[str, bytes]:
    """Organisationseinheiten.csv: unique Kürzel, each row with one bad cell (Art "X"): one error per row."""
    header = ";".join(UNITS.headers[:3])
    lines = [header, *(f"{number:07d};N;X" for number in range(rows))]
    return "Organisationseinheiten.csv", ("\n".join(lines) + "\n").encode()


def maximal_csv(rows: int = MAXIMAL_ROWS, *, unit: str = "10") -> tuple[str, bytes]:
    """Maßnahmen.csv: `rows` new, valid measures with every column filled."""
    category, status = label(Category.EGOV_OZG), label(MeasureStatus.PLANNED)
    header = ";".join(MEASURES.headers[:-1])  # no Förderprogramm
    lines = [header]
    for number in range(rows):
        lines.append(
            f"Lastmaßnahme {number:06d};Eine Beschreibung der Maßnahme {number};{category};{unit};{status};"
            f"3;4;2;1;3;2026-Q1;2027-Q4;12500,50;80000;120;;2"
        )
    return "Maßnahmen.csv", ("\n".join(lines) + "\n").encode()
