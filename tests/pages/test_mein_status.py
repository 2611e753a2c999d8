"""Mein Status (AppTest): own record only, the report form, ideas, two tabs, roles without access."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import streamlit as st
from sqlalchemy import Engine, func
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model import demo
from model.accounts.auth import UserInfo, create_user
from model.core import clock
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Role
from model.core.migrate import migrate
from model.core.tables import (
    Activity,
    AppUser,
    Idea,
    Measure,
    Pilot,
    StatusUpdate,
    TrainingModule,
    TrainingRecord,
)
from tests.pages.conftest import ROOT, log_in, new_app, table_value, unescaped
from ui.navigation import USER_KEY

PAGE = "pages/mein-status.py"


@dataclass(frozen=True)
class DemoCopy:
    """A private copy of the demo database for one test; the app under test uses it."""

    url: str
    engine: Engine


@pytest.fixture(scope="module")
def pristine_demo(demo_database, tmp_path_factory) -> str:
    """A freshly seeded demo database that no test writes to (other tests share demo_database)."""
    path = tmp_path_factory.mktemp("pilots") / "pristine.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    return str(path)


def field(at, name: str, *, form: str = "ms_report") -> str:  # type: ignore[no-untyped-def]
    """Key of a form widget in the form's current round (ui.feedback.FormRound)."""
    rounds = at.session_state["lc_form_rounds"] if "lc_form_rounds" in at.session_state else {}  # noqa: SIM401 (no .get)
    return f"{form}_{rounds.get(form, 0)}_{name}"


def copy_demo(pristine_path: str, target_path) -> Iterator[DemoCopy]:
    """Point the app at a copy of the pristine demo for one test; restore the shared one afterwards."""
    with sqlite3.connect(pristine_path) as source, sqlite3.connect(target_path) as target:
        source.backup(target)
    url = f"sqlite:///{target_path}"
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()  # cached reads of another database must not leak in
    engine = make_engine(url)
    try:
        yield DemoCopy(url=url, engine=engine)
    finally:
        engine.dispose()
        os.environ["DATABASE_URL"] = saved
        st.cache_data.clear()


@pytest.fixture
def db(pristine_demo, tmp_path) -> Iterator[DemoCopy]:
    yield from copy_demo(pristine_demo, tmp_path / "demo.db")


def linked_pilot(db: DemoCopy, username: str = "lotse") -> Pilot:
    with read_session(db.engine) as session:
        pilot_id = session.exec(select(AppUser.pilot_id).where(AppUser.username == username)).one()
        return session.get(Pilot, pilot_id)


def other_pilot(db: DemoCopy, own_id: int) -> Pilot:
    with read_session(db.engine) as session:
        return session.exec(select(Pilot).where(Pilot.id != own_id, Pilot.stage == "active")).first()


def rows_of(db: DemoCopy, model, pilot_id: int) -> int:
    with read_session(db.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(model.pilot_id == pilot_id)).one()


def snapshot(db: DemoCopy, pilot_id: int) -> tuple:
    """Everything a report could change about one Lotse."""
    with read_session(db.engine) as session:
        pilot = session.get(Pilot, pilot_id)
        done = session.exec(
            select(func.count())
            .select_from(TrainingRecord)
            .where(TrainingRecord.pilot_id == pilot_id, TrainingRecord.completed_on.is_not(None))
        ).one()
        ideas = session.exec(select(func.count()).select_from(Idea).where(Idea.pilot_id == pilot_id)).one()
    return (
        pilot.name,
        pilot.stage,
        pilot.hours_per_week,
        pilot.last_update_on,
        pilot.version,
        rows_of(db, StatusUpdate, pilot_id),
        rows_of(db, Activity, pilot_id),
        done,
        ideas,
    )


def open_page(username: str = "lotse", *, prepare: Callable[[AppTest], None] | None = None) -> AppTest:
    at = log_in(new_app().run(), username)
    if prepare is not None:
        prepare(at)
    return at.switch_page(PAGE).run()


def submit(at: AppTest, label: str) -> AppTest:
    next(button for button in at.button if button.label == label).click()
    return at.run()


def person_line(at: AppTest) -> str:
    """The plain-text line under the title: "Name · E-Mail" of the shown record."""
    return "\n".join(text.value for text in at.main.text)


def table_texts(at: AppTest) -> str:
    """All cell texts of the page's static tables, for "is it shown" checks."""
    return "\n".join(table_value(table).to_string() for table in at.table)


def successes(at: AppTest) -> list[str]:
    return [unescaped(message.value) for message in at.success]


def errors(at: AppTest) -> list[str]:
    return [unescaped(message.value) for message in at.error]


def fill_minimal_report(at: AppTest, text: str) -> None:
    at.text_area(key=field(at, "text")).input(text)


# --- the own record ---------------------------------------------------------------------------------


def test_lotse_sees_own_record_training_and_history(db) -> None:
    own = linked_pilot(db)
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Mein Status"
    assert person_line(at) == f"{own.name} · {own.email}"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Stufe"] == "aktiv"
    assert metrics["Organisationseinheit"] == "33"
    assert metrics["Letzte Meldung"] == own.last_update_on.strftime("%d.%m.%Y")
    assert "von 6 Modulen abgeschlossen" in at.get("progress")[0].proto.text
    training, history = (table_value(table) for table in at.table)
    assert list(training["Modul"])[0] == "Basisqualifizierung Digitale Lotsen"
    with read_session(db.engine) as session:
        newest = session.exec(
            select(StatusUpdate.text)
            .where(StatusUpdate.pilot_id == own.id, StatusUpdate.text.is_not(None))
            .order_by(StatusUpdate.reported_on.desc(), StatusUpdate.id.desc())
        ).first()
    assert history.iloc[0]["Eintrag"].startswith(newest[:40])
    assert len(history) == 20


def test_no_input_of_the_page_chooses_a_person_or_unit(db) -> None:
    at = open_page()
    inputs = {
        kind: [widget.label for widget in getattr(at.main, kind)]
        for kind in ("text_input", "text_area", "selectbox", "number_input", "date_input", "checkbox")
    }
    assert inputs == {
        "text_input": ["Notiz zur Aktivität (optional)", "Titel der Idee"],
        "text_area": [
            "Was haben Sie seit der letzten Meldung getan? (optional)",
            "Hindernis (optional)",
            "Beschreibung (optional)",
        ],
        "selectbox": ["Aktivität", "Abgeschlossenes Modul", "Stufe", "Kategorie"],
        "number_input": ["Anzahl", "Stunden pro Woche neu (leer lassen = unverändert)"],
        "date_input": ["Datum der Aktivität", "Modul abgeschlossen am"],
        "checkbox": ["Unterstützung gewünscht"],
    }


@pytest.mark.parametrize("username", ["cdo", "leitung"])
def test_other_roles_have_no_menu_entry_and_the_page_refuses_them(db, username) -> None:
    at = log_in(new_app().run(), username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    # Even run directly with that role's user, the page itself stops before reading anything.
    with read_session(db.engine) as session:
        account = session.exec(select(AppUser).where(AppUser.username == username)).one()
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state[USER_KEY] = UserInfo(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        pilot_id=linked_pilot(db).id,  # even a forged link to a Lotse does not help
    )
    direct.run()
    assert [title.value for title in direct.title] == ["Kein Zugriff"]
    assert not direct.table and not direct.metric and not direct.text_area


def test_lotse_without_linked_record_gets_a_hint(db) -> None:
    with write_session(db.engine) as session:
        create_user(
            session=session,
            username="neue.lotsin",
            display_name="Neue Lotsin",
            role=Role.LOTSE,
            password="ein-langes-passwort-7",
            actor="test",
        )
    at = log_in(new_app().run(), "neue.lotsin", "ein-langes-passwort-7").switch_page(PAGE).run()
    assert not at.exception
    assert "mit keiner Lotsin und keinem Lotsen verknüpft" in at.info[-1].value
    assert not at.table and not at.text_area


# --- reporting ----------------------------------------------------------------------------------------


def test_full_report_is_saved_confirmed_and_shown_in_the_history(db) -> None:
    own = linked_pilot(db)
    other = other_pilot(db, own.id)
    other_before = snapshot(db, other.id)
    today = clock.today()
    at = open_page()
    module_name = "Prozessmanagement & BPMN"
    with read_session(db.engine) as session:
        module_id = session.exec(select(TrainingModule.id).where(TrainingModule.name == module_name)).one()
    at.text_area(key=field(at, "text")).input("Prozessaufnahme im Bürgeramt fertig")
    at.selectbox(key=field(at, "activity")).select("workshop")
    at.number_input(key=field(at, "count")).set_value(3)
    at.date_input(key=field(at, "activity_date")).set_value(today - timedelta(days=1))
    at.text_input(key=field(at, "note")).input("Workshop mit dem Meldeteam")
    at.selectbox(key=field(at, "module")).select(module_id)
    at.date_input(key=field(at, "module_date")).set_value(today)
    at.selectbox(key=field(at, "stage")).select("paused")
    at.number_input(key=field(at, "hours")).set_value(4.5)
    at.text_area(key=field(at, "blocker")).input("Keine Freistellung im Dezember")
    at.checkbox(key=field(at, "support")).check()
    submit(at, "Meldung speichern")

    assert not at.exception
    assert errors(at) == []
    [message] = successes(at)
    assert message.startswith("Danke! Ihre Meldung wurde gespeichert")
    assert f"Modul „{module_name}“" in message and "Stufe jetzt „pausiert“" in message
    history = table_value(at.table[1])
    assert list(history["Art"][:4]) == ["Statusmeldung", "Modul abgeschlossen", "Stufenwechsel", "Aktivität"]
    assert (
        history.iloc[0]["Eintrag"]
        == "Prozessaufnahme im Bürgeramt fertig – Hindernis: Keine Freistellung im Dezember"
    )
    assert history.iloc[0]["Unterstützung"] == "gewünscht, offen"
    assert history.iloc[1]["Eintrag"] == module_name
    assert history.iloc[2]["Eintrag"] == "aktiv → pausiert"
    assert history.iloc[3]["Eintrag"] == "Workshop (3×) – Workshop mit dem Meldeteam"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert (metrics["Stufe"], metrics["Stunden pro Woche"]) == ("pausiert", "4,5")
    assert metrics["Letzte Meldung"] == today.strftime("%d.%m.%Y")
    assert at.text_area(key=field(at, "text")).value == ""  # the form is empty again
    pilot = linked_pilot(db)
    assert (pilot.stage, pilot.hours_per_week, pilot.last_update_on) == ("paused", 4.5, today)
    assert snapshot(db, other.id) == other_before


def test_an_activity_alone_is_enough(db) -> None:
    own = linked_pilot(db)
    before = rows_of(db, Activity, own.id)
    at = open_page()
    at.selectbox(key=field(at, "activity")).select("advice")
    submit(at, "Meldung speichern")
    assert successes(at) and not errors(at)
    assert rows_of(db, Activity, own.id) == before + 1
    assert table_value(at.table[1]).iloc[0]["Eintrag"] == "Beratung von Kolleg*innen (1×)"


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        (lambda at: None, "mindestens eine Angabe"),
        (lambda at: at.checkbox(key=field(at, "support")).check(), "beschreiben Sie kurz das Hindernis"),
    ],
)
def test_bad_reports_get_a_german_message_and_change_nothing(db, fill, message) -> None:
    own = linked_pilot(db)
    before = snapshot(db, own.id)
    at = open_page()
    fill(at)
    submit(at, "Meldung speichern")
    assert not at.exception
    assert any(message in error for error in errors(at))
    assert snapshot(db, own.id) == before


IDEA_TITLE = "Digitale Wartemarke im Bürgeramt"


def fill_idea(at: AppTest, title: str = IDEA_TITLE) -> AppTest:
    at.text_input(key=field(at, "title", form="ms_idea")).input(title)
    at.text_area(key=field(at, "description", form="ms_idea")).input(
        "Bürger*innen ziehen die Wartemarke per App."
    )
    at.selectbox(key=field(at, "category", form="ms_idea")).select("egov_ozg")
    return submit(at, "Idee einreichen")


def infos(at: AppTest) -> list[str]:
    return [unescaped(message.value) for message in at.info]


def test_an_idea_goes_to_the_cdo_not_onto_the_roadmap(db) -> None:
    own = linked_pilot(db)
    at = fill_idea(open_page())

    assert not at.exception
    assert successes(at) == [
        f"Danke! Ihre Idee „{IDEA_TITLE}“ ist beim CDO-Büro eingereicht. "
        "Unter „Meine Ideen“ sehen Sie, wie es entscheidet."
    ]
    assert [unescaped(toast.value) for toast in at.toast] == successes(at)  # also at the top of the screen
    assert at.text_input(key=field(at, "title", form="ms_idea")).value == ""  # a fresh, empty form
    with read_session(db.engine) as session:
        idea = session.exec(select(Idea).where(Idea.title == IDEA_TITLE)).one()
        measures = session.exec(
            select(func.count()).select_from(Measure).where(Measure.title == IDEA_TITLE)
        ).one()
    assert (idea.status, idea.unit_id, idea.pilot_id, idea.category) == (
        "open",
        own.unit_id,
        own.id,
        "egov_ozg",
    )
    assert measures == 0
    assert f"{IDEA_TITLE}" in table_texts(at) and "wird vom CDO-Büro geprüft" in table_texts(at)


def test_the_same_idea_sent_again_is_answered_not_stored(db) -> None:
    own = linked_pilot(db)
    at = fill_idea(fill_idea(open_page()))

    assert (
        infos(at)[-1]
        == f"Ihre Idee „{IDEA_TITLE}“ ist bereits eingereicht und wurde nicht ein zweites Mal gespeichert."
    )
    assert rows_of(db, Idea, own.id) == 1


def test_a_report_sent_twice_is_stored_once(db) -> None:
    own = linked_pilot(db)
    updates, activities = rows_of(db, StatusUpdate, own.id), rows_of(db, Activity, own.id)

    def fill(at: AppTest) -> AppTest:
        at.text_area(key=field(at, "text")).input("Sprechstunde zur E-Akte gehalten")
        at.selectbox(key=field(at, "activity")).select("advice")
        at.text_area(key=field(at, "blocker")).input("Scanner fehlt")
        at.checkbox(key=field(at, "support")).check()
        return submit(at, "Meldung speichern")

    at = fill(fill(open_page()))

    assert infos(at)[-1].startswith("Diese Meldung ist bereits gespeichert (um ")
    assert rows_of(db, StatusUpdate, own.id) == updates + 1
    assert rows_of(db, Activity, own.id) == activities + 1
    assert at.text_area(key=field(at, "text")).value == ""


def test_untriaged_ideas_are_seen_by_no_one_but_the_cdo_and_the_author(db) -> None:
    fill_idea(open_page())
    second = other_pilot(db, linked_pilot(db).id)
    with write_session(db.engine) as session:
        create_user(
            session=session,
            username="lotse2",
            display_name="Zweite Lotsin",
            role=Role.LOTSE,
            password=SECOND_PASSWORD,
            pilot_id=second.id,
            actor="test",
        )
    views = [
        ("leitung", demo.DEMO_PASSWORD, "pages/roadmap.py"),
        ("leitung", demo.DEMO_PASSWORD, "pages/praesentation.py"),
        ("lotse2", SECOND_PASSWORD, "pages/roadmap.py"),
        ("lotse2", SECOND_PASSWORD, PAGE),
    ]
    for username, password, page in views:
        at = log_in(new_app().run(), username, password).switch_page(page).run()
        assert not at.exception
        assert IDEA_TITLE not in page_text(at), (username, page)
    admin = log_in(new_app().run(), "cdo")
    admin.query_params["reiter"] = "Maßnahmen"
    assert IDEA_TITLE in page_text(admin.switch_page("pages/verwaltung.py").run())


SECOND_PASSWORD = "zweite-lotsin-passwort-2026"


def page_text(at: AppTest) -> str:
    """What the page sends to the browser: texts, tables, options, chart data."""
    return unescaped(
        "\n".join(
            str(node.proto) for root in (at.main, at.sidebar) for node in root if getattr(node, "proto", None)
        )
    )


# --- nothing the browser sends points the page at another Lotse ----------------------------------


def _report_and_check_only_own_changed(db: DemoCopy, at: AppTest, other: Pilot) -> None:
    own = linked_pilot(db)
    own_before = rows_of(db, StatusUpdate, own.id)
    other_before = snapshot(db, other.id)
    assert not at.exception
    assert other.name not in person_line(at)
    assert other.name not in table_texts(at)
    fill_minimal_report(at, "Meldung aus einem manipulierten Aufruf")
    at.selectbox(key=field(at, "activity")).select("idea")
    submit(at, "Meldung speichern")
    assert successes(at)
    assert rows_of(db, StatusUpdate, own.id) == own_before + 1
    assert snapshot(db, other.id) == other_before
    assert person_line(at) == f"{own.name} · {own.email}"


def test_query_parameters_cannot_point_to_another_lotse(db) -> None:
    other = other_pilot(db, linked_pilot(db).id)
    at = log_in(new_app().run(), "lotse")
    for name in ("pilot_id", "pilot", "id", "lotse", "person"):
        at.query_params[name] = str(other.id)
    at.switch_page(PAGE).run()
    _report_and_check_only_own_changed(db, at, other)


def test_session_state_cannot_point_to_another_lotse(db) -> None:
    own = linked_pilot(db)
    other = other_pilot(db, own.id)
    at = log_in(new_app().run(), "lotse")
    with read_session(db.engine) as session:
        own_user = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    at.session_state[USER_KEY] = UserInfo(
        id=own_user.id, username="lotse", display_name="x", role=Role.LOTSE, pilot_id=other.id
    )
    for key in ("pilot_id", "lc_pilot_id", "mein_status_pilot_id"):
        at.session_state[key] = other.id
    at.switch_page(PAGE).run()
    _report_and_check_only_own_changed(db, at, other)


def test_form_values_outside_the_allowed_range_change_nothing(db) -> None:
    # AppTest, like the browser, can only send options a selectbox offers; a number beyond the
    # field's range can be forced through the session state (Streamlit drops it; the model would
    # refuse it too). Stage steps and modules outside the offered choices are refused by the model
    # (tests/model/test_pilot_commands.py).
    own = linked_pilot(db)
    before = snapshot(db, own.id)
    at = open_page()
    at.session_state[field(at, "hours")] = 99.0
    submit(at, "Meldung speichern")
    assert not at.exception
    assert errors(at) and errors(at)[0].startswith("Nicht gespeichert: ")
    assert snapshot(db, own.id) == before


# --- two tabs ------------------------------------------------------------------------------------------


def test_second_tab_saving_an_outdated_stage_is_refused_and_keeps_its_input(db) -> None:
    own = linked_pilot(db)
    first, second = open_page(), open_page()
    first.number_input(key=field(first, "hours")).set_value(6.0)
    submit(first, "Meldung speichern")
    assert successes(first)

    updates_after_first = rows_of(db, StatusUpdate, own.id)
    second.selectbox(key=field(second, "stage")).select("paused")
    second.text_area(key=field(second, "text")).input("Ich pausiere ab Januar")
    submit(second, "Meldung speichern")
    assert not second.exception
    assert any("inzwischen an anderer Stelle geändert" in error for error in errors(second))
    pilot = linked_pilot(db)
    assert (pilot.stage, pilot.hours_per_week) == ("active", 6.0)  # the first save is intact
    assert rows_of(db, StatusUpdate, own.id) == updates_after_first
    assert (
        second.text_area(key=field(second, "text")).value == "Ich pausiere ab Januar"
    )  # nothing typed is lost
    assert second.selectbox(key=field(second, "stage")).value == "paused"
    assert {m.label: m.value for m in second.metric}[
        "Stunden pro Woche"
    ] == "6,0"  # now shows the current state

    submit(second, "Meldung speichern")  # after looking again, the same input saves
    assert successes(second)
    pilot = linked_pilot(db)
    assert (pilot.stage, pilot.hours_per_week) == ("paused", 6.0)


def test_second_tab_reporting_only_an_activity_is_never_refused(db) -> None:
    own = linked_pilot(db)
    first, second = open_page(), open_page()
    first.number_input(key=field(first, "hours")).set_value(1.5)
    submit(first, "Meldung speichern")
    before = rows_of(db, Activity, own.id)
    second.selectbox(key=field(second, "activity")).select("workshop")
    submit(second, "Meldung speichern")
    assert successes(second) and not errors(second)
    assert rows_of(db, Activity, own.id) == before + 1
    assert linked_pilot(db).hours_per_week == 1.5  # the second tab's unchanged field did not overwrite it
