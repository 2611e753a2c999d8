"""The demo city: deterministic, rich enough for every page, and only re-seeded on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from model import demo
from model.accounts.passwords import verify_password
from model.core.db import make_engine
from model.core.enums import (
    COVERING_STAGES,
    CURRENT_STAGES,
    STAGE_TRANSITIONS,
    Category,
    PilotStage,
    UnitKind,
)
from model.core.migrate import migrate
from model.core.tables import (
    AppSetting,
    AppUser,
    AuditEntry,
    Measure,
    Milestone,
    OrgUnit,
    Pilot,
    PilotStageChange,
    StatusUpdate,
)

TODAY = date(2026, 11, 23)


def migrated_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return engine


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One demo database shared by the read-only checks (bcrypt makes every seed take a moment)."""
    engine = migrated_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    demo.seed(engine=engine, today=TODAY)
    yield engine
    engine.dispose()


@pytest.fixture
def session(seeded: Engine) -> Iterator[Session]:
    with Session(seeded) as session:
        yield session


def city_snapshot(engine: Engine) -> tuple[list[tuple[str, str, str]], list[str]]:
    with Session(engine) as session:
        pilots = session.exec(select(Pilot.name, Pilot.email, Pilot.stage).order_by(Pilot.id)).all()
        titles = session.exec(select(Measure.title).order_by(Measure.id)).all()
    return [tuple(row) for row in pilots], list(titles)


def test_same_scale_and_day_give_the_same_city(seeded: Engine, tmp_path: Path) -> None:
    again = migrated_engine(tmp_path / "again.db")
    demo.seed(engine=again, today=TODAY)

    assert city_snapshot(again) == city_snapshot(seeded)


def test_demo_has_the_documented_size(session: Session) -> None:
    units = session.exec(select(func.count()).select_from(OrgUnit)).one()
    pilots = session.exec(select(func.count()).select_from(Pilot)).one()
    updates = session.exec(select(func.count()).select_from(StatusUpdate)).one()

    assert 20 <= units <= 35
    assert 25 <= pilots <= 35
    assert 400 <= updates <= 600


def test_demo_accounts_log_in_with_the_demo_password(session: Session) -> None:
    users = session.exec(select(AppUser)).all()

    assert {user.username: user.role for user in users} == demo.DEMO_ACCOUNTS
    assert all(verify_password(demo.DEMO_PASSWORD, user.password_hash) for user in users)


def test_lotse_account_is_a_real_pilot_who_reports(session: Session) -> None:
    user = session.exec(select(AppUser).where(AppUser.username == "lotse")).one()
    pilot = session.get(Pilot, user.pilot_id)

    assert pilot is not None and pilot.name == user.display_name
    assert pilot.stage == PilotStage.ACTIVE
    assert pilot.last_update_on is not None and TODAY - pilot.last_update_on <= timedelta(days=60)


def test_every_category_has_measures(session: Session) -> None:
    used = set(session.exec(select(Measure.category).distinct()).all())

    assert used == {category.value for category in Category}


def test_some_units_have_no_pilot_and_more_no_trained_one(session: Session) -> None:
    units = set(
        session.exec(select(OrgUnit.id).where(OrgUnit.active, OrgUnit.kind != UnitKind.DEZERNAT.value)).all()
    )
    with_pilot = set(session.exec(select(Pilot.unit_id)).all())
    covering = [stage.value for stage in COVERING_STAGES]
    covered = set(session.exec(select(Pilot.unit_id).where(Pilot.stage.in_(covering))).all())

    assert 0.15 <= len(units - with_pilot) / len(units) <= 0.35
    assert len(units - with_pilot) < len(units - covered) < len(units)


def test_an_open_request_for_support_exists_beside_resolved_ones(session: Session) -> None:
    requests = session.exec(
        select(StatusUpdate, Pilot.stage)
        .join(Pilot, Pilot.id == StatusUpdate.pilot_id)
        .where(StatusUpdate.support_wanted)
    ).all()
    current = [stage.value for stage in CURRENT_STAGES]
    open_blockers = [u.blocker for u, stage in requests if u.support_resolved_on is None and stage in current]

    assert "Keine Freistellung für die Basisqualifizierung" in open_blockers
    assert any(update.support_resolved_on is not None for update, _ in requests)


def test_some_current_pilots_are_stale(session: Session) -> None:
    current = [stage.value for stage in CURRENT_STAGES]
    stale = session.exec(
        select(func.count())
        .select_from(Pilot)
        .where(Pilot.stage.in_(current), Pilot.last_update_on < TODAY - timedelta(days=60))
    ).one()

    assert stale >= 1


def test_last_update_is_the_latest_status_update(session: Session) -> None:
    latest = dict(
        session.exec(
            select(StatusUpdate.pilot_id, func.max(StatusUpdate.reported_on)).group_by(StatusUpdate.pilot_id)
        ).all()
    )

    pilots = session.exec(select(Pilot)).all()

    assert {p.id: p.last_update_on for p in pilots} == {p.id: latest.get(p.id) for p in pilots}
    assert max(latest.values()) <= TODAY


def test_exactly_one_milestone_is_overdue(session: Session) -> None:
    overdue = session.exec(
        select(Milestone.title).where(Milestone.due_on < TODAY, Milestone.done_on.is_(None))
    ).all()

    assert overdue == ["Kohorte 2 abgeschlossen"]


def test_stage_history_leads_to_the_current_stage(session: Session) -> None:
    histories: dict[int, list[PilotStageChange]] = {}
    for change in session.exec(select(PilotStageChange).order_by(PilotStageChange.id)).all():
        histories.setdefault(change.pilot_id, []).append(change)

    for pilot in session.exec(select(Pilot)).all():
        history = histories[pilot.id]
        assert (history[0].from_stage, history[0].to_stage) == (None, PilotStage.NOMINATED)
        assert history[-1].to_stage == pilot.stage
        assert history[-1].changed_on == pilot.stage_since <= TODAY
        assert history[-1].unit_id == pilot.unit_id
        for before, after in zip(history, history[1:], strict=False):
            assert before.changed_on <= after.changed_on
            assert after.from_stage == before.to_stage
            assert PilotStage(after.to_stage) in STAGE_TRANSITIONS[PilotStage(before.to_stage)]


def test_demo_marker_and_one_audit_row_are_written(session: Session) -> None:
    marker = session.get(AppSetting, "demo")
    audit = session.exec(select(AuditEntry)).all()

    assert marker is not None and marker.value == "true"
    assert [(entry.actor, entry.action, entry.entity) for entry in audit] == [("seed", "seed", "database")]


def test_a_filled_database_is_only_seeded_again_with_reset(tmp_path: Path) -> None:
    engine = migrated_engine(tmp_path / "filled.db")
    first = demo.seed(engine=engine, today=TODAY)

    assert not demo.is_empty(engine=engine)
    with pytest.raises(RuntimeError, match="--reset"):
        demo.seed(engine=engine, today=TODAY)

    again = demo.seed(engine=engine, today=TODAY, reset=True)
    assert again.counts == first.counts
    assert again.counts["org_unit"] > 0 and again.counts["audit_log"] == 1


def test_an_empty_database_is_recognised(tmp_path: Path) -> None:
    assert demo.is_empty(engine=migrated_engine(tmp_path / "empty.db"))


def test_an_unknown_scale_is_refused_and_nothing_written(tmp_path: Path) -> None:
    engine = migrated_engine(tmp_path / "unknown.db")

    with pytest.raises(ValueError, match="XL"):
        demo.seed(engine=engine, scale="XL")
    assert demo.is_empty(engine=engine)
