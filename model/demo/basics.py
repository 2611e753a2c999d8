"""Small helpers shared by the demo generators: dates relative to today, quarters, weighted draws."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, TypeVar

Row = dict[str, Any]
T = TypeVar("T")

HISTORY_DAYS = 540  # about 18 months of history before today
STALE_DAYS = 60  # a Lotse without a status update for longer counts as stale

_UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i"), (" ", "-"))


def days(today: date, offset: int) -> date:
    return today + timedelta(days=offset)


def quarter(today: date, offset: int) -> str:
    """The quarter `offset` quarters from today's, written like "2025-Q3"."""
    index = today.year * 4 + (today.month - 1) // 3 + offset
    return f"{index // 4}-Q{index % 4 + 1}"


def slug(text: str) -> str:
    """Lower-case e-mail or domain part: umlauts spelt out, anything else non-ASCII dropped."""
    text = text.lower()
    for umlaut, plain in _UMLAUTS:
        text = text.replace(umlaut, plain)
    return "".join(char for char in text if char.isascii() and (char.isalnum() or char in ".-"))


def weighted(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
