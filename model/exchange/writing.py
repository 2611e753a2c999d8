"""The export: every sheet in file order, German labels, natural references. The template = empty export."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session, col, select

from model.core.audit import record_audit
from model.core.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    PilotStage,
    UnitKind,
    labels_of,
)
from model.core.statements import select_columns
from model.core.tables import FundingProgramme, ItStaff, Measure, OrgUnit, Pilot
from model.core.tabular import set_cell
from model.exchange.planning import _rows
from model.exchange.spec import (
    EXAMPLE_PREFIX,
    FUNDING,
    IT_STAFF,
    LISTS_SHEET,
    MEASURES,
    PILOTS,
    SHEETS,
    UNITS,
    Column,
    Kind,
)

HEADER_FONT = Font(bold=True)

# ---------------------------------------------------------------- export


def _unit_rows(session: Session) -> tuple[list[list[Any]], dict[int, str]]:
    units = _rows(session, OrgUnit, "id", "code", "name", "kind", "parent_id", "headcount", "target_pilots")
    codes = {unit["id"]: unit["code"] for unit in units}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for unit in units:
        parent = unit["parent_id"] if unit["parent_id"] in codes else None
        children.setdefault(parent, []).append(unit)
    ordered: list[dict[str, Any]] = []
    stack = sorted(children.get(None, []), key=lambda unit: unit["code"], reverse=True)
    while stack:  # depth first, siblings by Kürzel: the file reads like the organigram
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(sorted(children.get(unit["id"], []), key=lambda child: child["code"], reverse=True))
    labels = labels_of(UnitKind)
    rows = [
        [
            unit["code"],
            unit["name"],
            labels.get(unit["kind"], unit["kind"]),
            codes.get(unit["parent_id"]),
            unit["headcount"],
            unit["target_pilots"],
        ]
        for unit in ordered
    ]
    return rows, codes


def export_rows(*, session: Session) -> dict[str, list[list[Any]]]:
    """Every sheet's data rows in file order (German labels, natural references)."""
    unit_rows, codes = _unit_rows(session)
    stages, categories = labels_of(PilotStage), labels_of(Category)
    statuses, areas = labels_of(MeasureStatus), labels_of(ItTaskArea)
    donors, funding_statuses = labels_of(Donor), labels_of(FundingStatus)
    pilots = session.exec(
        select_columns(
            col(Pilot.name),
            col(Pilot.email),
            col(Pilot.unit_id),
            col(Pilot.stage),
            col(Pilot.stage_since),
            col(Pilot.hours_per_week),
        ).where(
            Pilot.anonymised == False  # noqa: E712 (SQL comparison)
        )
    ).all()
    pilot_rows = sorted(
        (
            [name, email, codes.get(unit_id), stages.get(stage, stage), since, hours]
            for name, email, unit_id, stage, since, hours in pilots
        ),
        key=lambda row: (str(row[2]), row[0].casefold(), row[1].casefold()),
    )
    programmes = _rows(
        session,
        FundingProgramme,
        "id",
        "name",
        "donor",
        "deadline",
        "amount_applied",
        "amount_granted",
        "status",
    )
    funding_names = {programme["id"]: programme["name"] for programme in programmes}
    measure_fields = [c.field for c in MEASURES.columns if c.field not in ("unit_code", "funding_name")]
    measures = _rows(session, Measure, "unit_id", "funding_id", *measure_fields)
    measure_rows = []
    for measure in sorted(measures, key=lambda m: (m["title"].casefold(), m["title"])):
        measure["unit_code"] = codes.get(measure["unit_id"])
        measure["funding_name"] = funding_names.get(measure["funding_id"])
        measure["category"] = categories.get(measure["category"], measure["category"])
        measure["status"] = statuses.get(measure["status"], measure["status"])
        measure_rows.append([measure[column.field] for column in MEASURES.columns])
    area_order = {code: index for index, code in enumerate(areas)}
    staff = session.exec(select(ItStaff.unit_id, ItStaff.task_area, ItStaff.fte)).all()
    staff_rows = [
        [codes.get(unit_id), areas.get(area, area), fte]
        for unit_id, area, fte in sorted(
            staff, key=lambda s: (str(codes.get(s[0])), area_order.get(s[1], 99))
        )
    ]
    funding_rows = [
        [
            p["name"],
            donors.get(p["donor"], p["donor"]),
            p["deadline"],
            p["amount_applied"],
            p["amount_granted"],
            funding_statuses.get(p["status"], p["status"]),
        ]
        for p in sorted(programmes, key=lambda p: (p["name"].casefold(), p["name"]))
    ]
    return {
        UNITS.name: unit_rows,
        PILOTS.name: pilot_rows,
        MEASURES.name: measure_rows,
        IT_STAFF.name: staff_rows,
        FUNDING.name: funding_rows,
    }


MIN_WIDTH, MAX_WIDTH = 10, 50
WIDTH_SAMPLE = 500  # rows looked at for a column's width
LAST_ROW = 1_048_576  # drop-downs and text format reach every row a spreadsheet has
TEXT_FORMAT = "@"
EXAMPLE_FONT = Font(italic=True, color="FF595959")
# One example row for a sheet that has no data (the template is an export without any): its first
# cell says "Beispiel:", so the import skips it even if nobody deletes it.
EXAMPLES: dict[str, list[Any]] = {
    UNITS.name: [f"{EXAMPLE_PREFIX} 10", "Hauptamt", "Amt", "Dez I", 86, None],
    PILOTS.name: [
        f"{EXAMPLE_PREFIX} Erika Mustermann",
        "erika.mustermann@stadt.example",
        "10",
        "in Qualifizierung",
        date(2026, 3, 2),
        2,
    ],
    MEASURES.name: [
        f"{EXAMPLE_PREFIX} Online-Terminvergabe im Bürgeramt",
        "Termine für Pass und Personalausweis online buchen",
        "E-Government/OZG",
        "33",
        "geplant",
        5,
        3,
        4,
        1,
        2,
        "2026-Q1",
        "2026-Q4",
        12000,
        0,
        30,
        None,
        3,
        None,
    ],
    IT_STAFF.name: [f"{EXAMPLE_PREFIX} 10.4", "Anwenderbetreuung/Support", 1.5],
    FUNDING.name: [
        f"{EXAMPLE_PREFIX} Digitalstrategie NRW",
        "Land",
        date(2027, 6, 30),
        50000,
        0,
        "beantragt",
    ],
}


def _write_cell(sheet: Any, value: Any, *, text: bool = False, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet)
    set_cell(cell, value)  # strings become text cells: "=HYPERLINK(…)" stays text, never a formula
    if text:
        cell.number_format = TEXT_FORMAT
    if font is not None:
        cell.font = font
    return cell


def _width(header: str, rows: list[list[Any]], index: int) -> float:
    longest = max([len(header), *(len(_shown_width(row[index])) for row in rows[:WIDTH_SAMPLE])])
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 3))


def _shown_width(value: Any) -> str:
    if isinstance(value, date):
        return "00.00.0000"
    return "" if value is None else str(value).split("\n", 1)[0]


def _choice_lists() -> list[tuple[str, Column]]:
    """Every closed vocabulary once, with the header of its column on the lists sheet."""
    lists: dict[type, tuple[str, Column]] = {}
    for spec in SHEETS:
        for column in spec.columns:
            if column.choices is not None and column.choices not in lists:
                lists[column.choices] = (f"{column.header} ({spec.name})", column)
    return list(lists.values())


def _validation(column: Column, references: dict[type, str]) -> DataValidation | None:
    """A drop-down for a closed vocabulary or a small whole-number range (Nutzen 1–5, Reifegrad 0–4)."""
    if column.choices is not None:
        formula = references[column.choices]
    elif (
        column.kind is Kind.WHOLE
        and column.minimum is not None
        and column.maximum is not None
        and column.maximum - column.minimum <= 10
    ):
        formula = '"' + ",".join(str(n) for n in range(int(column.minimum), int(column.maximum) + 1)) + '"'
    else:
        return None
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"Ungültiger Wert für {column.label}",
        error=f"Bitte einen Wert aus der Liste wählen (alle stehen im Blatt {LISTS_SHEET}).",
    )


def _workbook(data: dict[str, list[list[Any]]]) -> bytes:
    """The sheets of the format, then the lists behind the drop-downs.

    Key and other text columns are formatted as text (also below the data, for rows typed in
    later), so that a spreadsheet keeps "010" as typed instead of turning it into the number 10.
    """
    workbook = Workbook(write_only=True)
    lists = _choice_lists()
    references = {
        column.choices: f"'{LISTS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}$"
        f"{1 + len(labels_of(column.choices))}"
        for i, (_, column) in enumerate(lists, start=1)
        if column.choices is not None
    }
    for spec in SHEETS:
        rows = data.get(spec.name) or []
        example = not rows
        if example:
            rows = [EXAMPLES[spec.name]]
        sheet = workbook.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns):
            letter = get_column_letter(index + 1)
            dimension = sheet.column_dimensions[letter]
            dimension.width = _width(column.header, rows, index)
            if column.is_text:
                dimension.number_format = TEXT_FORMAT
            validation = _validation(column, references)
            if validation is not None:
                validation.add(f"{letter}2:{letter}{LAST_ROW}")
                sheet.data_validations.append(validation)
        sheet.append([_write_cell(sheet, header, font=HEADER_FONT) for header in spec.headers])
        font = EXAMPLE_FONT if example else None
        for row in rows:
            sheet.append(
                [
                    _write_cell(sheet, value, text=column.is_text, font=font)
                    for column, value in zip(spec.columns, row, strict=True)
                ]
            )
    _lists_sheet(workbook, lists)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _lists_sheet(workbook: Workbook, lists: list[tuple[str, Column]]) -> None:
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.freeze_panes = "A2"
    values = [list(labels_of(column.choices).values()) for _, column in lists if column.choices is not None]
    for index, (header, _) in enumerate(lists, start=1):
        width = max(len(header), *(len(value) for value in values[index - 1])) + 3
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width)
    sheet.append([_write_cell(sheet, header, font=HEADER_FONT) for header, _ in lists])
    for position in range(max(len(labels) for labels in values)):
        sheet.append(
            [_write_cell(sheet, labels[position] if position < len(labels) else None) for labels in values]
        )


def export_workbook(*, session: Session) -> bytes:
    """The whole exchange data as one .xlsx workbook (the format the import reads)."""
    return _workbook(export_rows(session=session))


def template_workbook() -> bytes:
    """The export of an empty database: every sheet with its headers and one example row."""
    return _workbook({})


def record_export(*, session: Session, actor: str, what: str) -> None:
    """Who took the data out (personal data included): an audit row, no data change."""
    record_audit(
        session=session,
        actor=actor,
        action="export",
        entity="database",
        entity_id=None,
        changes={"export": (None, what)},
    )
