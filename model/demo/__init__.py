"""Deterministic demo data: the fictional Stadt Lotsenhausen, at scale L a Land-wide programme.

`seed` fills an empty, migrated database in one write transaction with Core bulk inserts; the same
scale and the same `today` always give the same rows. All dates are relative to `today`, so the
programme is "about a year in" whenever the demo is seeded. The rows are planned in model.demo.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, Table, delete, func, insert, inspect, select, update
from sqlmodel import SQLModel
from tqdm import tqdm

from model.accounts.passwords import DEMO_PASSWORD, hash_password
from model.core import clock
from model.core.db import write_session
from model.core.statements import table_of
from model.core.tables import (
    Activity,
    AppSetting,
    AppUser,
    AuditEntry,
    FundingProgramme,
    GateDecision,
    Idea,
    ItStaff,
    Measure,
    Milestone,
    OrgUnit,
    Phase,
    Pilot,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from model.demo import org as org_plan
from model.demo import people, roadmap, words
from model.demo.basics import Row
from model.org import paths as unit_paths
from model.pilots import stage_months

DEMO_ACCOUNTS = people.DEMO_ACCOUNTS  # username -> role
SEED = 2026
CHUNK = 20_000  # rows per executemany
SETTINGS = {
    "soll_rule": {"rule": "per_unit", "per_n": 100},
    "score_weights": {
        "benefit_citizens": 0.3,
        "benefit_admin": 0.2,
        "urgency": 0.2,
        "legal_duty": 0.15,
        "effort": 0.15,
    },
    "demo": True,  # marks the database as demo data
}


# The size of a generated data set (units 0: only the hand-written city core).
@dataclass(frozen=True)
class Scale:
    units: int
    pilots: int
    measures: int
    updates: int
    funding_programmes: int
    seed_offset: int  # same size, same data: demo and S share it


_SMALL = Scale(units=0, pilots=30, measures=40, updates=500, funding_programmes=6, seed_offset=0)
SCALES: dict[str, Scale] = {
    "demo": _SMALL,
    "S": _SMALL,
    "M": Scale(units=400, pilots=600, measures=2_000, updates=50_000, funding_programmes=20, seed_offset=1),
    "L": Scale(
        units=10_000,
        pilots=20_000,
        measures=50_000,
        updates=1_000_000,
        funding_programmes=100,
        seed_offset=2,
    ),
}


# What one call of `seed` did: rows per table afterwards.
@dataclass
class SeedReport:
    scale: str
    seconds: float
    counts: dict[str, int]


def is_empty(*, engine: Engine) -> bool:
    """True when the database has no org units and no users (demo data may be seeded)."""
    with engine.connect() as connection:
        return _is_empty(connection)


def seed(
    *,
    engine: Engine,
    scale: str = "demo",
    reset: bool = False,
    progress: bool = False,
    today: date | None = None,
) -> SeedReport:
    """Fill the migrated database behind `engine` with the demo of `scale` (reset: replace everything)."""
    if scale not in SCALES:
        raise ValueError(f"Unbekannte Stufe „{scale}“ – erlaubt sind: {', '.join(SCALES)}.")
    started = time.perf_counter()
    size = SCALES[scale]
    password_hash = hash_password(DEMO_PASSWORD, rounds=12)  # once, and before taking the write lock
    bar = tqdm(
        total=_estimated_rows(size),
        desc="Demo-Daten",
        unit=" Zeilen",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
    )
    with bar, write_session(engine) as session:
        connection = session.connection()
        if not _is_empty(connection):
            if not reset:
                raise RuntimeError("Die Datenbank enthält bereits Daten; mit --reset neu befüllen.")
            _delete_all(connection)
        writer = _Writer(connection, bar)
        _fill(writer, size, random.Random(SEED + size.seed_offset), today or clock.today(), password_hash)
        stage_months.invalidate(session, since=None)  # a new history: no stored month-end counts
        unit_paths.refresh(connection)  # units were inserted past the ORM
        _write_audit(connection, scale, _counts(connection))
        _sync_sequences(connection)
        counts = _counts(connection)
        bar.total = bar.n
    return SeedReport(scale=scale, seconds=time.perf_counter() - started, counts=counts)


class _Writer:
    """Bulk inserts in chunks, counted on the progress bar."""

    def __init__(self, connection: Connection, bar: tqdm) -> None:
        self.connection = connection
        self.bar = bar

    def insert(self, label: str, model: type[SQLModel], rows: Sequence[Row]) -> None:
        self.bar.set_description_str(label)
        table: Table = table_of(model)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            self.connection.execute(insert(table), chunk)
            self.bar.update(len(chunk))


def _fill(writer: _Writer, size: Scale, rng: random.Random, today: date, password_hash: str) -> None:
    """Plan and insert table by table, parents first; ids are planned so rows can link."""
    org = org_plan.plan_organisation(rng=rng, unit_target=size.units)
    writer.insert("Organisationseinheiten", OrgUnit, org_plan.unit_rows(org))
    pilots = people.plan_pilots(org=org, rng=rng, today=today, count=size.pilots, updates=size.updates)
    writer.insert("Lotsen", Pilot, people.pilot_rows(pilots))
    writer.insert(
        "Stufenwechsel", PilotStageChange, people.stage_change_rows(pilots=pilots, rng=rng, today=today)
    )
    writer.insert("Module", TrainingModule, people.module_rows())
    writer.insert("Qualifizierung", TrainingRecord, people.training_rows(pilots=pilots, rng=rng, today=today))
    writer.insert("Phasen", Phase, roadmap.phase_rows(today))
    writer.insert("Meilensteine", Milestone, roadmap.milestone_rows(today))
    writer.insert("Beschlüsse", GateDecision, roadmap.gate_rows(today))
    funding, funding_by_category = roadmap.funding_rows(rng=rng, today=today, count=size.funding_programmes)
    writer.insert("Förderprogramme", FundingProgramme, funding)
    measures = roadmap.measure_rows(
        org=org,
        pilots=pilots,
        funding_by_category=funding_by_category,
        rng=rng,
        today=today,
        count=size.measures,
        unit_in_title=size.units > 0,
    )
    measures, ideas = roadmap.split_ideas(measures)
    writer.insert("Maßnahmen", Measure, measures)
    writer.insert("Ideen", Idea, ideas)
    writer.insert("IT-Personal", ItStaff, org_plan.it_staff_rows(org=org, rng=rng))
    users = people.user_rows(pilots=pilots, password_hash=password_hash, now=clock.now())
    writer.insert("Benutzer", AppUser, users)
    _insert_updates(writer, pilots, rng, today)
    _replace_settings(writer)


def _insert_updates(writer: _Writer, pilots: list[people.PilotPlan], rng: random.Random, today: date) -> None:
    generator = people.UpdateGenerator(rng=rng, today=today, chunk=CHUNK)
    for updates, activities in generator.chunks(pilots):
        writer.insert("Statusmeldungen", StatusUpdate, updates)
        writer.insert("Aktivitäten", Activity, activities)
    # Each Lotse's last_update_on is the date of their latest status update.
    status_update: Table = table_of(StatusUpdate)
    pilot: Table = table_of(Pilot)
    latest = (
        select(func.max(status_update.c.reported_on))
        .where(status_update.c.pilot_id == pilot.c.id)
        .scalar_subquery()
    )
    writer.connection.execute(update(pilot).values(last_update_on=latest))


def _replace_settings(writer: _Writer) -> None:
    # Settings may exist without units or users; the seeded ones replace them.
    table: Table = table_of(AppSetting)
    writer.connection.execute(delete(table).where(table.c.key.in_(list(SETTINGS))))
    rows = [{"key": key, "value": json.dumps(value)} for key, value in SETTINGS.items()]
    writer.insert("Einstellungen", AppSetting, rows)


def _is_empty(connection: Connection) -> bool:
    units = connection.execute(select(func.count()).select_from(table_of(OrgUnit))).scalar_one()
    users = connection.execute(select(func.count()).select_from(table_of(AppUser))).scalar_one()
    return units == 0 and users == 0


def _tables(connection: Connection) -> list[Table]:
    # Only the tables the migrations created (tables.py may be ahead of the schema).
    existing = set(inspect(connection).get_table_names())
    return [table for table in SQLModel.metadata.sorted_tables if table.name in existing]


def _delete_all(connection: Connection) -> None:
    for table in reversed(_tables(connection)):  # children before parents
        connection.execute(delete(table))


def _counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in _tables(connection)
    }


def _write_audit(connection: Connection, scale: str, counts: dict[str, int]) -> None:
    seeded = {table: [None, count] for table, count in counts.items() if table != AuditEntry.__tablename__}
    row = {
        "at": clock.now(),
        "actor": "seed",
        "action": "seed",
        "entity": "database",
        "entity_id": None,
        "changes": json.dumps({"scale": [None, scale]} | seeded, ensure_ascii=False, sort_keys=True),
    }
    connection.execute(insert(table_of(AuditEntry)), [row])


def _sync_sequences(connection: Connection) -> None:
    # PostgreSQL: the ids were given explicitly, so the serial sequences must catch up.
    if connection.dialect.name != "postgresql":
        return
    for table in _tables(connection):
        if "id" in table.c:
            highest = func.max(table.c.id)
            sequence = func.pg_get_serial_sequence(table.name, "id")
            connection.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))))


def _estimated_rows(size: Scale) -> int:
    units = size.units or len(words.BASE_UNITS)
    return units + size.pilots * 6 + size.measures + int(size.updates * 1.6) + 100
