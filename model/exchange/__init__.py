"""The exchange format of PRODUCT.md: import = export = template.

One .xlsx workbook (or one CSV per sheet, named like the sheet) with the sheets Organisationseinheiten,
Lotsen, Maßnahmen, IT-Personal and Förderprogramme. An import is read (`reading`), each cell converted
(`cells`), planned as a dry run that names every bad cell with sheet, row, column and a German reason
and every change old → new (`planning`, in words: `describe`), and applied all-or-nothing in the
caller's write transaction, upserting by natural key (Kürzel, E-Mail, Titel, Name) with an audit row
per record (`applying`).
The export writes the same workbook (`writing`); the template is the export of an empty database.
"""

from model.exchange.applying import Progress, apply_import, import_parsed, renames_of
from model.exchange.findings import MAX_LISTED, Notice, RowError, more_line
from model.exchange.planning import (
    Change,
    DryRun,
    ImportPlan,
    ImportRejected,
    ImportResult,
    RenamesNotConfirmed,
    SheetSummary,
    error_frame,
    plan_import,
)
from model.exchange.reading import MAX_UPLOAD_BYTES, ParsedWorkbook, UploadError, read_upload
from model.exchange.spec import (
    FUNDING,
    IT_STAFF,
    MEASURES,
    PILOTS,
    SHEETS,
    UNITS,
    Column,
    Kind,
    SheetSpec,
)
from model.exchange.writing import export_rows, export_workbook, record_export, template_workbook

__all__ = [
    "FUNDING",
    "MAX_LISTED",
    "IT_STAFF",
    "MAX_UPLOAD_BYTES",
    "MEASURES",
    "PILOTS",
    "SHEETS",
    "UNITS",
    "Change",
    "DryRun",
    "Column",
    "ImportPlan",
    "ImportRejected",
    "ImportResult",
    "Kind",
    "Notice",
    "ParsedWorkbook",
    "Progress",
    "RenamesNotConfirmed",
    "RowError",
    "SheetSpec",
    "SheetSummary",
    "UploadError",
    "apply_import",
    "error_frame",
    "export_rows",
    "export_workbook",
    "import_parsed",
    "more_line",
    "plan_import",
    "read_upload",
    "record_export",
    "renames_of",
    "template_workbook",
]
