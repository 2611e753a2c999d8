"""Verwaltung (AppTest): admin sees every tab; other roles are refused; one write per own tab
through the page leaves an audit row with the user and old → new."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from model import demo
from model.accounts.auth import UserInfo
from model.core.app_settings import soll_rule
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Role
from model.core.migrate import migrate
from model.core.tables import (
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
    TrainingModule,
)
from model.it_staff import structures as it_staff
from tests.pages.conftest import DEMO_USERS, ROOT, log_in, new_app
from ui import pickers
from ui.feedback import ROUNDS_KEY
from ui.navigation import USER_KEY

PAGE = "pages/verwaltung.py"
TAB_KEY = "reiter"


@pytest.fixture(scope="module")
def pristine_demo(demo_database, tmp_path_factory) -> str:
    """A demo database nobody writes to; each write test works on its own copy."""
    path = tmp_path_factory.mktemp("verwaltung") / "pristine.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    return str(path)


@pytest.fixture
def own_demo(pristine_demo, tmp_path) -> Iterator[Engine]:
    """A private copy of the demo database, with no cached reads of another database."""
    target = tmp_path / "verwaltung.db"
    with sqlite3.connect(pristine_demo) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    url = f"sqlite:///{target}"
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    os.environ["DATABASE_URL"] = saved
    st.cache_data.clear()


def open_tab(tab: str, role: str = "admin") -> AppTest:
    at = log_in(new_app().run(), DEMO_USERS[role])
    at.switch_page(PAGE)
    at.session_state[TAB_KEY] = tab
    return at.run()


def texts(elements: Any) -> list[str]:
    return [element.value for element in elements]


def table_text(at: AppTest) -> str:
    return " ".join(frame.value.to_string() for frame in at.dataframe)


def key(at: AppTest, form: str, field: str) -> str:
    """The key of a form field in the form's current round (ui.feedback.FormRound)."""
    rounds = at.session_state.get(ROUNDS_KEY, {})
    return f"{form}_{rounds.get(form, 0)}_{field}"


def submit(at: AppTest, label: str) -> AppTest:
    next(button for button in at.button if button.label == label).click()
    return at.run()


def audit_rows(engine: Engine, entity: str) -> list[AuditEntry]:
    with read_session(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.entity == entity)).all())


def only_change(engine: Engine, entity: str, action: str) -> AuditEntry:
    """The single audit row of this kind, written by the demo admin."""
    (entry,) = [row for row in audit_rows(engine, entity) if row.action == action]
    assert entry.actor == "cdo"
    return entry


# ------------------------------------------------------------------ reading, every role


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("Organisationseinheiten", "Bürgeramt"),
        ("Benutzer", "leitung"),
        ("Programm", "Qualifizierung"),
        ("Maßnahmen", "Einführung der E-Akte"),
        ("Förderprogramme", "EFRE Smart City"),
        ("IT-Personal", "Hauptamt – Informationstechnik"),
    ],
)
def test_admin_sees_each_own_tab_with_its_data(app_as, tab, expected) -> None:
    at = open_tab(tab)
    assert not at.exception
    assert texts(at.title) == ["Verwaltung"]
    assert expected in table_text(at)
    assert "$2b$" not in table_text(at)  # never a password hash


@pytest.mark.parametrize(
    "tab",
    [
        "Import/Export",
        "Audit-Log",
        pytest.param(
            "Sicherung", marks=pytest.mark.sqlite_only(reason="on PostgreSQL the tab points to pg_dump")
        ),
    ],
)
def test_the_exchange_tabs_render_for_admin(app_as, tab) -> None:
    at = open_tab(tab)
    assert not at.exception
    assert at.subheader or at.button or at.download_button


@pytest.mark.parametrize("role", ["leitung", "lotse"])
def test_other_roles_have_no_menu_entry_and_the_page_refuses_them(app_as, role) -> None:
    at = log_in(new_app().run(), DEMO_USERS[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    with read_session() as session:
        account = session.exec(select(AppUser).where(AppUser.username == DEMO_USERS[role])).one()
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state[USER_KEY] = UserInfo(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        pilot_id=account.pilot_id,
    )
    direct.run()
    assert texts(direct.title) == ["Kein Zugriff"]
    assert not direct.dataframe and not direct.text_input


# ------------------------------------------------------------------ one write per tab


def unit_id(engine: Engine, code: str) -> int:
    with read_session(engine) as session:
        return session.exec(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def test_units_tab_renames_a_unit(own_demo) -> None:
    at = open_tab("Organisationseinheiten")
    target = unit_id(own_demo, "33")
    at.selectbox(key="unit_selected").set_value(target).run()
    at.text_input(key=key(at, f"unit_{target}", "name")).input("Bürgeramt und Standesamt")
    at = submit(at, "Änderungen speichern")
    assert not at.exception
    assert any("wurde gespeichert" in message for message in texts(at.success))
    entry = only_change(own_demo, "org_unit", "update")
    assert json.loads(entry.changes) == {"name": ["Bürgeramt", "Bürgeramt und Standesamt"]}


def test_a_long_unit_list_is_searched_before_it_is_offered(own_demo, monkeypatch) -> None:
    monkeypatch.setattr(pickers, "MAX_CHOICES", 5)  # the demo city has about 40 units
    at = open_tab("Organisationseinheiten")
    assert len(at.selectbox(key="unit_selected").options) == 1 + 5  # "anlegen" + the first five
    assert any("Zur Auswahl stehen die ersten 5 von" in caption.value for caption in at.caption)

    at.text_input(key="unit_selected_search").input("Bürgeramt").run()
    options = at.selectbox(key="unit_selected").options
    assert [option for option in options if "Bürgeramt" in option] and len(options) <= 1 + 5
    target = unit_id(own_demo, "33")
    at.selectbox(key="unit_selected").set_value(target).run()
    # The move form offers its own search; the current parent stays listed whatever it finds.
    at.text_input(key=key(at, f"unit_{target}", "move_search")).input("zzz-nichts").run()
    assert len(at.selectbox(key=key(at, f"unit_{target}", "move")).options) == 2  # top level + current parent
    assert not at.exception


def test_units_tab_explains_why_a_unit_with_history_is_not_deleted(own_demo) -> None:
    at = open_tab("Organisationseinheiten")
    target = unit_id(own_demo, "33")
    at.selectbox(key="unit_selected").set_value(target).run()
    at.checkbox(key=key(at, f"unit_{target}", "delete_confirm")).check().run()
    at.button(key=key(at, f"unit_{target}", "delete")).click().run()
    assert any("kann nicht gelöscht werden" in message for message in texts(at.error))
    assert not [row for row in audit_rows(own_demo, "org_unit") if row.action == "delete"]


def test_users_tab_changes_a_role(own_demo) -> None:
    at = open_tab("Benutzer")
    with read_session(own_demo) as session:
        account = session.exec(select(AppUser).where(AppUser.username == "leitung")).one()
    at.selectbox(key="user_selected").set_value(account.id).run()
    at.selectbox(key=key(at, f"user_{account.id}", "role")).set_value(Role.ADMIN.value)
    at = submit(at, "Rolle speichern")
    assert not at.exception
    assert any("Die Rolle von" in message for message in texts(at.success))
    entry = only_change(own_demo, "app_user", "role")
    assert json.loads(entry.changes) == {"role": ["leitung", "admin"]}


def test_two_admins_changing_one_account_the_later_change_is_refused(own_demo) -> None:
    with read_session(own_demo) as session:
        account = session.exec(select(AppUser).where(AppUser.username == "leitung")).one()
    first, second = open_tab("Benutzer"), open_tab("Benutzer")
    for at in (first, second):  # both forms drawn from the same stored account
        at.selectbox(key="user_selected").set_value(account.id).run()
    first.selectbox(key=key(first, f"user_{account.id}", "role")).set_value(Role.ADMIN.value)
    first = submit(first, "Rolle speichern")
    second.selectbox(key=key(second, f"user_{account.id}", "role")).set_value(Role.LOTSE.value)
    second = submit(second, "Rolle speichern")

    assert any("Die Rolle von" in message for message in texts(first.success))
    assert any("inzwischen von jemand anderem geändert" in message for message in texts(second.error))
    with read_session(own_demo) as session:
        stored = session.get(AppUser, account.id)
        assert stored.role == Role.ADMIN.value
    assert [row.action for row in audit_rows(own_demo, "app_user") if row.action != "create"] == ["role"]


def test_users_tab_refuses_a_weak_password_in_german(own_demo) -> None:
    at = open_tab("Benutzer")
    at.text_input(key=key(at, "user_new", "username")).input("neu")
    at.text_input(key=key(at, "user_new", "display")).input("Neue Person")
    at.selectbox(key=key(at, "user_new", "role")).set_value(Role.LEITUNG.value)
    at.text_input(key=key(at, "user_new", "password")).input("kurz")
    at = submit(at, "Konto anlegen")
    assert any("mindestens 12 Zeichen" in message for message in texts(at.error))
    with read_session(own_demo) as session:
        assert session.exec(select(AppUser).where(AppUser.username == "neu")).first() is None


def test_users_tab_refuses_a_guessable_password(own_demo) -> None:
    at = open_tab("Benutzer")
    at.text_input(key=key(at, "user_new", "username")).input("neu")
    at.text_input(key=key(at, "user_new", "display")).input("Neue Person")
    at.selectbox(key=key(at, "user_new", "role")).set_value(Role.LEITUNG.value)
    at.text_input(key=key(at, "user_new", "password")).input("Sommer2026!!")
    at = submit(at, "Konto anlegen")
    assert any("zu leicht zu erraten" in message for message in texts(at.error))


def test_users_tab_shows_a_delayed_account_and_lifts_the_delay_audited(own_demo) -> None:
    from model.accounts import auth as auth_store

    for _ in range(auth_store.MAX_FAILURES):
        with write_session(own_demo) as session:
            auth_store.authenticate(session=session, username="leitung", password="falsch", client="10.0.0.1")
    at = open_tab("Benutzer")
    delayed = next(frame.value for frame in at.dataframe if "Fehlversuche (24 Std.)" in frame.value.columns)
    assert list(delayed["Benutzername"]) == ["leitung"] and list(delayed["Fehlversuche (24 Std.)"]) == [5]
    with read_session(own_demo) as session:
        account = session.exec(select(AppUser).where(AppUser.username == "leitung")).one()
    at.selectbox(key="user_selected").set_value(account.id).run()
    at = submit(at, "Verzögerung der Anmeldung aufheben")
    assert not at.exception
    assert any("nicht mehr verzögert" in message for message in texts(at.success))
    assert only_change(own_demo, "app_user", "unlock").actor == "cdo"
    with read_session(own_demo) as session:
        assert auth_store.delayed_until(session=session, username="leitung", client="10.0.0.1") is None


def test_programme_tab_blocks_a_phase_with_a_note(own_demo) -> None:
    with read_session(own_demo) as session:
        phase = session.exec(select(Phase).where(Phase.name == "Betrieb")).one()
    at = open_tab("Programm")
    at.selectbox(key="phase_selected").set_value(phase.id).run()
    at.selectbox(key=key(at, f"phase_{phase.id}", "status")).set_value("blocked")
    at.text_area(key=key(at, f"phase_{phase.id}", "note")).input("Kein Budget in diesem Jahr")
    at = submit(at, "Phase speichern")
    assert not at.exception
    assert any("wurde gespeichert" in message for message in texts(at.success))
    entry = only_change(own_demo, "phase", "update")
    assert json.loads(entry.changes) == {
        "status": ["planned", "blocked"],
        "status_note": [None, "Kein Budget in diesem Jahr"],
    }


def test_two_admins_editing_one_milestone_the_later_save_is_refused(own_demo) -> None:
    with read_session(own_demo) as session:
        milestone = session.exec(select(Milestone).order_by(Milestone.id)).first()
    first, second = open_tab("Programm"), open_tab("Programm")
    for at in (first, second):  # both forms drawn from the same stored values
        at.selectbox(key="milestone_selected").set_value(milestone.id).run()
    first.text_input(key=key(first, f"milestone_{milestone.id}", "title")).input("Zuerst gespeichert")
    first = submit(first, "Meilenstein speichern")
    second.text_input(key=key(second, f"milestone_{milestone.id}", "title")).input("Später gespeichert")
    second = submit(second, "Meilenstein speichern")

    assert any("wurde gespeichert" in message for message in texts(first.success))
    assert any("inzwischen von jemand anderem geändert" in message for message in texts(second.error))
    with read_session(own_demo) as session:
        assert session.get(Milestone, milestone.id).title == "Zuerst gespeichert"
    assert len([row for row in audit_rows(own_demo, "milestone") if row.action == "update"]) == 1


def test_programme_tab_deletes_a_milestone_with_an_audit_row(own_demo) -> None:
    with read_session(own_demo) as session:
        milestone = session.exec(select(Milestone).order_by(Milestone.id)).first()
    at = open_tab("Programm")
    at.selectbox(key="milestone_selected").set_value(milestone.id).run()
    at.checkbox(key=key(at, f"milestone_{milestone.id}", "delete")).check()
    at = submit(at, "Meilenstein speichern")

    assert any("gelöscht" in message for message in texts(at.success))
    with read_session(own_demo) as session:
        assert session.get(Milestone, milestone.id) is None
    assert only_change(own_demo, "milestone", "delete") is not None


def first_measure(at: AppTest, engine: Engine) -> Measure:
    title = at.data_editor[0].value.iloc[0]["title"]
    with read_session(engine) as session:
        return session.exec(select(Measure).where(Measure.title == title)).one()


def editor_key(at: AppTest, prefix: str) -> str:
    return next(editor.key for editor in at.data_editor if editor.key.startswith(prefix))


def test_measures_tab_bulk_edit_saves_with_audit(own_demo) -> None:
    at = open_tab("Maßnahmen")
    measure = first_measure(at, own_demo)
    new_effort = 5 if measure.effort != 5 else 1
    at.session_state[editor_key(at, "measures_editor")] = {
        "edited_rows": {0: {"effort": new_effort}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at = submit(at, "Änderungen speichern (1 Zeilen)")
    assert not at.exception
    assert "1 Maßnahme(n) gespeichert." in texts(at.success)
    entry = only_change(own_demo, "measure", "update")
    assert json.loads(entry.changes) == {"effort": [measure.effort, new_effort]}


def test_measures_tab_refuses_a_row_someone_else_changed(own_demo) -> None:
    at = open_tab("Maßnahmen")
    measure = first_measure(at, own_demo)
    with write_session(own_demo) as session:  # another admin saves the same measure meanwhile
        stored = session.get(Measure, measure.id)
        stored.version += 1
        session.add(stored)
    at.session_state[editor_key(at, "measures_editor")] = {
        "edited_rows": {0: {"urgency": 5 if measure.urgency != 5 else 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at = submit(at, "Änderungen speichern (1 Zeilen)")
    assert any("Nichts gespeichert" in message for message in texts(at.error))
    problems = next(frame.value for frame in at.dataframe if "Zeile" in frame.value.columns)
    assert list(problems["Zeile"]) == [measure.title]
    assert "inzwischen geändert" in problems.iloc[0]["Grund"]
    assert audit_rows(own_demo, "measure") == []

    at = submit(at, "Verwerfen und neu laden")  # the current state; then the edit goes through
    at.session_state[editor_key(at, "measures_editor")] = {
        "edited_rows": {0: {"urgency": 5 if measure.urgency != 5 else 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at = submit(at, "Änderungen speichern (1 Zeilen)")
    assert "1 Maßnahme(n) gespeichert." in texts(at.success)


def _idea_form_key(at, field: str) -> str:  # type: ignore[no-untyped-def]
    """A widget of the decision form of the chosen idea (version 1: nobody decided on it yet)."""
    return f"idea_{at.selectbox(key='idea_selected').value}_1_0_{field}"


def test_measures_tab_declines_an_idea_with_a_reason(own_demo) -> None:
    at = open_tab("Maßnahmen")
    idea_id = at.selectbox(key="idea_selected").value
    at.radio(key=_idea_form_key(at, "decision")).set_value("decline")
    at.text_area(key=_idea_form_key(at, "note")).input("Erst nach dem Bürgerportal")
    at = submit(at, "Entscheidung speichern")
    assert not at.exception
    entry = only_change(own_demo, "idea", "triage")
    assert entry.entity_id == str(idea_id)
    assert json.loads(entry.changes)["status"] == ["open", "declined"]
    assert any("wird nicht aufgenommen" in message for message in texts(at.success))


def test_measures_tab_accepts_an_idea_into_the_roadmap(own_demo) -> None:
    at = open_tab("Maßnahmen")
    idea_id = at.selectbox(key="idea_selected").value
    at.radio(key=_idea_form_key(at, "decision")).set_value("accept_planned")
    at = submit(at, "Entscheidung speichern")
    assert not at.exception
    with read_session(own_demo) as session:
        idea = session.get(Idea, idea_id)
        measure = session.get(Measure, idea.measure_id)
    assert (idea.status, measure.title, measure.status) == ("accepted", idea.title, "planned")
    assert any("steht jetzt auf der Roadmap" in message for message in texts(at.success))


def test_funding_tab_creates_a_programme(own_demo) -> None:
    at = open_tab("Förderprogramme")
    at.text_input(key=key(at, "funding_new", "name")).input("Förderaufruf Digitale Schule 2027")
    at.selectbox(key=key(at, "funding_new", "donor")).set_value("bund")
    at.text_input(key=key(at, "funding_new", "applied")).input("0")
    at = submit(at, "Förderprogramm speichern")
    assert not at.exception
    assert any("wurde angelegt" in message for message in texts(at.success))
    entry = only_change(own_demo, "funding_programme", "create")
    changes = json.loads(entry.changes)
    assert changes["name"] == [None, "Förderaufruf Digitale Schule 2027"]
    assert changes["donor"] == [None, "bund"]
    with read_session(own_demo) as session:
        assert session.exec(select(FundingProgramme).where(FundingProgramme.donor == "bund")).first()


def test_it_staff_tab_saves_a_cell(own_demo) -> None:
    at = open_tab("IT-Personal")
    frame = at.data_editor[0].value
    row = frame.index[frame["code"] == "33"][0]
    position = list(frame.index).index(row)
    old = float(frame.loc[row, "user_support"])
    at.session_state[editor_key(at, "it_editor")] = {
        "edited_rows": {position: {"user_support": old + 0.5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at = submit(at, "VZÄ speichern (1 Zellen)")
    assert not at.exception
    entry = only_change(own_demo, "it_staff", "update")
    assert entry.entity_id == "33/user_support"
    assert json.loads(entry.changes) == {"fte": [old or None, old + 0.5]}
    with read_session(own_demo) as session:
        stored = session.exec(
            select(ItStaff.fte).where(
                ItStaff.unit_id == unit_id(own_demo, "33"), ItStaff.task_area == "user_support"
            )
        ).one()
    assert stored == old + 0.5


# ------------------------------------------------------------------ two admins, one record


@dataclass(frozen=True)
class Edit:
    """One edit form: the tab, the record (selectbox key, its id), the field both admins change."""

    tab: str
    record: Callable[[Session], tuple[str, int]] | None  # None: a setting, nothing to choose
    form: str  # the form's round name; {id} is the record's id
    widget: str  # element type in AppTest
    field: str
    first: Any
    second: Any
    save: str
    stored: Callable[[Session, int], Any]


def first_id(model: Any, *where: Any) -> Callable[[Session], int]:
    return lambda session: session.exec(select(model.id).where(*where).order_by(model.id)).first()


def chosen(select_key: str, find: Callable[[Session], int]) -> Callable[[Session], tuple[str, int]]:
    return lambda session: (select_key, find(session))


EDITS = {
    "unit": Edit(
        "Organisationseinheiten",
        chosen("unit_selected", first_id(OrgUnit, OrgUnit.code == "33")),
        "unit_{id}",
        "text_input",
        "name",
        "Bürgeramt (A)",
        "Bürgeramt (B)",
        "Änderungen speichern",
        lambda session, id: session.get(OrgUnit, id).name,
    ),
    "soll_rule": Edit(
        "Organisationseinheiten",
        None,
        "soll_rule",
        "number_input",
        "per_n",
        150,
        200,
        "Regel speichern",
        lambda session, _: soll_rule(session=session).per_n,
    ),
    "user": Edit(
        "Benutzer",
        chosen("user_selected", first_id(AppUser, AppUser.username == "leitung")),
        "user_{id}",
        "selectbox",
        "role",
        Role.ADMIN.value,
        Role.LOTSE.value,
        "Rolle speichern",
        lambda session, id: session.get(AppUser, id).role,
    ),
    "phase": Edit(
        "Programm",
        chosen("phase_selected", first_id(Phase, Phase.name == "Betrieb")),
        "phase_{id}",
        "text_area",
        "note",
        "Notiz von A",
        "Notiz von B",
        "Phase speichern",
        lambda session, id: session.get(Phase, id).status_note,
    ),
    "milestone": Edit(
        "Programm",
        chosen("milestone_selected", first_id(Milestone)),
        "milestone_{id}",
        "text_input",
        "title",
        "Meilenstein von A",
        "Meilenstein von B",
        "Meilenstein speichern",
        lambda session, id: session.get(Milestone, id).title,
    ),
    "gate": Edit(
        "Programm",
        chosen("gate_selected", first_id(GateDecision)),
        "gate_{id}",
        "text_area",
        "summary",
        "Beschluss nach A",
        "Beschluss nach B",
        "Beschluss speichern",
        lambda session, id: session.get(GateDecision, id).summary,
    ),
    "module": Edit(
        "Programm",
        chosen("module_selected", first_id(TrainingModule)),
        "module_{id}",
        "text_input",
        "name",
        "Modul von A",
        "Modul von B",
        "Modul speichern",
        lambda session, id: session.get(TrainingModule, id).name,
    ),
    "funding": Edit(
        "Förderprogramme",
        chosen("funding_selected", first_id(FundingProgramme)),
        "funding_{id}",
        "text_input",
        "name",
        "Programm von A",
        "Programm von B",
        "Förderprogramm speichern",
        lambda session, id: session.get(FundingProgramme, id).name,
    ),
}


def field_of(at: AppTest, edit: Edit, record_id: int) -> Any:
    return getattr(at, edit.widget)(key=key(at, edit.form.format(id=record_id), edit.field))


@pytest.mark.parametrize("kind", EDITS)
def test_two_admins_editing_one_record_the_later_save_is_refused_and_shows_the_first(own_demo, kind) -> None:
    edit = EDITS[kind]
    first, second = open_tab(edit.tab), open_tab(edit.tab)
    record_id = 0
    if edit.record is not None:
        with read_session(own_demo) as session:
            select_key, record_id = edit.record(session)
        for at in (first, second):  # both forms drawn from the same stored record
            at.selectbox(key=select_key).set_value(record_id).run()
    before = field_of(second, edit, record_id).value

    field_of(first, edit, record_id).set_value(edit.first)
    first = submit(first, edit.save)
    # Meanwhile B's page is drawn again (e.g. another widget): B's form still shows what it showed.
    second.run()
    assert field_of(second, edit, record_id).value == before
    field_of(second, edit, record_id).set_value(edit.second)
    second = submit(second, edit.save)

    assert not first.error and not second.exception
    assert [message for message in texts(second.error) if "inzwischen von jemand anderem geändert" in message]
    with read_session(own_demo) as session:
        assert edit.stored(session, record_id) == edit.first
    assert field_of(second, edit, record_id).value == edit.first  # B now sees A's value


def test_the_unit_actions_use_the_version_the_form_showed(own_demo) -> None:
    target = unit_id(own_demo, "33")
    first, second = open_tab("Organisationseinheiten"), open_tab("Organisationseinheiten")
    for at in (first, second):
        at.selectbox(key="unit_selected").set_value(target).run()
    first.text_input(key=key(first, f"unit_{target}", "name")).input("Bürgeramt (A)")
    submit(first, "Änderungen speichern")
    second = submit(second, "Einheit verschieben")

    assert any("inzwischen von jemand anderem geändert" in message for message in texts(second.error))
    assert [row.action for row in audit_rows(own_demo, "org_unit")] == ["update"]


# ------------------------------------------------------------------ create forms: once, then empty


@dataclass(frozen=True)
class New:
    """One create form: its tab, round name, fields (element type, field, value), button, count."""

    tab: str
    form: str
    fields: tuple[tuple[str, str, Any], ...]
    save: str
    count: Callable[[Session], int]


def count_of(model: Any, *where: Any) -> Callable[[Session], int]:
    return lambda session: session.exec(select(func.count()).select_from(model).where(*where)).one()


NEWS = {
    "unit": New(
        "Organisationseinheiten",
        "unit_new",
        (("text_input", "code", "99"), ("text_input", "name", "Neues Amt")),
        "Einheit anlegen",
        count_of(OrgUnit, OrgUnit.code == "99"),
    ),
    "user": New(
        "Benutzer",
        "user_new",
        (
            ("text_input", "username", "neu.konto"),
            ("text_input", "display", "Neues Konto"),
            ("selectbox", "role", Role.LEITUNG.value),
            ("text_input", "password", "ein-sicheres-passwort-42"),
        ),
        "Konto anlegen",
        count_of(AppUser, AppUser.username == "neu.konto"),
    ),
    "phase": New(
        "Programm",
        "phase_new",
        (
            ("text_input", "name", "Verstetigung"),
            ("date_input", "planned_start", date(2028, 1, 1)),
            ("date_input", "planned_end", date(2028, 12, 31)),
        ),
        "Phase speichern",
        count_of(Phase, Phase.name == "Verstetigung"),
    ),
    "milestone": New(
        "Programm",
        "milestone_new",
        (("text_input", "title", "Evaluation vorgelegt"), ("date_input", "due", date(2027, 9, 30))),
        "Meilenstein speichern",
        count_of(Milestone, Milestone.title == "Evaluation vorgelegt"),
    ),
    "gate": New(
        "Programm",
        "gate_new",
        (("text_input", "body", "Hauptausschuss"), ("date_input", "date", date(2027, 2, 4))),
        "Beschluss speichern",
        count_of(GateDecision, GateDecision.body == "Hauptausschuss"),
    ),
    "module": New(
        "Programm",
        "module_new",
        (("text_input", "name", "Aufbaumodul Datenschutz"),),
        "Modul speichern",
        count_of(TrainingModule, TrainingModule.name == "Aufbaumodul Datenschutz"),
    ),
    "funding": New(
        "Förderprogramme",
        "funding_new",
        (("text_input", "name", "Digitale Schule 2027"), ("selectbox", "donor", "bund")),
        "Förderprogramm speichern",
        count_of(FundingProgramme, FundingProgramme.name == "Digitale Schule 2027"),
    ),
}


def fill(at: AppTest, new: New) -> AppTest:
    for widget, field, value in new.fields:
        getattr(at, widget)(key=key(at, new.form, field)).set_value(value)
    return at


FORM_WIDGETS = ("text_input", "text_area", "number_input", "selectbox", "date_input", "checkbox", "radio")


def form_values(at: AppTest, form: str) -> dict[tuple[str, str], Any]:
    """Every field of the form in its current round: (element type, field) → value."""
    prefix = key(at, form, "")
    return {
        (widget, element.key.removeprefix(prefix)): element.value
        for widget in FORM_WIDGETS
        for element in getattr(at, widget)
        if (element.key or "").startswith(prefix)
    }


def typed(at: AppTest, form: str) -> dict[tuple[str, str], Any]:
    """What the user typed or chose; the next free position is proposed anew after each create."""
    return {field: value for field, value in form_values(at, form).items() if field[1] != "pos"}


def send_again(at: AppTest, form: str, values: dict[tuple[str, str], Any]) -> AppTest:
    """What a browser does that sends a form a second time: the same values once more."""
    for (widget, field), value in values.items():
        getattr(at, widget)(key=key(at, form, field)).set_value(value)
    return at


@pytest.mark.parametrize("kind", NEWS)
def test_a_create_form_stores_once_and_is_empty_again(own_demo, kind) -> None:
    new = NEWS[kind]
    at = open_tab(new.tab)
    empty = typed(at, new.form)
    with read_session(own_demo) as session:
        before = new.count(session)
    sent = form_values(fill(at, new), new.form)
    at = submit(at, new.save)

    assert not at.exception and not at.error
    assert any("wurde angelegt" in message for message in texts(at.success))
    assert any("wurde angelegt" in toast.value for toast in at.toast)
    assert typed(at, new.form) == empty
    at = submit(send_again(at, new.form, sent), new.save)

    assert not at.error
    assert any("bereits gespeichert" in message for message in texts(at.info))
    assert any("bereits gespeichert" in toast.value for toast in at.toast)
    assert typed(at, new.form) == empty
    with read_session(own_demo) as session:
        assert new.count(session) == before + 1


def test_a_create_form_keeps_what_was_typed_when_it_is_refused(own_demo) -> None:
    at = open_tab("Förderprogramme")
    at.text_input(key=key(at, "funding_new", "name")).input("Digitale Schule 2027")
    at.text_input(key=key(at, "funding_new", "applied")).input("viel Geld")
    at = submit(at, "Förderprogramm speichern")

    assert any("keine Zahl" in message for message in texts(at.error))
    assert at.text_input(key=key(at, "funding_new", "name")).value == "Digitale Schule 2027"
    assert at.text_input(key=key(at, "funding_new", "applied")).value == "viel Geld"


def test_two_admins_choosing_the_central_it_unit_the_later_is_refused_and_sees_the_first(own_demo) -> None:
    first, second = open_tab("IT-Personal"), open_tab("IT-Personal")  # both drawn with the same setting
    chosen_by_a, chosen_by_b = unit_id(own_demo, "33"), unit_id(own_demo, "10")
    first.selectbox(key="central_it_unit").set_value(chosen_by_a)
    first = submit(first, "Zentrale IT-Einheit speichern")
    second.run()  # B's page is drawn again meanwhile: the form still stands on what B saw first
    second.selectbox(key="central_it_unit").set_value(chosen_by_b)
    second = submit(second, "Zentrale IT-Einheit speichern")

    assert not first.error and not second.exception
    assert [message for message in texts(second.error) if "inzwischen von jemand anderem geändert" in message]
    with read_session(own_demo) as session:
        central = it_staff.central_it_unit(session=session)
    assert (central.id, central.configured) == (chosen_by_a, True)
