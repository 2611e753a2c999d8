"""Abdeckung read models on the hand-built city (tests/model/analytics_city.py): known answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from model.core.app_settings import SollRuleSetting, set_soll_rule
from model.core.db import read_session, write_session
from model.core.enums import SollRule
from model.org import coverage
from tests.model.analytics_city import BEFORE, TODAY, build_city


@pytest.fixture
def city(engine, fake_clock):
    return build_city(engine)


def _soll_by_code(engine) -> dict[str, int]:
    with read_session(engine) as session:
        frame = coverage.coverage_units(session=session, all_units=True)
    return dict(zip(frame["Kürzel"], frame["Soll"], strict=True))


def test_soll_per_unit_rule_gives_one_per_unit_and_none_for_dezernate(engine, city) -> None:
    assert _soll_by_code(engine) == {"A1": 1, "A2": 1, "A2.1": 1, "B1": 2, "Dez A": 0, "Dez B": 0}


@pytest.mark.parametrize(
    ("per_n", "expected"),
    [
        (100, {"A1": 3, "A2": 1, "A2.1": 1, "B1": 2}),  # 250 → 3 (rounded up); explicit 2 wins
        (50, {"A1": 5, "A2": 2, "A2.1": 1, "B1": 2}),  # a unit without headcount still needs 1
    ],
)
def test_soll_per_headcount_rule_rounds_up_and_keeps_explicit_values(engine, city, per_n, expected) -> None:
    with write_session(engine) as session:
        set_soll_rule(session=session, setting=SollRuleSetting(SollRule.PER_HEADCOUNT, per_n), actor="test")

    soll = _soll_by_code(engine)

    assert {code: soll[code] for code in expected} == expected
    with read_session(engine) as session:
        figures = coverage.coverage_figures(session=session)
    assert figures.rule == SollRuleSetting(SollRule.PER_HEADCOUNT, per_n)
    assert figures.summary.target_total == sum(expected.values())


def test_coverage_counts_units_whose_trained_lotsen_reach_the_soll(engine, city) -> None:
    with read_session(engine) as session:
        figures = coverage.coverage_figures(session=session)

    summary = figures.summary
    assert (summary.units_with_target, summary.units_covered) == (4, 2)
    assert summary.share == 0.5
    assert (summary.target_total, summary.covered_total, summary.missing_total) == (5, 3, 2)
    assert summary.surplus_total == 0
    assert figures.headcount == 10 + 250 + 80 + 0 + 5 + 120  # inactive B2 left out
    assert figures.pilots_covering == 3
    assert figures.per_hundred == round(300 / 465, 1)


def test_scope_restricts_coverage_to_the_subtree(engine, city) -> None:
    with read_session(engine) as session:
        dez_a = coverage.coverage_figures(session=session, root_id=city.units["Dez A"]).summary
        a2 = coverage.coverage_figures(session=session, root_id=city.units["A2"]).summary

    assert (dez_a.units_with_target, dez_a.units_covered) == (3, 2)
    assert (a2.units_with_target, a2.units_covered) == (2, 1)


def test_soll_vs_ist_per_dezernat(engine, city) -> None:
    with read_session(engine) as session:
        frame = coverage.coverage_by_dezernat(session=session)

    rows = frame.set_index("Kürzel")
    assert list(rows.index) == ["Dez A", "Dez B"]
    parts = ["Einheiten mit Soll", "davon abgedeckt", "Soll", "erfüllt", "fehlend", "über Soll"]
    assert rows.loc["Dez A", parts].tolist() == [3, 2, 3, 2, 1, 0]
    assert rows.loc["Dez B", parts].tolist() == [1, 0, 2, 1, 1, 0]
    assert rows.loc["Dez A", "Beschäftigte"] == 340
    assert rows.loc["Dez A", "Lotsen je 100 Beschäftigte"] == 0.6  # 2 of 340
    assert rows.loc["Dez B", "Lotsen je 100 Beschäftigte"] == 0.8  # 1 of 125


def test_drill_down_lists_the_units_of_one_dezernat(engine, city) -> None:
    with read_session(engine) as session:
        units = coverage.coverage_units(session=session, dezernat_id=city.units["Dez A"])
        scoped = coverage.coverage_units(
            session=session, root_id=city.units["A2"], dezernat_id=city.units["Dez A"]
        )

    assert units["Kürzel"].tolist() == ["A1", "A2", "A2.1"]
    assert units[["Soll", "qualifiziert oder aktiv", "erfüllt", "fehlend"]].to_numpy().tolist() == [
        [1, 1, 1, 0],
        [1, 1, 1, 0],
        [1, 0, 0, 1],
    ]
    ratios = units["Lotsen je 100 Beschäftigte"]
    assert ratios[:2].tolist() == [0.4, 1.2] and pd.isna(ratios[2])  # no headcount: no ratio
    assert scoped["Kürzel"].tolist() == ["A2", "A2.1"]


def test_gap_list_holds_units_below_soll_largest_first(engine, city) -> None:
    with read_session(engine) as session:
        gaps = coverage.gap_list(session=session)

    assert gaps["Kürzel"].tolist() == ["B1", "A2.1"]
    assert gaps.iloc[0].to_dict() == {
        "Kürzel": "B1",
        "Name": "Amt B1",
        "Dezernat": "Dez B",
        "Beschäftigte": 120,
        "Soll": 2,
        "Soll aus": "Eintrag",  # explicit for B1; A2.1 follows the rule
        "qualifiziert oder aktiv": 1,
        "fehlend": 1,
    }
    assert gaps.iloc[1]["Soll aus"] == "Regel"


def test_gap_list_reads_only_the_rows_asked_for_and_counts_all_in_sql(engine, city) -> None:
    with read_session(engine) as session:
        first = coverage.gap_list(session=session, limit=1)
        count = coverage.gap_count(session=session)
        in_dezernat = coverage.gap_list(session=session, root_id=city.units["Dez A"])
        count_in_dezernat = coverage.gap_count(session=session, root_id=city.units["Dez A"])

    assert first["Kürzel"].tolist() == ["B1"] and count == 2
    # A2.1 is two levels down: its Dezernat is found by walking up from it.
    assert in_dezernat[["Kürzel", "Dezernat"]].values.tolist() == [["A2.1", "Dez A"]]
    assert count_in_dezernat == 1


def test_names_per_unit_list_everyone_still_in_the_programme(engine, city) -> None:
    with read_session(engine) as session:
        names = coverage.pilot_names_by_unit(session=session, dezernat_id=city.units["Dez A"])
        everywhere = coverage.pilot_names_by_unit(session=session)

    rows = names.set_index("Kürzel")
    assert list(rows.index) == ["A1", "A2", "A2.1"]
    assert rows.loc["A1", "Lotsinnen und Lotsen"] == "P1 (aktiv)"
    assert set(rows.loc["A2", "Lotsinnen und Lotsen"].split(", ")) == {"P2 (qualifiziert)", "P6 (pausiert)"}
    assert rows.loc["A2", "Lotsen im Programm"] == 2
    assert everywhere.set_index("Kürzel").loc["B1", "Lotsinnen und Lotsen"] == "P3 (aktiv)"  # P4 has left


def test_coverage_over_time_follows_the_stage_history(engine, city) -> None:
    with read_session(engine) as session:
        history = coverage.coverage_history(session=session)

    stand = history["Stand"].dt.date.tolist()
    assert stand[0] == date(2026, 1, 31) and stand[-2:] == [date(2026, 10, 31), TODAY]
    assert len(history) == 11  # January to October plus today
    covered = dict(zip(stand, history["abgedeckt"], strict=True))
    assert covered[date(2026, 5, 31)] == 0
    assert covered[date(2026, 6, 30)] == 1  # A1 qualified on 01.06.
    assert covered[date(2026, 8, 31)] == 2  # B1 has two trained Lotsen from 15.08.
    assert covered[date(2026, 10, 31)] == 2  # A2 in, B1 out (P4 left on 30.10.)
    assert set(history["Einheiten mit Soll"]) == {4}
    assert history["Abdeckung"].iloc[-1] == 0.5


def test_coverage_at_a_past_date_and_today_agrees_with_the_roster(engine, city) -> None:
    with read_session(engine) as session:
        frame = coverage.coverage_at(session=session, root_id=None, dates=(BEFORE, TODAY))
        now = coverage.coverage_summary(session=session)

    assert frame["abgedeckt"].tolist() == [3, now.units_covered]


def test_lotsen_without_history_count_from_their_stage_date(engine, city) -> None:
    # Imported from Excel: a current row but no stage changes.
    from model.core.tables import Pilot

    with write_session(engine) as session:
        session.add(
            Pilot(
                name="P8",
                email="p8@example.org",
                unit_id=city.units["A2.1"],
                stage="active",
                stage_since=date(2026, 11, 1),
            )
        )
    with read_session(engine) as session:
        frame = coverage.coverage_at(session=session, root_id=None, dates=(BEFORE, TODAY))

    assert frame["abgedeckt"].tolist() == [3, 3]


def test_empty_database_gives_empty_frames(engine, fake_clock) -> None:
    with read_session(engine) as session:
        assert coverage.coverage_by_dezernat(session=session).empty
        assert coverage.gap_list(session=session).empty
        history = coverage.coverage_history(session=session)
    assert len(history) == 1 and pd.isna(history["Abdeckung"].iloc[0])


def _qualified(engine, city, unit: str, count: int) -> None:
    from model.core.tables import Pilot

    with write_session(engine) as session:
        for n in range(count):
            session.add(
                Pilot(
                    name=f"Extra {unit} {n}",
                    email=f"extra-{unit.lower()}-{n}@example.org",
                    unit_id=city.units[unit],
                    stage="qualified",
                    stage_since=date(2026, 11, 1),
                )
            )


def test_surplus_in_one_unit_fills_no_gap_next_door(engine, city) -> None:
    # A1 gets three more trained Lotsen (four for a Soll of 1); its neighbour A2.1 still has none.
    _qualified(engine, city, "A1", 3)
    with read_session(engine) as session:
        summary = coverage.coverage_summary(session=session)
        rows = coverage.coverage_by_dezernat(session=session).set_index("Kürzel")
        units = coverage.coverage_units(session=session, dezernat_id=city.units["Dez A"]).set_index("Kürzel")
        gaps = coverage.gap_list(session=session)

    dez_a = rows.loc["Dez A"]
    assert (dez_a["Soll"], dez_a["erfüllt"], dez_a["fehlend"], dez_a["über Soll"]) == (3, 2, 1, 3)
    assert dez_a["erfüllt"] + dez_a["fehlend"] == dez_a["Soll"]
    assert dez_a["davon abgedeckt"] < dez_a["Einheiten mit Soll"]  # never shown as complete
    assert units.loc["A1", ["qualifiziert oder aktiv", "erfüllt", "über Soll"]].tolist() == [4, 1, 3]
    assert "A2.1" in set(gaps["Kürzel"])
    assert (summary.covered_total, summary.missing_total, summary.surplus_total) == (3, 2, 3)


def test_branches_below_a_unit_sum_their_subtrees(engine, city) -> None:
    with read_session(engine) as session:
        below_a = coverage.coverage_by_branch(
            session=session, root_id=city.units["Dez A"], parent_id=city.units["Dez A"]
        ).set_index("Kürzel")

    # A2's branch holds A2 and A2.1; the Dezernat itself (Soll 0) belongs to no branch.
    assert list(below_a.index) == ["A1", "A2"]
    assert below_a.loc[
        "A2", ["Einheiten mit Soll", "davon abgedeckt", "Soll", "erfüllt", "fehlend"]
    ].tolist() == [
        2,
        1,
        2,
        1,
        1,
    ]
