"""Abdeckung per role on the demo city: Soll rule, Soll vs. Ist, drill-down, names only for admin."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pytest

from model.core.db import make_engine, read_session
from model.org import coverage
from tests.pages.conftest import DEMO_USERS
from tests.pages.test_uebersicht import open_page

PAGE = "pages/abdeckung.py"


def frames(at) -> list:  # type: ignore[no-untyped-def]
    return [element.value for element in at.dataframe]


def names_in_demo(url: str) -> set[str]:
    with read_session(make_engine(url)) as session:
        listed = coverage.pilot_names_by_unit(session=session)["Lotsinnen und Lotsen"]
    return {entry.rsplit(" (", 1)[0] for text in listed for entry in text.split(", ")}


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_each_role_sees_soll_ist_rule_and_gap_list(demo_database, role) -> None:
    at = open_page(role, PAGE)

    assert not at.exception
    assert at.title[0].value == "Abdeckung"
    assert at.info[-1].value.startswith("Soll-Regel: 1 Lotse je Organisationseinheit.")
    metrics = {metric.label: metric.value for metric in at.metric}
    met, target = (int(part) for part in metrics["Soll-Lotsen erfüllt"].split(" von "))
    assert int(metrics["Fehlende Lotsen"]) == target - met > 0
    per_hundred = next(c.value for c in at.caption if "je 100" in c.value)
    assert "1.552 Beschäftigten" in per_hundred  # German thousands separator
    chart = at.get("vega_lite_chart")[0]
    assert chart.proto.selection_mode == ["dezernat"]  # a click drills into the Dezernat
    assert json.loads(chart.proto.spec)["params"][0]["select"]["fields"] == ["Kürzel"]
    gaps = next(frame for frame in frames(at) if "fehlend" in frame.columns and "Dezernat" in frame.columns)
    assert gaps["Beschäftigte"].is_monotonic_decreasing
    assert (gaps["qualifiziert oder aktiv"] < gaps["Soll"]).all()
    assert (gaps["fehlend"] == gaps["Soll"] - gaps["qualifiziert oder aktiv"]).all()
    assert {button.label for button in at.get("download_button")} >= {
        "CSV herunterladen",
        "Excel herunterladen",
    }


def test_admin_sees_the_names_per_unit_of_the_chosen_dezernat(demo_database) -> None:
    at = open_page("admin", PAGE, dez="Dez III")

    assert [header.value for header in at.main.subheader][1].startswith("Einheiten in Dez III – ")
    names = next(frame for frame in frames(at) if "Lotsinnen und Lotsen" in frame.columns)
    assert len(names) and names["Lotsinnen und Lotsen"].str.len().gt(0).all()


@pytest.mark.parametrize("role", ["leitung", "lotse"])
def test_leitung_and_lotse_see_counts_per_unit_only(demo_database, role) -> None:
    at = open_page(role, PAGE, dez="Dez III")

    assert [header.value for header in at.main.subheader][1].startswith("Einheiten in Dez III – ")
    assert "Je Einheit werden Anzahlen gezeigt; Namen sieht nur das CDO-Büro." in [
        c.value for c in at.caption
    ]
    shown = {str(value) for frame in frames(at) for value in frame.to_numpy().ravel()}
    assert not any(name in text for name in names_in_demo(demo_database) for text in shown)


def test_without_a_choice_no_dezernat_is_drilled_into(demo_database) -> None:
    at = open_page("leitung", PAGE)

    headers = [header.value for header in at.main.subheader]
    assert headers == [
        "Soll-Lotsen je Dezernat: erfüllt und fehlend",
        "Lotsen je 100 Beschäftigte",
        "Lückenliste",
    ]


def test_with_more_dezernate_than_fit_the_chart_shows_the_largest_gaps(demo_database, monkeypatch) -> None:
    monkeypatch.setattr(coverage, "MAX_DEZERNAT_BARS", 2)
    at = open_page("leitung", PAGE)
    with read_session(make_engine(demo_database)) as session:
        dezernate = coverage.coverage_by_dezernat(session=session)

    chart = at.get("vega_lite_chart")[0]
    drawn = {row["Kürzel"] for dataset in chart.proto.datasets for row in _rows(dataset)}
    expected = set(coverage.largest_gaps(dezernate, limit=2)["Kürzel"])
    assert drawn == expected and len(dezernate) > 2
    assert any(f"die 2 Dezernate mit den größten Lücken von {len(dezernate)}" in c.value for c in at.caption)
    table = next(frame for frame in frames(at) if "Kürzel" in frame.columns and len(frame) == len(dezernate))
    assert set(table["Kürzel"]) == set(dezernate["Kürzel"])  # the table keeps all


def _rows(dataset) -> list[dict]:  # type: ignore[no-untyped-def]
    table = pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all()
    return table.to_pylist() if "Kürzel" in table.column_names else []
