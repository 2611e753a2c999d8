"""Rollout per role on the demo city: Gantt with its table, units by rollout stage, the filter."""

from __future__ import annotations

import json

import pytest

from model.charts.images import chart_png
from model.core.db import make_engine, read_session
from model.programme import rollout
from tests.pages.conftest import DEMO_USERS
from tests.pages.test_uebersicht import open_page
from ui.charts.show import EXPORT_WIDTH, _export_spec
from ui.charts.timelines import gantt

PAGE = "pages/rollout.py"


def charts_of(at):  # type: ignore[no-untyped-def]
    return at.get("vega_lite_chart")


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_each_role_sees_the_timeline_and_the_units_by_stage(demo_database, role) -> None:
    at = open_page(role, PAGE)

    assert not at.exception
    assert at.title[0].value == "Rollout"
    assert [header.value for header in at.main.subheader] == [
        "Zeitplan des Programms",
        "Organisationseinheiten nach Rollout-Stufe",
    ]
    events = next(frame.value for frame in at.dataframe if "Vorlage-Nr." in frame.value.columns)
    gates = events[events["Art"] == "Gremienbeschluss"]
    assert len(gates) and gates["Gremium"].ne("–").all() and gates["Vorlage-Nr."].str.len().gt(0).all()
    assert len(charts_of(at)) == 3


def test_gantt_shows_plan_actual_status_milestones_and_today(demo_database) -> None:
    at = open_page("leitung", PAGE)

    gantt = json.loads(charts_of(at)[0].proto.spec)
    layers = gantt["layer"]
    marks = [layer["mark"]["type"] for layer in layers]
    assert marks == ["bar", "bar", "point", "rule", "text"]
    plan, actual, points = layers[0], layers[1], layers[2]
    assert plan["mark"]["strokeDash"]  # plan as a dashed frame, actual bars filled: not colour alone
    assert actual["encoding"]["color"]["field"] == "Status"
    assert points["encoding"]["shape"]["field"] == "Art"  # milestone state and gates by shape
    tooltip_titles = {item.get("title") for item in points["encoding"]["tooltip"]}
    assert {"Gremium", "Vorlage-Nr.", "Datum"} <= tooltip_titles
    assert layers[4]["encoding"]["text"]["field"] == "_label"  # "heute, 23.11.2026"
    assert charts_of(at)[0].proto.alt.startswith("Gantt-Diagramm des Programms mit 4 Phasen: Konzept")


def test_units_by_stage_follow_the_filter(demo_database) -> None:
    everywhere = open_page("admin", PAGE)
    narrowed = open_page("admin", PAGE, dez="Dez V")

    def total(at) -> int:  # type: ignore[no-untyped-def]
        frame = next(f.value for f in at.dataframe if list(f.value.columns) == ["Stufe", "Einheiten"])
        return int(frame["Einheiten"].sum())

    assert "Dez V – " in narrowed.caption[0].value
    assert 0 < total(narrowed) < total(everywhere)


def test_the_gantt_downloads_as_a_full_width_png(demo_database) -> None:
    with read_session(make_engine(demo_database)) as session:
        timeline = rollout.timeline(session=session)

    png = chart_png(_export_spec(gantt(timeline.bars, timeline.events, today=timeline.today)))

    assert png.startswith(b"\x89PNG")
    width = int.from_bytes(png[16:20], "big")
    assert width >= EXPORT_WIDTH * 2  # scale 2; a chart that fits the page gets a fixed width
