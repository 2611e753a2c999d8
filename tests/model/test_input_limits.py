"""Every free-text field has a length limit: one character too many is refused in German, nothing saved.

The limit is the length of the table column the field fills (model/core/tables.py), so the model refuses what
PostgreSQL would refuse with a database error and what SQLite would silently store.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, func
from sqlmodel import Session, SQLModel, select

from model import exchange
from model.accounts import admin as user_admin
from model.accounts import auth as auth_store
from model.accounts.admin import NewUser
from model.accounts.auth import UserInfo
from model.core.db import read_session, write_session
from model.core.enums import ActivityType, Category, PilotStage, Role
from model.core.tables import (
    Activity,
    AppUser,
    AuditEntry,
    FundingProgramme,
    GateDecision,
    Idea,
    Measure,
    MeetingSnapshot,
    Milestone,
    OrgUnit,
    Phase,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
)
from model.funding import programmes as funding
from model.meetings import snapshots
from model.org import units as org_units
from model.pilots import commands
from model.pilots.commands import ActivityReport, StatusReport
from model.programme import plan as programme
from model.roadmap import ideas
from model.roadmap.bulk import MeasureRowsEdit, RowEdit, bulk_update_measures
from model.roadmap.commands import MeasureEdit, update_measure
from model.training import modules as training_modules
from tests.model.test_pilot_commands import TODAY, World, build_world
from tests.support.actors import admin

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Lotsen-Grenztest-2026!"
# Streamlit widgets and editor columns where a user types free text.
TEXT_WIDGETS = {"text_input", "text_area", "chat_input", "TextColumn"}
# Written by the app itself, never typed by a user: JSON of the audit trail and of meeting figures,
# and a unit's place in the tree (its Kürzel joined, as deep as the tree goes).
MACHINE_TEXT = {("audit_log", "changes"), ("meeting_snapshot", "payload")}
MACHINE_TEXT |= {("org_unit", "path"), ("org_unit", "sort_key")}
# The table behind each sheet of the exchange format, and the columns its references point to.
SHEET_TABLES = {"Organisationseinheiten": "org_unit", "Lotsen": "pilot", "Maßnahmen": "measure"}
SHEET_TABLES |= {"IT-Personal": "it_staff", "Förderprogramme": "funding_programme"}
REFERENCES = {"unit_code": ("org_unit", "code"), "parent_code": ("org_unit", "code")}
REFERENCES |= {"funding_name": ("funding_programme", "name")}


@dataclass(frozen=True)
class Setting:
    """The hand-built data every write below works on."""

    world: World
    measure_id: int
    phase_id: int


Write = Callable[[Session, Setting, str], Any]


def letters(length: int) -> str:
    return ("Grenzwert " * (length // 10 + 1))[: length - 1] + "!"


def email(length: int) -> str:
    domain = "@stadt.example"
    return "a" * (length - len(domain)) + domain


def username(length: int) -> str:
    return "u" * length


# A free-text field: where the user types it, the column it fills, the write, a valid value of length n.
@dataclass(frozen=True)
class Field:
    name: str
    column: Any
    write: Write
    value: Callable[[int], str] = letters


def status_update(**report: Any) -> Write:
    return lambda s, ctx, text: commands.record_status_update(
        session=s,
        actor=ctx.world.lotse_anna,
        data=commands.NewStatusUpdate(
            pilot_id=ctx.world.anna,
            report=StatusReport(
                **{key: text if value is None else value(text) for key, value in report.items()}
            ),
        ),
    )


def measure_change(name: str) -> Write:
    return lambda s, ctx, text: update_measure(
        session=s,
        actor=admin("cdo"),
        data=MeasureEdit(measure_id=ctx.measure_id, expected_version=1, changes={name: text}),
    )


def idea(name: str) -> Write:
    values = {"title": "Digitale Akteneinsicht", "description": None}
    return lambda s, ctx, text: ideas.submit_idea(
        session=s,
        actor=ctx.world.lotse_anna,
        data=ideas.NewIdea(
            pilot_id=ctx.world.anna, category=Category.INTERNAL.value, **{**values, name: text}
        ),
    )


def phase(name: str) -> Write:
    values = {
        "name": "Verstetigung",
        "position": 5,
        "planned_start": date(2027, 1, 1),
        "planned_end": date(2027, 12, 31),
        "status": "blocked",
        "status_note": "Kein Budget im Haushalt 2027",
    }
    return lambda s, ctx, text: programme.add_phase(
        session=s, actor=admin("cdo"), data=programme.PhaseInput(**{**values, name: text})
    )


def gate(name: str) -> Write:
    values = {"body": "Hauptausschuss", "decided_on": date(2026, 5, 4), "paper_no": None, "summary": None}
    return lambda s, ctx, text: programme.add_gate_decision(
        session=s,
        actor=admin("cdo"),
        data=programme.GateInput(**{**values, "phase_id": ctx.phase_id, name: text}),
    )


def unit(name: str) -> Write:
    values = {"code": "37", "name": "Feuerwehr"}
    return lambda s, ctx, text: org_units.add_unit(
        session=s,
        actor=admin("cdo"),
        data=org_units.NewUnit(
            kind="amt", parent_id=ctx.world.dezernat_id, headcount=12, **{**values, name: text}
        ),
    )


def account(name: str, *, cli: bool = False) -> Write:
    values = {"username": "neues.konto", "display_name": "Neues Konto", "email": None}

    def write(s: Session, ctx: Setting, text: str) -> AppUser:
        fields = {**values, name: text}
        if cli:  # `manage.py create-user`
            return auth_store.create_user(
                session=s, role=Role.LEITUNG, password=PASSWORD, actor="manage.py", **fields
            )
        return user_admin.create_user(
            session=s,
            actor=UserInfo(id=0, username="cdo", display_name="CDO", role=Role.ADMIN, pilot_id=None),
            data=NewUser(role="leitung", password=PASSWORD, pilot_email=None, **fields),
        )

    return write


FIELDS = [
    Field("Mein Status: Was haben Sie getan?", StatusUpdate.text, status_update(text=None)),
    Field("Mein Status: Hindernis", StatusUpdate.blocker, status_update(blocker=None)),
    Field(
        "Mein Status: Notiz zur Aktivität",
        Activity.note,
        status_update(activities=lambda text: (ActivityReport(ActivityType.ADVICE.value, 1, TODAY, text),)),
    ),
    Field(
        "Stufenwechsel: Begründung",
        PilotStageChange.reason,
        lambda s, ctx, text: commands.change_stage(
            session=s,
            actor=ctx.world.admin,
            data=commands.StageChange(
                pilot_id=ctx.world.anna, expected_version=1, to_stage=PilotStage.QUALIFIED.value, reason=text
            ),
        ),
    ),
    Field("Idee: Titel", Idea.title, idea("title")),
    Field("Idee: Beschreibung", Idea.description, idea("description")),
    Field("Roadmap: Titel", Measure.title, measure_change("title")),
    Field("Roadmap: Beschreibung", Measure.description, measure_change("description")),
    Field("Roadmap: Beschluss / Vorlage-Nr.", Measure.decision_ref, measure_change("decision_ref")),
    Field(
        "Verwaltung → Maßnahmen (Tabelle): Titel",
        Measure.title,
        lambda s, ctx, text: bulk_update_measures(
            session=s,
            actor=admin("cdo"),
            data=MeasureRowsEdit((RowEdit(ctx.measure_id, 1, {"title": text}),)),
        ),
    ),
    Field("Verwaltung → Einheiten: Kürzel", OrgUnit.code, unit("code")),
    Field("Verwaltung → Einheiten: Name", OrgUnit.name, unit("name")),
    Field(
        "Verwaltung → Förderprogramme: Name",
        FundingProgramme.name,
        lambda s, ctx, text: funding.create_programme(
            session=s,
            actor=admin(),
            data=funding.ProgrammeInput(name=text, donor="land", status="identified"),
        ),
    ),
    Field("Verwaltung → Programm: Phase", Phase.name, phase("name")),
    Field("Verwaltung → Programm: Anmerkung zur Phase", Phase.status_note, phase("status_note")),
    Field(
        "Verwaltung → Programm: Meilenstein",
        Milestone.title,
        lambda s, ctx, text: programme.add_milestone(
            session=s,
            actor=admin("cdo"),
            data=programme.MilestoneInput(phase_id=ctx.phase_id, title=text, due_on=date(2027, 3, 31)),
        ),
    ),
    Field("Verwaltung → Programm: Gremium", GateDecision.body, gate("body")),
    Field("Verwaltung → Programm: Vorlage-Nr.", GateDecision.paper_no, gate("paper_no")),
    Field("Verwaltung → Programm: Inhalt des Beschlusses", GateDecision.summary, gate("summary")),
    Field(
        "Verwaltung → Programm: Modul",
        TrainingModule.name,
        lambda s, ctx, text: training_modules.add_training_module(
            session=s,
            actor=admin("cdo"),
            data=training_modules.ModuleInput(name=text, kind="advanced", duration_days=1),
        ),
    ),
    Field(
        "Präsentation: Titel der Sitzung",
        MeetingSnapshot.title,
        lambda s, ctx, text: snapshots.take_snapshot(
            session=s, actor=admin(), data=snapshots.MeetingInput(title=text, held_on=TODAY)
        ),
    ),
    Field("Verwaltung → Benutzer: Anzeigename", AppUser.display_name, account("display_name")),
    Field("Verwaltung → Benutzer: E-Mail", AppUser.email, account("email"), value=email),
    Field("create-user: Benutzername", AppUser.username, account("username", cli=True), value=username),
    Field("create-user: Anzeigename", AppUser.display_name, account("display_name", cli=True)),
    Field("create-user: E-Mail", AppUser.email, account("email", cli=True), value=email),
]


@pytest.fixture
def setting(engine, fake_clock) -> Setting:
    world = build_world(engine)
    with write_session(engine) as session:
        measure = Measure(title="Online-Terminvergabe", category=Category.EGOV_OZG.value, status="planned")
        konzept = Phase(
            name="Konzept",
            planned_start=date(2025, 1, 1),
            planned_end=date(2025, 6, 30),
            status="done",
        )
        session.add_all([measure, konzept])
        session.flush()
        return Setting(world=world, measure_id=measure.id, phase_id=konzept.id)


def limit_of(column: Any) -> int:
    return column.property.columns[0].type.length


def stored(setting: Setting, column: Any, text: str) -> int:
    with read_session(setting.world.engine) as session:
        return session.exec(select(func.count()).where(column == text)).one()


def audit_count(setting: Setting) -> int:
    with read_session(setting.world.engine) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


def refusal(error: Exception) -> str:
    problems = getattr(error, "problems", None) or getattr(error, "messages", None) or []
    return " ".join([str(error), *map(str, problems)])


@pytest.mark.parametrize("field", FIELDS, ids=[field.name for field in FIELDS])
def test_one_character_too_many_is_refused_in_german_and_nothing_is_saved(setting, field) -> None:
    limit = limit_of(field.column)
    too_long = field.value(limit + 1)
    audit_before = audit_count(setting)

    with pytest.raises(ValueError) as refused, write_session(setting.world.engine) as session:
        field.write(session, setting, too_long)

    message = refusal(refused.value)
    assert str(limit) in message.replace(".", ""), message  # "höchstens 4.000 Zeichen", "2–50 Zeichen"
    assert stored(setting, field.column, too_long) == 0
    assert audit_count(setting) == audit_before


@pytest.mark.parametrize("field", FIELDS, ids=[field.name for field in FIELDS])
def test_exactly_the_limit_is_saved(setting, field) -> None:
    at_limit = field.value(limit_of(field.column))

    with write_session(setting.world.engine) as session:
        field.write(session, setting, at_limit)

    assert stored(setting, field.column, at_limit) == 1


def test_every_text_column_has_a_length_limit() -> None:
    unlimited = [
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.c
        if isinstance(getattr(column.type, "impl_instance", column.type), String)
        and column.type.length is None
        and (table.name, column.name) not in MACHINE_TEXT
    ]
    assert unlimited == []


def test_the_import_allows_no_longer_text_than_the_columns_hold() -> None:
    tables = SQLModel.metadata.tables
    for sheet in exchange.SHEETS:
        for column in sheet.columns:
            if column.kind not in (exchange.Kind.TEXT, exchange.Kind.LONG_TEXT, exchange.Kind.EMAIL):
                continue
            table, name = REFERENCES.get(column.field, (SHEET_TABLES[sheet.name], column.field))
            assert column.max_length == tables[table].c[name].type.length, (sheet.name, column.header)


def test_an_import_row_with_too_long_text_is_reported_and_nothing_is_planned(engine) -> None:
    csv = (
        "Name;E-Mail;Organisationseinheit (Kürzel);Stufe;Seit;Stunden pro Woche\n"
        f"{letters(201)};lang@stadt.example;33;aktiv;01.03.2026;4\n"
    ).encode()

    parsed = exchange.read_upload(files=[("Lotsen.csv", csv)])
    with read_session(engine) as session:
        plan = exchange.plan_import(session=session, parsed=parsed)

    lines = [error.line() for error in plan.errors]
    assert any("Name" in line and "höchstens 200" in line for line in lines), lines


def text_widgets() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in TEXT_WIDGETS:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_every_text_field_of_the_forms_has_a_maximum_length() -> None:
    """The browser takes no more than max_chars (tests/e2e/test_xss.py types past one)."""
    fields = list(text_widgets())
    unlimited = [
        where
        for where, call in fields
        if not any(keyword.arg == "max_chars" for keyword in call.keywords)
        and not any(keyword.arg == "disabled" for keyword in call.keywords)
    ]
    assert len(fields) > 30
    assert unlimited == []
