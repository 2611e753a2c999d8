"""Eight Lotsen click "Meldung speichern" at the same moment in eight browsers: all eight are saved."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func
from sqlmodel import select

from model.accounts.auth import create_user
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Role
from model.core.tables import AppUser, Pilot, StatusUpdate
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

LOTSEN = 8
PASSWORD = "Acht-Meldungen-Zugleich-2026"
REPORT_FIELD = "Was haben Sie seit der letzten Meldung getan? (optional)"
# Every browser clicks at this many milliseconds after the moment all forms are filled.
CLICK_DELAY_MS = 3_000
# Eight sessions starting at once on two cores: allow far more than one page's usual wait.
PATIENCE_MS = 120_000


def eight_logins(database_url: str) -> dict[str, int]:
    """Logins `simultan-1` … `simultan-8`, each linked to a different Lotse without a login yet."""
    engine = make_engine(database_url)
    try:
        with write_session(engine) as session:
            linked = select(AppUser.pilot_id).where(AppUser.pilot_id.is_not(None))  # type: ignore[union-attr]
            pilot_ids = session.exec(
                select(Pilot.id).where(Pilot.id.not_in(linked), ~Pilot.anonymised).order_by(Pilot.id)  # type: ignore[union-attr]
            ).all()[:LOTSEN]
            assert len(pilot_ids) == LOTSEN
            logins = {}
            for number, pilot_id in enumerate(pilot_ids, start=1):
                username = f"simultan-{number}"
                create_user(
                    session=session,
                    username=username,
                    display_name=f"Lotse zugleich {number}",
                    role=Role.LOTSE,
                    password=PASSWORD,
                    actor="test",
                    pilot_id=pilot_id,
                )
                logins[username] = pilot_id
            return logins
    finally:
        engine.dispose()


def reports_of(database_url: str, texts: dict[int, str]) -> dict[int, int]:
    """How many status updates with its own text each of the pilots has."""
    engine = make_engine(database_url)
    try:
        with read_session(engine) as session:
            return {
                pilot_id: session.exec(
                    select(func.count()).where(StatusUpdate.pilot_id == pilot_id, StatusUpdate.text == text)
                ).one()
                for pilot_id, text in texts.items()
            }
    finally:
        engine.dispose()


def settle(pages: dict[str, Page], title: str) -> None:
    for page in pages.values():
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=PATIENCE_MS)
        wait_for_app(page, timeout=PATIENCE_MS / 1000)


def log_in_all(pages: dict[str, Page]) -> None:
    """All eight open their bookmark of Mein Status at once and log in there (each step for every
    page, then wait): the login opens the bookmarked page, not eight Übersicht pages with charts."""
    for page in pages.values():
        page.goto("/mein-status")
    for page in pages.values():
        wait_for_app(page, timeout=PATIENCE_MS / 1000)
    for username, page in pages.items():
        page.get_by_label("Benutzername", exact=True).fill(username)
        page.get_by_label("Passwort", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
    settle(pages, "Mein Status")


def click_together(pages: list[Page], button: str) -> None:
    """The barrier: every browser schedules its click for the same instant of the same clock."""
    at = int(time.time() * 1000) + CLICK_DELAY_MS
    for page in pages:
        page.get_by_role("button", name=button).evaluate(
            """(button, at) => setTimeout(() => {
                window.clickedAt = Date.now();
                button.click();
            }, at - Date.now())""",
            at,
        )


def click_times(pages: list[Page]) -> list[int]:
    return [page.evaluate("() => window.clickedAt") for page in pages]


def test_eight_lotsen_saving_at_the_same_moment_are_all_saved(
    new_context: Callable[[], BrowserContext], database_url: str
) -> None:
    logins = eight_logins(database_url)
    pages = {username: new_context().new_page() for username in logins}
    texts = {pilot_id: f"Gleichzeitige Meldung von {username}" for username, pilot_id in logins.items()}
    log_in_all(pages)

    for username, page in pages.items():
        field = page.get_by_label(REPORT_FIELD, exact=True)
        field.fill(texts[logins[username]])
        field.blur()
    click_together(list(pages.values()), "Meldung speichern")

    for page in pages.values():
        saved = page.get_by_test_id("stMain").get_by_text(
            re.compile(r"^Danke! Ihre Meldung wurde gespeichert")
        )
        expect(saved).to_be_visible(timeout=PATIENCE_MS)
    for username, page in pages.items():
        history = page.locator("[data-testid=stMain] [data-testid=stTable]").nth(1)
        expect(history).to_contain_text(texts[logins[username]])
    clicked = click_times(list(pages.values()))
    assert max(clicked) - min(clicked) < 250  # the eight clicks really came together
    assert reports_of(database_url, texts) == dict.fromkeys(texts, 1)
