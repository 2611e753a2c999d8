"""Übersicht per role on the demo city; and all three analytics pages at scale M (rendering, marks)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import altair as alt
import pandas as pd
import pytest
import streamlit as st

from model import demo
from model.core.db import dispose_engines, make_engine, read_session
from model.core.migrate import migrate
from model.org import coverage
from model.overview import dashboard as overview
from model.programme import rollout
from tests.pages.conftest import DEMO_USERS, log_in, new_app
from ui.charts.bars import horizontal_bars
from ui.charts.coverage import coverage_bars
from ui.charts.style import PALETTE
from ui.charts.timelines import gantt, line_over_time, stacked_area
from ui.navigation import available, spec_for

PAGE = "pages/uebersicht.py"
ROLES = list(DEMO_USERS)
GERMAN_STAND = re.compile(r"^Stand: \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr")


def open_page(role: str, page: str = PAGE, **query: str):  # type: ignore[no-untyped-def]
    at = new_app()
    at.query_params.update(query)
    at = log_in(at.run(), DEMO_USERS[role])
    return at.switch_page(page).run()


def frames(at) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    return [element.value for element in at.dataframe]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_key_figures_with_their_30_day_change(demo_database, role) -> None:
    at = open_page(role)

    assert not at.exception
    assert at.title[0].value == "Übersicht"
    assert GERMAN_STAND.match(at.caption[0].value)
    metrics = {metric.label: metric for metric in at.metric}
    assert {"Lotsinnen und Lotsen im Programm", "Organisationseinheiten abgedeckt", "Abdeckung"} <= set(
        metrics
    )
    assert re.fullmatch(r"\d+ von \d+", metrics["Organisationseinheiten abgedeckt"].value)
    assert re.fullmatch(r"\d+ %", metrics["Abdeckung"].value)
    assert re.fullmatch(r"[+\-±]\d+", metrics["Lotsinnen und Lotsen im Programm"].delta)
    assert any(caption.value.startswith("Veränderungen gegenüber dem ") for caption in at.caption)


def test_admin_sees_names_in_handlungsbedarf(demo_database) -> None:
    at = open_page("admin")

    headings = [markdown.value for markdown in at.markdown]
    assert any(text.startswith("**Lotsen ohne Statusmeldung seit über 30 Tagen: ") for text in headings)
    named = [frame for frame in frames(at) if "Name" in frame.columns]
    assert named and all(frame["Name"].str.len().gt(0).all() for frame in named)


@pytest.mark.parametrize("role", ["leitung", "lotse"])
def test_other_roles_see_counts_but_no_names(demo_database, role) -> None:
    at = open_page(role)

    assert not [frame for frame in frames(at) if "Name" in frame.columns and "Organisationseinheit" in frame]
    assert "Namen sieht nur das CDO-Büro." in [caption.value for caption in at.caption]
    with read_session(make_engine(demo_database)) as session:
        names = set(overview.stale_pilot_names(session=session)["Name"])
    shown = {str(value) for frame in frames(at) for value in frame.to_numpy().ravel()}
    assert not names & shown


def test_figures_link_only_to_pages_the_role_may_open(demo_database) -> None:
    admin = {link.proto.page for link in open_page("admin").page_link}
    lotse = {link.proto.page for link in open_page("lotse").page_link}

    assert {"rollout", "abdeckung"} <= admin and {"rollout", "abdeckung"} <= lotse
    assert "lotsen" not in lotse  # admin only
    if available(spec_for("lotsen")):
        assert "lotsen" in admin


def test_sidebar_filter_narrows_the_figures_and_goes_into_the_url(demo_database) -> None:
    at = open_page("leitung")
    everywhere = {metric.label: metric.value for metric in at.metric}

    dezernat = at.sidebar.selectbox(key="filter_dez")
    dezernat.select(next(option for option in dezernat.options if option.startswith("Dez II "))).run()

    assert not at.exception
    assert at.query_params["dez"] == "Dez II"
    assert "Dez II – " in at.caption[0].value
    narrowed = {metric.label: metric.value for metric in at.metric}
    assert narrowed["Organisationseinheiten abgedeckt"] != everywhere["Organisationseinheiten abgedeckt"]
    links = [link for link in at.page_link if link.proto.page == "abdeckung"]
    assert links and all(link.proto.query_string == "dez=Dez+II" for link in links)


def test_a_link_with_a_dezernat_opens_the_filtered_view(demo_database) -> None:
    at = open_page("admin", dez="Dez III")

    assert "Dez III – " in at.caption[0].value
    assert at.sidebar.selectbox(key="filter_dez").value.code == "Dez III"


def test_a_link_with_an_unknown_dezernat_is_named_and_ignored(demo_database) -> None:
    at = open_page("admin", dez="[Gibt es nicht](http://example.org)")

    assert not at.exception
    assert "Gesamte Verwaltung" in at.caption[0].value
    assert any("die es nicht gibt" in warning.value for warning in at.warning)
    assert all("](http" not in warning.value for warning in at.warning)  # Markdown escaped


def test_filter_survives_a_page_switch(demo_database) -> None:
    at = open_page("leitung", dez="Dez II")

    at.switch_page("pages/rollout.py").run()

    assert at.title[0].value == "Rollout"
    assert "Dez II – " in at.caption[0].value


# --- Scale M: every analytics page for every role, and charts get no more rows than marks ---------


@pytest.fixture(scope="module")
def m_database(tmp_path_factory, demo_database) -> Iterator[str]:
    """Scale M seeded once into a temp file; the app points at it while this module's M tests run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('scale_m') / 'm.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale="M")
    engine.dispose()
    yield url
    dispose_engines()


@pytest.fixture
def on_m(m_database, demo_database) -> Iterator[str]:
    os.environ["DATABASE_URL"] = m_database
    st.cache_data.clear()
    yield m_database
    os.environ["DATABASE_URL"] = demo_database
    st.cache_data.clear()


@pytest.mark.parametrize("page", ["pages/uebersicht.py", "pages/rollout.py", "pages/abdeckung.py"])
@pytest.mark.parametrize("role", ROLES)
def test_every_analytics_page_renders_at_scale_m(on_m, page, role) -> None:
    at = open_page(role, page)

    assert not at.exception
    assert at.title[0].value in {"Übersicht", "Rollout", "Abdeckung"}
    assert GERMAN_STAND.match(at.caption[0].value)


def _rows_sent(chart: alt.TopLevelMixin) -> int:
    """Rows the chart sends to the browser: all its datasets."""
    return sum(len(values) for values in chart.to_dict().get("datasets", {}).values())


def test_no_chart_receives_more_rows_than_it_draws_marks_at_scale_m(on_m) -> None:
    engine = make_engine(on_m)
    with read_session(engine) as session:
        history = coverage.coverage_history(session=session)
        dezernate = coverage.coverage_by_dezernat(session=session)
        units = coverage.coverage_units(session=session, dezernat_id=int(dezernate["dezernat_id"].iloc[0]))
        now = rollout.units_by_stage(session=session)
        over_time = rollout.units_by_stage_history(session=session)
        timeline = rollout.timeline(session=session)
        stages = overview.key_figures(session=session).pilots_by_stage
    engine.dispose()

    months = len(history)
    assert months <= 60 and len(over_time) == months * len(rollout.ROLLOUT_CLASSES)  # a point per month
    assert len(dezernate) <= 12  # one bar per Dezernat, not per unit (400 units at M)
    assert len(units) == units["Kürzel"].nunique()  # one bar per unit of the Dezernat
    assert len(now) == 5 and len(stages) == 7
    plan = int((timeline.bars["Art"] == "Plan").sum())
    assert plan == len(timeline.phases) and len(timeline.bars) <= 2 * plan  # at most two bars per phase

    built = {
        "line": line_over_time(history, date_field="Stand", value="Abdeckung", value_title="A", share=True),
        "area": stacked_area(
            over_time,
            date_field="Stand",
            series="Stufe",
            value="Einheiten",
            order=rollout.ROLLOUT_CLASSES,
            colours=tuple(PALETTE[:5]),
            value_title="Einheiten",
        ),
        "dezernate": coverage_bars(dezernate, category="Kürzel", name="Name", selection="dezernat"),
        "units": coverage_bars(units, category="Kürzel", name="Name"),
        "now": horizontal_bars(now, category="Stufe", value="Einheiten", value_title="Einheiten"),
        "gantt": gantt(timeline.bars, timeline.events, today=timeline.today),
    }
    marks = {
        "line": months,  # one point per month
        "area": months * 5,  # one vertex per month and stage
        "dezernate": 3 * len(dezernate),  # erfüllt, fehlend, über Soll
        "units": 3 * len(units),
        "now": 5,
        "gantt": len(timeline.bars) + len(timeline.events) + 1,  # bars, points, the "heute" rule
    }
    for name, chart in built.items():
        assert _rows_sent(chart) <= marks[name], name


@pytest.mark.parametrize("role", ROLES)
def test_only_the_cdo_is_told_that_ideas_wait_for_a_decision(demo_database, role) -> None:
    at = open_page(role)

    panel = [m.value for m in at.markdown if "auf Ihre Entscheidung warten" in m.value]
    if role == "admin":
        assert panel == ["**Ideen der Lotsinnen und Lotsen, die auf Ihre Entscheidung warten: 4**"]
    else:
        assert panel == []
