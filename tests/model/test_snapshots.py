"""Meeting snapshots: saved by admin only, aggregates only, and what changed since (known answers).

The city: Dezernat X with four Ämter U1–U4 (Soll 1 each), one Lotse each; four measures, two phases.
Snapshot A: U1 covered. Then two Lotsen qualify (U2, U3 newly covered: k = 2), three measures change
status (m = 3), one phase is delayed by three months. Snapshot B is taken after that.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlmodel import select

from model.core.audit import AlreadySaved
from model.core.db import read_session, write_session
from model.core.enums import MeasureStatus, PhaseStatus, PilotStage, Role, UnitKind
from model.core.tables import (
    AppUser,
    AuditEntry,
    Measure,
    MeetingSnapshot,
    OrgUnit,
    Phase,
    Pilot,
    PilotStageChange,
)
from model.deck import slides as deck
from model.deck.pdf import pdf_bytes
from model.deck.powerpoint import pptx_bytes
from model.meetings import snapshots
from tests.support.actors import admin

K_UNITS = 2
M_STATUS = 3
NAMES = ("Ada Beispiel", "Bert Muster", "Carla Probe", "Dora Test")


def _stage(session, pilot: Pilot, stage: PilotStage, on: date) -> None:  # type: ignore[no-untyped-def]
    session.add(
        PilotStageChange(
            pilot_id=pilot.id,
            unit_id=pilot.unit_id,
            from_stage=pilot.stage,
            to_stage=stage.value,
            changed_on=on,
        )
    )
    pilot.stage, pilot.stage_since = stage.value, on
    session.add(pilot)


@pytest.fixture
def city(engine, fake_clock):  # type: ignore[no-untyped-def]
    with write_session(engine) as session:
        for username, role in (("cdo", Role.ADMIN), ("leitung", Role.LEITUNG)):
            session.add(AppUser(username=username, display_name=username, role=role.value, password_hash="x"))
        top = OrgUnit(code="Dez X", name="Dezernat X", kind=UnitKind.DEZERNAT.value)
        session.add(top)
        session.flush()
        for number, name in enumerate(NAMES, start=1):
            unit = OrgUnit(
                code=f"U{number}", name=f"Amt U{number}", kind=UnitKind.AMT.value, parent_id=top.id
            )
            session.add(unit)
            session.flush()
            pilot = Pilot(
                name=name,
                email=f"p{number}@example.org",
                unit_id=unit.id,
                stage=PilotStage.NOMINATED.value,
                stage_since=date(2026, 1, 5),
            )
            session.add(pilot)
            session.flush()
            _stage(session, pilot, PilotStage.IN_TRAINING, date(2026, 3, 1))
        session.flush()
        _stage(
            session,
            session.exec(select(Pilot).where(Pilot.name == NAMES[0])).one(),
            PilotStage.QUALIFIED,
            date(2026, 6, 1),
        )
        for number in range(1, 5):
            session.add(
                Measure(title=f"Maßnahme {number}", category="internal", status=MeasureStatus.PLANNED.value)
            )
        session.add(
            Phase(
                name="Konzept",
                position=1,
                planned_start=date(2026, 1, 1),
                planned_end=date(2026, 3, 31),
                status="done",
            )
        )
        session.add(
            Phase(
                name="Auswahl",
                position=2,
                planned_start=date(2026, 4, 1),
                planned_end=date(2026, 12, 31),
                status="running",
            )
        )
    return engine


def take(engine, title: str, held_on: date, actor: str = "cdo") -> int:  # type: ignore[no-untyped-def]
    with write_session(engine) as session:
        data = snapshots.MeetingInput(title=title, held_on=held_on)
        return int(snapshots.take_snapshot(session=session, actor=admin(actor), data=data).id)


def change_things(engine) -> None:  # type: ignore[no-untyped-def]
    """k = 2 units newly covered, m = 3 status changes, one phase slips by a quarter."""
    with write_session(engine) as session:
        for name in NAMES[1:3]:
            pilot = session.exec(select(Pilot).where(Pilot.name == name)).one()
            _stage(session, pilot, PilotStage.QUALIFIED, date(2026, 11, 23))
        new_status = (MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.DEFERRED)
        for number, status in enumerate(new_status, start=1):
            measure = session.exec(select(Measure).where(Measure.title == f"Maßnahme {number}")).one()
            measure.status = status.value
            session.add(measure)
        phase = session.exec(select(Phase).where(Phase.name == "Auswahl")).one()
        phase.status, phase.planned_end = PhaseStatus.DELAYED.value, date(2027, 3, 31)
        session.add(phase)


@pytest.fixture
def two_snapshots(city, fake_clock):  # type: ignore[no-untyped-def]
    first = take(city, "Sitzung vom 26.10.2026", date(2026, 10, 26))
    fake_clock.advance(hours=1)
    change_things(city)
    second = take(city, "Sitzung vom 23.11.2026", date(2026, 11, 23))
    return city, first, second


def compare(engine, snapshot_id: int, against_id: int | None = None) -> snapshots.Comparison:  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return snapshots.compare(session=session, snapshot_id=snapshot_id, against_id=against_id)


def test_comparison_with_the_older_snapshot_finds_k_units_and_m_status_changes(two_snapshots) -> None:
    engine, first, _second = two_snapshots

    result = compare(engine, first)

    assert len(result.units_newly_covered) == K_UNITS
    assert result.units_newly_covered == ("U2 – Amt U2", "U3 – Amt U3")
    assert result.units_no_longer_covered == ()
    assert result.pilots_newly_qualified == 2
    assert [(c.title, c.before, c.now) for c in result.measure_changes] == [
        ("Maßnahme 1", "geplant", "in Umsetzung"),
        ("Maßnahme 2", "geplant", "abgeschlossen"),
        ("Maßnahme 3", "geplant", "zurückgestellt"),
    ]
    assert len(result.measure_changes) == M_STATUS
    (phase,) = result.phase_changes
    assert (phase.name, phase.status_before, phase.status_now) == ("Auswahl", "läuft", "verzögert")
    assert (phase.end_before, phase.end_now, phase.slipped) == (date(2026, 12, 31), date(2027, 3, 31), True)
    figures = {figure.name: (figure.before, figure.now) for figure in result.figures}
    assert figures["Organisationseinheiten abgedeckt"] == (1, 3)
    assert figures["Abdeckung"] == (0.25, 0.75)


def test_two_snapshots_compare_like_now_and_nothing_changed_since_the_newer(two_snapshots) -> None:
    engine, first, second = two_snapshots

    between = compare(engine, first, against_id=second)
    since_newer = compare(engine, second)

    assert (len(between.units_newly_covered), len(between.measure_changes)) == (K_UNITS, M_STATUS)
    assert between.snapshot.title == "Sitzung vom 26.10.2026"
    assert since_newer.units_newly_covered == () and since_newer.measure_changes == ()
    assert since_newer.pilots_newly_qualified == 0 and since_newer.phase_changes == ()


def since_figures(slide) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {figure.label: (figure.value, figure.note) for figure in slide.figures}


def test_the_comparison_slide_shows_the_change_with_arrows_and_words(two_snapshots) -> None:
    engine, first, _second = two_snapshots

    with read_session(engine) as session:
        slide = deck.build_deck(session=session, snapshot_id=first).slides[4]

    assert slide.title == "Seit der letzten Sitzung"
    assert since_figures(slide) == {
        "Organisationseinheiten abgedeckt": ("3 von 4", "▲ 2 mehr als am 26.10.2026 – besser"),
        "Fehlende Lotsen": ("1", "▼ 2 weniger als am 26.10.2026 – besser"),
        "Lotsinnen und Lotsen qualifiziert oder aktiv": ("3", "▲ 2 mehr als am 26.10.2026 – besser"),
        "Offene Unterstützungswünsche": ("0", "= unverändert seit 26.10.2026"),
    }
    assert slide.subtitle == "Vergleich mit „Sitzung vom 26.10.2026“ (Sitzung am 26.10.2026)"
    assert slide.lines[0] == (
        "Abdeckung 25 % → 75 % · Lotsinnen und Lotsen im Programm 4 → 4 · Phasen verschoben: 1 · "
        f"Maßnahmen mit neuem Status: {M_STATUS}"
    )
    assert ("Maßnahme", "Maßnahme 2", "geplant → abgeschlossen") in slide.table.rows
    assert ("Einheit neu abgedeckt", "U2 – Amt U2", "Soll erreicht") in slide.table.rows


def test_closing_todays_meeting_keeps_the_change_on_its_slide_and_deck(two_snapshots) -> None:
    # The fixture saved a meeting on 26.10., changed data, then closed today's meeting (23.11.).
    engine, _first, _second = two_snapshots

    with read_session(engine) as session:
        built = deck.build_deck(session=session)
    slide = built.slides[4]

    assert slide.subtitle == "Vergleich mit „Sitzung vom 26.10.2026“ (Sitzung am 26.10.2026)"
    assert since_figures(slide)["Organisationseinheiten abgedeckt"] == (
        "3 von 4",
        "▲ 2 mehr als am 26.10.2026 – besser",
    )
    page = 1 + built.slides.index(slide)
    pdf = " ".join(PdfReader(io.BytesIO(pdf_bytes(built))).pages[page].extract_text().split())
    assert "▲ 2 mehr als am 26.10.2026 – besser" in pdf and "Vergleich mit „Sitzung vom 26.10.2026“" in pdf
    pptx = Presentation(io.BytesIO(pptx_bytes(built))).slides[page]
    texts = [shape.text_frame.text for shape in pptx.shapes if shape.has_text_frame]
    assert "▼ 2 weniger als am 26.10.2026 – besser" in texts


def test_a_change_for_the_worse_says_so(city, fake_clock) -> None:
    take(city, "Sitzung vom 26.10.2026", date(2026, 10, 26))
    with write_session(city) as session:
        ada = session.exec(select(Pilot).where(Pilot.name == NAMES[0])).one()
        _stage(session, ada, PilotStage.PAUSED, date(2026, 11, 23))  # U1 loses its trained Lotsin

    with read_session(city) as session:
        slide = deck.build_deck(session=session).slides[4]

    assert since_figures(slide)["Organisationseinheiten abgedeckt"] == (
        "0 von 4",
        "▼ 1 weniger als am 26.10.2026 – schlechter",
    )
    assert since_figures(slide)["Fehlende Lotsen"] == ("4", "▲ 1 mehr als am 26.10.2026 – schlechter")
    assert ("Einheit nicht mehr abgedeckt", "U1 – Amt U1", "unter Soll") in slide.table.rows


def test_a_meeting_closed_today_is_no_baseline_for_today(city, fake_clock) -> None:
    take(city, "Sitzung vom 23.11.2026", date(2026, 11, 23))

    with read_session(city) as session:
        assert snapshots.baseline(session=session, before=date(2026, 11, 23)) is None
        slide = deck.build_deck(session=session).slides[4]
        tomorrow = snapshots.baseline(session=session, before=date(2026, 11, 24))
    assert slide.lines == (deck.NO_MEETING_YET,)
    assert tomorrow is not None and tomorrow.title == "Sitzung vom 23.11.2026"


def test_closing_the_same_meeting_twice_stores_it_once(city, fake_clock) -> None:
    take(city, "Sitzung vom 23.11.2026", date(2026, 11, 23))

    with pytest.raises(AlreadySaved, match="bereits abgeschlossen"):
        take(city, "Sitzung vom 23.11.2026", date(2026, 11, 23))
    with read_session(city) as session:
        assert len(snapshots.list_snapshots(session=session)) == 1


def test_an_old_snapshot_without_missing_lotsen_is_compared_from_its_units(two_snapshots) -> None:
    engine, first, _second = two_snapshots
    with write_session(engine) as session:
        saved = session.get(MeetingSnapshot, first)
        payload = json.loads(saved.payload)
        for key in ("target_total", "missing_total"):
            payload["key_figures"].pop(key)
        saved.payload = json.dumps(payload)
        session.add(saved)

    figures = {figure.name: (figure.before, figure.now) for figure in compare(engine, first).figures}

    assert figures["Fehlende Lotsen"] == (3, 1)


def test_a_snapshot_holds_aggregates_only_and_is_audited(two_snapshots) -> None:
    engine, first, _second = two_snapshots

    with read_session(engine) as session:
        saved = session.get(MeetingSnapshot, first)
        audit = session.exec(select(AuditEntry).where(AuditEntry.entity == "meeting_snapshot")).all()

    payload = json.loads(saved.payload)
    assert not any(name in saved.payload for name in NAMES)
    assert "@example.org" not in saved.payload
    assert payload["key_figures"]["units_covered"] == 1
    unit_one = next(unit for unit in payload["units"].values() if unit["code"] == "U1")
    assert unit_one == {"code": "U1", "name": "Amt U1", "soll": 1, "stages": {"qualified": 1}}
    assert payload["measures"][str(1)] == ["Maßnahme 1", "planned"]
    assert {phase["name"]: phase["status"] for phase in payload["phases"].values()} == {
        "Konzept": "done",
        "Auswahl": "running",
    }
    assert [(entry.actor, entry.action, entry.entity_id) for entry in audit] == [
        ("cdo", "create", str(first)),
        ("cdo", "create", str(first + 1)),
    ]
    assert json.loads(audit[0].changes) == {
        "held_on": [None, "2026-10-26"],
        "title": [None, "Sitzung vom 26.10.2026"],
    }


def test_snapshots_are_listed_latest_meeting_first(two_snapshots) -> None:
    engine, first, second = two_snapshots

    with read_session(engine) as session:
        listed = snapshots.list_snapshots(session=session)

    assert [(info.id, info.title, info.held_on) for info in listed] == [
        (second, "Sitzung vom 23.11.2026", date(2026, 11, 23)),
        (first, "Sitzung vom 26.10.2026", date(2026, 10, 26)),
    ]


@pytest.mark.parametrize(
    ("actor", "title", "error", "message"),
    [
        ("leitung", "Sitzung vom 23.11.2026", PermissionError, "Nur das CDO-Büro"),
        ("unbekannt", "Sitzung vom 23.11.2026", PermissionError, "Nur das CDO-Büro"),
        ("cdo", "   ", snapshots.SnapshotError, "Bitte einen Titel angeben"),
        ("cdo", "x" * 201, snapshots.SnapshotError, "höchstens 200 Zeichen"),
    ],
)
def test_bad_snapshots_are_refused_and_change_nothing(city, actor, title, error, message) -> None:
    with pytest.raises(error, match=message):
        take(city, title, date(2026, 11, 23), actor=actor)

    with read_session(city) as session:
        assert session.exec(select(MeetingSnapshot)).all() == []
        assert session.exec(select(AuditEntry)).all() == []


def test_an_unknown_snapshot_gives_a_german_message(city) -> None:
    with pytest.raises(snapshots.SnapshotError, match="gibt es nicht"):
        compare(city, 999)


def test_a_damaged_snapshot_is_named_on_the_slide_instead_of_breaking_it(city) -> None:
    with write_session(city) as session:
        session.add(MeetingSnapshot(title="Alte Sitzung", held_on=date(2026, 1, 1), payload="{kaputt"))

    with read_session(city) as session:
        slide = deck.build_deck(session=session).slides[4]

    assert slide.lines == ("Der Sitzungsstand „Alte Sitzung“ ist beschädigt.",)
