"""Ideas of Lotsen: submitted once, seen only by the CDO-Büro and the author until triaged, then
accepted into the roadmap or declined with a reason the author sees."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from model.core.audit import AlreadySaved
from model.core.db import read_session, write_session
from model.core.enums import Category, IdeaStatus, MeasureStatus
from model.core.tables import AuditEntry, Idea, Measure
from model.roadmap import ideas
from model.roadmap import reads as roadmap
from model.roadmap.reads import MeasureFilter
from tests.model.test_pilot_commands import TODAY, World, build_world


@pytest.fixture
def world(engine, fake_clock) -> World:
    return build_world(engine)


def submit(world: World, title: str = "Terminbuchung online", *, actor=None, pilot_id=None) -> Idea:  # type: ignore[no-untyped-def]
    with write_session(world.engine) as session:
        return ideas.submit_idea(
            session=session,
            actor=actor or world.lotse_anna,
            data=ideas.NewIdea(
                pilot_id=pilot_id or world.anna,
                title=title,
                description="Bürger*innen buchen Termine selbst.",
                category=Category.EGOV_OZG.value,
            ),
        )


def count(world: World, model) -> int:  # type: ignore[no-untyped-def]
    with read_session(world.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_an_idea_waits_for_the_cdo_and_is_no_measure(world) -> None:
    idea = submit(world)

    assert (idea.status, idea.unit_id, idea.pilot_id, idea.submitted_on) == (
        IdeaStatus.OPEN.value,
        world.unit_a,
        world.anna,
        TODAY,
    )
    assert count(world, Measure) == 0
    with read_session(world.engine) as session:
        on_the_roadmap = roadmap.measure_table(session=session, filters=MeasureFilter(), limit=100)
        waiting = ideas.open_ideas(session=session, viewer=world.admin)
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "idea")).one()
    assert on_the_roadmap.empty
    assert waiting["title"].tolist() == ["Terminbuchung online"]
    assert waiting["submitted_by"].tolist() == ["Anna Musterfrau"]
    assert json.loads(entry.changes)["title"] == [None, "Terminbuchung online"]


@pytest.mark.parametrize("viewer", ["leitung", "lotse_bert"])
def test_nobody_but_the_cdo_lists_open_ideas(world, viewer) -> None:
    submit(world)

    with read_session(world.engine) as session, pytest.raises(PermissionError):
        ideas.open_ideas(session=session, viewer=getattr(world, viewer))
    with read_session(world.engine) as session, pytest.raises(PermissionError):
        ideas.own_ideas(session=session, viewer=getattr(world, viewer), pilot_id=world.anna)


def test_a_second_tap_is_not_stored_again(world) -> None:
    submit(world)

    with pytest.raises(AlreadySaved, match="bereits eingereicht"):
        submit(world)
    assert count(world, Idea) == 1


def test_the_same_title_later_is_explained(world, fake_clock) -> None:
    submit(world)
    fake_clock.advance(minutes=30)

    with pytest.raises(ideas.IdeaError, match="schon eingereicht; das CDO-Büro prüft sie noch"):
        submit(world, "TERMINBUCHUNG online")
    with pytest.raises(ideas.IdeaError, match="liegt dem CDO-Büro schon vor"):
        submit(world, "Terminbuchung online", actor=world.lotse_bert, pilot_id=world.bert)
    assert count(world, Idea) == 1


@pytest.mark.parametrize(
    ("title", "category", "message"),
    [
        ("Kurz", "egov_ozg", "mindestens 5 Zeichen"),
        ("Neue Idee für alle", "wishful", "Kategorie"),
        ("Chatbot im Bürgeramt", "egov_ozg", "gibt es schon die Maßnahme „Chatbot im Bürgeramt“"),
    ],
)
def test_bad_ideas_are_refused_in_german(world, title, category, message) -> None:
    with write_session(world.engine) as session:
        session.add(Measure(title="Chatbot im Bürgeramt", category="egov_ozg", status="planned"))
    with pytest.raises(ideas.IdeaError, match=message), write_session(world.engine) as session:
        ideas.submit_idea(
            session=session,
            actor=world.lotse_anna,
            data=ideas.NewIdea(pilot_id=world.anna, title=title, description=None, category=category),
        )
    assert count(world, Idea) == 0


def test_a_lotse_cannot_submit_for_someone_else(world) -> None:
    with pytest.raises(PermissionError):
        submit(world, actor=world.lotse_bert, pilot_id=world.anna)


def test_accepting_puts_the_idea_on_the_roadmap(world) -> None:
    idea = submit(world)

    with write_session(world.engine) as session:
        measure = ideas.accept_idea(
            session=session,
            actor=world.admin,
            data=ideas.IdeaAcceptance(
                idea_id=idea.id,
                expected_version=1,
                title="Online-Terminbuchung im Bürgeramt",
                category=Category.EGOV_OZG.value,
                status=MeasureStatus.PLANNED.value,
                note="Kommt mit dem neuen Portal.",
            ),
        )
    with read_session(world.engine) as session:
        stored = session.get(Idea, idea.id)
        mine = ideas.own_ideas(session=session, viewer=world.lotse_anna, pilot_id=world.anna)
        waiting = ideas.open_idea_count(session=session, viewer=world.admin)
    assert (measure.title, measure.status, measure.unit_id, measure.submitted_by_pilot_id) == (
        "Online-Terminbuchung im Bürgeramt",
        "planned",
        world.unit_a,
        world.anna,
    )
    assert (stored.status, stored.measure_id, stored.decided_by) == ("accepted", measure.id, "cdo")
    assert waiting == 0
    assert mine.iloc[0][["Stand", "Antwort des CDO-Büros"]].tolist() == [
        "in die Roadmap aufgenommen",
        "Kommt mit dem neuen Portal.",
    ]


def test_declining_needs_a_reason_that_the_author_sees(world) -> None:
    idea = submit(world)

    with pytest.raises(ideas.IdeaError, match="Begründung"), write_session(world.engine) as session:
        ideas.decline_idea(
            session=session,
            actor=world.admin,
            data=ideas.IdeaDecline(idea_id=idea.id, expected_version=1, reason=" "),
        )
    with write_session(world.engine) as session:
        ideas.decline_idea(
            session=session,
            actor=world.admin,
            data=ideas.IdeaDecline(
                idea_id=idea.id,
                expected_version=1,
                reason="Das Land stellt 2027 einen Terminbuchungsdienst bereit.",
            ),
        )
    with read_session(world.engine) as session:
        mine = ideas.own_ideas(session=session, viewer=world.lotse_anna, pilot_id=world.anna)
    assert mine.iloc[0][["Titel", "Stand", "Antwort des CDO-Büros"]].tolist() == [
        "Terminbuchung online",
        "nicht aufgenommen",
        "Das Land stellt 2027 einen Terminbuchungsdienst bereit.",
    ]
    assert count(world, Measure) == 0


def test_a_second_decision_on_the_same_idea_is_refused(world) -> None:
    idea = submit(world)
    with write_session(world.engine) as session:
        ideas.decline_idea(
            session=session,
            actor=world.admin,
            data=ideas.IdeaDecline(idea_id=idea.id, expected_version=1, reason="Nein."),
        )

    stale = pytest.raises(ideas.StaleIdeaError, match="inzwischen jemand anderes entschieden")
    with stale, write_session(world.engine) as session:
        ideas.accept_idea(
            session=session,
            actor=world.admin,
            data=ideas.IdeaAcceptance(
                idea_id=idea.id,
                expected_version=1,
                title="Terminbuchung online",
                category="egov_ozg",
                status="planned",
            ),
        )
    assert count(world, Measure) == 0


@pytest.mark.parametrize("actor", ["leitung", "lotse_anna"])
def test_only_the_cdo_decides(world, actor) -> None:
    idea = submit(world)

    with pytest.raises(PermissionError), write_session(world.engine) as session:
        ideas.decline_idea(
            session=session,
            actor=getattr(world, actor),
            data=ideas.IdeaDecline(idea_id=idea.id, expected_version=1, reason="x"),
        )
