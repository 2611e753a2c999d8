"""Every page that shows coverage, on a city that is not the demo city (tests/support/kgst_city.py):
Übersicht, Abdeckung (bars, drill-down, gap list) and the Präsentation give the figures that
`manage.py figures` gives, for every role, and Dezernat I never reads as complete."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pyarrow as pa
import pytest
import streamlit as st

from model.core.db import dispose_engines
from tests.pages.conftest import log_in, new_app, unescaped
from tests.support import kgst_city, pg_server
from tests.support.kgst_city import ACCOUNTS, EXPECTED, EXPECTED_BRANCHES, PASSWORD


@pytest.fixture(scope="module")
def city(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """The city's database for this module's app runs (DATABASE_URL points at it meanwhile)."""
    if pg_server.requested():
        url = request.getfixturevalue("postgres_server").create_database("kreuzfeld")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('kreuzfeld') / 'kreuzfeld.db'}"
    kgst_city.build(url, tmp_path_factory.mktemp("import"))
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "LOTSEN_COOKIE_KEY")}
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOTSEN_COOKIE_KEY", "k" * 48)
    st.cache_data.clear()
    yield url
    dispose_engines()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    st.cache_data.clear()


def open_as(role: str, page: str, **query: str):  # type: ignore[no-untyped-def]
    at = new_app()
    at.query_params.update(query)
    at = log_in(at.run(), ACCOUNTS[role], PASSWORD)
    at = at.switch_page(page).run()
    assert not at.exception
    return at


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def chart_rows(at, index: int = 0) -> list[dict]:  # type: ignore[no-untyped-def]
    chart = at.get("vega_lite_chart")[index]
    rows = []
    for dataset in chart.proto.datasets:
        rows += pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all().to_pylist()
    return rows


@pytest.mark.parametrize("role", ["admin", "leitung", "lotse"])
def test_uebersicht_counts_the_covered_units(city, role) -> None:
    at = open_as(role, "pages/uebersicht.py")

    shown = metrics(at)
    assert shown["Organisationseinheiten abgedeckt"] == "5 von 10"
    assert shown["Abdeckung"] == "50 %"
    assert shown["davon qualifiziert oder aktiv"] == "9"


@pytest.mark.parametrize("role", ["admin", "leitung", "lotse"])
def test_abdeckung_shows_erfuellt_and_fehlend_per_dezernat(city, role) -> None:
    at = open_as(role, "pages/abdeckung.py")

    shown = metrics(at)
    assert shown["Einheiten abgedeckt"] == "5 von 10"
    assert shown["Soll-Lotsen erfüllt"] == f"{EXPECTED['covered_total']} von {EXPECTED['target_total']}"
    assert shown["Fehlende Lotsen"] == str(EXPECTED["missing_total"])
    bars: dict[str, dict[str, int]] = {}
    for row in chart_rows(at):
        bars.setdefault(row["Kürzel"], {})[row["Teil"]] = row["Anzahl"]
    for code, (_units, _covered, target, met, missing) in EXPECTED_BRANCHES.items():
        assert bars[code]["erfüllt"] == met and bars[code]["fehlend"] == missing, code
        assert bars[code]["erfüllt"] + bars[code]["fehlend"] == target
    assert bars["Dez I"]["über Soll"] == 2
    words = {row["Kürzel"]: row["_text"] for row in chart_rows(at)}
    assert words["Dez I"] == "1 von 2 erfüllt, 1 fehlend, 2 über Soll"


def test_the_drill_down_names_the_gap_next_to_the_surplus(city) -> None:
    at = open_as("leitung", "pages/abdeckung.py", dez="Dez I")

    units = {row["Kürzel"]: row for row in chart_rows(at, 1) if row["Teil"] == "erfüllt"}
    assert units["10"]["_text"] == "1 von 1 erfüllt, 2 über Soll"
    assert units["11"]["_text"] == "0 von 1 erfüllt, 1 fehlend"
    gaps = next(frame.value for frame in at.dataframe if {"Soll aus", "Dezernat"} <= set(frame.value.columns))
    assert gaps["Kürzel"].tolist() == ["11"]  # the only unit of Dez I below Soll


@pytest.mark.parametrize("role", ["admin", "leitung"])
def test_the_presentation_slide_shows_the_same_figures(city, role) -> None:
    at = open_as(role, "pages/praesentation.py")
    for _ in range(2):
        at.button(key="lc_next").click()
        at = at.run()

    assert at.title[0].value == "Abdeckung nach Dezernat"
    shown = metrics(at)
    assert shown["Organisationseinheiten abgedeckt"] == "5 von 10"
    assert shown["Soll-Lotsen erfüllt"] == "7 von 12"
    table = at.table[0].value
    dez_i = table[table["Dezernat"] == "Dez I"].iloc[0]
    assert [unescaped(str(dez_i[column])) for column in ("abgedeckt", "erfüllt", "fehlend")] == [
        "1",
        "1",
        "1",
    ]
