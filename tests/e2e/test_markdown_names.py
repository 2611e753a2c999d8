"""Markdown in names never reaches out: no image is fetched, no link is drawn, the text shows as typed.

A local HTTP listener stands for an outside server (tracking pixel, phishing link). Every name and
title field holds a Markdown image, a Markdown link, an HTML image and a Streamlit colour, all
pointing at the listener. Real Chromium opens every page as the CDO-Büro, the Verwaltungsleitung
and a Lotse, filtered to the Dezernat whose name and Kürzel are such texts (the filter label goes
into the caption of six pages, the Dezernat name into a heading on Abdeckung). The listener must
count no request, and no link or image in the page may point at it.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import select

from model import demo, exchange
from model.accounts import auth as auth_store
from model.accounts.passwords import hash_password
from model.core import clock
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Category, MeasureStatus, Role
from model.core.migrate import migrate
from model.core.tables import OrgUnit, Phase, Pilot
from model.funding import programmes as funding
from model.org import units as org_units
from model.pilots import commands
from model.pilots.commands import StatusReport
from model.programme import plan as programme
from model.roadmap import ideas
from model.roadmap.commands import NewMeasure, create_measure
from model.training import modules as training_modules
from tests.e2e.conftest import DEMO_PASSWORD, VIEWPORT
from tests.e2e.test_xss import ADMIN_PAGES, SHOWN_WITHIN, Watch, logged_in, lotse_user, nothing_ran
from tests.support.actors import admin
from tests.support.app_server import free_port, new_cookie_key, streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

MD_ADMIN = "md-admin"
MD_PASSWORD = "Markdown-Test-Passwort-2026"
JOINER = "\u2060"  # what ui.plain.escaped adds, invisibly, where Streamlit would draw a link
LEITUNG_PAGES = [
    ("/uebersicht", "Übersicht"),
    ("/rollout", "Rollout"),
    ("/abdeckung", "Abdeckung"),
    ("/roadmap", "Roadmap"),
    ("/it-strukturen", "IT-Strukturen"),
    ("/foerdermittel", "Fördermittel"),
    ("/praesentation", None),
]
LOTSE_PAGES = [
    ("/uebersicht", "Übersicht"),
    ("/mein-status", "Mein Status"),
    ("/rollout", "Rollout"),
    ("/abdeckung", "Abdeckung"),
    ("/roadmap", "Roadmap"),
]
# Pages whose caption names the filter (the chosen Dezernat) as text.
FILTER_CAPTION = {"/uebersicht", "/rollout", "/abdeckung", "/roadmap", "/lotsen", "/it-strukturen"}


@dataclass
class Outside:
    """A stand-in for a server on the internet: counts every request that reaches it."""

    port: int
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def image(self, name: str) -> str:
        return f"![x]({self.base}/{name}.png)"

    def link(self, name: str) -> str:
        return f"[klick]({self.base}/{name})"

    def html(self, name: str) -> str:
        return f"<img src={self.base}/{name}.png>"

    def texts(self, name: str) -> list[str]:
        """The four constructs, one per text (each fits the shortest field, a phase name)."""
        return [self.image(name), self.link(name), self.html(name), f":red[rot] {name}"]

    def all_in_one(self, name: str) -> str:
        return " ".join(self.texts(name))


@pytest.fixture(scope="module")
def outside() -> Iterator[Outside]:
    found = Outside(port=free_port())

    class Count(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            found.requests.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", found.port), Count)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


def dezernat_code(outside: Outside) -> str:
    return f"![x]({outside.base}/d)"  # 30 characters, the Kürzel's limit


def write_names(engine, outside: Outside) -> None:  # type: ignore[no-untyped-def]
    """Markdown into every name and title field, through the model's write functions."""
    dez_code = dezernat_code(outside)
    amt_code = f"[k]({outside.base}/a)"
    with write_session(engine) as session:
        lotse = lotse_user(session)
        dezernat = org_units.add_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.NewUnit(
                code=dez_code, name=outside.all_in_one("dezernat"), kind="dezernat", parent_id=None
            ),
        )
        amt = org_units.add_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.NewUnit(
                code=amt_code,
                name=outside.all_in_one("amt"),
                kind="amt",
                parent_id=dezernat.id,
                headcount=80,
                target_pilots=2,
            ),
        )
        # The Lotse's own unit: Mein Status shows its Kürzel in a tile and its name below.
        own = session.exec(select(OrgUnit).where(OrgUnit.id == lotse_unit_id(session, lotse))).one()
        org_units.update_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitEdit(
                unit_id=own.id,
                expected_version=own.version,
                code=f"[o]({outside.base}/o)",
                name=outside.all_in_one("eigene-einheit"),
                kind=own.kind,
                headcount=own.headcount,
                target_pilots=own.target_pilots,
            ),
        )
        phases = session.exec(select(Phase).order_by(Phase.position)).all()
        texts = outside.texts("phase")
        for number, phase in enumerate(phases):
            programme.update_phase(
                session=session,
                actor=admin("cdo"),
                data=programme.PhaseEdit(
                    phase_id=phase.id,
                    expected_version=phase.version,
                    **{
                        **phase.model_dump(include=set(programme.PHASE_FIELDS)),
                        "name": f"{texts[number % len(texts)]} {number}",
                    },
                ),
            )
        programme.add_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneInput(
                phase_id=phases[0].id, title=outside.all_in_one("meilenstein"), due_on=date(2027, 3, 1)
            ),
        )
        training_modules.add_training_module(
            session=session,
            actor=admin("cdo"),
            data=training_modules.ModuleInput(
                name=outside.all_in_one("modul"), kind="advanced", duration_days=1
            ),
        )
        funding.create_programme(
            session=session,
            actor=admin(),
            data=funding.ProgrammeInput(
                name=outside.all_in_one("foerderprogramm"),
                donor="land",
                status="identified",
                deadline=clock.today().replace(year=clock.today().year + 1),
            ),
        )
        create_measure(
            session=session,
            actor=admin("cdo"),
            data=NewMeasure(
                {
                    "title": outside.all_in_one("massnahme"),
                    "category": Category.INTERNAL.value,
                    "status": MeasureStatus.IN_PROGRESS.value,
                    "unit_id": amt.id,
                }
            ),
        )
        ideas.submit_idea(
            session=session,
            actor=lotse,
            data=ideas.NewIdea(
                pilot_id=lotse.pilot_id,
                title=outside.all_in_one("idee"),
                description=outside.all_in_one("beschreibung"),
                category=Category.INTERNAL.value,
            ),
        )
        commands.record_status_update(
            session=session,
            actor=lotse,
            data=commands.NewStatusUpdate(
                pilot_id=lotse.pilot_id,
                report=StatusReport(
                    text=outside.all_in_one("meldung"),
                    blocker=outside.all_in_one("hindernis"),
                    support_wanted=True,
                    activities=(),
                ),
            ),
        )
        for role, username in ((Role.ADMIN, MD_ADMIN), (Role.LEITUNG, "md-leitung")):
            auth_store.create_user(
                session=session,
                username=username,
                display_name=outside.all_in_one(username),
                role=role,
                password=MD_PASSWORD,
                actor="cdo",
            )
    import_pilot(engine, unit_code=amt_code, name=outside.all_in_one("lotsin"))


def lotse_unit_id(session, lotse) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(Pilot.unit_id).where(Pilot.id == lotse.pilot_id)).one()


def import_pilot(engine, *, unit_code: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """A Lotsin named in Markdown, through the import (the only way Lotsen come in)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow(["Name", "E-Mail", "Organisationseinheit (Kürzel)", "Stufe", "Seit", "Stunden pro Woche"])
    writer.writerow([name, "markdown@stadt.example", unit_code, "aktiv", "01.03.2026", "2"])
    parsed = exchange.read_upload(files=[("Lotsen.csv", buffer.getvalue().encode("utf-8"))])
    with read_session(engine) as session:
        plan = exchange.plan_import(session=session, parsed=parsed)
    assert not plan.errors, [error.line() for error in plan.errors]
    with write_session(engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo")


@pytest.fixture(scope="module")
def md_url(tmp_path_factory: pytest.TempPathFactory, outside: Outside) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('markdown') / 'lotsen.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_store, "hash_password", lambda password: hash_password(password, rounds=4))
        write_names(engine, outside)
    engine.dispose()
    log = tmp_path_factory.mktemp("markdown-server") / "streamlit.log"
    with streamlit_server(url, cookie_key=new_cookie_key(), log_file=log) as base_url:
        yield base_url


def reaching_out(page: Page, outside: Outside) -> list[str]:
    """Links and images (or anything with a URL) in the page that point at the outside server."""
    return page.evaluate(
        """(base) => [...document.querySelectorAll('[href], [src], [srcset], [poster], [data]')]
            .map(e => e.outerHTML.slice(0, 200))
            .filter(html => html.includes(base))""",
        outside.base,
    )


def shows(page: Page, text: str) -> bool:
    """Whether the page shows `text` as typed (waits for it like Playwright's own assertions).

    White space counts as one space and the invisible word joiners are left out, as for a reader.
    """
    try:
        page.wait_for_function(
            """(text) => {
                const main = document.querySelector('[data-testid=stMain]');
                const shown = (main ? main.textContent : '').replaceAll('\u2060', '').replace(/\\s+/g, ' ');
                return shown.includes(text);
            }""",
            arg=" ".join(text.split()),
            timeout=SHOWN_WITHIN * 1000,
        )
    except PlaywrightTimeoutError:
        return False
    return True


def visit_all(browser: Browser, md_url: str, outside: Outside, account: tuple[str, str], pages) -> list[str]:  # type: ignore[no-untyped-def]
    """Open every page filtered to the Markdown Dezernat; what reached out or was not shown as typed."""
    username, password = account
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=md_url)
    context.set_default_timeout(30_000)
    watch = Watch()
    context.on("console", watch.console)
    context.on("weberror", lambda error: watch.errors.append(str(error.error)))
    link = f"dez={quote(dezernat_code(outside), safe='')}"
    name = outside.all_in_one("dezernat")
    heading = f"Einheiten in {dezernat_code(outside)} – {name}"
    problems: list[str] = []
    try:
        page = logged_in(context, username, password)
        for path, title in pages:
            page.goto(f"{path}{'&' if '?' in path else '?'}{link}")
            wait_for_app(page)
            if title is not None:
                expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
            nothing_ran(page, watch, path)
            where = f"{username} {path}"
            problems += [f"{where}: {element}" for element in reaching_out(page, outside)]
            if path in FILTER_CAPTION and not shows(page, name):
                problems.append(f"{where}: the Dezernat's name is not shown as typed")
            if path == "/abdeckung":
                shown = page.get_by_role("heading", name=re.compile("^Einheiten in "), level=3).text_content()
                if (shown or "").replace(JOINER, "") != heading:
                    problems.append(f"{where}: heading {shown!r}")
    finally:
        context.close()
    return problems


def test_markdown_in_names_fetches_nothing_and_draws_no_link_for_any_role(
    browser: Browser, md_url: str, outside: Outside
) -> None:
    problems = visit_all(browser, md_url, outside, (MD_ADMIN, MD_PASSWORD), ADMIN_PAGES)
    problems += visit_all(browser, md_url, outside, ("md-leitung", MD_PASSWORD), LEITUNG_PAGES)
    problems += visit_all(browser, md_url, outside, ("lotse", DEMO_PASSWORD), LOTSE_PAGES)
    visited = len(ADMIN_PAGES) + len(LEITUNG_PAGES) + len(LOTSE_PAGES)
    print(f"\n{visited} pages visited; {len(outside.requests)} requests reached the outside server")
    assert problems == [], "\n".join(problems)
    assert outside.requests == [], (
        f"{len(outside.requests)} requests reached the outside server: {outside.requests}"
    )
