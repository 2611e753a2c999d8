"""A new measure in Chromium: stored once, the form empty again, the confirmation where the user looks.

On a phone (390 × 844) and a laptop (1440 × 900): save, then save again without a change; and a
second browser tab that sends the same measure again is told it was already saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import delete
from sqlmodel import select

from model.core.db import make_engine, read_session, write_session
from model.core.tables import Measure
from tests.e2e.conftest import DEMO_PASSWORD, login
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
SAVE = "Maßnahme anlegen"
TITLE = "E2E einmal angelegt"


@pytest.fixture
def titles(database_url: str) -> Iterator[list[str]]:
    """Titles of the measures a test creates; they are deleted afterwards (the database is shared)."""
    created: list[str] = []
    yield created
    engine = make_engine(database_url)
    try:
        with write_session(engine) as session:
            session.exec(delete(Measure).where(Measure.title.in_(created)))  # type: ignore[call-overload, attr-defined]
    finally:
        engine.dispose()


def stored(database_url: str, title: str) -> list[Measure]:
    engine = make_engine(database_url)
    try:
        with read_session(engine) as session:
            return list(session.exec(select(Measure).where(Measure.title == title)).all())
    finally:
        engine.dispose()


def open_roadmap(context: BrowserContext, viewport: dict[str, int], *, log_in: bool = True) -> Page:
    page = context.new_page()
    page.set_viewport_size(viewport)
    if log_in:
        login(page, "cdo", DEMO_PASSWORD)
    page.goto("/roadmap")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Roadmap", level=1)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    if viewport["width"] < 768 and sidebar.get_attribute("data-collapsed") == "false":
        # On a phone the menu covers the page until it is closed, as a person does.
        page.get_by_role("button", name="Seitenleiste einklappen").click()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
    return page


def new_measure_form(page: Page) -> Locator:
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=SAVE, exact=True))


def fill(page: Page, title: str) -> None:
    """Title, category and costs, as a person types them; then let the app settle."""
    form = new_measure_form(page)
    form.scroll_into_view_if_needed()
    form.get_by_label("Titel", exact=True).fill(title)
    form.get_by_role("combobox", name="Kategorie").click()
    page.get_by_role("option", name="Digitalisierung nach innen (Prozesse)").click()
    costs = form.get_by_label("Kosten investiv (€)", exact=True)
    costs.fill("48.000")
    costs.blur()
    wait_for_app(page)


def save(page: Page) -> None:
    new_measure_form(page).get_by_role("button", name=SAVE, exact=True).click()
    wait_for_app(page)


def assert_in_viewport(page: Page, element: Locator) -> None:
    """Wholly inside the visible part of the page, not somewhere the user would have to scroll to."""
    expect(element).to_be_visible()
    box = element.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], (
        box,
        size,
    )


def toast(page: Page, text: str) -> Locator:
    return page.get_by_test_id("stToast").filter(has_text=text)


def message(page: Page, text: str) -> Locator:
    return page.get_by_test_id("stAlert").filter(has_text=text)


def assert_empty(page: Page) -> None:
    form = new_measure_form(page)
    expect(form.get_by_label("Titel", exact=True)).to_have_value("")
    expect(form.get_by_role("combobox", name="Kategorie")).to_have_value("")
    expect(form.get_by_label("Kosten investiv (€)", exact=True)).to_have_value("0")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_new_measure_is_stored_once_the_form_empties_and_the_confirmation_is_in_view(
    new_context: Callable[[], BrowserContext], database_url: str, titles: list[str], viewport: dict[str, int]
) -> None:
    title = f"{TITLE} {viewport['width']}"
    titles.append(title)
    page = open_roadmap(new_context(), viewport)
    fill(page, title)
    save(page)

    confirmation = f"Die Maßnahme „{title}“ wurde angelegt."
    assert_in_viewport(page, toast(page, confirmation))
    expect(message(page, confirmation)).to_be_visible()  # beside the form as well
    assert_empty(page)
    [measure] = stored(database_url, title)
    assert (measure.category, measure.status, measure.cost_capital) == ("internal", "planned", 48000.0)

    save(page)  # again, without a change: the form is empty now

    expect(message(page, "Titel: Bitte einen Wert angeben.")).to_be_visible()
    assert_empty(page)
    assert len(stored(database_url, title)) == 1


def test_the_same_measure_sent_again_from_a_second_tab_is_not_stored_twice(
    new_context: Callable[[], BrowserContext], database_url: str, titles: list[str]
) -> None:
    title = f"{TITLE} zweimal"
    titles.append(title)
    context = new_context()  # one browser, one login, two tabs with the same form
    first = open_roadmap(context, LAPTOP)
    second = open_roadmap(context, LAPTOP, log_in=False)
    for page in (first, second):
        fill(page, title)
    save(first)
    assert_in_viewport(first, toast(first, "wurde angelegt"))
    save(second)

    already = f"Die Maßnahme „{title}“ wurde bereits gespeichert; nichts wurde doppelt angelegt."
    assert_in_viewport(second, toast(second, already))
    expect(message(second, already)).to_be_visible()
    assert_empty(second)
    assert len(stored(database_url, title)) == 1
