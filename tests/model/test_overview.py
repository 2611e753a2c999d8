"""Übersicht read models on the hand-built city (tests/model/analytics_city.py): known answers."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pandas as pd
import pytest

from model.core.db import read_session
from model.org import coverage as coverage_module
from model.overview import dashboard as overview
from tests.model.analytics_city import BEFORE, TODAY, build_city


@pytest.fixture
def city(engine, fake_clock):
    return build_city(engine)


def test_key_figures_compare_with_30_days_ago(engine, city) -> None:
    with read_session(engine) as session:
        figures = overview.key_figures(session=session)

    assert figures.compare_on == BEFORE
    # P4 left on 30.10.; P5 was nominated before the comparison date; paused P6 still counts.
    assert figures.pilots_current == overview.Change(now=5, before=6)
    assert figures.pilots_current.delta == -1
    assert figures.pilots_covering == overview.Change(now=3, before=4)
    assert figures.units_with_target == 4
    assert figures.units_covered == overview.Change(now=2, before=3)
    assert figures.coverage_share == overview.Change(now=0.5, before=0.75)
    assert figures.open_support_requests == overview.Change(now=3, before=2)
    assert (figures.measures_in_progress, figures.measures_total) == (0, 0)
    assert figures.phase is not None and figures.phase.name == "Auswahl"


def test_key_figures_within_a_scope(engine, city) -> None:
    with read_session(engine) as session:
        figures = overview.key_figures(session=session, root_id=city.units["Dez B"])

    assert figures.pilots_current == overview.Change(now=1, before=2)
    assert figures.units_covered == overview.Change(now=0, before=1)
    assert figures.open_support_requests == overview.Change(now=1, before=1)


def test_action_items_name_overdue_milestones_and_phases(engine, city) -> None:
    with read_session(engine) as session:
        items = overview.action_items(session=session)

    assert items.units_below_soll == 2
    assert items.largest_gaps["Kürzel"].tolist() == ["B1", "A2.1"]
    assert items.overdue_milestones.to_dict("records") == [
        {
            "Meilenstein": "Alle Einheiten benannt",
            "Phase": "Auswahl",
            "fällig am": date(2026, 6, 30),
            "Tage überfällig": (TODAY - date(2026, 6, 30)).days,
        }
    ]
    assert items.overdue_phases[["Phase", "Status"]].to_dict("records") == [
        {"Phase": "Auswahl", "Status": "verzögert"}
    ]
    # P3 (last update 15.09.), P5 and P2 (never reported; in their stage since 01.10. and 20.10.).
    assert items.stale_pilots == 3
    assert items.open_support_requests == 3


def test_action_items_hold_no_names_of_people(engine, city) -> None:
    with read_session(engine) as session:
        items = overview.action_items(session=session)

    texts = {
        str(value)
        for field in fields(items)
        if isinstance(frame := getattr(items, field.name), pd.DataFrame)
        for value in frame.to_numpy().ravel()
    }
    assert not texts & {"P1", "P2", "P3", "P4", "P5", "P6"}


def test_names_of_stale_lotsen_and_open_requests_for_admin(engine, city) -> None:
    with read_session(engine) as session:
        stale = overview.stale_pilot_names(session=session)
        requests = overview.open_support_request_names(session=session)
        stale_b = overview.stale_pilot_names(session=session, root_id=city.units["Dez B"])

    assert stale["Name"].tolist() == ["P3", "P5", "P2"]  # longest silence first; paused P6 not asked
    assert stale.iloc[0]["letzte Statusmeldung"] == date(2026, 9, 15)
    assert requests["Name"].tolist() == ["P3", "P2", "P5"]
    assert stale_b["Name"].tolist() == ["P3"]
    with read_session(engine) as session:
        first_stale = overview.stale_pilot_names(session=session, limit=2)
        first_request = overview.open_support_request_names(session=session, limit=1)
        items = overview.action_items(session=session)
    assert first_stale["Name"].tolist() == ["P3", "P5"] and items.stale_pilots == 3  # the count sees all
    assert first_request["Name"].tolist() == ["P3"] and items.open_support_requests == 3


def test_pilot_counts_at_dates(engine, city) -> None:
    with read_session(engine) as session:
        frame = overview.pilot_counts_at(
            session=session, root_id=None, dates=(date(2025, 12, 31), date(2026, 3, 31), TODAY)
        )

    assert frame["im Programm"].tolist() == [0, 4, 5]  # March: P1, P3, P4, P6
    assert frame["qualifiziert oder aktiv"].tolist() == [0, 0, 3]


@pytest.mark.parametrize("scope", [None, "Dez A", "Dez B"])
def test_figures_at_agree_with_the_pilot_and_coverage_histories(engine, city, scope) -> None:
    root_id = None if scope is None else city.units[scope]
    dates = (date(2025, 12, 31), BEFORE, TODAY)
    with read_session(engine) as session:
        both = overview.figures_at(session=session, root_id=root_id, dates=dates)
        pilots = overview.pilot_counts_at(session=session, root_id=root_id, dates=dates)
        coverage = coverage_module.coverage_at(session=session, root_id=root_id, dates=dates)

    pd.testing.assert_frame_equal(both[pilots.columns.tolist()], pilots)
    pd.testing.assert_frame_equal(both[coverage.columns.tolist()], coverage, check_dtype=False)
