"""The OZG catalogue (data/ozg-leistungen.csv): the services a measure can bring online."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from model.core.settings import ROOT

CATALOGUE_FILE = ROOT / "data" / "ozg-leistungen.csv"


# One OZG-Leistung with its Lebenslage and Themenfeld.
@dataclass(frozen=True)
class OzgService:
    ozg_id: str
    name: str
    life_situation: str
    topic: str


@cache
def _catalogue() -> tuple[OzgService, ...]:
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            OzgService(
                ozg_id=row["OZG-ID"].strip(),
                name=row["Leistung"].strip(),
                life_situation=row["Lebenslage"].strip(),
                topic=row["Themenfeld"].strip(),
            )
            for row in csv.DictReader(handle)
        )


def load_ozg_catalogue() -> list[OzgService]:
    """All services of the catalogue in file order (sorted by name); read once per process."""
    return list(_catalogue())
