"""Writing a plan: all or nothing in the caller's transaction, with an audit row per record."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from model.core import clock
from model.core.audit import record_audit
from model.core.tables import FundingProgramme, ItStaff, Measure, OrgUnit, Pilot, PilotStageChange
from model.exchange.planning import (
    Change,
    ImportPlan,
    ImportRejected,
    ImportResult,
    RenamesNotConfirmed,
    _load_existing,
    plan_import,
)
from model.exchange.reading import ParsedWorkbook
from model.exchange.spec import FUNDING, IT_STAFF, MEASURES, PILOTS, UNITS
from model.org import paths as unit_paths
from model.pilots import stage_months

CHUNK = 500
STAGE_REASON = "Import"

Progress = Callable[[float, str], None]


# ---------------------------------------------------------------- applying


_ENTITIES = {
    UNITS.name: (OrgUnit, "org_unit"),
    PILOTS.name: (Pilot, "pilot"),
    MEASURES.name: (Measure, "measure"),
    IT_STAFF.name: (ItStaff, "it_staff"),
    FUNDING.name: (FundingProgramme, "funding_programme"),
}
_APPLY_ORDER = (FUNDING.name, UNITS.name, PILOTS.name, MEASURES.name, IT_STAFF.name)
_REFERENCE_FIELDS = {"parent_code": "parent_id", "unit_code": "unit_id", "funding_name": "funding_id"}


class _Applier:
    def __init__(self, session: Session, plan: ImportPlan, actor: str, progress: Progress | None) -> None:
        self.session = session
        self.actor = actor
        self.progress = progress
        self.plan = plan
        self.unit_ids = {code: unit["id"] for code, unit in _load_existing(session).units.items()}
        self.funding_ids = dict(session.exec(select(FundingProgramme.name, FundingProgramme.id)).all())
        self.done = 0
        self.total = max(len(plan.changes), 1)
        self.audit_rows = 0

    def tick(self, count: int, sheet: str) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(
                min(self.done / self.total, 1.0), f"{sheet}: {self.done} von {self.total} Datensätzen"
            )

    def stored(self, values: dict[str, Any]) -> dict[str, Any]:
        """Record values as table columns: natural references resolved to ids."""
        result: dict[str, Any] = {}
        for name, value in values.items():
            if name == "parent_code":
                continue  # set after all units exist
            if name == "unit_code":
                result["unit_id"] = None if value is None else self.unit_ids[value]
            elif name == "funding_name":
                result["funding_id"] = None if value is None else self.funding_ids[value]
            else:
                result[name] = value
        return result

    def audit(self, entity: str, entity_id: int, action: str, changes: dict[str, tuple[Any, Any]]) -> None:
        record_audit(
            session=self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=changes,
        )
        self.audit_rows += 1

    def apply_sheet(self, sheet: str) -> None:
        model, entity = _ENTITIES[sheet]
        changes = [change for change in self.plan.changes if change.sheet == sheet]
        ids: dict[int, int] = {}  # row number → id
        for start in range(0, len(changes), CHUNK):
            chunk = changes[start : start + CHUNK]
            created = [change for change in chunk if change.existing_id is None]
            for change, new_id in zip(created, self.insert(model, created), strict=True):
                ids[change.number] = new_id
                self.remember(sheet, change, new_id)
                if sheet == PILOTS.name:
                    self.stage_change(new_id, None, change.values)
            for change in chunk:
                if change.existing_id is not None:
                    self.update(model, sheet, change)
            self.tick(len(chunk), sheet)
        if sheet == UNITS.name:
            self.set_parents(changes)
            if changes:
                unit_paths.refresh(self.session)  # written past the ORM: every place anew
        # Audited last, so that references to records of the same sheet resolve to their ids.
        for change in changes:
            action = "create" if change.existing_id is None else "update"
            self.audit(entity, change.existing_id or ids[change.number], action, self.audited(change.changes))

    def insert(self, model: Any, created: list[Change]) -> list[int]:
        """Bulk INSERT … RETURNING id, in the order of `created` (no ORM object per row)."""
        if not created:
            return []
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(self.session.execute(statement, [self.stored(c.values) for c in created]).scalars())

    def remember(self, sheet: str, change: Change, new_id: int) -> None:
        if sheet == UNITS.name:
            self.unit_ids[change.values["code"]] = new_id
        elif sheet == FUNDING.name:
            self.funding_ids[change.values["name"]] = new_id

    def update(self, model: Any, sheet: str, change: Change) -> None:
        assert change.existing_id is not None
        new_values = {name: new for name, (_, new) in change.changes.items()}
        values = self.stored(new_values)
        if hasattr(model, "version"):
            values["version"] = model.version + 1
        if values:
            statement = update(model).where(model.id == change.existing_id).values(**values)
            self.session.execute(statement, execution_options={"synchronize_session": False})
        if sheet == PILOTS.name and "stage" in change.changes:
            self.stage_change(change.existing_id, change.changes["stage"][0], change.values)

    def set_parents(self, changes: list[Change]) -> None:
        rows = [
            {
                "id": change.existing_id or self.unit_ids[change.values["code"]],
                "parent_id": self.unit_id_of(change.changes["parent_code"][1]),
            }
            for change in changes
            if "parent_code" in change.changes
        ]
        if rows:
            self.session.execute(update(OrgUnit), rows)  # one executemany by primary key

    def stage_change(self, pilot_id: int, old_stage: str | None, values: dict[str, Any]) -> None:
        """Every imported stage enters the history the trends are computed from."""
        self.session.add(
            PilotStageChange(
                pilot_id=pilot_id,
                unit_id=self.unit_ids[values["unit_code"]]
                if "unit_code" in values
                else self.pilot_unit(pilot_id),
                from_stage=old_stage,
                to_stage=values["stage"],
                changed_on=values.get("stage_since") or clock.today(),
                reason=STAGE_REASON,
            )
        )

    def pilot_unit(self, pilot_id: int) -> int:
        return self.session.exec(select(Pilot.unit_id).where(Pilot.id == pilot_id)).one()

    def audited(self, changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
        """Audit fields as table columns (parent_id, unit_id, funding_id), like every other write."""
        result: dict[str, tuple[Any, Any]] = {}
        for name, (old, new) in changes.items():
            if name in ("parent_code", "unit_code"):
                result[_REFERENCE_FIELDS[name]] = (self.unit_id_of(old), self.unit_id_of(new))
            elif name == "funding_name":
                result["funding_id"] = (self.funding_ids.get(old), self.funding_ids.get(new))
            else:
                result[name] = (old, new)
        return result

    def unit_id_of(self, code: str | None) -> int | None:
        return None if code is None else self.unit_ids.get(code)


def apply_import(
    *,
    session: Session,
    plan: ImportPlan,
    actor: str,
    accept_renames: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the plan in the caller's transaction, all or nothing; ImportRejected if any error.

    A probable key mix-up (`ImportPlan.mixups`) is written only with `accept_renames`, and only if
    the dry run the user confirmed showed it too (see import_parsed).
    """
    confirmed = renames_of(plan.mixups) if accept_renames else frozenset()
    return import_parsed(
        session=session, parsed=plan.parsed, actor=actor, confirmed_renames=confirmed, progress=progress
    )


def renames_of(mixups: list[Change]) -> frozenset[tuple[str, tuple[Any, ...]]]:
    """What a confirmation of these probable key mix-ups covers: sheet and key of each."""
    return frozenset((change.sheet, change.key) for change in mixups)


def import_parsed(
    *,
    session: Session,
    parsed: ParsedWorkbook,
    actor: str,
    confirmed_renames: frozenset[tuple[str, tuple[Any, ...]]] = frozenset(),
    progress: Progress | None = None,
) -> ImportResult:
    """Plan the read files inside the caller's transaction and write them, all or nothing.

    The plan is made here, so data changed since the dry run is honoured. ImportRejected names the
    first errors with their count; a probable key mix-up not in `confirmed_renames` (as the dry run
    showed them, renames_of) raises RenamesNotConfirmed.
    """
    started = time.perf_counter()
    fresh = plan_import(session=session, parsed=parsed)
    if fresh.error_count:
        raise ImportRejected(fresh.errors, error_count=fresh.error_count)
    unconfirmed = [change for change in fresh.mixups if (change.sheet, change.key) not in confirmed_renames]
    if unconfirmed:
        raise RenamesNotConfirmed(unconfirmed)
    applier = _Applier(session, fresh, actor, progress)
    for sheet in _APPLY_ORDER:
        applier.apply_sheet(sheet)
    if any(change.sheet == PILOTS.name for change in fresh.changes):
        # Lotsen are written in bulk, past the ORM: the stored month-end counts start over.
        stage_months.invalidate(session, since=None)
    record_audit(
        session=session,
        actor=actor,
        action="import",
        entity="database",
        entity_id=None,
        changes={
            "files": (None, ", ".join(parsed.files)),
            **{s.sheet: (None, f"{s.created} neu, {s.changed} geändert") for s in fresh.sheets},
            **({"confirmed_renames": (None, len(fresh.mixups))} if fresh.mixups else {}),
        },
    )
    session.flush()
    if progress is not None:
        progress(1.0, "Import abgeschlossen")
    return ImportResult(
        sheets=fresh.sheets, audit_rows=applier.audit_rows + 1, seconds=time.perf_counter() - started
    )
