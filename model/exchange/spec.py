"""The exchange format itself: the sheets, their German headers, the field each fills and its rules."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from model.core.enums import Category, Donor, FundingStatus, ItTaskArea, MeasureStatus, PilotStage, UnitKind

MAX_COST = 1_000_000_000.0
EXAMPLE_PREFIX = "Beispiel:"  # the first cell of the template's example row; such rows are skipped
LISTS_SHEET = "Auswahllisten"  # the template's sheet with the values of every drop-down list

# ---------------------------------------------------------------- the format


class Kind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # line breaks allowed
    EMAIL = "email"
    WHOLE = "whole"
    NUMBER = "number"
    DATE = "date"
    QUARTER = "quarter"
    CHOICE = "choice"


# One column of a sheet: German header, the record field it fills, and its rules.
@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: Kind
    required: bool = False
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    choices: type[StrEnum] | None = None
    default: Any = None
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The header without its note: "Übergeordnet (Kürzel)" → "Übergeordnet"."""
        return re.sub(r"\s*\(.*?\)", "", self.header)

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS


TEXT_KINDS = (Kind.TEXT, Kind.LONG_TEXT, Kind.EMAIL)
# Text columns holding a key or a reference: shown as they are, without quotes, and formatted as
# text in the workbook so that a spreadsheet keeps "010" as typed.
CODE_FIELDS = frozenset({"code", "parent_code", "unit_code", "email", "ozg_id"})


# One sheet: its name, its columns in file order, the fields of its natural key, and the fields that
# say which real thing a record is besides its key: if all of them change at once, the key was
# probably mixed up (a Kürzel "010" read as 10 finds unit "10"), and the change needs a confirmation.
@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    identity: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, field_name: str) -> Column:
        return next(column for column in self.columns if column.field == field_name)


def _score(header: str, name: str, default: int) -> Column:
    return Column(header, name, Kind.WHOLE, minimum=1, maximum=5, default=default)


UNITS = SheetSpec(
    "Organisationseinheiten",
    (
        Column("Kürzel", "code", Kind.TEXT, required=True, max_length=30),
        Column("Name", "name", Kind.TEXT, required=True),
        Column("Art", "kind", Kind.CHOICE, required=True, choices=UnitKind),
        Column("Übergeordnet (Kürzel)", "parent_code", Kind.TEXT, max_length=30),
        Column("Beschäftigte", "headcount", Kind.WHOLE, minimum=0, maximum=1_000_000, default=0),
        Column("Soll-Lotsen", "target_pilots", Kind.WHOLE, minimum=0, maximum=1_000),
    ),
    key=("code",),
    identity=("name", "parent_code"),
)
PILOTS = SheetSpec(
    "Lotsen",
    (
        Column("Name", "name", Kind.TEXT, required=True),
        Column("E-Mail", "email", Kind.EMAIL, required=True, max_length=254),
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, required=True, max_length=30),
        Column("Stufe", "stage", Kind.CHOICE, required=True, choices=PilotStage),
        Column("Seit", "stage_since", Kind.DATE),
        Column("Stunden pro Woche", "hours_per_week", Kind.NUMBER, minimum=0, maximum=40, default=2.0),
    ),
    key=("email",),
    identity=("name", "unit_code"),
)
MEASURES = SheetSpec(
    "Maßnahmen",
    (
        Column("Titel", "title", Kind.TEXT, required=True),
        Column("Beschreibung", "description", Kind.LONG_TEXT, max_length=4000),
        Column("Kategorie", "category", Kind.CHOICE, required=True, choices=Category),
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, max_length=30),
        Column("Status", "status", Kind.CHOICE, required=True, choices=MeasureStatus),
        _score("Nutzen Bürger", "benefit_citizens", 3),
        _score("Nutzen Verwaltung", "benefit_admin", 3),
        _score("Dringlichkeit", "urgency", 3),
        _score("Rechtliche Pflicht", "legal_duty", 1),
        _score("Aufwand", "effort", 3),
        Column("Start", "start_quarter", Kind.QUARTER),
        Column("Ende", "end_quarter", Kind.QUARTER),
        Column("Kosten konsumtiv", "cost_operating", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Kosten investiv", "cost_capital", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Personentage", "person_days", Kind.NUMBER, minimum=0, maximum=100_000, default=0.0),
        Column("OZG-ID", "ozg_id", Kind.TEXT, max_length=20),
        Column("Reifegrad Ziel", "maturity_target", Kind.WHOLE, minimum=0, maximum=4),
        Column("Förderprogramm", "funding_name", Kind.TEXT),
    ),
    key=("title",),
    identity=("category", "unit_code"),
)
IT_STAFF = SheetSpec(
    "IT-Personal",
    (
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, required=True, max_length=30),
        Column("Aufgabenbereich", "task_area", Kind.CHOICE, required=True, choices=ItTaskArea),
        Column("VZÄ", "fte", Kind.NUMBER, required=True, minimum=0, maximum=10_000),
    ),
    key=("unit_code", "task_area"),
)
FUNDING = SheetSpec(
    "Förderprogramme",
    (
        Column("Name", "name", Kind.TEXT, required=True),
        Column("Geber", "donor", Kind.CHOICE, required=True, choices=Donor),
        Column("Frist", "deadline", Kind.DATE),
        Column("Beantragt", "amount_applied", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Bewilligt", "amount_granted", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Status", "status", Kind.CHOICE, required=True, choices=FundingStatus),
    ),
    key=("name",),
    identity=("donor", "deadline"),
)
SHEETS: tuple[SheetSpec, ...] = (UNITS, PILOTS, MEASURES, IT_STAFF, FUNDING)


def _token(text: str) -> str:
    """Comparable form of a sheet name or header: NFC, case- and umlaut-insensitive, no (…) notes."""
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFC", text)).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[\s_\-.*/]+", "", text)


_SHEET_BY_TOKEN = {_token(spec.name): spec for spec in SHEETS}
