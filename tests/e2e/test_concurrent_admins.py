"""Two admins in two browsers edit the same record: A saves first, then B. B is refused in German,
B's form then shows A's values, and A's values are what is stored (one case per edit form).

Both are logged in as the demo admin `cdo` in their own Chromium context (two sessions). Each case
puts the record back through A's form afterwards, since the e2e database is shared.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import Session, select

from model.accounts.auth import create_user
from model.core.app_settings import soll_rule
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Role, labels_of
from model.core.german import fmt_number
from model.core.tables import AppUser, FundingProgramme, Measure, Milestone, OrgUnit, Phase
from model.roadmap.scoring import score_weights
from tests.e2e.conftest import DEMO_PASSWORD, RESULTS_DIR, VIEWPORT, login
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

REFUSED = re.compile("inzwischen von jemand anderem geändert")
SECOND_ADMIN_VIEW = "konflikt"  # an account whose role both admins change (nobody else uses it)
MEASURE = "Einführung der E-Akte"
ROLES = labels_of(Role)
EFRE_ID: list[int] = []  # the programme's id, found once (its name is what the admins change)
MILESTONE = "Aufbaumodule ausgeschrieben"  # a demo milestone of the phase Qualifizierung
MILESTONE_ID: list[int] = []  # its id, found once (its title is what the admins change)


@dataclass(frozen=True)
class Field:
    """One input of a form: its label, and whether it is typed into or chosen from a list."""

    label: str | re.Pattern[str]
    choose: bool = False


@dataclass(frozen=True)
class Case:
    path: str
    record: tuple[str, str] | None  # (label of the record's select box, start of its option), or None
    save: str  # the form's submit button, which also finds the form
    fields: dict[Field, tuple[str, str]]  # field → (A's value, B's value)
    saved: str  # part of A's confirmation
    stored: Callable[[Session], Any]  # what is stored for the fields, in field order
    expander: str | None = None  # the form sits in this expander


def amount_text(value: float) -> str:
    """A number as the measure form shows it: 111 · 222,50."""
    return fmt_number(value, 0 if value == int(value) else 2)


CASES = {
    "unit": Case(
        "/verwaltung?reiter=Organisationseinheiten",
        ("Organisationseinheit", "33 – Bürgeramt"),
        "Änderungen speichern",
        {Field("Name"): ("Bürgeramt (A)", "Bürgeramt (B)")},
        "wurde gespeichert",
        lambda s: [s.exec(select(OrgUnit.name).where(OrgUnit.code == "33")).one()],
    ),
    "phase": Case(
        "/verwaltung?reiter=Programm",
        ("Phase bearbeiten", "Betrieb"),
        "Phase speichern",
        {Field(re.compile("^Anmerkung")): ("Notiz von A", "Notiz von B")},
        "wurde gespeichert",
        lambda s: [s.exec(select(Phase.status_note).where(Phase.name == "Betrieb")).one() or ""],
    ),
    "milestone": Case(
        "/verwaltung?reiter=Programm",
        ("Meilenstein bearbeiten", f"Qualifizierung: {MILESTONE}"),
        "Meilenstein speichern",
        {Field("Meilenstein"): (f"{MILESTONE} (A)", f"{MILESTONE} (B)")},
        "wurde gespeichert",
        lambda s: [s.exec(select(Milestone.title).where(Milestone.id == MILESTONE_ID[0])).one()],
    ),
    "funding": Case(
        "/verwaltung?reiter=F%C3%B6rderprogramme",
        ("Förderprogramm bearbeiten", "EFRE Smart City"),
        "Förderprogramm speichern",
        {Field("Name"): ("EFRE Smart City (A)", "EFRE Smart City (B)")},
        "wurde gespeichert",
        lambda s: [s.exec(select(FundingProgramme.name).where(FundingProgramme.id == EFRE_ID[0])).one()],
    ),
    "soll_rule": Case(
        "/verwaltung?reiter=Organisationseinheiten",
        None,
        "Regel speichern",
        {Field(re.compile("^Beschäftigte je Lotse")): ("150", "200")},
        "wurde gespeichert",
        lambda s: [str(soll_rule(session=s).per_n)],
    ),
    "user": Case(
        "/verwaltung?reiter=Benutzer",
        ("Konto", f"{SECOND_ADMIN_VIEW} – "),
        "Rolle speichern",
        {Field("Rolle", choose=True): ("CDO-Büro (Administration)", "Digitale Lotsin / Digitaler Lotse")},
        "ist jetzt",
        lambda s: [ROLES[s.exec(select(AppUser.role).where(AppUser.username == SECOND_ADMIN_VIEW)).one()]],
    ),
    "measure": Case(
        "/roadmap",
        ("Maßnahme", MEASURE),
        "Änderungen speichern",
        {Field("Personentage"): ("111", "222,5")},
        "wurde gespeichert",
        lambda s: [amount_text(s.exec(select(Measure.person_days).where(Measure.title == MEASURE)).one())],
    ),
    "score_weights": Case(
        "/roadmap",
        None,
        "Gewichte speichern",
        {
            Field("Nutzen Bürger*innen (%)"): ("35", "30"),
            Field("Nutzen Verwaltung (%)"): ("15", "20"),
            Field("Dringlichkeit (%)"): ("20", "25"),
            Field("Rechtliche Pflicht (%)"): ("15", "10"),
        },
        "gelten ab sofort",
        lambda s: [str(round(getattr(score_weights(session=s), key) * 100)) for key in WEIGHT_KEYS],
        expander="Gewichte ändern",
    ),
}
WEIGHT_KEYS = ("benefit_citizens", "benefit_admin", "urgency", "legal_duty")


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def second_account(engine) -> None:
    with read_session(engine) as session:
        EFRE_ID[:] = [
            session.exec(select(FundingProgramme.id).where(FundingProgramme.name == "EFRE Smart City")).one()
        ]
        MILESTONE_ID[:] = [session.exec(select(Milestone.id).where(Milestone.title == MILESTONE)).one()]
    """A leitung account whose role the two admins change (the demo accounts stay as they are)."""
    with write_session(engine) as session:
        if session.exec(select(AppUser).where(AppUser.username == SECOND_ADMIN_VIEW)).first() is None:
            create_user(
                session=session,
                username=SECOND_ADMIN_VIEW,
                display_name="Konflikt-Test",
                role=Role.LEITUNG,
                password="Zwei-Admins-zugleich-2026",
                actor="test",
            )


@pytest.fixture(scope="module")
def admins(browser: Browser, app_url: str, second_account) -> Iterator[tuple[Page, Page]]:
    """A and B: the demo admin logged in in two browser contexts."""
    contexts = [browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=app_url) for _ in range(2)]
    pages = []
    for context in contexts:
        context.set_default_timeout(30_000)
        page = context.new_page()
        login(page, "cdo", DEMO_PASSWORD)
        pages.append(page)
    yield pages[0], pages[1]
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def screenshots_on_failure(admins: tuple[Page, Page], request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for label, page in zip("AB", admins, strict=True):
            with contextlib.suppress(PlaywrightError):
                page.screenshot(path=RESULTS_DIR / f"{name}-{label}.png", full_page=True)


def stored(engine, case: Case) -> list[Any]:
    with read_session(engine) as session:
        return case.stored(session)


def form_of(page: Page, case: Case) -> Locator:
    return page.locator("[data-testid=stForm]").filter(
        has=page.get_by_role("button", name=case.save, exact=True)
    )


def field_of(page: Page, case: Case, field: Field) -> Locator:
    label = field.label
    if field.choose:
        return form_of(page, case).get_by_role("combobox", name=label)
    return (
        form_of(page, case).get_by_label(label, exact=True)
        if isinstance(label, str)
        else form_of(page, case).get_by_label(label)
    )


def choose(page: Page, box: Locator, option: str) -> None:
    """Pick an option of a Streamlit select box by part of its text, typed first as a person searches
    where the box has a search field.

    Typing matters: a long list draws only some options and, once open, scrolls to the chosen one,
    so an option seen at the first glance can be gone a moment later (seen in CI, measure case).
    """
    searchable = box.is_editable()  # Streamlit offers a search field only in longer lists
    box.click()  # the open list hides the rest of the page from role queries: type, don't re-query
    if searchable:
        page.keyboard.type(option)
    choice = page.get_by_role("option", name=option).first  # a part of the name
    choice.click()
    expect(box).to_have_value(re.compile(re.escape(option)))


def open_case(page: Page, case: Case) -> None:
    page.goto(case.path)
    wait_for_app(page)
    if case.record is not None:
        label, option = case.record
        choose(page, page.get_by_role("combobox", name=label, exact=True), option)
        wait_for_app(page)
    if case.expander is not None:
        page.get_by_text(case.expander, exact=True).click()
    expect(form_of(page, case)).to_be_visible()
    form_of(page, case).scroll_into_view_if_needed()


def shown(page: Page, case: Case) -> list[str]:
    return [field_of(page, case, field).input_value() for field in case.fields]


def enter(page: Page, case: Case, values: list[str]) -> None:
    """Fill the form as a person does, let the app settle, then submit it."""
    for field, value in zip(case.fields, values, strict=True):
        target = field_of(page, case, field)
        if field.choose:
            choose(page, target, value)
        else:
            target.fill(value)
            target.blur()
    wait_for_app(page)
    form_of(page, case).get_by_role("button", name=case.save, exact=True).click()
    wait_for_app(page)


def alert(page: Page, text: str | re.Pattern[str]) -> Locator:
    return page.locator("[data-testid=stAlert]").filter(has_text=text)


@pytest.mark.parametrize("kind", CASES)
def test_the_later_of_two_admins_is_refused_and_sees_the_first_admins_values(
    admins: tuple[Page, Page], engine, kind: str
) -> None:
    case = CASES[kind]
    a, b = admins
    for page in (a, b):  # both forms drawn from the same stored record
        open_case(page, case)
    original = shown(a, case)
    assert shown(b, case) == original
    first = [values[0] for values in case.fields.values()]
    second = [values[1] for values in case.fields.values()]

    enter(a, case, first)
    expect(alert(a, case.saved)).to_be_visible()
    enter(b, case, second)

    expect(alert(b, REFUSED)).to_be_visible()
    expect(alert(b, case.saved)).to_have_count(0)
    for field, value in zip(case.fields, first, strict=True):
        expect(field_of(b, case, field)).to_have_value(value)  # B now sees what A saved
    assert stored(engine, case) == first

    enter(a, case, original)  # A puts the record back for the other tests
    expect(alert(a, case.saved)).to_be_visible()
    assert stored(engine, case) == original


def test_a_password_reset_by_one_admin_refuses_the_other_admins_role_change(
    admins: tuple[Page, Page], engine
) -> None:
    """The account's version, not only the fields a form shows: any saved edit refuses a later one."""
    case = CASES["user"]
    a, b = admins
    for page in (a, b):
        open_case(page, case)
    before = stored(engine, case)
    reset = a.locator("[data-testid=stForm]").filter(
        has=a.get_by_role("button", name="Passwort zurücksetzen", exact=True)
    )
    for label in ("Neues Passwort", "Neues Passwort wiederholen"):
        reset.get_by_label(label, exact=True).fill("Zwei-Admins-zugleich-2027")
    reset.get_by_role("button", name="Passwort zurücksetzen", exact=True).click()
    wait_for_app(a)
    expect(alert(a, "wurde zurückgesetzt")).to_be_visible()

    enter(b, case, ["CDO-Büro (Administration)"])

    expect(alert(b, REFUSED)).to_be_visible()
    expect(alert(b, case.saved)).to_have_count(0)
    assert stored(engine, case) == before
