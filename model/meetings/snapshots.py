"""Sitzungen: the state of the programme saved when a leadership meeting is closed, and what changed.

A snapshot holds aggregates only: key figures, Lotsen per unit and stage (counts), the status of
every measure, the state of every phase, and how many qualifications were ever recorded. No
names and no per-person rows, so a snapshot can be kept as long as the meeting minutes.

"Seit der letzten Sitzung" compares now with the last meeting held *before* the one shown (today
by default): closing today's meeting stores its snapshot for the next one without changing what
today's slide and deck say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.actor import Actor
from model.core.audit import AlreadySaved, record_audit, repeated_create
from model.core.enums import MeasureStatus, PhaseStatus, PilotStage, Role, label
from model.core.errors import DomainError, NotPermitted
from model.core.queries import COVERING, CURRENT, open_support_requests
from model.core.statements import id_column
from model.core.tables import AppUser, Measure, MeetingSnapshot, Phase, Pilot, PilotStageChange
from model.org.coverage import coverage_units

PAYLOAD_VERSION = 1
TITLE_MAX = 200
# Phase statuses that mean the plan is in trouble: a change into one of them counts as slipping.
TROUBLED = (PhaseStatus.DELAYED.value, PhaseStatus.BLOCKED.value)


class SnapshotError(DomainError, ValueError):
    """A German reason why a snapshot could not be saved or compared; nothing was changed."""


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    title: str
    held_on: date
    created_at: datetime


@dataclass(frozen=True)
class FigureChange:
    """One key figure at the snapshot and now."""

    name: str
    before: float | None
    now: float | None


@dataclass(frozen=True)
class MeasureChange:
    title: str
    before: str  # German status label
    now: str


@dataclass(frozen=True)
class PhaseChange:
    name: str
    status_before: str  # German status labels
    status_now: str
    end_before: date
    end_now: date

    @property
    def slipped(self) -> bool:
        """The planned end moved later, or the phase fell into "verzögert" or "blockiert"."""
        worse = self.status_now != self.status_before and self.status_now in _TROUBLED_LABELS
        return self.end_now > self.end_before or worse


@dataclass(frozen=True)
class Comparison:
    """Now (or a later snapshot) against a snapshot."""

    snapshot: SnapshotInfo
    as_of: datetime  # when the newer state was taken
    units_newly_covered: tuple[str, ...]  # "Kürzel – Name" of units that reached their Soll
    units_no_longer_covered: tuple[str, ...]
    pilots_newly_qualified: int
    measure_changes: tuple[MeasureChange, ...]
    measures_added: int
    phase_changes: tuple[PhaseChange, ...]
    figures: tuple[FigureChange, ...]

    @property
    def phases_slipped(self) -> int:
        return sum(change.slipped for change in self.phase_changes)


_TROUBLED_LABELS = tuple(label(PhaseStatus(code)) for code in TROUBLED)
FIGURE_NAMES = {
    "pilots_current": "Lotsinnen und Lotsen im Programm",
    "pilots_covering": "davon qualifiziert oder aktiv",
    "units_with_target": "Organisationseinheiten mit Soll",
    "units_covered": "Organisationseinheiten abgedeckt",
    "coverage_share": "Abdeckung",
    "target_total": "Soll-Lotsen",
    "missing_total": "Fehlende Lotsen",
    "measures_total": "Maßnahmen der Roadmap",
    "measures_in_progress": "Maßnahmen in Umsetzung",
    "measures_done": "Maßnahmen abgeschlossen",
    "open_support_requests": "Offene Unterstützungswünsche",
}


# ------------------------------------------------------------------ the state now


def _stage_counts(session: Session) -> dict[int, dict[str, int]]:
    rows = session.exec(
        select(col(Pilot.unit_id), col(Pilot.stage), func.count()).group_by(
            col(Pilot.unit_id), col(Pilot.stage)
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for unit_id, stage, count in rows:
        counts.setdefault(int(unit_id), {})[str(stage)] = int(count)
    return counts


def _units(session: Session) -> dict[str, dict[str, Any]]:
    """Every active unit that has a Soll or any Lotse: code, name, Soll and Lotsen per stage."""
    frame = coverage_units(session=session, all_units=True)
    stages = _stage_counts(session)
    units = {}
    for unit_id, code, name, soll in frame[["unit_id", "Kürzel", "Name", "Soll"]].itertuples(index=False):
        counts = stages.get(int(unit_id), {})
        if soll > 0 or counts:
            units[str(unit_id)] = {"code": code, "name": name, "soll": int(soll), "stages": counts}
    return units


def _measures(session: Session) -> dict[str, list[str]]:
    rows = session.exec(select(Measure.id, Measure.title, Measure.status)).all()
    return {str(measure_id): [title, status] for measure_id, title, status in rows}


def _phases(session: Session) -> dict[str, dict[str, Any]]:
    phases = session.exec(select(Phase).order_by(col(Phase.position), col(Phase.id))).all()
    return {
        str(phase.id): {
            "name": phase.name,
            "status": phase.status,
            "planned_start": phase.planned_start.isoformat(),
            "planned_end": phase.planned_end.isoformat(),
            "actual_start": phase.actual_start.isoformat() if phase.actual_start else None,
            "actual_end": phase.actual_end.isoformat() if phase.actual_end else None,
        }
        for phase in phases
    }


def _qualifications(session: Session) -> int:
    """Stage changes to "qualifiziert" ever recorded: the difference of two counts is the new ones."""
    return int(
        session.exec(
            select(func.count())
            .select_from(PilotStageChange)
            .where(PilotStageChange.to_stage == PilotStage.QUALIFIED.value)
        ).one()
    )


def _trained(unit: dict[str, Any]) -> int:
    return sum(count for stage, count in unit["stages"].items() if stage in COVERING)


def is_covered(unit: dict[str, Any]) -> bool:
    """A unit with a Soll is covered when its qualified and active Lotsen reach it."""
    return unit["soll"] > 0 and _trained(unit) >= unit["soll"]


def coverage_figures(units: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Coverage of a payload's units by model.org.coverage's definition: each unit capped at its Soll.

    Read from the units, so snapshots saved before "fehlend" was a key figure give it as well.
    """
    with_target = sum(unit["soll"] > 0 for unit in units.values())
    covered = sum(is_covered(unit) for unit in units.values())
    return {
        "units_with_target": with_target,
        "units_covered": covered,
        "coverage_share": covered / with_target if with_target else None,
        "target_total": sum(unit["soll"] for unit in units.values()),
        "missing_total": sum(max(0, unit["soll"] - _trained(unit)) for unit in units.values()),
    }


def _key_figures(units: dict[str, dict[str, Any]], measures: dict[str, list[str]], support: int) -> dict:
    stages = [unit["stages"] for unit in units.values()]
    statuses = [status for _title, status in measures.values()]
    return {
        "pilots_current": sum(n for counts in stages for stage, n in counts.items() if stage in CURRENT),
        "pilots_covering": sum(n for counts in stages for stage, n in counts.items() if stage in COVERING),
        **coverage_figures(units),
        "measures_total": len(statuses),
        "measures_in_progress": statuses.count(MeasureStatus.IN_PROGRESS.value),
        "measures_done": statuses.count(MeasureStatus.DONE.value),
        "open_support_requests": support,
    }


def current_state(*, session: Session) -> dict[str, Any]:
    """The payload a snapshot taken now would hold (programme-wide, aggregates only)."""
    units = _units(session)
    measures = _measures(session)
    return {
        "version": PAYLOAD_VERSION,
        "as_of": clock.now().isoformat(),
        "key_figures": _key_figures(units, measures, open_support_requests(session=session)),
        "units": units,
        "measures": measures,
        "phases": _phases(session),
        "qualifications": _qualifications(session),
    }


# ------------------------------------------------------------------ commands and reads


def _require_admin(session: Session, actor: str) -> None:
    user = session.exec(select(AppUser).where(AppUser.username == actor)).first()
    if user is None or not user.active or user.role != Role.ADMIN.value:
        raise NotPermitted("Nur das CDO-Büro (Administration) darf Sitzungsstände speichern.")


def _clean_title(title: object) -> str:
    text = "" if title is None else str(title).strip()
    if not text:
        raise SnapshotError("Titel: Bitte einen Titel angeben, z. B. „Sitzung vom 23.11.2026“.")
    if len(text) > TITLE_MAX:
        raise SnapshotError(f"Titel: höchstens {TITLE_MAX} Zeichen (jetzt {len(text)}).")
    return text


# A meeting to close, as the form submits it.
@dataclass(frozen=True)
class MeetingInput:
    title: str
    held_on: date


def take_snapshot(*, session: Session, actor: Actor, data: MeetingInput) -> MeetingSnapshot:
    """Save the state of the programme now under the meeting's title and date (admin only, audited)."""
    _require_admin(session, actor.username)
    clean = _clean_title(data.title)
    held_on = data.held_on
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        raise SnapshotError("Sitzungsdatum: Bitte ein Datum angeben.")
    changes = {"title": (None, clean), "held_on": (None, held_on)}
    repeat = repeated_create(
        session=session, actor=actor.username, entity="meeting_snapshot", changes=changes
    )
    if repeat is not None:
        raise AlreadySaved(
            f"Die Sitzung „{clean}“ ist bereits abgeschlossen; "
            "ihr Stand wurde nicht ein zweites Mal gespeichert.",
            entity_id=repeat.entity_id,
        )
    snapshot = MeetingSnapshot(
        title=clean,
        held_on=held_on,
        created_by=actor.username,
        payload=json.dumps(current_state(session=session), ensure_ascii=False, sort_keys=True),
    )
    session.add(snapshot)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity="meeting_snapshot",
        entity_id=snapshot.id,
        changes=changes,
    )
    return snapshot


def _info(snapshot: MeetingSnapshot) -> SnapshotInfo:
    assert snapshot.id is not None
    return SnapshotInfo(
        id=snapshot.id, title=snapshot.title, held_on=snapshot.held_on, created_at=snapshot.created_at
    )


def list_snapshots(*, session: Session) -> tuple[SnapshotInfo, ...]:
    """All snapshots, the latest meeting first (without their payloads)."""
    rows = session.exec(
        select(
            id_column(MeetingSnapshot.id),
            col(MeetingSnapshot.title),
            col(MeetingSnapshot.held_on),
            col(MeetingSnapshot.created_at),
        ).order_by(
            col(MeetingSnapshot.held_on).desc(),
            col(MeetingSnapshot.created_at).desc(),
            col(MeetingSnapshot.id).desc(),
        )
    ).all()
    return tuple(
        SnapshotInfo(id=int(i), title=title, held_on=held_on, created_at=created)
        for i, title, held_on, created in rows
    )


def baseline(*, session: Session, before: date) -> SnapshotInfo | None:
    """The last meeting held before `before` (the meeting shown): what "seit der letzten Sitzung"
    compares with. A meeting closed on `before` itself is the baseline of the next one, not its own."""
    earlier = [info for info in list_snapshots(session=session) if info.held_on < before]
    return earlier[0] if earlier else None


def _load(session: Session, snapshot_id: int) -> tuple[MeetingSnapshot, dict[str, Any]]:
    snapshot = session.get(MeetingSnapshot, snapshot_id)
    if snapshot is None:
        raise SnapshotError("Diesen Sitzungsstand gibt es nicht (mehr).")
    try:
        payload = json.loads(snapshot.payload)
    except json.JSONDecodeError:
        raise SnapshotError(f"Der Sitzungsstand „{snapshot.title}“ ist beschädigt.") from None
    if payload.get("version") != PAYLOAD_VERSION:
        raise SnapshotError(f"Der Sitzungsstand „{snapshot.title}“ hat ein unbekanntes Format.")
    return snapshot, payload


def compare(*, session: Session, snapshot_id: int, against_id: int | None = None) -> Comparison:
    """What changed from the snapshot to now (or to the later snapshot `against_id`)."""
    snapshot, before = _load(session, snapshot_id)
    after = current_state(session=session) if against_id is None else _load(session, against_id)[1]
    return compare_states(snapshot=_info(snapshot), before=before, after=after)


# ------------------------------------------------------------------ the comparison


def _unit_name(unit: dict[str, Any]) -> str:
    return f"{unit['code']} – {unit['name']}"


def _coverage_changes(before: dict, after: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    covered_before = {key for key, unit in before["units"].items() if is_covered(unit)}
    covered_after = {key for key, unit in after["units"].items() if is_covered(unit)}
    gained = sorted(_unit_name(after["units"][key]) for key in covered_after - covered_before)
    lost = sorted(_unit_name(before["units"][key]) for key in covered_before - covered_after)
    return tuple(gained), tuple(lost)


def _status_label(code: str) -> str:
    return label(MeasureStatus(code)) if code in set(MeasureStatus) else code


def _measure_changes(before: dict, after: dict) -> tuple[tuple[MeasureChange, ...], int]:
    changes = [
        MeasureChange(
            title=title, before=_status_label(before["measures"][key][1]), now=_status_label(status)
        )
        for key, (title, status) in after["measures"].items()
        if key in before["measures"] and before["measures"][key][1] != status
    ]
    added = len(set(after["measures"]) - set(before["measures"]))
    return tuple(sorted(changes, key=lambda change: change.title.casefold())), added


def _phase_label(code: str) -> str:
    return label(PhaseStatus(code)) if code in set(PhaseStatus) else code


def _phase_changes(before: dict, after: dict) -> tuple[PhaseChange, ...]:
    changes = []
    for key, phase in after["phases"].items():
        old = before["phases"].get(key)
        if old is None or (old["status"], old["planned_end"]) == (phase["status"], phase["planned_end"]):
            continue
        changes.append(
            PhaseChange(
                name=phase["name"],
                status_before=_phase_label(old["status"]),
                status_now=_phase_label(phase["status"]),
                end_before=date.fromisoformat(old["planned_end"]),
                end_now=date.fromisoformat(phase["planned_end"]),
            )
        )
    return tuple(changes)


def _figures(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload["key_figures"], **coverage_figures(payload["units"])}


def compare_states(*, snapshot: SnapshotInfo, before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """The differences between two payloads (older `before`, newer `after`)."""
    gained, lost = _coverage_changes(before, after)
    measure_changes, added = _measure_changes(before, after)
    return Comparison(
        snapshot=snapshot,
        as_of=datetime.fromisoformat(after["as_of"]),
        units_newly_covered=gained,
        units_no_longer_covered=lost,
        pilots_newly_qualified=max(0, after["qualifications"] - before["qualifications"]),
        measure_changes=measure_changes,
        measures_added=added,
        phase_changes=_phase_changes(before, after),
        figures=tuple(
            FigureChange(name=name, before=_figures(before).get(key), now=_figures(after).get(key))
            for key, name in FIGURE_NAMES.items()
        ),
    )
