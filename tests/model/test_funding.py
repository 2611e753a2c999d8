"""Förderprogramme: deadline order and overdue marks, pipeline, totals, linked measures, commands."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from model.core.db import read_session, write_session
from model.core.guard import AdminError, StaleEditError
from model.core.tables import AppUser, AuditEntry, FundingProgramme, Measure
from model.funding import programmes as funding
from model.funding.programmes import DeadlineState
from tests.support.actors import admin

AS_OF = date(2026, 11, 23)
PROGRAMMES = [
    # name, status, deadline, applied, granted
    ("P1 bald", "identified", date(2026, 12, 10), 0, 0),
    ("P2 später", "identified", date(2027, 3, 1), 0, 0),
    ("P3 verpasst", "identified", date(2026, 11, 1), 0, 0),
    ("P4 beantragt", "applied", date(2026, 6, 1), 100_000, 0),
    ("P5 bewilligt", "granted", date(2026, 3, 1), 200_000, 150_000),
    ("P6 abgelehnt", "rejected", date(2026, 2, 1), 50_000, 0),
    ("P7 ohne Frist", "identified", None, 0, 0),
]


@pytest.fixture
def ids(engine) -> dict[str, int]:
    found = {}
    with write_session(engine) as session:
        session.add(AppUser(username="cdo", display_name="CDO", role="admin", password_hash="x"))
        for name, status, deadline, applied, granted in PROGRAMMES:
            programme = FundingProgramme(
                name=name,
                donor="land",
                status=status,
                deadline=deadline,
                amount_applied=applied,
                amount_granted=granted,
            )
            session.add(programme)
            session.flush()
            found[name] = programme.id
        for title in ("Digitale Bauakte", "Smart Parking"):
            session.add(
                Measure(title=title, category="internal", status="planned", funding_id=found["P5 bewilligt"])
            )
    return found


def test_timeline_shows_next_deadlines_first_and_marks_overdue(engine, ids) -> None:
    with read_session(engine) as session:
        frame = funding.funding_timeline(session=session, as_of=AS_OF)
    assert list(frame["name"]) == [
        "P1 bald",
        "P2 später",
        "P3 verpasst",
        "P7 ohne Frist",
        "P4 beantragt",
        "P5 bewilligt",
        "P6 abgelehnt",
    ]
    states = dict(zip(frame["name"], frame["state"], strict=True))
    assert states["P1 bald"] == DeadlineState.DUE_SOON
    assert states["P2 später"] == DeadlineState.OPEN
    assert states["P3 verpasst"] == DeadlineState.OVERDUE
    assert states["P4 beantragt"] == DeadlineState.SUBMITTED
    assert dict(zip(frame["name"], frame["days_left"], strict=True))["P1 bald"] == 17


def test_pipeline_in_order_with_amounts(engine, ids) -> None:
    with read_session(engine) as session:
        frame = funding.funding_pipeline(session=session)
    assert list(frame["status"]) == ["identified", "applied", "granted", "rejected"]
    assert list(frame["programmes"]) == [4, 1, 1, 1]
    assert list(frame["amount_applied"]) == [0, 100_000, 200_000, 50_000]
    assert list(frame["amount_granted"]) == [0, 0, 150_000, 0]


def test_totals_applied_versus_granted(engine, ids) -> None:
    with read_session(engine) as session:
        totals = funding.funding_totals(session=session)
    assert (totals.applied, totals.granted, totals.pending) == (350_000, 150_000, 100_000)
    assert totals.success_rate == pytest.approx(0.6)  # 150.000 of the 250.000 decided


def test_linked_measures_per_programme(engine, ids) -> None:
    with read_session(engine) as session:
        linked = funding.measures_of_programme(session=session, funding_id=ids["P5 bewilligt"])
        listing = funding.funding_programmes(session=session).set_index("name")
    assert list(linked["title"]) == ["Digitale Bauakte", "Smart Parking"]
    assert listing.loc["P5 bewilligt", "measures"] == 2
    assert listing.loc["P1 bald", "measures"] == 0


VALUES = {
    "name": "Gigabitförderung Bund",
    "donor": "bund",
    "deadline": date(2027, 1, 31),
    "amount_applied": 0,
    "amount_granted": 0,
    "status": "identified",
}


def test_create_update_and_audit(engine, ids) -> None:
    with write_session(engine) as session:
        created = funding.create_programme(
            session=session, actor=admin(), data=funding.ProgrammeInput(**VALUES)
        )
    with write_session(engine) as session:
        funding.update_programme(
            session=session,
            actor=admin(),
            data=funding.ProgrammeEdit(
                programme_id=created.id,
                expected_version=1,
                **(VALUES | {"status": "applied", "amount_applied": "250.000"}),
            ),
        )
    with read_session(engine) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.entity == "funding_programme", AuditEntry.action == "update")
        ).one()
        stored = session.get(FundingProgramme, created.id)
    assert json.loads(entry.changes) == {
        "status": ["identified", "applied"],
        "amount_applied": [0.0, 250_000.0],
    }
    assert stored.version == 2
    with pytest.raises(StaleEditError), write_session(engine) as session:
        funding.update_programme(
            session=session,
            actor=admin(),
            data=funding.ProgrammeEdit(programme_id=created.id, expected_version=1, **VALUES),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "P1 bald"}, "gibt es schon"),
        ({"status": "applied"}, "beantragten Betrag"),
        ({"status": "applied", "amount_applied": 10, "amount_granted": 5}, "nur beim Status „bewilligt“"),
        ({"amount_applied": -1}, "von 0 bis"),
        ({"donor": "nato"}, "Geber"),
        ({"deadline": "bald"}, "Frist"),
    ],
)
def test_bad_values_are_refused(engine, ids, changes, message) -> None:
    with pytest.raises(AdminError, match=message), write_session(engine) as session:
        funding.create_programme(
            session=session, actor=admin(), data=funding.ProgrammeInput(**(VALUES | changes))
        )


def test_a_programme_with_linked_measures_is_not_deleted(engine, ids) -> None:
    with pytest.raises(AdminError, match="mit 2 Maßnahme"), write_session(engine) as session:
        funding.delete_programme(
            session=session, actor=admin(), data=funding.ProgrammeDeletion(ids["P5 bewilligt"], 1)
        )
    with write_session(engine) as session:
        funding.delete_programme(
            session=session, actor=admin(), data=funding.ProgrammeDeletion(ids["P7 ohne Frist"], 1)
        )
    with read_session(engine) as session:
        assert session.get(FundingProgramme, ids["P7 ohne Frist"]) is None
