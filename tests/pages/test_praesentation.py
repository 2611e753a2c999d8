"""Präsentation per role on the demo city: slides, navigation, saving a meeting, no names of Lotsen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model.accounts.auth import UserInfo
from model.core import clock
from model.core.db import make_engine, read_session
from model.core.enums import Role
from model.core.tables import AppUser, MeetingSnapshot, Pilot
from model.deck import slides as deck
from tests.pages.conftest import DEMO_USERS, ROOT, log_in, new_app, private_demo_copy, unescaped
from tests.pages.test_uebersicht import open_page
from ui.navigation import USER_KEY

PAGE = "pages/praesentation.py"
SLIDE_NUMBER = re.compile(r"^Folie (\d) von 6$")
STAND = re.compile(r"^Stand: \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr$")


def slide_number(at) -> int:  # type: ignore[no-untyped-def]
    found = [SLIDE_NUMBER.match(unescaped(m.value)) for m in at.markdown]
    (number,) = [int(match.group(1)) for match in found if match]
    return number


def page_text(at) -> str:  # type: ignore[no-untyped-def]
    """Everything the page sends to the browser: texts, labels, options, tables, chart data."""
    parts = []
    for root in (at.main, at.sidebar):
        for node in root:
            if node.type == "table":
                parts.append(node.value.to_string())
            elif getattr(node, "proto", None) is not None:
                parts.append(str(node.proto))
    return unescaped("\n".join(parts))


def click(at, key: str):  # type: ignore[no-untyped-def]
    at.button(key=key).click()
    return at.run()


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_admin_and_leitung_see_the_first_slide_with_stand_and_big_figures(demo_database, role) -> None:
    at = open_page(role, PAGE)

    assert not at.exception
    assert at.title[0].value == "Kernzahlen"
    assert any(STAND.match(unescaped(m.value)) for m in at.markdown)
    assert slide_number(at) == 1
    labels = [metric.label for metric in at.metric]
    assert labels[:4] == [
        "Lotsinnen und Lotsen im Programm",
        "davon qualifiziert oder aktiv",
        "Organisationseinheiten abgedeckt",
        "Abdeckung",
    ]
    assert re.fullmatch(r"\d+ von \d+", at.metric[2].value)


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_the_deck_and_every_slide_table_can_be_downloaded(demo_database, role) -> None:
    at = open_page(role, PAGE)

    keys = {button.key: button.label for button in at.get("download_button")}
    assert keys["lc_deck_pdf"] == "Als PDF herunterladen"
    assert keys["lc_deck_pptx"] == "Als PowerPoint herunterladen"
    # Rollout-Zeitplan and Abdeckung (chart data), Top-Maßnahmen and Risiken (tables): CSV and Excel each.
    for number in (2, 3, 4, 6):
        assert keys[f"lc_table_{number}_0_csv"] == "CSV herunterladen"
        assert keys[f"lc_table_{number}_0_xlsx"] == "Excel herunterladen"


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_next_and_previous_change_the_slide(demo_database, role) -> None:
    at = open_page(role, PAGE)

    at = click(at, "lc_next")
    assert (slide_number(at), at.title[0].value) == (2, "Rollout-Zeitplan")
    assert len(at.get("vega_lite_chart")) == 1
    at = click(at, "lc_next")
    assert (slide_number(at), at.title[0].value) == (3, "Abdeckung nach Dezernat")
    at = click(at, "lc_back")
    assert (slide_number(at), at.title[0].value) == (2, "Rollout-Zeitplan")
    at = click(at, "lc_back")
    at = click(at, "lc_back")  # from the first slide back to the last
    assert (slide_number(at), at.title[0].value) == (6, "Risiken und Unterstützungsbedarf")
    assert not at.exception


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_every_slide_shows_its_stand_and_no_lotse_name_appears(demo_database, role) -> None:
    engine = make_engine(demo_database)
    with read_session(engine) as session:
        names = list(session.exec(select(Pilot.name)).all())
    engine.dispose()
    at = open_page(role, PAGE)

    seen = []
    for _ in deck.SLIDE_TITLES:
        assert any(STAND.match(unescaped(m.value)) for m in at.markdown)
        seen.append(at.title[0].value)
        text = page_text(at)
        assert [name for name in names if name in text] == []
        at = click(at, "lc_next")

    assert len(names) >= 25
    assert seen == list(deck.SLIDE_TITLES)


def test_top_measures_show_status_and_ampel_as_text_and_symbol(demo_database) -> None:
    at = open_page("leitung", PAGE)
    for _ in range(3):
        at = click(at, "lc_next")

    assert at.title[0].value == "Top-Maßnahmen"
    table = at.table[0].value
    assert list(table.columns) == ["Maßnahme", "OE", "Status", "Ampel", "Ende"]
    assert {unescaped(value) for value in table["Ampel"]} <= {"✓ grün", "▲ gelb", "■ rot"}


@pytest.fixture
def own_demo(demo_database, tmp_path) -> Iterator[Engine]:
    """A private copy of the demo database: the saved snapshot touches no other test."""
    yield from private_demo_copy(demo_database, tmp_path / "praesentation.db")


def close_meeting(at, title: str, held_on: date):  # type: ignore[no-untyped-def]
    (field,) = [field for field in at.text_input if field.label == "Titel"]
    field.input(title)
    (day,) = [field for field in at.date_input if field.label == "Sitzungsdatum"]
    day.set_value(held_on)
    next(button for button in at.button if button.label == "Sitzung abschließen").click()
    return at.run()


@pytest.mark.sqlite_only(reason="saves into a sqlite3 copy of the demo database file")
def test_closing_todays_meeting_keeps_the_comparison_with_the_last_one(own_demo) -> None:
    at = open_page("admin", PAGE)
    earlier = clock.today() - timedelta(days=28)
    at = close_meeting(at, "Verwaltungsvorstand (Test)", earlier)
    assert any("abgeschlossen" in unescaped(message.value) for message in at.success)
    at = close_meeting(at, "Heutige Sitzung (Test)", clock.today())

    assert not at.exception
    assert [unescaped(toast.value) for toast in at.toast][-1].startswith("Sitzung „Heutige Sitzung (Test)“")
    choice = at.selectbox(key="lc_snapshot")
    assert unescaped(choice.format_func(choice.value)).startswith("Verwaltungsvorstand (Test) (")
    for _ in range(4):
        at = click(at, "lc_next")
    assert at.title[0].value == "Seit der letzten Sitzung"
    assert [metric.label for metric in at.metric] == [
        "Organisationseinheiten abgedeckt",
        "Fehlende Lotsen",
        "Lotsinnen und Lotsen qualifiziert oder aktiv",
        "Offene Unterstützungswünsche",
    ]
    notes = [unescaped(m.value) for m in at.markdown]
    assert sum("seit" in note and earlier.strftime("%d.%m.%Y") in note for note in notes) >= 1
    with read_session(own_demo) as session:
        saved = session.exec(select(MeetingSnapshot).order_by(MeetingSnapshot.id)).all()
    assert [(row.title, row.created_by) for row in saved] == [
        ("Verwaltungsvorstand (Test)", "cdo"),
        ("Heutige Sitzung (Test)", "cdo"),
    ]


def test_leitung_cannot_save_snapshots(demo_database) -> None:
    at = open_page("leitung", PAGE)

    assert not [button for button in at.button if button.label == "Sitzung abschließen"]
    assert not [field for field in at.text_input if field.label == "Titel"]


def test_auto_advance_offers_a_pause_button(demo_database) -> None:
    at = open_page("leitung", PAGE)
    at.toggle(key="lc_auto").set_value(True)
    at = at.run()

    assert at.button(key="lc_pause").label == "Anhalten"
    assert any(c.value == "Automatischer Wechsel alle 30 Sekunden" for c in at.caption)
    at = click(at, "lc_pause")
    assert at.button(key="lc_pause").label == "Fortsetzen"
    assert any(c.value == "Automatik angehalten" for c in at.caption)
    assert slide_number(at) == 1


def test_lotse_gets_no_access(demo_database) -> None:
    at = log_in(new_app().run(), DEMO_USERS["lotse"])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in the lotse's menu
    engine = make_engine(demo_database)
    with read_session(engine) as session:
        account = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    engine.dispose()
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state[USER_KEY] = UserInfo(
        id=account.id, username="lotse", display_name="x", role=Role.LOTSE, pilot_id=account.pilot_id
    )
    direct.run()

    assert [title.value for title in direct.title] == ["Kein Zugriff"]
    assert not direct.metric and not direct.get("vega_lite_chart") and not direct.button
