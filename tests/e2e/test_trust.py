"""Writes a user can trust, in real Chromium: a report and an idea are stored once, however often the
button is pressed, the form is empty afterwards and the confirmation is inside the viewport on a
phone and a laptop; untriaged ideas are seen by nobody but the CDO-Büro and their author, a decline's
reason reaches the author; closing today's meeting keeps its comparison; an error shows a German
message with a reference number that the server log has beside the traceback."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import select

from model.accounts.auth import UserInfo, create_user
from model.core import clock
from model.core.db import make_engine, read_session, write_session
from model.core.enums import PilotStage, Role
from model.core.tables import AppUser, Idea, MeetingSnapshot, Pilot, StatusUpdate
from model.meetings import snapshots
from model.pilots.commands import NewStatusUpdate, StatusReport, record_status_update
from tests.e2e.conftest import DEMO_PASSWORD, RESULTS_DIR, login
from tests.e2e.test_accessibility import assert_accessible
from tests.support import actors
from tests.support.app_server import new_cookie_key, streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
PASSWORD = "Ahornblatt-Kessel-Dachs-4"
REPORT_FIELD = "Was haben Sie seit der letzten Meldung getan? (optional)"


def own_lotse(database_url: str, username: str) -> int:
    """A login of its own for one test, linked to a Lotse who has none, so no other test is touched."""
    engine = make_engine(database_url)
    try:
        with write_session(engine) as session:
            existing = session.exec(select(AppUser).where(AppUser.username == username)).first()
            if existing is not None:
                return int(existing.pilot_id)  # type: ignore[arg-type]
            taken = select(AppUser.pilot_id).where(AppUser.pilot_id.is_not(None))  # type: ignore[union-attr]
            pilot = session.exec(
                select(Pilot)
                .where(Pilot.id.not_in(taken), Pilot.stage == PilotStage.ACTIVE.value)  # type: ignore[union-attr]
                .order_by(Pilot.id.desc())  # type: ignore[union-attr]
            ).first()
            assert pilot is not None
            create_user(
                session=session,
                username=username,
                display_name=f"Test {username}",
                role=Role.LOTSE,
                password=PASSWORD,
                pilot_id=pilot.id,
                actor="test",
            )
            return int(pilot.id)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def count(database_url: str, model, *conditions) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    try:
        with read_session(engine) as session:
            return int(session.exec(select(func.count()).select_from(model).where(*conditions)).one())
    finally:
        engine.dispose()


def open_as(
    browser: Browser, app_url: str, username: str, password: str, size: dict[str, int], path: str
) -> Page:
    context = browser.new_context(viewport=size, locale="de-DE", base_url=app_url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(path)
    wait_for_app(page)
    login(page, username, password)
    return page


def toast_in_view(page: Page, text: str, size: dict[str, int]) -> None:
    """The confirmation as a toast, whole inside the viewport (also when the form is far below)."""
    toast = page.get_by_test_id("stToast").filter(has_text=text)
    expect(toast).to_be_visible()
    box = toast.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1440x900"])
def test_a_report_is_stored_once_however_often_save_is_pressed(
    browser: Browser, app_url: str, database_url: str, size: dict[str, int]
) -> None:
    pilot_id = own_lotse(database_url, f"vertrauen-{size['width']}")
    page = open_as(browser, app_url, f"vertrauen-{size['width']}", PASSWORD, size, "/mein-status")
    try:
        expect(page.get_by_role("heading", name="Mein Status", level=1)).to_be_visible()
        before = count(database_url, StatusUpdate, StatusUpdate.pilot_id == pilot_id)
        text = f"Sprechstunde E-Akte ({size['width']})"
        field = page.get_by_label(REPORT_FIELD, exact=True)
        field.fill(text)
        field.blur()
        wait_for_app(page)
        page.get_by_role("button", name="Meldung speichern").click()
        wait_for_app(page)

        toast_in_view(page, "Danke! Ihre Meldung wurde gespeichert", size)
        expect(page.get_by_label(REPORT_FIELD, exact=True)).to_have_value("")  # the browser form is empty
        page.screenshot(path=RESULTS_DIR / f"mein-status-gespeichert-{size['width']}.png")
        page.get_by_role("button", name="Meldung speichern").click()  # again, without a change
        wait_for_app(page)
        expect(
            page.get_by_test_id("stMain").get_by_text(re.compile("mindestens eine Angabe"))
        ).to_be_visible()
        assert count(database_url, StatusUpdate, StatusUpdate.pilot_id == pilot_id) == before + 1

        # A double tap before the first save came back: still one report.
        field = page.get_by_label(REPORT_FIELD, exact=True)
        field.fill(text + " – zweimal getippt")
        field.blur()
        wait_for_app(page)
        page.get_by_role("button", name="Meldung speichern").dblclick()
        wait_for_app(page)
        expect(page.get_by_label(REPORT_FIELD, exact=True)).to_have_value("")
        assert count(database_url, StatusUpdate, StatusUpdate.pilot_id == pilot_id) == before + 2
        assert_accessible(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1440x900"])
def test_an_idea_is_submitted_once_and_waits_for_the_cdo(
    browser: Browser, app_url: str, database_url: str, size: dict[str, int]
) -> None:
    username = f"ideen-{size['width']}"
    pilot_id = own_lotse(database_url, username)
    title = f"Digitale Wartemarke im Bürgerbüro {size['width']}"
    page = open_as(browser, app_url, username, PASSWORD, size, "/mein-status")
    try:
        page.get_by_label("Titel der Idee", exact=True).fill(title)
        page.get_by_label("Beschreibung (optional)", exact=True).fill("Wartemarke per App ziehen.")
        wait_for_app(page)
        page.get_by_role("button", name="Idee einreichen").click()
        wait_for_app(page)

        toast_in_view(page, "ist beim CDO-Büro eingereicht", size)
        expect(page.get_by_label("Titel der Idee", exact=True)).to_have_value("")
        own = page.get_by_test_id("stMain").get_by_role("row").filter(has_text=title)
        expect(own).to_contain_text("wird vom CDO-Büro geprüft")
        page.get_by_role("button", name="Idee einreichen").click()  # again, without a change
        wait_for_app(page)
        expect(
            page.get_by_test_id("stMain").get_by_text(re.compile("Nicht eingereicht: Titel"))
        ).to_be_visible()
        assert count(database_url, Idea, Idea.pilot_id == pilot_id) == 1

        # A double tap with a second title: one idea more, whichever run the second tap reached.
        page.get_by_label("Titel der Idee", exact=True).fill(title + " (Zweitgerät)")
        wait_for_app(page)
        page.get_by_role("button", name="Idee einreichen").dblclick()
        wait_for_app(page)
        expect(page.get_by_label("Titel der Idee", exact=True)).to_have_value("")
        assert count(database_url, Idea, Idea.pilot_id == pilot_id) == 2
    finally:
        page.context.close()


def test_only_the_cdo_and_the_author_see_an_idea_and_the_author_reads_the_reason(
    browser: Browser, app_url: str, database_url: str
) -> None:
    own_lotse(database_url, "ideen-autorin")
    title = "Mehrsprachige Online-Formulare für das Standesamt"
    author = open_as(browser, app_url, "ideen-autorin", PASSWORD, LAPTOP, "/mein-status")
    try:
        author.get_by_label("Titel der Idee", exact=True).fill(title)
        wait_for_app(author)
        author.get_by_role("button", name="Idee einreichen").click()
        wait_for_app(author)
        expect(author.get_by_test_id("stMain").get_by_role("row").filter(has_text=title)).to_be_visible()

        for username, paths in (
            ("leitung", ("/roadmap", "/praesentation")),
            ("lotse", ("/roadmap", "/mein-status")),
        ):
            other = open_as(browser, app_url, username, DEMO_PASSWORD, LAPTOP, paths[0])
            try:
                for path in paths:
                    if path != paths[0]:
                        other.goto(path)
                        wait_for_app(other)
                    expect(other.get_by_role("heading", level=1).first).to_be_visible()
                    expect(other.get_by_test_id("stMain")).not_to_contain_text(title)
            finally:
                other.context.close()

        cdo = open_as(browser, app_url, "cdo", DEMO_PASSWORD, LAPTOP, "/verwaltung?reiter=Ma%C3%9Fnahmen")
        try:
            expect(cdo.get_by_role("heading", name="Ideen der Lotsinnen und Lotsen")).to_be_visible()
            chooser = cdo.get_by_label("Idee", exact=True)  # the waiting idea is offered for a decision
            chooser.click()
            chooser.fill(title)  # the list is drawn in parts: type to find it, as a person would
            cdo.get_by_role("option", name=title, exact=True).click()
            wait_for_app(cdo)
            cdo.get_by_text("Nicht aufnehmen", exact=True).click()
            reason = "Das Land stellt 2027 mehrsprachige Formulare für alle Kommunen bereit."
            cdo.get_by_label(re.compile("^Antwort an die Lotsin")).fill(reason)
            wait_for_app(cdo)
            cdo.get_by_role("button", name="Entscheidung speichern").click()
            wait_for_app(cdo)
            expect(
                cdo.get_by_test_id("stMain").get_by_text(re.compile("wird nicht aufgenommen"))
            ).to_be_visible()
            assert_accessible(cdo)
        finally:
            cdo.context.close()

        author.reload()
        wait_for_app(author)
        answer = author.get_by_test_id("stMain").get_by_role("row").filter(has_text=title)
        expect(answer).to_contain_text("nicht aufgenommen")
        expect(answer).to_contain_text(reason)
    finally:
        author.context.close()


@pytest.fixture
def meeting_city(database_url: str, tmp_path) -> Iterator[tuple[str, str]]:
    """A copy of the demo with a meeting closed four weeks ago and, since then, one more open
    request for support; its own server, so the shared database keeps its figures."""
    copy = tmp_path / "sitzung.db"
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    with write_session(engine) as session:
        snapshots.take_snapshot(
            session=session,
            actor=actors.admin(),
            data=snapshots.MeetingInput(
                title="Sitzung vor vier Wochen", held_on=clock.today() - timedelta(days=28)
            ),
        )
    with write_session(engine) as session:
        row = session.exec(select(AppUser).where(AppUser.username == "cdo")).one()
        admin = UserInfo(
            id=row.id, username=row.username, display_name=row.display_name, role=Role.ADMIN, pilot_id=None
        )
        pilot = session.exec(select(Pilot).where(Pilot.stage == PilotStage.ACTIVE.value)).first()
        record_status_update(
            session=session,
            actor=admin,
            data=NewStatusUpdate(
                pilot_id=pilot.id,
                report=StatusReport(blocker="Kein Zugang zum neuen Fachverfahren", support_wanted=True),
            ),
        )
    engine.dispose()
    with streamlit_server(url, cookie_key=new_cookie_key(), log_file=tmp_path / "server.log") as app:
        yield app, url


def test_closing_todays_meeting_keeps_the_comparison_on_the_slide_and_in_the_deck(
    browser: Browser, meeting_city
) -> None:
    app, url = meeting_city
    since = (clock.today() - timedelta(days=28)).strftime("%d.%m.%Y")
    change = f"▲ 1 mehr als am {since} – schlechter"
    page = open_as(browser, app, "cdo", DEMO_PASSWORD, LAPTOP, "/praesentation")
    try:
        page.get_by_text("Einstellungen, Sitzungen und Foliensatz").click()
        page.get_by_role("button", name="Sitzung abschließen").dblclick()  # a double tap
        wait_for_app(page)
        # The second click reached either the saving run or the fresh form: "abgeschlossen" or
        # "bereits abgeschlossen", and one snapshot either way.
        done = page.get_by_test_id("stMain").get_by_text(re.compile(r"Sitzung „Sitzung vom .*abgeschlossen"))
        expect(done).to_be_visible()
        assert count(url, MeetingSnapshot) == 2  # the one of four weeks ago and today's, once

        for _ in range(4):
            page.get_by_role("button", name="Weiter").click()
            wait_for_app(page)
        slide = page.locator(".st-key-lc_slide")
        expect(slide.get_by_role("heading", name="Seit der letzten Sitzung")).to_be_visible()
        expect(slide).to_contain_text("Vergleich mit „Sitzung vor vier Wochen“")
        support = slide.get_by_test_id("stColumn").filter(has_text="Offene Unterstützungswünsche")
        expect(support).to_contain_text(change)
        page.screenshot(path=RESULTS_DIR / "praesentation-seit-der-letzten-sitzung-1440.png")

        with page.expect_download() as download:
            page.get_by_role("button", name="Als PDF herunterladen").click()
        pdf = PdfReader(download.value.path())
        text = " ".join(" ".join(pdf_page.extract_text().split()) for pdf_page in pdf.pages)
        assert change in text and "Vergleich mit „Sitzung vor vier Wochen“" in text
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def faulty_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    log = tmp_path_factory.mktemp("fault") / "server.log"
    env = {"LOTSEN_TEST_FAULT": "rollout"}
    with streamlit_server(database_url, cookie_key=new_cookie_key(), env=env, log_file=log) as url:
        yield url, str(log)


def test_an_error_shows_a_german_message_with_a_reference_and_the_log_has_the_traceback(
    browser: Browser, faulty_server
) -> None:
    url, log = faulty_server
    page = open_as(browser, url, "leitung", DEMO_PASSWORD, LAPTOP, "/rollout")
    try:
        alert = (
            page.get_by_test_id("stMain")
            .get_by_test_id("stAlert")
            .filter(has_text="Es ist ein unerwarteter Fehler aufgetreten")
        )
        expect(alert).to_be_visible()
        reference = re.search(r"F-[2-9A-HJ-NP-Z]{6}", alert.inner_text())
        assert reference is not None, alert.inner_text()
        main = page.get_by_test_id("stMain").inner_text()
        assert (
            "Traceback" not in main and "InjectedFault" not in main and "This app has encountered" not in main
        )
        with open(log, encoding="utf-8") as file:
            logged = file.read()
        assert f"Unerwarteter Fehler {reference.group(0)} auf rollout" in logged
        assert "Traceback (most recent call last)" in logged and "InjectedFault" in logged
        page.goto("/uebersicht")  # the other pages work on
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
        assert_accessible(page)
    finally:
        page.context.close()
