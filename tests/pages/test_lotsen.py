"""Lotsen & Qualifizierung (AppTest): support first, roster filters, detail, stage change, training, DSGVO."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model.accounts.auth import UserInfo
from model.core import clock
from model.core.db import read_session, write_session
from model.core.enums import Role
from model.core.tables import AppUser, AuditEntry, Pilot, PilotStageChange, StatusUpdate
from model.org import scope
from model.pilots.commands import ActivityReport, FullReport, ReportSubmission, StatusReport, save_report
from tests.pages.conftest import ROOT, log_in, new_app, table_value, unescaped
from tests.pages.test_mein_status import DemoCopy, copy_demo, pristine_demo  # noqa: F401
from ui import pilot_views, tables
from ui.navigation import USER_KEY

PAGE = "pages/lotsen.py"


@pytest.fixture
def db(pristine_demo, tmp_path) -> Iterator[DemoCopy]:  # noqa: F811
    yield from copy_demo(pristine_demo, tmp_path / "demo.db")


def open_page(username: str = "cdo") -> AppTest:
    return log_in(new_app().run(), username).switch_page(PAGE).run()


def click(at: AppTest, label: str) -> AppTest:
    next(button for button in at.button if button.label == label).click()
    return at.run()


def messages(at: AppTest, kind: str) -> list[str]:
    return [unescaped(message.value) for message in getattr(at, kind)]


def frame_with(at: AppTest, column: str):
    """The first st.dataframe on the page that has `column` (AppTest does not keep their keys)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def roster(at: AppTest):
    return frame_with(at, "Tage ohne Meldung")


def subheaders(at: AppTest) -> list[str]:
    return [header.value for header in at.subheader]


def pilot_named(db: DemoCopy, name: str) -> Pilot:
    with read_session(db.engine) as session:
        return session.exec(select(Pilot).where(Pilot.name == name)).one()


def lotse_pilot(db: DemoCopy) -> Pilot:
    """The demo account "lotse"'s own record (an active Lotse of the Bürgeramt)."""
    with read_session(db.engine) as session:
        return session.get(
            Pilot, session.exec(select(AppUser.pilot_id).where(AppUser.username == "lotse")).one()
        )


def open_requests(db: DemoCopy) -> int:
    with read_session(db.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(StatusUpdate)
            .where(StatusUpdate.support_wanted, StatusUpdate.support_resolved_on.is_(None))
        ).one()


def lotse_user(db: DemoCopy) -> UserInfo:
    with read_session(db.engine) as session:
        account = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    return UserInfo(
        id=account.id, username="lotse", display_name="x", role=Role.LOTSE, pilot_id=account.pilot_id
    )


def select_detail(at: AppTest, pilot: Pilot) -> AppTest:
    at.selectbox(key="lotsen_detail").select(pilot.id)
    return at.run()


# --- who may open the page ------------------------------------------------------------------------


def test_admin_sees_support_feed_roster_and_training(db) -> None:
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Lotsen & Qualifizierung"
    assert subheaders(at)[:4] == [
        f"Offene Unterstützungswünsche: {open_requests(db)}",
        "Neueste Meldungen",
        "Abschlüsse je Modul",
        "Qualifizierungsmatrix",
    ]
    with read_session(db.engine) as session:
        current = session.exec(select(func.count()).select_from(Pilot).where(Pilot.stage != "left")).one()
    assert len(roster(at)) == current
    assert "E-Mail" in roster(at).columns
    assert len(table_value(at.table[1])) == 30  # the feed


@pytest.mark.parametrize("username", ["lotse", "leitung"])
def test_other_roles_have_no_menu_entry_and_the_page_refuses_them(db, username) -> None:
    at = log_in(new_app().run(), username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    with read_session(db.engine) as session:
        account = session.exec(select(AppUser).where(AppUser.username == username)).one()
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state[USER_KEY] = UserInfo(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        pilot_id=account.pilot_id,
    )
    direct.run()
    assert [title.value for title in direct.title] == ["Kein Zugriff"]
    assert not direct.table and not direct.dataframe and not direct.metric


# --- support and feed -------------------------------------------------------------------------------


def test_support_requests_come_first_and_can_be_marked_done(db) -> None:
    before = open_requests(db)
    at = open_page()
    requests = table_value(at.table[0])
    assert len(requests) == before
    assert list(requests.columns) == [
        "Gemeldet am",
        "Lotsin/Lotse",
        "Organisationseinheit",
        "Hindernis",
        "Meldung",
    ]
    oldest = requests.iloc[0]["Lotsin/Lotse"]
    click(at, "Als erledigt markieren")
    assert not at.exception
    [message] = messages(at, "success")
    assert message.startswith("Erledigt: ") and oldest in message
    assert open_requests(db) == before - 1
    assert subheaders(at)[0] == f"Offene Unterstützungswünsche: {before - 1}"
    with read_session(db.engine) as session:
        resolved = session.exec(select(AuditEntry).where(AuditEntry.action == "resolve")).one()
    assert resolved.actor == "cdo"


def test_feed_shows_a_new_report_at_the_top(db) -> None:
    with write_session(db.engine) as session:
        save_report(
            session=session,
            actor=lotse_user(db),
            data=ReportSubmission(
                pilot_id=lotse_user(db).pilot_id,
                expected_version=1,
                report=FullReport(
                    status=StatusReport(
                        text="Neue Meldung für den Feed",
                        activities=(ActivityReport("workshop", 2, clock.today()),),
                    )
                ),
            ),
        )
    at = open_page()
    feed = table_value(at.table[1])
    own = pilot_named(db, feed.iloc[0]["Lotsin/Lotse"])
    assert own.id == lotse_user(db).pilot_id
    assert list(feed["Eintrag"][:2]) == ["Neue Meldung für den Feed", "Workshop (2×)"]
    assert feed.iloc[0]["Datum"] == clock.today().strftime("%d.%m.%Y")


# --- roster -------------------------------------------------------------------------------------------


def test_roster_filters_stage_staleness_support_and_unit(db) -> None:
    at = open_page()
    at.selectbox(key="roster_stage").select("active").run()
    assert set(roster(at)["Stufe"]) == {"aktiv"}

    at.selectbox(key="roster_stage").select("current")
    at.number_input(key="roster_stale").set_value(30).run()
    stale = roster(at)
    assert len(stale) > 0
    assert all(days is None or days != days or days > 30 for days in stale["Tage ohne Meldung"])

    at.number_input(key="roster_stale").set_value(0)
    at.checkbox(key="roster_support").check().run()
    assert set(roster(at)["Unterstützung gewünscht"]) == {"ja"}
    assert len(roster(at)) == len(set(table_value(at.table[0])["Lotsin/Lotse"]))

    at.checkbox(key="roster_support").uncheck()
    with read_session(db.engine) as session:
        dezernat = next(option for option in scope.dezernate(session=session) if option.code == "Dez II")
        codes = {option.code for option in scope.units_below(session=session, root_id=dezernat.id)}
    at.sidebar.selectbox(key="filter_dez").select(dezernat).run()
    assert not at.exception
    assert set(roster(at)["Kürzel"]) <= codes | {"Dez II"}
    assert len(roster(at)) > 0


def test_mailing_list_download_counts_the_filtered_addresses(db) -> None:
    at = open_page()
    at.selectbox(key="roster_stage").select("active").run()
    [button] = [b for b in at.get("download_button") if b.proto.label.startswith("E-Mail-Verteiler")]
    assert button.proto.label == f"E-Mail-Verteiler als CSV ({len(roster(at))} Adressen)"


def test_a_long_roster_shows_its_first_rows_and_says_so(db, monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_SHOWN_ROWS", 5)
    at = open_page()
    with read_session(db.engine) as session:
        current = session.exec(select(func.count()).select_from(Pilot).where(Pilot.stage != "left")).one()

    assert len(roster(at)) == 5
    assert f"Angezeigt werden die ersten 5 von {current} Zeilen; CSV und Excel enthalten alle." in [
        caption.value for caption in at.caption
    ]
    assert f"{current} Lotsinnen und Lotsen in dieser Auswahl." in [caption.value for caption in at.caption]


def test_a_long_roster_is_searched_before_the_detail_choice_lists_it(db, monkeypatch) -> None:
    monkeypatch.setattr(pilot_views, "MAX_CHOICES", 5)  # the demo city has about 30 Lotsen
    at = open_page()
    assert len(at.selectbox(key="lotsen_detail").options) == 5
    assert any("Zur Auswahl stehen die ersten 5 von" in caption.value for caption in at.caption)

    lotse = lotse_pilot(db)
    at.text_input(key="lotsen_detail_search").input(lotse.name.split()[-1]).run()
    options = at.selectbox(key="lotsen_detail").options
    assert 1 <= len(options) <= 5
    assert any(lotse.name in option for option in options)
    select_detail(at, lotse)
    assert not at.exception
    assert lotse.name in [unescaped(header) for header in subheaders(at)]


# --- detail and stage change --------------------------------------------------------------------------


def test_detail_shows_full_history_and_training(db) -> None:
    pilot = lotse_pilot(db)
    at = select_detail(open_page(), pilot)
    assert not at.exception
    assert pilot.name in subheaders(at)
    history = frame_with(at, "Eintrag")
    with read_session(db.engine) as session:
        changes = session.exec(
            select(func.count()).select_from(PilotStageChange).where(PilotStageChange.pilot_id == pilot.id)
        ).one()
    assert (history["Art"] == "Stufenwechsel").sum() == changes
    assert len(history) > 20  # the whole history, not the last updates only
    training = table_value(at.table[-1])
    assert set(training["Stand"]) <= {"abgeschlossen", "eingeschrieben", "offen"}


def test_admin_changes_a_stage_with_a_reason(db) -> None:
    pilot = lotse_pilot(db)
    at = select_detail(open_page(), pilot)
    assert at.selectbox(key="stage_0_to").options == ["pausiert", "ausgeschieden"]
    at.selectbox(key="stage_0_to").select("paused")
    click(at, "Stufe ändern")
    assert messages(at, "error") == [
        "Nicht gespeichert: Bitte eine Begründung für den Stufenwechsel angeben."
    ]
    assert lotse_pilot(db).stage == "active"

    at.text_input(key="stage_0_reason").input("Elternzeit ab Dezember")
    at.date_input(key="stage_0_on").set_value(clock.today() - timedelta(days=2))
    click(at, "Stufe ändern")
    assert messages(at, "success") == [f"Die Stufe von {pilot.name} ist jetzt „pausiert“."]
    with read_session(db.engine) as session:
        change = session.exec(select(PilotStageChange).order_by(PilotStageChange.id.desc())).first()
    assert (change.pilot_id, change.unit_id, change.to_stage, change.reason, change.changed_on) == (
        pilot.id,
        pilot.unit_id,
        "paused",
        "Elternzeit ab Dezember",
        clock.today() - timedelta(days=2),
    )
    assert {m.label: m.value for m in at.metric}["Stufe"] == "pausiert"


def test_two_admins_changing_the_same_stage_the_second_is_refused(db) -> None:
    pilot = lotse_pilot(db)
    first, second = (select_detail(open_page(), pilot) for _ in range(2))
    for at, stage, reason in ((first, "paused", "Elternzeit"), (second, "left", "Versetzung")):
        at.selectbox(key="stage_0_to").select(stage)
        at.text_input(key="stage_0_reason").input(reason)
    click(first, "Stufe ändern")
    click(second, "Stufe ändern")
    assert messages(first, "success")
    assert any("inzwischen an anderer Stelle geändert" in error for error in messages(second, "error"))
    assert lotse_pilot(db).stage == "paused"
    with read_session(db.engine) as session:
        reasons = session.exec(
            select(PilotStageChange.reason).where(PilotStageChange.pilot_id == pilot.id)
        ).all()
    assert "Elternzeit" in reasons and "Versetzung" not in reasons


# --- training --------------------------------------------------------------------------------------------


def test_training_matrix_and_completion_per_module(db) -> None:
    at = open_page()
    matrix = frame_with(at, "Basisqualifizierung Digitale Lotsen")
    assert list(matrix.columns[:2]) == ["Name", "Kürzel"]
    assert "Basisqualifizierung Digitale Lotsen" in matrix.columns
    lotse = matrix.loc[matrix["Name"] == lotse_pilot(db).name].iloc[0]
    assert lotse["Basisqualifizierung Digitale Lotsen"] == "abgeschlossen"
    assert set(matrix.iloc[:, 2:].stack()) <= {"abgeschlossen", "eingeschrieben", "offen"}
    chart_table = at.expander[0].dataframe[0].value
    completed = int((matrix["Basisqualifizierung Digitale Lotsen"] == "abgeschlossen").sum())
    basis = chart_table.set_index("Modul").loc["Basisqualifizierung Digitale Lotsen"]
    assert basis["abgeschlossen"] == completed


# --- DSGVO ------------------------------------------------------------------------------------------------


def test_art_15_export_offers_json_and_excel_with_the_persons_data(db) -> None:
    pilot = lotse_pilot(db)
    at = select_detail(open_page(), pilot)
    click(at, "Auskunft erstellen")
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Auskunft als JSON herunterladen" in labels and "Auskunft als Excel herunterladen" in labels
    with read_session(db.engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (entry.actor, entry.entity, entry.entity_id) == ("cdo", "pilot", str(pilot.id))
    stored = at.session_state["lotsen_export"]
    payload = json.loads(stored[1])
    assert payload["Person"][0]["email"] == pilot.email
    assert payload["Benutzerkonto"][0]["username"] == "lotse"


def test_art_17_anonymise_needs_confirmation_then_removes_the_person(db) -> None:
    pilot = lotse_pilot(db)
    at = select_detail(open_page(), pilot)
    click(at, "Person anonymisieren")
    assert messages(at, "error") == ["Bitte zuerst bestätigen, dass die Person anonymisiert werden soll."]
    assert not lotse_pilot(db).anonymised

    at.checkbox(key="anonymise_confirm").check()
    click(at, "Person anonymisieren")
    assert not at.exception
    assert messages(at, "success") == [f"Die Person wurde anonymisiert (jetzt „Anonymisiert #{pilot.id}“)."]
    assert pilot.name not in set(roster(at)["Name"])
    assert f"Anonymisiert #{pilot.id}" in set(roster(at)["Name"])
    with read_session(db.engine) as session:
        assert session.get(Pilot, pilot.id).anonymised
    login = log_in(new_app().run(), "lotse")
    assert [error.value for error in login.error] == ["Benutzername oder Passwort ist nicht korrekt."]


def test_dates_are_german(db) -> None:
    at = open_page()
    first_date = table_value(at.table[0]).iloc[0]["Gemeldet am"]
    assert date.fromisoformat("-".join(reversed(first_date.split(".")))) <= clock.today()
