"""Roadmap reads on a hand-built city: filters (scope, OZG only, class …), matrix, timeline."""

from __future__ import annotations

from datetime import date

import pytest

from model.core.db import read_session, write_session
from model.core.enums import Category, MeasureStatus
from model.core.tables import Measure, OrgUnit, Pilot
from model.roadmap.reads import (
    MeasureFilter,
    count_units_with_measures,
    edit_choices,
    matrix_points,
    measure_counts,
    measure_detail,
    measure_table,
    timeline,
    units_with_measures,
)

# title, category, unit code, status, (citizens, admin, urgency, legal, effort), quarters, OZG-ID, costs
MEASURES = (
    (
        "E-Akte",
        Category.INTERNAL,
        "10",
        MeasureStatus.IN_PROGRESS,
        (5, 5, 5, 5, 1),
        ("2026-Q1", "2026-Q4"),
        None,
        100,
    ),
    (
        "Terminvergabe",
        Category.EGOV_OZG,
        "10.1",
        MeasureStatus.PLANNED,
        (3, 3, 3, 3, 3),
        ("2026-Q3", "2027-Q1"),
        "10513",
        0,
    ),
    (
        "Glasfaser",
        Category.INFRASTRUCTURE,
        "20",
        MeasureStatus.PLANNED,
        (1, 1, 1, 1, 5),
        ("2026-Q4", None),
        None,
        50,
    ),
    (
        "Wohngeld online",
        Category.EGOV_OZG,
        "20",
        MeasureStatus.IDEA,
        (3, 3, 3, 1, 3),
        (None, None),
        "10110",
        0,
    ),
    ("Ohne Amt", Category.FUNDING, None, MeasureStatus.DONE, (2, 2, 2, 2, 2), ("2025-Q4", "2026-Q1"), "", 10),
)


@pytest.fixture
def city(engine) -> dict[str, int]:
    """Dez I → 10 → 10.1 and Dez II → 20, with five measures; returns the unit ids by code."""
    units: dict[str, int] = {}
    with write_session(engine) as session:
        for code, kind, parent in (
            ("Dez I", "dezernat", None),
            ("10", "amt", "Dez I"),
            ("10.1", "abteilung", "10"),
            ("Dez II", "dezernat", None),
            ("20", "amt", "Dez II"),
        ):
            unit = OrgUnit(code=code, name=f"Einheit {code}", kind=kind, parent_id=units.get(parent))
            session.add(unit)
            session.flush()
            units[code] = unit.id
        for title, category, unit, status, inputs, (start, end), ozg, cost in MEASURES:
            citizens, admin, urgency, legal, effort = inputs
            session.add(
                Measure(
                    title=title,
                    category=category.value,
                    unit_id=units.get(unit),
                    status=status.value,
                    benefit_citizens=citizens,
                    benefit_admin=admin,
                    urgency=urgency,
                    legal_duty=legal,
                    effort=effort,
                    start_quarter=start,
                    end_quarter=end,
                    ozg_id=ozg,
                    cost_operating=cost,
                    cost_capital=cost,
                )
            )
    return units


def _titles(engine, **filters) -> list[str]:
    with read_session(engine) as session:
        return list(measure_table(session=session, filters=MeasureFilter(**filters))["title"])


def test_without_filters_all_measures_come_best_score_first(engine, city) -> None:
    assert _titles(engine) == ["E-Akte", "Terminvergabe", "Wohngeld online", "Ohne Amt", "Glasfaser"]


def test_scope_takes_the_whole_subtree_and_nothing_else(engine, city) -> None:
    assert _titles(engine, root_id=city["Dez I"]) == ["E-Akte", "Terminvergabe"]
    assert _titles(engine, root_id=city["10.1"]) == ["Terminvergabe"]
    assert _titles(engine, root_id=city["Dez II"]) == ["Wohngeld online", "Glasfaser"]


def test_ozg_only_keeps_measures_with_an_ozg_id(engine, city) -> None:
    assert _titles(engine, ozg_only=True) == ["Terminvergabe", "Wohngeld online"]
    assert _titles(engine, ozg_only=True, root_id=city["Dez II"]) == ["Wohngeld online"]


def test_category_status_unit_and_class_filters(engine, city) -> None:
    assert _titles(engine, categories=("egov_ozg", "funding")) == [
        "Terminvergabe",
        "Wohngeld online",
        "Ohne Amt",
    ]
    assert _titles(engine, statuses=("planned",)) == ["Terminvergabe", "Glasfaser"]
    assert _titles(engine, unit_ids=(city["20"],)) == ["Wohngeld online", "Glasfaser"]
    # Scores: E-Akte 100 (A), Terminvergabe 50 (B), Wohngeld 42,5 (B), Ohne Amt 32,5 (C), Glasfaser 0 (C)
    assert _titles(engine, classes=("A", "C")) == ["E-Akte", "Ohne Amt", "Glasfaser"]
    assert _titles(engine, classes=("B",), statuses=("planned", "idea"), root_id=city["Dez II"]) == [
        "Wohngeld online"
    ]


def test_table_rows_speak_german(engine, city) -> None:
    with read_session(engine) as session:
        table = measure_table(session=session, filters=MeasureFilter()).set_index("title")
    row = table.loc["Terminvergabe"]
    assert (row["category"], row["status"], row["rag"], row["unit"]) == (
        "E-Government/OZG",
        "geplant",
        "grün",
        "10.1",
    )
    assert (row["score"], row["priority_class"], row["quadrant"]) == (50.0, "B", "Schnelle Erfolge")
    assert table.loc["Ohne Amt", "unit"] == "–"
    assert table.loc["E-Akte", "cost_total"] == 200


def test_matrix_has_one_point_per_measure_with_benefit_and_effort(engine, city) -> None:
    with read_session(engine) as session:
        points = matrix_points(session=session, filters=MeasureFilter(root_id=city["Dez II"]))
    assert sorted(points["title"]) == ["Glasfaser", "Wohngeld online"]
    wohngeld = points.set_index("title").loc["Wohngeld online"]
    # Nutzen = (0.3·3 + 0.2·3 + 0.2·3 + 0.15·1) / 0.85
    assert wohngeld["benefit"] == pytest.approx(2.25 / 0.85)
    assert (wohngeld["effort"], wohngeld["category"]) == (3, "E-Government/OZG")


def test_quadrants_split_at_benefit_3_and_effort_3(engine, city) -> None:
    with read_session(engine) as session:
        quadrants = measure_table(session=session, filters=MeasureFilter()).set_index("title")["quadrant"]
    assert quadrants.to_dict() == {
        "E-Akte": "Schnelle Erfolge",
        "Terminvergabe": "Schnelle Erfolge",
        "Ohne Amt": "Füllaufgaben",
        "Wohngeld online": "Füllaufgaben",
        "Glasfaser": "Zurückstellen",
    }


def test_lists_take_the_best_scores_up_to_the_limit_and_counts_take_all(engine, city) -> None:
    with read_session(engine) as session:
        table = measure_table(session=session, filters=MeasureFilter(), limit=2)
        points = matrix_points(session=session, filters=MeasureFilter(), limit=2)
        counts = measure_counts(session=session, filters=MeasureFilter())
    assert list(table["title"]) == ["E-Akte", "Terminvergabe"]
    assert list(points["title"]) == ["E-Akte", "Terminvergabe"]
    assert counts.total == 5
    assert counts.by_quadrant == {"Schnelle Erfolge": 2, "Füllaufgaben": 2, "Zurückstellen": 1}


def _add_like_terminvergabe(engine, *measures: tuple[str, MeasureStatus, str | None]) -> None:
    """Measures (title, status, start quarter) scored 50 like Terminvergabe, in its category and unit."""
    with write_session(engine) as session:
        for title, status, start in measures:
            session.add(
                Measure(
                    title=title,
                    category=Category.EGOV_OZG.value,
                    status=status.value,
                    benefit_citizens=3,
                    benefit_admin=3,
                    urgency=3,
                    legal_duty=3,
                    effort=3,
                    start_quarter=start,
                    end_quarter=None if start is None else "2027-Q1",
                )
            )


def test_ties_at_the_limit_go_by_title_among_the_filtered_measures_only(engine, city) -> None:
    _add_like_terminvergabe(
        engine,
        ("Zulassung", MeasureStatus.PLANNED, None),
        ("Anwohnerparken", MeasureStatus.PLANNED, None),
        ("Abfall-App", MeasureStatus.IDEA, None),
    )
    planned = MeasureFilter(statuses=("planned",))
    with read_session(engine) as session:
        everything = measure_table(session=session, filters=MeasureFilter(), limit=3)
        table = measure_table(session=session, filters=planned, limit=2)
        points = matrix_points(session=session, filters=planned, limit=2)
    assert list(everything["title"]) == ["E-Akte", "Abfall-App", "Anwohnerparken"]
    assert list(table["title"]) == ["Anwohnerparken", "Terminvergabe"]
    assert list(points["title"]) == ["Anwohnerparken", "Terminvergabe"]


def test_timeline_per_measure_when_few(engine, city) -> None:
    with read_session(engine) as session:
        result = timeline(session=session, filters=MeasureFilter())
    assert result.per_measure
    assert result.undated == 1
    bars = result.frame.set_index("title")
    # 2026-Q1 = 2026·4 + 0; an end without start (or the reverse) is one quarter long.
    assert (bars.loc["E-Akte", "start"], bars.loc["E-Akte", "end"]) == (8104, 8107)
    assert (bars.loc["Glasfaser", "start"], bars.loc["Glasfaser", "end"]) == (8107, 8107)
    assert bars.loc["Terminvergabe", "category"] == "E-Government/OZG"


def test_timeline_counts_per_category_and_quarter_when_many(engine, city) -> None:
    with read_session(engine) as session:
        result = timeline(session=session, filters=MeasureFilter(), max_bars=2)
    assert not result.per_measure
    counts = {(row.category, row.quarter): row.count for row in result.frame.itertuples()}
    assert counts[("Digitalisierung nach innen (Prozesse)", 8105)] == 1
    assert counts[("E-Government/OZG", 8108)] == 1  # Terminvergabe runs into 2027-Q1
    assert counts[("Fördermittel", 8103)] == 1  # 2025-Q4
    assert sum(counts.values()) == 4 + 3 + 1 + 2


def test_timeline_counts_add_up_measures_of_any_status(engine, city) -> None:
    _add_like_terminvergabe(engine, ("Anwohnerparken", MeasureStatus.IDEA, "2026-Q3"))
    with read_session(engine) as session:
        result = timeline(session=session, filters=MeasureFilter(), max_bars=2)
    counts = {(row.category, row.quarter): row.count for row in result.frame.itertuples()}
    assert counts[("E-Government/OZG", 8108)] == 2  # Terminvergabe (geplant) and Anwohnerparken (Idee)


def test_unit_filter_offers_units_with_measures_in_scope(engine, city) -> None:
    with read_session(engine) as session:
        everywhere = units_with_measures(session=session)
        dez_one = units_with_measures(session=session, root_id=city["Dez I"])
    assert [unit.code for unit in everywhere] == ["10", "10.1", "20"]
    assert [unit.code for unit in dez_one] == ["10", "10.1"]


def test_unit_filter_searches_limits_keeps_the_chosen_and_reads_a_links_codes(engine, city) -> None:
    with read_session(engine) as session:
        first = units_with_measures(session=session, limit=1)
        kept = units_with_measures(session=session, limit=1, keep=(city["20"],))
        outside = units_with_measures(session=session, root_id=city["Dez I"], keep=(city["20"],))
        searched = units_with_measures(session=session, search="10.")
        linked = units_with_measures(session=session, codes=("20", "99", "30"))
        counts = [count_units_with_measures(session=session, search=term) for term in (None, "10", "zzz")]
    assert [unit.code for unit in first] == ["10"]
    assert [unit.code for unit in kept] == ["10", "20"]
    assert [unit.code for unit in outside] == ["10", "10.1"]  # a chosen unit outside the scope is dropped
    assert [unit.code for unit in searched] == ["10.1"]
    assert [unit.code for unit in linked] == ["20"]
    assert counts == [3, 2, 0]


def test_detail_carries_the_version_the_edit_is_based_on(engine, city) -> None:
    with read_session(engine) as session:
        detail = measure_detail(session=session, measure_id=1)
        missing = measure_detail(session=session, measure_id=99)
    assert detail is not None and missing is None
    assert (detail["title"], detail["version"], detail["effort"]) == ("E-Akte", 1, 1)


def test_edit_choices_name_units_people_and_programmes(engine, city) -> None:
    with write_session(engine) as session:
        session.add(OrgUnit(code="99", name="Altamt", kind="amt", active=False))
        session.add(
            Pilot(
                name="Bea Beispiel",
                email="bea@example.org",
                unit_id=city["20"],
                stage="left",
                stage_since=date(2026, 1, 1),
            )
        )
    with read_session(engine) as session:
        choices = edit_choices(session=session)
    units = dict(choices.units)
    assert units[city["10.1"]] == "10.1 – Einheit 10.1"
    assert any(label == "99 – Altamt (aufgelöst)" for label in units.values())
    assert list(dict(choices.pilots).values()) == ["Bea Beispiel (20) – ausgeschieden"]
    assert choices.funding == ()


def test_edit_choices_search_limit_and_keep_the_current_values(engine, city) -> None:
    with read_session(engine) as session:
        everything = edit_choices(session=session)
        first = edit_choices(session=session, limit=1)
        found = edit_choices(session=session, unit_search="10.", limit=1, keep_unit=city["20"])
        literal = edit_choices(session=session, unit_search="%")

    assert len(first.units) == 1 and first.units_found == len(everything.units) > 1
    ids = [unit_id for unit_id, _ in found.units]
    assert ids[0] == city["20"] and len(ids) == 2  # the current unit, then the first match
    assert found.units_found == sum("10." in label for _, label in everything.units)
    assert literal.units == () and literal.units_found == 0  # % is a character, not a wildcard
