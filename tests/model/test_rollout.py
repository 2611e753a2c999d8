"""Rollout read models on the hand-built city (tests/model/analytics_city.py): known answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from model.core.db import read_session
from model.programme import rollout
from tests.model.analytics_city import BEFORE, TODAY, build_city

CLASSES = list(rollout.ROLLOUT_CLASSES)


@pytest.fixture
def city(engine, fake_clock):
    return build_city(engine)


def _counts(frame: pd.DataFrame) -> list[int]:
    return frame.set_index("Stufe").loc[CLASSES, "Einheiten"].tolist()


def test_units_by_stage_now_take_the_most_advanced_lotse(engine, city) -> None:
    with read_session(engine) as session:
        frame = rollout.units_by_stage(session=session)

    assert frame["Stufe"].tolist() == CLASSES
    # A2.1 nominated; A2 qualified (paused P6 does not count); A1 and B1 active.
    assert _counts(frame) == [0, 1, 0, 1, 2]


def test_units_by_stage_within_a_scope(engine, city) -> None:
    with read_session(engine) as session:
        frame = rollout.units_by_stage(session=session, root_id=city.units["Dez B"])

    assert _counts(frame) == [0, 0, 0, 0, 1]


@pytest.mark.parametrize("scope", [None, "Dez B"])
def test_the_history_ends_with_todays_counts(engine, city, scope) -> None:
    root_id = None if scope is None else city.units[scope]
    with read_session(engine) as session:
        now = rollout.units_by_stage(session=session, root_id=root_id)
        history = rollout.units_by_stage_history(session=session, root_id=root_id)

    pd.testing.assert_frame_equal(rollout.latest(history), now)


def test_stage_counts_over_time_follow_the_history(engine, city) -> None:
    with read_session(engine) as session:
        frame = rollout.units_by_stage_history(session=session)

    by_date = {day.date(): _counts(group) for day, group in frame.groupby("Stand")}
    assert list(by_date)[0] == date(2026, 1, 31) and list(by_date)[-1] == TODAY
    assert by_date[date(2026, 1, 31)] == [2, 2, 0, 0, 0]  # P1 in A1, P6 in A2 nominated
    assert by_date[date(2026, 3, 31)] == [1, 1, 2, 0, 0]  # B1 selected, A1 and A2 in training
    assert by_date[date(2026, 6, 30)] == [1, 1, 1, 1, 0]  # A2 back to selected (P6 paused, P2 new)
    assert by_date[TODAY] == [0, 1, 0, 1, 2]
    assert all(sum(counts) == 4 for counts in by_date.values())  # every unit with a Soll, every month


def test_stage_counts_at_a_given_date(engine, city) -> None:
    with read_session(engine) as session:
        frame = rollout.unit_stages_at(session=session, root_id=None, dates=(BEFORE,))

    assert _counts(frame) == [0, 1, 0, 2, 1]  # B1 active (P3), A1 and A2 qualified, A2.1 nominated


def test_timeline_has_planned_and_actual_bars_per_phase(engine, city) -> None:
    with read_session(engine) as session:
        timeline = rollout.timeline(session=session)

    bars = timeline.bars
    assert timeline.today == TODAY
    assert bars["Phase"].unique().tolist() == [
        "Konzept – abgeschlossen",
        "Auswahl – verzögert",
        "Qualifizierung – läuft",
        "Betrieb – geplant",
    ]
    assert bars.groupby("Phase", sort=False)["Art"].apply(list).tolist() == [
        ["Plan", "tatsächlich"],
        ["Plan", "tatsächlich"],
        ["Plan", "tatsächlich"],
        ["Plan"],  # not started: no actual bar
    ]
    running = bars[(bars["Phase"] == "Auswahl – verzögert") & (bars["Art"] == "tatsächlich")].iloc[0]
    assert running["Ende"] == pd.Timestamp(TODAY) and running["offen"]  # runs up to today


def test_timeline_events_classify_milestones_and_carry_gate_details(engine, city) -> None:
    with read_session(engine) as session:
        events = rollout.timeline(session=session).events

    kinds = dict(zip(events["Titel"], events["Art"], strict=True))
    assert kinds == {
        "Rollenprofil beschlossen": "Meilenstein erreicht",
        "Alle Einheiten benannt": "Meilenstein überfällig",
        "Basisqualifizierung abgeschlossen": "Meilenstein offen",
        "Konzept beschlossen": "Gremienbeschluss",
    }
    gate = events[events["Art"] == "Gremienbeschluss"].iloc[0]
    assert (gate["Gremium"], gate["Vorlage-Nr."], gate["Datum"]) == (
        "Hauptausschuss",
        "DezI/0101/2026",
        pd.Timestamp(2026, 4, 2),
    )
    done = events[events["Titel"] == "Rollenprofil beschlossen"].iloc[0]
    assert done["Datum"] == pd.Timestamp(2026, 3, 20)  # drawn where it was reached


def test_empty_programme_gives_empty_frames(engine, fake_clock) -> None:
    with read_session(engine) as session:
        timeline = rollout.timeline(session=session)
        now = rollout.units_by_stage(session=session)

    assert timeline.bars.empty and timeline.events.empty
    assert _counts(now) == [0, 0, 0, 0, 0]
