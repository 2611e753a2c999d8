"""Commands about Lotsen: reports, stage steps, training, hours, ideas, support, optimistic locking."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from model.accounts.auth import UserInfo
from model.core.audit import AlreadySaved
from model.core.db import read_session, write_session
from model.core.enums import ActivityType, ModuleKind, PilotStage, Role, UnitKind
from model.core.tables import (
    Activity,
    AppUser,
    AuditEntry,
    OrgUnit,
    Pilot,
    PilotStageChange,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from model.pilots import commands, privacy
from model.pilots import reads as pilots
from model.pilots.checks import PilotInputError, StaleEditError
from model.pilots.commands import (
    ActivityReport,
    FullReport,
    StatusReport,
)
from model.training import commands as training_commands
from model.training import reads as training

TODAY = date(2026, 11, 23)  # fake_clock's day


@dataclass(frozen=True)
class World:
    """Hand-built data: two units, two Lotsen with logins, three modules, the four kinds of actor."""

    engine: Engine
    dezernat_id: int
    unit_a: int
    unit_b: int
    anna: int
    bert: int
    basis: int
    aufbau: int
    retired_module: int
    admin: UserInfo
    lotse_anna: UserInfo
    lotse_bert: UserInfo
    leitung: UserInfo


def _user(session, username: str, role: Role, pilot_id: int | None, email: str | None = None) -> UserInfo:
    row = AppUser(
        username=username,
        display_name=username.title(),
        email=email,
        role=role.value,
        password_hash="$2b$04$" + "x" * 53,
        pilot_id=pilot_id,
    )
    session.add(row)
    session.flush()
    return UserInfo(id=row.id, username=username, display_name=row.display_name, role=role, pilot_id=pilot_id)


@pytest.fixture
def world(engine, fake_clock) -> World:
    return build_world(engine)


def build_world(engine: Engine) -> World:
    with write_session(engine) as session:
        dezernat = OrgUnit(code="Dez A", name="Dezernat A", kind=UnitKind.DEZERNAT.value)
        session.add(dezernat)
        session.flush()
        unit_a = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT.value, parent_id=dezernat.id)
        unit_b = OrgUnit(code="51", name="Jugendamt", kind=UnitKind.AMT.value)
        session.add_all([unit_a, unit_b])
        session.flush()
        anna = Pilot(
            name="Anna Musterfrau",
            email="anna.musterfrau@stadt.example",
            unit_id=unit_a.id,
            stage=PilotStage.IN_TRAINING.value,
            stage_since=date(2026, 1, 10),
            hours_per_week=2.0,
            last_update_on=date(2026, 10, 1),
        )
        bert = Pilot(
            name="Bert Beispiel",
            email="bert.beispiel@stadt.example",
            unit_id=unit_b.id,
            stage=PilotStage.ACTIVE.value,
            stage_since=date(2026, 3, 1),
            hours_per_week=4.0,
        )
        session.add_all([anna, bert])
        session.flush()
        session.add_all(
            [
                PilotStageChange(
                    pilot_id=anna.id, unit_id=unit_a.id, to_stage="nominated", changed_on=date(2025, 12, 1)
                ),
                PilotStageChange(
                    pilot_id=anna.id,
                    unit_id=unit_a.id,
                    from_stage="nominated",
                    to_stage="selected",
                    changed_on=date(2025, 12, 20),
                ),
                PilotStageChange(
                    pilot_id=anna.id,
                    unit_id=unit_a.id,
                    from_stage="selected",
                    to_stage="in_training",
                    changed_on=date(2026, 1, 10),
                ),
                PilotStageChange(
                    pilot_id=bert.id, unit_id=unit_b.id, to_stage="active", changed_on=date(2026, 3, 1)
                ),
            ]
        )
        basis = TrainingModule(name="Basisqualifizierung", kind=ModuleKind.BASE.value, position=1)
        aufbau = TrainingModule(name="Prozessmanagement", kind=ModuleKind.ADVANCED.value, position=2)
        retired = TrainingModule(name="Altes Modul", kind=ModuleKind.ADVANCED.value, position=3, active=False)
        session.add_all([basis, aufbau, retired])
        session.flush()
        session.add(TrainingRecord(pilot_id=anna.id, module_id=basis.id, enrolled_on=date(2026, 2, 1)))
        admin = _user(session, "cdo", Role.ADMIN, None)
        lotse_anna = _user(session, "anna", Role.LOTSE, anna.id, anna.email)
        lotse_bert = _user(session, "bert", Role.LOTSE, bert.id, bert.email)
        leitung = _user(session, "leitung", Role.LEITUNG, None)
        return World(
            engine=engine,
            dezernat_id=dezernat.id,
            unit_a=unit_a.id,
            unit_b=unit_b.id,
            anna=anna.id,
            bert=bert.id,
            basis=basis.id,
            aufbau=aufbau.id,
            retired_module=retired.id,
            admin=admin,
            lotse_anna=lotse_anna,
            lotse_bert=lotse_bert,
            leitung=leitung,
        )


def pilot_row(world: World, pilot_id: int) -> Pilot:
    with read_session(world.engine) as session:
        return session.get(Pilot, pilot_id)


def audit_rows(world: World, entity: str | None = None) -> list[AuditEntry]:
    with read_session(world.engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        return list(session.exec(query).all())


def count(world: World, model) -> int:
    with read_session(world.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def report(world: World, actor: UserInfo, pilot_id: int, full: FullReport, version: int = 1):
    with write_session(world.engine) as session:
        return commands.save_report(
            session=session,
            actor=actor,
            data=commands.ReportSubmission(pilot_id=pilot_id, expected_version=version, report=full),
        )


def admin_changes_hours(world: World, hours: float) -> None:
    with write_session(world.engine) as session:
        commands.change_hours(
            session=session,
            actor=world.admin,
            data=commands.HoursChange(pilot_id=world.anna, expected_version=1, hours_per_week=hours),
        )


# --- status updates --------------------------------------------------------------------------


def test_status_update_is_appended_with_activities_and_sets_the_last_update(world) -> None:
    with write_session(world.engine) as session:
        row = commands.record_status_update(
            session=session,
            actor=world.lotse_anna,
            data=commands.NewStatusUpdate(
                pilot_id=world.anna,
                report=StatusReport(
                    text="  Workshop zur E-Akte gehalten  ",
                    activities=(
                        ActivityReport(ActivityType.WORKSHOP.value, 2, date(2026, 11, 20), "mit dem Team"),
                        ActivityReport(ActivityType.ADVICE.value, 5, date(2026, 11, 21)),
                    ),
                ),
            ),
        )
        update_id = row.id
    with read_session(world.engine) as session:
        stored = session.get(StatusUpdate, update_id)
        activities = session.exec(select(Activity).order_by(Activity.id)).all()
    assert stored.text == "Workshop zur E-Akte gehalten"
    assert stored.reported_on == TODAY
    assert [(a.activity_type, a.count, a.done_on, a.status_update_id) for a in activities] == [
        ("workshop", 2, date(2026, 11, 20), update_id),
        ("advice", 5, date(2026, 11, 21), update_id),
    ]
    assert pilot_row(world, world.anna).last_update_on == TODAY
    created = audit_rows(world, "status_update")[0]
    assert created.actor == "anna"
    assert json.loads(created.changes)["text"] == [None, "Workshop zur E-Akte gehalten"]
    assert len(audit_rows(world, "activity")) == 2


def test_status_updates_do_not_change_the_version(world) -> None:
    report(world, world.lotse_anna, world.anna, FullReport(status=StatusReport(text="Erste Meldung")))
    report(world, world.lotse_anna, world.anna, FullReport(status=StatusReport(text="Zweite Meldung")))
    assert pilot_row(world, world.anna).version == 1
    assert count(world, StatusUpdate) == 2


def test_support_request_needs_a_blocker(world) -> None:
    with pytest.raises(PilotInputError, match="Hindernis"):
        report(world, world.lotse_anna, world.anna, FullReport(status=StatusReport(support_wanted=True)))
    assert count(world, StatusUpdate) == 0


def test_empty_report_is_refused(world) -> None:
    with pytest.raises(PilotInputError, match="mindestens eine Angabe"):
        report(world, world.lotse_anna, world.anna, FullReport(hours_per_week=2.0))


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (StatusReport(text="x" * 2001), "höchstens 2.000 Zeichen"),
        (StatusReport(blocker="x" * 1001, support_wanted=True), "höchstens 1.000 Zeichen"),
        (StatusReport(activities=(ActivityReport("coffee", 1, TODAY),)), "Art der Aktivität"),
        (StatusReport(activities=(ActivityReport("workshop", 0, TODAY),)), "zwischen 1 und 1.000"),
        (StatusReport(activities=(ActivityReport("workshop", 1, date(2026, 11, 24)),)), "Zukunft"),
    ],
)
def test_bad_report_changes_nothing(world, status, message) -> None:
    with pytest.raises(PilotInputError, match=message):
        report(world, world.lotse_anna, world.anna, FullReport(status=status))
    assert count(world, StatusUpdate) == 0
    assert count(world, Activity) == 0
    assert pilot_row(world, world.anna).last_update_on == date(2026, 10, 1)


def test_full_report_saves_everything_in_one_go(world) -> None:
    result = report(
        world,
        world.lotse_anna,
        world.anna,
        FullReport(
            status=StatusReport(
                text="Basis geschafft",
                blocker="Keine Lizenz für das Modellierungswerkzeug",
                support_wanted=True,
                activities=(ActivityReport("pilot_test", 1, TODAY, "E-Rechnung getestet"),),
            ),
            to_stage=PilotStage.QUALIFIED.value,
            completed_module_id=world.basis,
            completed_on=date(2026, 11, 20),
            hours_per_week=4.5,
        ),
    )
    anna = pilot_row(world, world.anna)
    assert (anna.stage, anna.stage_since, anna.hours_per_week) == ("qualified", TODAY, 4.5)
    assert result.module_name == "Basisqualifizierung"
    assert result.version == anna.version == 3  # stage and hours each count once
    with read_session(world.engine) as session:
        history = pilots.pilot_history(session=session, viewer=world.lotse_anna, pilot_id=world.anna)
        assert session.exec(select(TrainingRecord.completed_on)).all() == [date(2026, 11, 20)]
    assert list(history["Art"][:4]) == ["Statusmeldung", "Aktivität", "Stufenwechsel", "Modul abgeschlossen"]
    assert history.iloc[0]["Unterstützung"] == "gewünscht, offen"
    assert "Hindernis: Keine Lizenz" in history.iloc[0]["Eintrag"]
    assert history.iloc[2]["Eintrag"].startswith("in Qualifizierung → qualifiziert")


def test_a_failing_part_rolls_back_the_whole_report(world) -> None:
    with pytest.raises(PilotInputError, match="Zukunft"):
        report(
            world,
            world.lotse_anna,
            world.anna,
            FullReport(
                status=StatusReport(text="Soll nicht bleiben"),
                to_stage=PilotStage.QUALIFIED.value,
                completed_module_id=world.basis,
                completed_on=date(2027, 1, 1),
            ),
        )
    anna = pilot_row(world, world.anna)
    assert (anna.stage, anna.version) == ("in_training", 1)
    assert count(world, StatusUpdate) == 0
    assert count(world, PilotStageChange) == 4
    assert audit_rows(world) == []


# --- stage ---------------------------------------------------------------------------------------


def test_stage_change_writes_history_with_unit_and_reason_and_audit(world) -> None:
    with write_session(world.engine) as session:
        commands.change_stage(
            session=session,
            actor=world.admin,
            data=commands.StageChange(
                pilot_id=world.anna,
                expected_version=1,
                to_stage=PilotStage.QUALIFIED.value,
                reason="Basisqualifizierung bestanden",
                changed_on=date(2026, 11, 2),
            ),
        )
    with read_session(world.engine) as session:
        change = session.exec(select(PilotStageChange).order_by(PilotStageChange.id.desc())).first()
    assert (change.from_stage, change.to_stage, change.unit_id, change.changed_on, change.reason) == (
        "in_training",
        "qualified",
        world.unit_a,
        date(2026, 11, 2),
        "Basisqualifizierung bestanden",
    )
    anna = pilot_row(world, world.anna)
    assert (anna.stage, anna.stage_since, anna.version) == ("qualified", date(2026, 11, 2), 2)
    entry = audit_rows(world, "pilot")[-1]
    assert (entry.actor, entry.action, entry.entity_id) == ("cdo", "stage", str(world.anna))
    changes = json.loads(entry.changes)
    assert changes["stage"] == ["in_training", "qualified"]
    assert changes["stage_since"] == ["2026-01-10", "2026-11-02"]
    assert changes["version"] == [1, 2]


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("nominated", "selected", True),
        ("nominated", "active", False),
        ("in_training", "qualified", True),
        ("in_training", "active", False),
        ("active", "paused", True),
        ("paused", "active", True),
        ("active", "nominated", False),
        ("left", "active", False),
    ],
)
def test_only_allowed_stage_steps(world, start, target, allowed) -> None:
    with write_session(world.engine) as session:
        session.get(Pilot, world.bert).stage = start
    step = FullReport(to_stage=target)
    if allowed:
        report(world, world.lotse_bert, world.bert, step)
        assert pilot_row(world, world.bert).stage == target
    else:
        with pytest.raises(PilotInputError, match="geht es nicht"):
            report(world, world.lotse_bert, world.bert, step)
        assert pilot_row(world, world.bert).stage == start


def test_admin_must_give_a_reason(world) -> None:
    with pytest.raises(PilotInputError, match="Begründung"), write_session(world.engine) as session:
        commands.change_stage(
            session=session,
            actor=world.admin,
            data=commands.StageChange(pilot_id=world.anna, expected_version=1, to_stage="qualified"),
        )
    assert pilot_row(world, world.anna).stage == "in_training"


def test_stage_change_cannot_predate_the_current_stage(world) -> None:
    with pytest.raises(PilotInputError, match="vor dem Beginn"), write_session(world.engine) as session:
        commands.change_stage(
            session=session,
            actor=world.admin,
            data=commands.StageChange(
                pilot_id=world.anna,
                expected_version=1,
                to_stage="qualified",
                reason="Nachtrag",
                changed_on=date(2025, 12, 31),
            ),
        )


# --- training, hours, ideas, support --------------------------------------------------------------


def test_complete_module_fills_the_enrolment_or_creates_the_record(world) -> None:
    with write_session(world.engine) as session:
        training_commands.complete_module(
            session=session,
            actor=world.lotse_anna,
            data=training_commands.ModuleCompletion(
                pilot_id=world.anna, module_id=world.basis, completed_on=TODAY
            ),
        )
        training_commands.complete_module(
            session=session,
            actor=world.lotse_anna,
            data=training_commands.ModuleCompletion(
                pilot_id=world.anna, module_id=world.aufbau, completed_on=date(2026, 11, 1)
            ),
        )
    with read_session(world.engine) as session:
        progress = training.training_progress(session=session, viewer=world.lotse_anna, pilot_id=world.anna)
    assert list(progress["Stand"]) == ["abgeschlossen", "abgeschlossen"]  # the retired module is not listed
    assert list(progress["Eingeschrieben"]) == [date(2026, 2, 1), date(2026, 11, 1)]
    assert json.loads(audit_rows(world, "training_record")[0].changes)["completed_on"] == [None, "2026-11-23"]


@pytest.mark.parametrize(
    ("module", "completed_on", "message"),
    [
        ("basis", date(2026, 1, 15), "vor der Einschreibung"),
        ("retired_module", TODAY, "gibt es nicht"),
        ("aufbau", date(2026, 12, 1), "Zukunft"),
    ],
)
def test_complete_module_refuses_bad_input(world, module, completed_on, message) -> None:
    with pytest.raises(PilotInputError, match=message), write_session(world.engine) as session:
        training_commands.complete_module(
            session=session,
            actor=world.lotse_anna,
            data=training_commands.ModuleCompletion(
                pilot_id=world.anna, module_id=getattr(world, module), completed_on=completed_on
            ),
        )
    assert audit_rows(world) == []


def test_a_module_is_completed_only_once(world, fake_clock) -> None:
    step = FullReport(completed_module_id=world.basis, completed_on=TODAY)
    report(world, world.lotse_anna, world.anna, step)
    with pytest.raises(AlreadySaved):  # the same report again at once: a second tap
        report(world, world.lotse_anna, world.anna, step)
    fake_clock.advance(minutes=30)
    with pytest.raises(PilotInputError, match="bereits als abgeschlossen"):
        report(world, world.lotse_anna, world.anna, step)


@pytest.mark.parametrize(("hours", "ok"), [(0, True), (12.5, True), (40, True), (-1, False), (40.5, False)])
def test_hours_per_week_between_0_and_40(world, hours, ok) -> None:
    def change():
        with write_session(world.engine) as session:
            commands.change_hours(
                session=session,
                actor=world.lotse_anna,
                data=commands.HoursChange(pilot_id=world.anna, expected_version=1, hours_per_week=hours),
            )

    if ok:
        change()
        assert pilot_row(world, world.anna).hours_per_week == hours
        assert json.loads(audit_rows(world, "pilot")[-1].changes)["hours_per_week"] == [2.0, hours]
    else:
        with pytest.raises(PilotInputError, match="zwischen 0 und 40"):
            change()
        assert pilot_row(world, world.anna).hours_per_week == 2.0


def test_admin_resolves_a_support_request_once(world) -> None:
    request = report(
        world,
        world.lotse_anna,
        world.anna,
        FullReport(status=StatusReport(blocker="Keine Freistellung", support_wanted=True)),
    ).status_update_id
    with read_session(world.engine) as session:
        assert len(pilots.open_support_requests(session=session, viewer=world.admin)) == 1
    with write_session(world.engine) as session:
        commands.resolve_support_request(
            session=session, actor=world.admin, data=commands.SupportResolution(status_update_id=request)
        )
    with read_session(world.engine) as session:
        assert pilots.open_support_requests(session=session, viewer=world.admin).empty
        assert session.get(StatusUpdate, request).support_resolved_on == TODAY
    assert audit_rows(world, "status_update")[-1].action == "resolve"
    with pytest.raises(PilotInputError, match="bereits erledigt"), write_session(world.engine) as session:
        commands.resolve_support_request(
            session=session, actor=world.admin, data=commands.SupportResolution(status_update_id=request)
        )
    with pytest.raises(PermissionError), write_session(world.engine) as session:
        commands.resolve_support_request(
            session=session, actor=world.lotse_anna, data=commands.SupportResolution(status_update_id=request)
        )


# --- optimistic locking -------------------------------------------------------------------------------


def test_second_of_two_edits_from_the_same_version_is_refused_and_the_first_stays(world) -> None:
    loaded_in_tab_1 = pilot_row(world, world.anna).version
    loaded_in_tab_2 = pilot_row(world, world.anna).version
    with write_session(world.engine) as session:
        commands.change_stage(
            session=session,
            actor=world.lotse_anna,
            data=commands.StageChange(
                pilot_id=world.anna, expected_version=loaded_in_tab_1, to_stage="qualified"
            ),
        )
    stale = pytest.raises(StaleEditError, match="inzwischen an anderer Stelle geändert")
    with stale, write_session(world.engine) as session:
        commands.change_hours(
            session=session,
            actor=world.lotse_anna,
            data=commands.HoursChange(
                pilot_id=world.anna, expected_version=loaded_in_tab_2, hours_per_week=8
            ),
        )
    anna = pilot_row(world, world.anna)
    assert (anna.stage, anna.hours_per_week, anna.version) == ("qualified", 2.0, 2)
    assert [json.loads(e.changes).keys() for e in audit_rows(world, "pilot")] == [
        {"stage", "stage_since", "reason", "version"}
    ]


def test_stale_report_with_a_stage_step_is_refused_entirely(world) -> None:
    admin_changes_hours(world, 3.0)  # the other tab saved first
    with pytest.raises(StaleEditError):
        report(
            world,
            world.lotse_anna,
            world.anna,
            FullReport(status=StatusReport(text="Bitte nicht halb speichern"), to_stage="qualified"),
            version=1,
        )
    anna = pilot_row(world, world.anna)
    assert (anna.stage, anna.hours_per_week) == ("in_training", 3.0)
    assert count(world, StatusUpdate) == 0


def test_stale_report_without_stage_or_hours_is_an_append_and_accepted(world) -> None:
    admin_changes_hours(world, 3.0)
    report(
        world,
        world.lotse_anna,
        world.anna,
        FullReport(status=StatusReport(activities=(ActivityReport("advice", 1, TODAY),)), hours_per_week=3.0),
        version=1,
    )
    assert count(world, Activity) == 1


def test_two_truly_concurrent_saves_one_wins(world) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name: str, full: FullReport) -> None:
        version = pilot_row(world, world.anna).version
        barrier.wait()
        try:
            report(world, world.lotse_anna, world.anna, full, version=version)
            outcomes[name] = "saved"
        except StaleEditError:
            outcomes[name] = "refused"

    threads = [
        threading.Thread(target=save, args=("stage", FullReport(to_stage="qualified"))),
        threading.Thread(target=save, args=("hours", FullReport(hours_per_week=6.0))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    anna = pilot_row(world, world.anna)
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    assert (anna.stage, anna.hours_per_week) == (
        ("qualified", 2.0) if winner == "stage" else ("in_training", 6.0)
    )
    assert anna.version == 2


# --- the reads behind the pages (known answers on the hand-built data) ---------------------------------


def test_roster_filters_by_scope_stage_staleness_and_support(world) -> None:
    report(
        world,
        world.lotse_bert,
        world.bert,
        FullReport(status=StatusReport(blocker="Kein Zugang zum Fachverfahren", support_wanted=True)),
    )

    def names(**filters) -> list[str]:
        with read_session(world.engine) as session:
            return list(pilots.roster(session=session, viewer=world.admin, **filters)["Name"])

    assert names() == ["Anna Musterfrau", "Bert Beispiel"]  # by unit code: 33, 51
    assert names(root_id=world.dezernat_id) == ["Anna Musterfrau"]
    assert names(stages=("active",)) == ["Bert Beispiel"]
    assert names(stale_days=30) == ["Anna Musterfrau"]  # last update 01.10.2026, Bert reported today
    assert names(support_only=True) == ["Bert Beispiel"]
    with read_session(world.engine) as session:
        row = pilots.roster(session=session, viewer=world.admin).iloc[0]
        emails = pilots.contact_emails(session=session, viewer=world.admin, root_id=world.dezernat_id)
    assert (row["Tage ohne Meldung"], row["Unterstützung gewünscht"], row["Module abgeschlossen"]) == (
        53,
        "nein",
        0,
    )
    assert emails.to_dict("records") == [
        {
            "Name": "Anna Musterfrau",
            "E-Mail": "anna.musterfrau@stadt.example",
            "Kürzel": "33",
            "Organisationseinheit": "Bürgeramt",
        }
    ]


def test_roster_reads_only_the_rows_asked_for_and_counts_the_rest_in_sql(world) -> None:
    report(
        world,
        world.lotse_bert,
        world.bert,
        FullReport(status=StatusReport(blocker="Kein Zugang", support_wanted=True)),
    )
    with read_session(world.engine) as session:
        first = pilots.roster(session=session, viewer=world.admin, limit=1)
        size = pilots.roster_size(session=session, viewer=world.admin)
        found = {
            term: list(pilots.roster(session=session, viewer=world.admin, search=term)["Name"])
            for term in ("BEISPIEL", "33", "%", "_")
        }
        found_size = pilots.roster_size(session=session, viewer=world.admin, search="muster")
        supported = pilots.roster(session=session, viewer=world.admin, support_only=True, limit=5)
        matrix = training.training_matrix(session=session, viewer=world.admin, limit=1)

    assert list(first["Name"]) == ["Anna Musterfrau"]  # the first by unit code, as on screen
    assert (size.people, size.addresses) == (2, 2)
    assert found == {"BEISPIEL": ["Bert Beispiel"], "33": ["Anna Musterfrau"], "%": [], "_": []}
    assert found_size.people == 1
    assert list(supported["Unterstützung gewünscht"]) == ["ja"]
    assert list(matrix["Name"]) == ["Anna Musterfrau"]


def test_roster_size_leaves_anonymised_people_out_of_the_mailing_count(world) -> None:
    with write_session(world.engine) as session:
        privacy.anonymise_person(
            session=session, actor=world.admin, data=privacy.PersonRequest(pilot_id=world.bert)
        )
    with read_session(world.engine) as session:
        size = pilots.roster_size(session=session, viewer=world.admin, stages=pilots.ALL_STAGE_CODES)
        contacts = pilots.contact_emails(session=session, viewer=world.admin, stages=pilots.ALL_STAGE_CODES)
    assert size.addresses == len(contacts) == size.people - 1


def test_training_matrix_and_completion_per_module(world) -> None:
    with write_session(world.engine) as session:
        training_commands.complete_module(
            session=session,
            actor=world.admin,
            data=training_commands.ModuleCompletion(
                pilot_id=world.bert, module_id=world.aufbau, completed_on=TODAY
            ),
        )
    with read_session(world.engine) as session:
        matrix = training.training_matrix(session=session, viewer=world.admin)
        completion = training.module_completion(session=session)
        in_dezernat = training.module_completion(session=session, root_id=world.dezernat_id)
    assert matrix.drop(columns=["id"]).to_dict("records") == [
        {
            "Name": "Anna Musterfrau",
            "Kürzel": "33",
            "Basisqualifizierung": "eingeschrieben",
            "Prozessmanagement": "offen",
        },
        {
            "Name": "Bert Beispiel",
            "Kürzel": "51",
            "Basisqualifizierung": "offen",
            "Prozessmanagement": "abgeschlossen",
        },
    ]
    assert completion[["Modul", "abgeschlossen", "eingeschrieben", "offen"]].to_dict("records") == [
        {"Modul": "Basisqualifizierung", "abgeschlossen": 0, "eingeschrieben": 1, "offen": 1},
        {"Modul": "Prozessmanagement", "abgeschlossen": 1, "eingeschrieben": 0, "offen": 1},
    ]
    assert list(in_dezernat["offen"]) == [0, 1]


def test_feed_and_support_requests_honour_the_scope(world) -> None:
    report(world, world.lotse_anna, world.anna, FullReport(status=StatusReport(text="Anna berichtet")))
    report(
        world,
        world.lotse_bert,
        world.bert,
        FullReport(status=StatusReport(blocker="Bert braucht Hilfe", support_wanted=True)),
    )
    with read_session(world.engine) as session:
        everyone = pilots.latest_updates(session=session, viewer=world.admin, limit=3)
        dezernat = pilots.latest_updates(session=session, viewer=world.admin, root_id=world.dezernat_id)
        requests = pilots.open_support_requests(
            session=session, viewer=world.admin, root_id=world.dezernat_id
        )
    assert list(everyone["Lotsin/Lotse"]) == [
        "Bert Beispiel",
        "Anna Musterfrau",
        "Bert Beispiel",
    ]  # 01.03. > 10.01.
    assert everyone.iloc[0]["Unterstützung"] == "gewünscht, offen"
    assert set(dezernat["Lotsin/Lotse"]) == {"Anna Musterfrau"}
    assert list(dezernat["Art"]) == ["Statusmeldung", "Stufenwechsel", "Stufenwechsel", "Stufenwechsel"]
    assert requests.empty


def _count(world: World, model) -> int:  # type: ignore[no-untyped-def]
    with read_session(world.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_the_same_report_again_within_minutes_is_not_stored_twice(world, fake_clock) -> None:
    full = FullReport(
        status=StatusReport(
            text="Sprechstunde gehalten",
            blocker="Scanner fehlt",
            support_wanted=True,
            activities=(ActivityReport(ActivityType.ADVICE.value, 2, TODAY, "Meldeteam"),),
        )
    )
    report(world, world.lotse_anna, world.anna, full)
    updates, activities = _count(world, StatusUpdate), _count(world, Activity)

    with pytest.raises(AlreadySaved, match=r"bereits gespeichert \(um 10:00 Uhr\)"):
        report(world, world.lotse_anna, world.anna, full)
    assert (_count(world, StatusUpdate), _count(world, Activity)) == (updates, activities)

    other = FullReport(status=StatusReport(text="Sprechstunde gehalten", activities=full.status.activities))
    report(world, world.lotse_anna, world.anna, other)  # another report: stored
    assert _count(world, StatusUpdate) == updates + 1
    fake_clock.advance(minutes=11)
    report(world, world.lotse_anna, world.anna, other)  # the same later on: a new report
    assert _count(world, StatusUpdate) == updates + 2


def test_a_report_with_another_activity_count_is_a_new_report(world) -> None:
    def with_count(count: int) -> FullReport:
        return FullReport(
            status=StatusReport(activities=(ActivityReport(ActivityType.WORKSHOP.value, count, TODAY),))
        )

    report(world, world.lotse_anna, world.anna, with_count(1))
    report(world, world.lotse_anna, world.anna, with_count(2))
    assert _count(world, Activity) == 2
