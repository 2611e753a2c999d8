"""The benchmark machinery: JSON contract, recorded SQL and its replay, chart rows (no timing asserts)."""

from __future__ import annotations

import json
import tempfile

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

import manage
from bench import report, runner

CHART_APP = """
import altair as alt
import pandas as pd
import streamlit as st

frame = pd.DataFrame({"x": list(range(7)), "y": list(range(7))})
st.altair_chart(alt.Chart(frame).mark_bar().encode(x="x:O", y="y:Q"))
st.altair_chart(alt.Chart(frame.head(3)).mark_point().encode(x="x:O", y="y:Q"))
"""


def test_bench_json_is_one_object_with_a_row_per_role(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the seeded database goes here

    status = manage.main(["bench", "--json", "--runs", "1", "--page", "foerdermittel"])

    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"scale", "pages"}
    assert result["scale"] == "S"
    assert [row["role"] for row in result["pages"]] == ["admin", "leitung"]
    for row in result["pages"]:
        assert set(row) == {"page", "role", "median_ms", "sql_floor_ms", "ratio", "chart_rows"}
        assert row["page"] == "/foerdermittel"
        assert row["median_ms"] > 0 and row["sql_floor_ms"] > 0
        assert row["ratio"] == pytest.approx(row["median_ms"] / row["sql_floor_ms"], rel=0.05)
        assert row["chart_rows"] > 0
    assert list(tmp_path.iterdir()) == []  # the temporary database is deleted afterwards


def test_bench_refuses_an_unknown_page(capsys) -> None:
    assert manage.main(["bench", "--page", "gibt-es-nicht"]) == 1
    assert "Unbekannte Seite: gibt-es-nicht" in capsys.readouterr().err


def test_recorded_reads_are_replayed_without_writes(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO app_setting (key, value) VALUES ('a', '1'), ('b', '2')"))
    with runner.recorded_reads(engine) as log, engine.begin() as connection:
        connection.execute(text("SELECT value FROM app_setting WHERE key = :key"), {"key": "a"})
        connection.execute(text("UPDATE app_setting SET value = '3' WHERE key = 'b'"))
        connection.execute(text("SELECT count(*) FROM app_setting")).all()

    assert [statement.split()[0] for statement, _ in log] == ["SELECT", "SELECT"]
    parameters = log[0][1]  # as the driver got them: a tuple (SQLite) or a dict (psycopg)
    assert list(parameters.values() if isinstance(parameters, dict) else parameters) == ["a"]
    floor = runner.sql_floor(engine=engine, statements=log, runs=3)
    assert floor.total_ms > 0
    assert [statement for _, statement in floor.statement_ms] == [statement for statement, _ in log]
    assert runner.sql_floor(engine=engine, statements=[], runs=3).total_ms == 0


def test_the_floor_of_several_runs_is_their_median() -> None:
    runs = [
        runner.SqlFloor(total_ms=total, statement_ms=((total - 1, "SELECT a"), (1.0, "SELECT b")))
        for total in (10.0, 30.0, 20.0)
    ]
    floor = runner.paired_floor(runs)
    assert floor.total_ms == 20.0
    assert floor.statement_ms == ((19.0, "SELECT a"), (1.0, "SELECT b"))
    other = runner.SqlFloor(total_ms=5.0, statement_ms=((5.0, "SELECT c"),))
    assert runner.paired_floor([*runs, other]).statement_ms == other.statement_ms  # runs read differently
    assert runner.paired_floor([]).total_ms == 0


def test_chart_rows_counts_the_data_of_every_chart() -> None:
    at = AppTest.from_string(CHART_APP, default_timeout=60).run()

    assert runner.chart_rows(at) == 7 + 3


def test_report_keeps_each_pages_fastest_run_and_marks_missed_goals() -> None:
    def row(median: float, floor: float) -> dict[str, object]:
        return {"page": "/rollout", "role": "admin", "median_ms": median, "sql_floor_ms": floor,
                "ratio": median / floor, "chart_rows": 120}  # fmt: skip

    small = [{"scale": "S", "pages": [row(300.0, 1.0)]}, {"scale": "S", "pages": [row(200.0, 1.0)]}]
    large = {"scale": "L", "pages": [row(900.0, 300.0)]}

    merged = report.merged([*small, large])
    text = report.markdown(merged)

    assert [r["scale"] for r in merged] == ["S", "L"]
    assert merged[0]["pages"][0]["median_ms"] == 200.0
    assert "| /rollout | admin | 3,00 ✗ | 4,50 ✗ | 199 → 600 | 2,34 |" in text  # (900 - 200) / (300 - 1)


def test_the_growth_ratio_is_left_out_where_the_sql_does_not_grow() -> None:
    small = {"median_ms": 50.0, "sql_floor_ms": 0.4}
    assert report.marginal_ratio(small, {"median_ms": 52.0, "sql_floor_ms": 0.5}) is None
    assert report.marginal_ratio(None, {"median_ms": 52.0, "sql_floor_ms": 80.0}) is None
    assert report.marginal_ratio(small, {"median_ms": 150.0, "sql_floor_ms": 80.4}) == 100.0 / 80.0
