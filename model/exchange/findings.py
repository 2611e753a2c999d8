"""What checking an upload found: errors and notices located as a spreadsheet user finds them, kept capped."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from model.core.german import fmt_number
from model.exchange.spec import SHEETS

NO_COLUMN = "–"  # an error or notice about a whole row or sheet
MAX_LISTED = 500  # errors (and notices) kept besides their count: the first by sheet, row and column


# One problem, located as a spreadsheet user finds it (header = row 1; row None: the whole sheet).
@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    column: str
    reason: str

    def line(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column != NO_COLUMN:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.reason}"


# Something the import did on its own (a row skipped, a number read as text): said, never silent.
@dataclass(frozen=True)
class Notice:
    sheet: str
    rows: tuple[int, ...]  # empty: the whole sheet
    column: str
    reason: str

    @property
    def rows_text(self) -> str:
        return row_ranges(self.rows)

    def line(self) -> str:
        where = [self.sheet]
        if self.rows:
            where.append(f"{'Zeile' if len(self.rows) == 1 else 'Zeilen'} {self.rows_text}")
        if self.column != NO_COLUMN:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.reason}"


T = TypeVar("T")


class Capped(Generic[T]):
    """The first `limit` items by `position`, and how many were added: a million errors keep 500.

    A bounded heap: adding is cheap and memory stays flat whatever a file holds.
    """

    def __init__(self, position: Callable[[T], tuple[int, ...]], limit: int = MAX_LISTED) -> None:
        self._position = position
        self._limit = limit
        self._heap: list[tuple[tuple[int, ...], int, T]] = []  # negated: the last one kept on top
        self.total = 0

    def add(self, item: T) -> None:
        self.total += 1
        entry = (tuple(-part for part in self._position(item)), -self.total, item)
        if len(self._heap) < self._limit:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:  # before the last one kept
            heapq.heapreplace(self._heap, entry)

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.add(item)

    def merge(self, other: Capped[T]) -> None:
        """Take in another capped list: its first items, and the count of those it left off."""
        kept = other.items()
        self.extend(kept)
        self.total += other.total - len(kept)

    def items(self) -> list[T]:
        return [item for *_, item in sorted(self._heap, reverse=True)]

    @property
    def left_off(self) -> int:
        return self.total - len(self._heap)


_SHEET_ORDER = {spec.name: index for index, spec in enumerate(SHEETS)}
_HEADER_ORDER = {spec.name: {header: i for i, header in enumerate(spec.headers)} for spec in SHEETS}


def error_position(error: RowError) -> tuple[int, int, int]:
    """Errors as a user reads them: sheet by sheet in format order, row by row, column by column."""
    return (
        _SHEET_ORDER.get(error.sheet, 99),
        error.row or 0,
        _HEADER_ORDER.get(error.sheet, {}).get(error.column, -1),
    )


def notice_position(notice: Notice) -> tuple[int, int]:
    return (_SHEET_ORDER.get(notice.sheet, 99), notice.rows[0] if notice.rows else 0)


def more_line(left_off: int, what: str) -> str:
    """ "… und 999.500 weitere Fehler" below a capped list."""
    return f"… und {fmt_number(left_off)} weitere {what}"


def row_ranges(rows: tuple[int, ...]) -> str:
    """2, 3, 4, 7 → "2–4, 7"."""
    runs: list[list[int]] = []
    for number in sorted(set(rows)):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(first) if first == last else f"{first}–{last}" for first, last in runs)
