"""Ideas of Lotsen for the roadmap, and their triage by the CDO-Büro.

An idea is not a measure: until the CDO-Büro decides, only the CDO-Büro and its author see it
(leitung, the presentation and other Lotsen never do). Accepted, it becomes a measure of the
roadmap; declined, its author sees the reason on Mein Status. Every command is one step of the
caller's transaction with its audit row; who may act is checked here, not only in the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.actor import Actor, check_admin, check_person_access
from model.core.audit import AlreadySaved, record_audit, repeated_create
from model.core.enums import Category, IdeaStatus, MeasureStatus, label, labels_of
from model.core.errors import DomainError
from model.core.german import fmt_number
from model.core.statements import select_columns
from model.core.tables import Idea, Measure, OrgUnit, Pilot

TITLE_MIN, TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 5, 200, 4000, 1000
# What an accepted idea becomes on the roadmap: an idea to score, or planned at once.
ACCEPTED_AS = (MeasureStatus.IDEA.value, MeasureStatus.PLANNED.value)
ENTITY = "idea"


class IdeaError(DomainError, ValueError):
    """A German reason why an idea was not submitted or decided; nothing was changed."""


class StaleIdeaError(IdeaError):
    """Someone else decided on the idea since it was shown."""


def _text(value: str | None, *, limit: int, what: str, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise IdeaError(f"{what}: Bitte ausfüllen.")
        return None
    if len(text) > limit:
        raise IdeaError(f"{what}: höchstens {fmt_number(limit)} Zeichen (jetzt {fmt_number(len(text))}).")
    return text


def _title(value: str | None) -> str:
    title = _text(value, limit=TITLE_MAX, what="Titel", required=True)
    assert title is not None
    if len(title) < TITLE_MIN:
        raise IdeaError(f"Titel: Bitte mindestens {TITLE_MIN} Zeichen, damit andere die Idee verstehen.")
    return title


def _category(value: str) -> str:
    if value not in {item.value for item in Category}:
        raise IdeaError("Kategorie: Bitte eine Kategorie aus der Liste wählen.")
    return value


def _measure_with_title(session: Session, title: str) -> Measure | None:
    return session.exec(select(Measure).where(func.lower(Measure.title) == title.lower())).first()


@dataclass(frozen=True)
class NewIdea:
    pilot_id: int
    title: str
    description: str | None
    category: str


def submit_idea(*, session: Session, actor: Actor, data: NewIdea) -> Idea:
    """A Lotse proposes an idea for the own unit; it waits for the CDO-Büro's decision."""
    pilot_id, title, description, category = data.pilot_id, data.title, data.description, data.category
    check_person_access(actor, pilot_id)
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or pilot.anonymised:
        raise IdeaError("Für diese Person können keine Ideen mehr eingereicht werden.")
    clean_title = _title(title)
    text = _text(description, limit=DESCRIPTION_MAX, what="Beschreibung")
    changes = {
        "title": (None, clean_title),
        "description": (None, text),
        "category": (None, _category(category)),
        "unit_id": (None, pilot.unit_id),
        "pilot_id": (None, pilot_id),
    }
    repeat = repeated_create(session=session, actor=actor.username, entity=ENTITY, changes=changes)
    if repeat is not None:
        raise AlreadySaved(
            f"Ihre Idee „{clean_title}“ ist bereits eingereicht und wurde nicht ein zweites Mal gespeichert.",
            entity_id=repeat.entity_id,
        )
    existing = _measure_with_title(session, clean_title)
    if existing is not None:
        raise IdeaError(
            f"Auf der Roadmap gibt es schon die Maßnahme „{existing.title}“. Meint Ihre Idee dasselbe, "
            "ist sie schon aufgenommen; meint sie etwas anderes, geben Sie ihr bitte einen Titel, der den "
            "Unterschied nennt."
        )
    waiting = session.exec(
        select(Idea).where(
            func.lower(Idea.title) == clean_title.lower(), Idea.status == IdeaStatus.OPEN.value
        )
    ).first()
    if waiting is not None:
        mine = waiting.pilot_id == pilot_id
        raise IdeaError(
            "Sie haben diese Idee schon eingereicht; das CDO-Büro prüft sie noch."
            if mine
            else "Eine Idee mit diesem Titel liegt dem CDO-Büro schon vor. Wenn Ihre etwas anderes meint, "
            "geben Sie ihr bitte einen Titel, der den Unterschied nennt."
        )
    idea = Idea(
        title=clean_title,
        description=text,
        category=category,
        unit_id=pilot.unit_id,
        pilot_id=pilot_id,
        submitted_on=clock.today(),
    )
    session.add(idea)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity=ENTITY,
        entity_id=idea.id,
        changes=changes,
    )
    return idea


def _open_idea(session: Session, idea_id: int, expected_version: int) -> Idea:
    idea = session.get(Idea, idea_id, with_for_update=True)
    if idea is None:
        raise IdeaError("Diese Idee gibt es nicht (mehr).")
    session.refresh(idea)
    if idea.version != expected_version or idea.status != IdeaStatus.OPEN.value:
        raise StaleIdeaError(
            f"Über die Idee „{idea.title}“ hat inzwischen jemand anderes entschieden; "
            "die Liste zeigt jetzt den aktuellen Stand."
        )
    return idea


# The CDO-Büro's decision to take an idea: the measure's title, category and status.
@dataclass(frozen=True)
class IdeaAcceptance:
    idea_id: int
    expected_version: int
    title: str
    category: str
    status: str
    note: str | None = None


def accept_idea(*, session: Session, actor: Actor, data: IdeaAcceptance) -> Measure:
    """The CDO-Büro takes the idea into the roadmap as a measure ("Idee" to be scored, or "geplant")."""
    idea_id, expected_version, title, status = data.idea_id, data.expected_version, data.title, data.status
    category, note = data.category, data.note
    check_admin(actor)
    idea = _open_idea(session, idea_id, expected_version)
    clean_title = _title(title)
    if status not in ACCEPTED_AS:
        raise IdeaError("Status: Bitte „Idee“ oder „geplant“ wählen.")
    if _measure_with_title(session, clean_title) is not None:
        raise IdeaError(
            f"Titel: Die Maßnahme „{clean_title}“ gibt es schon. Bitte einen eigenen Titel wählen "
            "oder die Idee mit Hinweis auf die vorhandene Maßnahme ablehnen."
        )
    measure = Measure(
        title=clean_title,
        description=idea.description,
        category=_category(category),
        unit_id=idea.unit_id,
        submitted_by_pilot_id=idea.pilot_id,
        status=status,
        created_on=clock.today(),
    )
    session.add(measure)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="create",
        entity="measure",
        entity_id=measure.id,
        changes={
            "title": (None, measure.title),
            "description": (None, measure.description),
            "category": (None, measure.category),
            "unit_id": (None, measure.unit_id),
            "status": (None, measure.status),
            "submitted_by_pilot_id": (None, measure.submitted_by_pilot_id),
        },
    )
    _decide(
        session, actor, idea, IdeaStatus.ACCEPTED, _text(note, limit=NOTE_MAX, what="Hinweis"), measure.id
    )
    return measure


@dataclass(frozen=True)
class IdeaDecline:
    idea_id: int
    expected_version: int
    reason: str


def decline_idea(*, session: Session, actor: Actor, data: IdeaDecline) -> Idea:
    """The CDO-Büro does not take the idea; the reason (required) is shown to its author."""
    check_admin(actor)
    idea = _open_idea(session, data.idea_id, data.expected_version)
    text = _text(data.reason, limit=NOTE_MAX, what="Begründung für die Lotsin / den Lotsen", required=True)
    _decide(session, actor, idea, IdeaStatus.DECLINED, text, None)
    return idea


def _decide(
    session: Session, actor: Actor, idea: Idea, status: IdeaStatus, note: str | None, measure_id: int | None
) -> None:
    before = {"status": idea.status, "decision_note": idea.decision_note, "version": idea.version}
    idea.status = status.value
    idea.decision_note = note
    idea.decided_on = clock.today()
    idea.decided_by = actor.username
    idea.measure_id = measure_id
    idea.version += 1
    session.add(idea)
    record_audit(
        session=session,
        actor=actor.username,
        action="triage",
        entity=ENTITY,
        entity_id=idea.id,
        changes={
            "status": (before["status"], idea.status),
            "decision_note": (before["decision_note"], note),
            "measure_id": (None, measure_id),
            "version": (before["version"], idea.version),
        },
    )


# ------------------------------------------------------------------ reads


def open_ideas(*, session: Session, viewer: Actor, limit: int = 200) -> pd.DataFrame:
    """ADMIN ONLY: ideas waiting for a decision, oldest first, with their author and unit."""
    check_admin(viewer)
    rows = session.exec(
        select_columns(
            col(Idea.id),
            col(Idea.version),
            col(Idea.title),
            col(Idea.description),
            col(Idea.category),
            col(OrgUnit.code),
            col(Pilot.name),
            col(Idea.submitted_on),
        )
        .outerjoin(OrgUnit, col(OrgUnit.id) == Idea.unit_id)
        .outerjoin(Pilot, col(Pilot.id) == Idea.pilot_id)
        .where(Idea.status == IdeaStatus.OPEN.value)
        .order_by(col(Idea.submitted_on), col(Idea.id))
        .limit(limit)
    ).all()
    columns = [
        "id",
        "version",
        "title",
        "description",
        "category",
        "unit_code",
        "submitted_by",
        "submitted_on",
    ]
    return pd.DataFrame(rows, columns=columns)


def open_idea_count(*, session: Session, viewer: Actor) -> int:
    check_admin(viewer)
    query = select(func.count()).select_from(Idea).where(Idea.status == IdeaStatus.OPEN.value)
    return int(session.exec(query).one())


def own_ideas(*, session: Session, viewer: Actor, pilot_id: int) -> pd.DataFrame:
    """The ideas a Lotse submitted, newest first, with their state and the CDO-Büro's answer."""
    check_person_access(viewer, pilot_id)
    rows = session.exec(
        select_columns(
            col(Idea.title),
            col(Idea.category),
            col(Idea.submitted_on),
            col(Idea.status),
            col(Idea.decided_on),
            col(Idea.decision_note),
        )
        .where(Idea.pilot_id == pilot_id)
        .order_by(col(Idea.submitted_on).desc(), col(Idea.id).desc())
    ).all()
    categories = labels_of(Category)
    return pd.DataFrame(
        [
            (
                title,
                categories.get(category, category),
                submitted,
                label(IdeaStatus(status)),
                decided,
                note or "",
            )
            for title, category, submitted, status, decided, note in rows
        ],
        columns=["Titel", "Kategorie", "Eingereicht am", "Stand", "Entschieden am", "Antwort des CDO-Büros"],
    )
