"""The export: every sheet in file order, German labels, natural references. The template = empty export."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from model.audit import record_audit
from model.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    PilotStage,
    UnitKind,
    labels_of,
)
from model.exchange.planning import _rows
from model.exchange.spec import FUNDING, IT_STAFF, MEASURES, PILOTS, SHEETS, UNITS
from model.tables import FundingProgramme, ItStaff, Measure, OrgUnit, Pilot
from model.tabular import set_cell

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
        select(
            Pilot.name, Pilot.email, Pilot.unit_id, Pilot.stage, Pilot.stage_since, Pilot.hours_per_week
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


def _write_cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet)
    set_cell(cell, value)  # strings become text cells: "=HYPERLINK(…)" stays text, never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _workbook(data: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(spec.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(14, min(45, len(header) + 6))
        sheet.append([_write_cell(sheet, header, bold=True) for header in spec.headers])
        for row in data.get(spec.name, []):
            sheet.append([_write_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_workbook(*, session: Session) -> bytes:
    """The whole exchange data as one .xlsx workbook (the format the import reads)."""
    return _workbook(export_rows(session=session))


def template_workbook() -> bytes:
    """The export of an empty database: every sheet with its headers only."""
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
