"""Privacy: own record only for a Lotse, nothing personal for leitung, DSGVO Art. 15 and Art. 17."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import SQLModel, select

from model.accounts import auth as auth_store
from model.core import clock
from model.core.audit import record_audit
from model.core.db import read_session, write_session
from model.core.tables import AppUser, Idea, Pilot, PilotStageChange, StatusUpdate
from model.pilots import commands, privacy
from model.pilots import reads as pilots
from model.pilots.commands import ActivityReport, FullReport, StatusReport
from model.roadmap import ideas
from model.training import commands as training_commands
from model.training import reads as training
from tests.model.test_pilot_commands import TODAY, World, build_world

NAME = "Anna Musterfrau"
EMAIL = "anna.musterfrau@stadt.example"
SECRET_TEXT = "Mein Vorgesetzter blockiert jede Veränderung"


def dump(world: World) -> str:
    """The whole database as text (every table, every row), on SQLite and PostgreSQL alike."""
    lines = []
    with world.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(sa_select(table).order_by(*table.primary_key.columns)).all()
            lines += [f"{table.name}\t" + "\t".join(str(value) for value in row) for row in rows]
    return "\n".join(lines)


def stage_counts_per_unit_and_month(world: World) -> list[tuple]:
    """How many stage changes into each stage per unit and month: the history behind every trend."""
    with read_session(world.engine) as session:
        changes = session.exec(
            select(PilotStageChange.unit_id, PilotStageChange.changed_on, PilotStageChange.to_stage)
        ).all()
    counts = Counter((unit_id, f"{on:%Y-%m}", stage) for unit_id, on, stage in changes)
    return sorted((*key, count) for key, count in counts.items())


def current_stage_counts_per_unit(world: World) -> list[tuple]:
    with read_session(world.engine) as session:
        return list(
            session.execute(
                text("SELECT unit_id, stage, count(*) FROM pilot GROUP BY unit_id, stage ORDER BY 1, 2")
            ).all()
        )


@pytest.fixture
def world(engine, fake_clock) -> World:
    return build_world(engine)


@pytest.fixture
def anna_with_history(world: World) -> World:
    """Anna reports, is discussed by others and appears in the audit log in many ways."""
    with write_session(world.engine) as session:
        commands.save_report(
            session=session,
            actor=world.lotse_anna,
            data=commands.ReportSubmission(
                pilot_id=world.anna,
                expected_version=1,
                report=FullReport(
                    status=StatusReport(
                        text=f"{SECRET_TEXT}. Gruß, {NAME}",
                        blocker="Keine Freistellung",
                        support_wanted=True,
                        activities=(ActivityReport("workshop", 3, TODAY, f"Kontakt: {EMAIL}"),),
                    ),
                    to_stage="qualified",
                    completed_module_id=world.basis,
                    completed_on=TODAY,
                    hours_per_week=3.0,
                ),
            ),
        )
        ideas.submit_idea(
            session=session,
            actor=world.lotse_anna,
            data=ideas.NewIdea(
                pilot_id=world.anna,
                title="Digitale Urlaubsanträge",
                description=f"Idee von {NAME}",
                category="internal",
            ),
        )
        commands.change_stage(
            session=session,
            actor=world.admin,
            data=commands.StageChange(
                pilot_id=world.anna, expected_version=3, to_stage="active", reason=f"{NAME} hat gestartet"
            ),
        )
        # Another Lotse's note and an admin edit recorded by another part of the app mention her too.
        session.add(
            StatusUpdate(pilot_id=world.bert, reported_on=TODAY, text=f"Mit {NAME} ({EMAIL}) abgestimmt")
        )
        record_audit(
            session=session,
            actor="cdo",
            action="update",
            entity="pilot",
            entity_id=world.anna,
            changes={"email": ("anna.alt@stadt.example", EMAIL), "name": ("Anna Alt", NAME)},
        )
    return world


# --- a Lotse sees and changes only the own record ------------------------------------------------


PERSON_READS = [pilots.pilot_record, training.training_progress, pilots.pilot_history]
ADMIN_READS = [
    pilots.roster,
    pilots.contact_emails,
    training.training_matrix,
    pilots.latest_updates,
    pilots.open_support_requests,
]


@pytest.mark.parametrize("read", PERSON_READS, ids=lambda f: f.__name__)
def test_lotse_reads_own_record_but_never_another(world, read) -> None:
    with read_session(world.engine) as session:
        assert read(session=session, viewer=world.lotse_anna, pilot_id=world.anna) is not None
        with pytest.raises(PermissionError, match="nur Ihre eigenen Angaben"):
            read(session=session, viewer=world.lotse_anna, pilot_id=world.bert)
        with pytest.raises(PermissionError, match="zusammengefasste Zahlen"):
            read(session=session, viewer=world.leitung, pilot_id=world.anna)
        assert read(session=session, viewer=world.admin, pilot_id=world.bert) is not None


@pytest.mark.parametrize("read", ADMIN_READS, ids=lambda f: f.__name__)
def test_lists_of_people_only_for_admin(world, read) -> None:
    with read_session(world.engine) as session:
        assert len(read(session=session, viewer=world.admin)) >= 0
        for viewer in (world.lotse_anna, world.leitung):
            with pytest.raises(PermissionError):
                read(session=session, viewer=viewer)


def _commands_on(world: World, pilot_id: int) -> dict[str, object]:
    """Every command a Lotse could call, aimed at `pilot_id`."""
    return {
        "save_report": lambda s, actor: commands.save_report(
            session=s,
            actor=actor,
            data=commands.ReportSubmission(
                pilot_id=pilot_id, expected_version=1, report=FullReport(status=StatusReport(text="fremd"))
            ),
        ),
        "record_status_update": lambda s, actor: commands.record_status_update(
            session=s,
            actor=actor,
            data=commands.NewStatusUpdate(pilot_id=pilot_id, report=StatusReport(text="fremd")),
        ),
        "change_stage": lambda s, actor: commands.change_stage(
            session=s,
            actor=actor,
            data=commands.StageChange(pilot_id=pilot_id, expected_version=1, to_stage="paused", reason="x"),
        ),
        "change_hours": lambda s, actor: commands.change_hours(
            session=s,
            actor=actor,
            data=commands.HoursChange(pilot_id=pilot_id, expected_version=1, hours_per_week=9),
        ),
        "complete_module": lambda s, actor: training_commands.complete_module(
            session=s,
            actor=actor,
            data=training_commands.ModuleCompletion(
                pilot_id=pilot_id, module_id=world.aufbau, completed_on=TODAY
            ),
        ),
        "submit_idea": lambda s, actor: ideas.submit_idea(
            session=s,
            actor=actor,
            data=ideas.NewIdea(pilot_id=pilot_id, title="Fremde Idee", description=None, category="internal"),
        ),
        "export_person": lambda s, actor: privacy.export_person(
            session=s, actor=actor, data=privacy.PersonRequest(pilot_id=pilot_id)
        ),
        "anonymise_person": lambda s, actor: privacy.anonymise_person(
            session=s, actor=actor, data=privacy.PersonRequest(pilot_id=pilot_id)
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "save_report",
        "record_status_update",
        "change_stage",
        "change_hours",
        "complete_module",
        "submit_idea",
        "export_person",
        "anonymise_person",
    ],
)
def test_no_command_lets_a_lotse_or_leitung_touch_another_record(world, name) -> None:
    before = dump(world)
    for actor in (world.lotse_anna, world.leitung):
        with pytest.raises(PermissionError), write_session(world.engine) as session:
            _commands_on(world, world.bert)[name](session, actor)
    assert dump(world) == before


def test_lotse_may_not_export_or_anonymise_even_the_own_record(world) -> None:
    for name in ("export_person", "anonymise_person"):
        with pytest.raises(PermissionError, match="CDO-Büro"), write_session(world.engine) as session:
            _commands_on(world, world.anna)[name](session, world.lotse_anna)


def test_a_login_without_linked_pilot_reaches_no_record(world) -> None:
    unlinked = world.lotse_anna.__class__(
        id=99, username="neu", display_name="Neu", role=world.lotse_anna.role, pilot_id=None
    )
    with read_session(world.engine) as session, pytest.raises(PermissionError):
        pilots.pilot_record(session=session, viewer=unlinked, pilot_id=world.anna)


# --- Art. 15: export -----------------------------------------------------------------------------------


def test_export_contains_everything_about_the_person_and_no_password_hash(anna_with_history) -> None:
    world = anna_with_history
    with write_session(world.engine) as session:
        export = privacy.export_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    sheets = export.sheets
    assert sheets["Person"].iloc[0]["name"] == NAME
    assert sheets["Person"].iloc[0]["unit_code"] == "33"
    assert list(sheets["Stufenverlauf"]["to_stage"]) == [
        "nominated",
        "selected",
        "in_training",
        "qualified",
        "active",
    ]
    assert SECRET_TEXT in sheets["Statusmeldungen"].iloc[0]["text"]
    assert sheets["Aktivitäten"].iloc[0]["note"] == f"Kontakt: {EMAIL}"
    assert list(sheets["Qualifizierung"]["module"]) == ["Basisqualifizierung"]
    assert list(sheets["Ideen"]["title"]) == ["Digitale Urlaubsanträge"]
    assert sheets["Ideen"].iloc[0]["description"] == f"Idee von {NAME}"
    assert list(sheets["Benutzerkonto"]["username"]) == ["anna"]
    assert "password_hash" not in sheets["Benutzerkonto"].columns
    audit = sheets["Protokoll"]
    assert {"status_update", "activity", "training_record", "idea", "pilot"} <= set(audit["entity"])
    assert not audit["changes"].str.contains("Bert Beispiel").any()
    parsed = json.loads(export.json_bytes())
    assert parsed["Person"][0]["email"] == EMAIL
    assert "password_hash" not in json.dumps(parsed)
    workbook = load_workbook(io.BytesIO(export.xlsx_bytes()))
    assert workbook.sheetnames == list(sheets)
    with read_session(world.engine) as session:
        assert session.exec(select(AppUser.id)).all()  # nothing was deleted by the export
    assert '"action": "export"' not in dump(world)  # the audit row of the export holds no content
    assert "Auskunft erstellt" in dump(world)


# --- Art. 17: anonymise -----------------------------------------------------------------------------------


def test_anonymising_removes_name_email_and_free_texts_everywhere(anna_with_history) -> None:
    world = anna_with_history
    before = dump(world)
    assert NAME in before and EMAIL in before and SECRET_TEXT in before
    with write_session(world.engine) as session:
        privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    after = dump(world)
    for personal in (NAME, EMAIL, SECRET_TEXT, "Keine Freistellung", "anna.alt@stadt.example", "Anna Alt"):
        assert personal not in after, personal
    assert "Bert Beispiel" in after  # other people stay
    assert "Mit anonymisiert (anonymisiert) abgestimmt" in after
    with read_session(world.engine) as session:
        anna = session.get(Pilot, world.anna)
        assert (anna.name, anna.email, anna.anonymised) == (
            f"Anonymisiert #{world.anna}",
            f"anonym-{world.anna}@invalid",
            True,
        )
        assert anna.stage == "active"
        account = session.get(AppUser, world.lotse_anna.id)
        assert (account.active, account.pilot_id, account.email) == (False, None, None)
        assert auth_store.valid_user(session=session, username="anna", issued_at=clock.now()) is None
        assert session.exec(select(Idea.pilot_id, Idea.title, Idea.description)).all() == [
            (world.anna, "Digitale Urlaubsanträge", "anonymisiert")
        ]


def test_anonymising_keeps_unit_counts_over_time(anna_with_history) -> None:
    world = anna_with_history
    history_before = stage_counts_per_unit_and_month(world)
    current_before = current_stage_counts_per_unit(world)
    with write_session(world.engine) as session:
        privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    assert stage_counts_per_unit_and_month(world) == history_before
    assert current_stage_counts_per_unit(world) == current_before
    assert (world.unit_a, "2026-11", "active", 1) in history_before
    with read_session(world.engine) as session:
        completion = training.module_completion(session=session)
    assert completion.set_index("Modul").loc["Basisqualifizierung", "abgeschlossen"] == 1


def test_anonymised_person_cannot_be_changed_or_anonymised_again(anna_with_history) -> None:
    world = anna_with_history
    with write_session(world.engine) as session:
        version = privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        ).version
    with (
        pytest.raises(commands.PilotInputError, match="bereits anonymisiert"),
        write_session(world.engine) as s,
    ):
        privacy.anonymise_person(
            session=s, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    with pytest.raises(commands.PilotInputError, match="anonymisiert"), write_session(world.engine) as s:
        commands.change_hours(
            session=s,
            actor=world.admin,
            data=commands.HoursChange(pilot_id=world.anna, expected_version=version, hours_per_week=1),
        )


def test_anonymised_person_leaves_the_mailing_list(anna_with_history) -> None:
    world = anna_with_history
    with write_session(world.engine) as session:
        privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    with read_session(world.engine) as session:
        emails = pilots.contact_emails(session=session, viewer=world.admin)
        roster = pilots.roster(session=session, viewer=world.admin)
    assert list(emails["E-Mail"]) == ["bert.beispiel@stadt.example"]
    assert len(roster) == 2  # still counted in the roster, under the placeholder


def test_stage_history_dates_stay_exact(anna_with_history) -> None:
    world = anna_with_history
    with write_session(world.engine) as session:
        privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
        )
    with read_session(world.engine) as session:
        history = pilots.pilot_history(session=session, viewer=world.admin, pilot_id=world.anna)
    stages = history.loc[history["Art"] == "Stufenwechsel"]
    assert list(stages["Datum"]) == [TODAY, TODAY, date(2026, 1, 10), date(2025, 12, 20), date(2025, 12, 1)]
    assert "anonymisiert" in stages.iloc[0]["Eintrag"]


def test_exports_of_personal_data_go_to_the_server_log_without_their_content(
    anna_with_history, caplog
) -> None:
    import logging

    from model.core.security_log import LOGGER_NAME

    world = anna_with_history
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(caplog.handler)
    try:
        with read_session(world.engine) as session:
            roster = pilots.roster(session=session, viewer=world.admin)
        mailing = pilots.mailing_list(roster, exported_by=world.admin.username)
        with write_session(world.engine) as session:
            privacy.export_person(
                session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.anna)
            )
    finally:
        logger.removeHandler(caplog.handler)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        f"personal_export user={world.admin.username} what=mailing_list rows={len(mailing)}",
        f"personal_export user={world.admin.username} what=auskunft pilot_id={world.anna}",
    ]
    assert not any("@" in line for line in lines)
