"""The priority score: known answers for score and class, weights that are refused or stored."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from model.accounts.auth import UserInfo
from model.core.db import read_session, write_session
from model.core.enums import Category, MeasureStatus, Role
from model.core.guard import StaleEditError
from model.core.tables import AppSetting, AuditEntry, Measure
from model.roadmap.scoring import (
    DEFAULT_WEIGHTS,
    ScoreWeightsError,
    WeightsEdit,
    class_expression,
    formula_text,
    score_explanation,
    score_expression,
    score_weights,
    score_weights_version,
    set_score_weights,
)
from tests.support.actors import admin

# title → (Nutzen Bürger, Nutzen Verwaltung, Dringlichkeit, Rechtliche Pflicht, Aufwand)
INPUTS = {
    "Bestwert": (5, 5, 5, 5, 1),
    "Schlechtester": (1, 1, 1, 1, 5),
    "Mitte": (3, 3, 3, 3, 3),
    "Knapp A": (5, 4, 4, 1, 2),
    "Typisch": (3, 3, 3, 1, 3),
    "Grenzfall A": (5, 3, 3, 3, 3),
}
# With the default weights, by hand: Σ weight · points, points = (value − 1) · 25, Aufwand (5 − value) · 25.
EXPECTED = {
    "Bestwert": (100.0, "A"),
    "Schlechtester": (0.0, "C"),
    "Mitte": (50.0, "B"),
    # 0.3·100 + 0.2·75 + 0.2·75 + 0.15·0 + 0.15·75 = 71.25
    "Knapp A": (71.25, "A"),
    # 0.3·50 + 0.2·50 + 0.2·50 + 0 + 0.15·50 = 42.5
    "Typisch": (42.5, "B"),
    # 0.3·100 + 0.2·50 + 0.2·50 + 0.15·50 + 0.15·50 = 65: exactly on the threshold counts as A
    "Grenzfall A": (65.0, "A"),
}


@pytest.fixture
def measures(engine) -> dict[str, int]:
    ids = {}
    with write_session(engine) as session:
        for title, (citizens, admin, urgency, legal, effort) in INPUTS.items():
            measure = Measure(
                title=title,
                category=Category.INTERNAL.value,
                status=MeasureStatus.PLANNED.value,
                benefit_citizens=citizens,
                benefit_admin=admin,
                urgency=urgency,
                legal_duty=legal,
                effort=effort,
            )
            session.add(measure)
            session.flush()
            ids[title] = measure.id
    return ids


def _scores(engine) -> dict[str, tuple[float, str]]:
    with read_session(engine) as session:
        weights = score_weights(session=session)
        rows = session.exec(select(Measure.title, score_expression(weights), class_expression(weights))).all()
    return {title: (round(score, 6), klass) for title, score, klass in rows}


def test_default_weights_give_known_scores_and_classes(engine, measures) -> None:
    assert _scores(engine) == EXPECTED


def test_explanation_contributions_add_up_to_the_score(engine, measures) -> None:
    with read_session(engine) as session:
        explanation = score_explanation(session=session, measure_id=measures["Knapp A"])
    assert explanation is not None
    table = explanation.contributions.set_index("Eingabe")
    assert table.loc["Nutzen Bürger*innen", "Beitrag"] == pytest.approx(30.0)
    assert table.loc["Aufwand", "Punkte"] == pytest.approx(75.0)
    assert table.loc["Aufwand", "Beitrag"] == pytest.approx(11.25)
    assert table.loc["Rechtliche Pflicht", "Beitrag"] == pytest.approx(0.0)
    assert table["Beitrag"].sum() == pytest.approx(explanation.score)
    assert (explanation.score, explanation.priority_class) == (pytest.approx(71.25), "A")


def test_explanation_of_a_missing_measure_is_none(engine) -> None:
    with read_session(engine) as session:
        assert score_explanation(session=session, measure_id=999) is None


def test_formula_shows_the_weights_in_german() -> None:
    text = formula_text(DEFAULT_WEIGHTS)
    assert "0,30 · Nutzen Bürger*innen" in text
    assert "0,15 · (6 − Aufwand)" in text


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            {
                "benefit_citizens": 0.5,
                "benefit_admin": 0.2,
                "urgency": 0.2,
                "legal_duty": 0.15,
                "effort": 0.15,
            },
            "zusammen 1 ergeben",
        ),
        (
            {"benefit_citizens": 1.2, "benefit_admin": -0.2, "urgency": 0, "legal_duty": 0, "effort": 0},
            re.escape("„Nutzen Bürger*innen“ muss zwischen 0 und 1 liegen (jetzt 1,2)"),
        ),
        ({"benefit_citizens": "viel", "benefit_admin": 0.2}, "fehlt ein Gewicht"),
        ({**DEFAULT_WEIGHTS.as_dict(), "farbe": 0.0}, "Unbekannte Eingaben"),
    ],
)
def test_invalid_weights_are_refused_in_german_and_nothing_changes(
    engine, measures, weights, message
) -> None:
    with pytest.raises(ScoreWeightsError, match=message), write_session(engine) as session:
        set_score_weights(
            session=session, actor=admin(), data=WeightsEdit(weights=weights, expected_version=0)
        )
    with read_session(engine) as session:
        assert score_weights(session=session) == DEFAULT_WEIGHTS
        assert session.exec(select(AuditEntry)).all() == []


def test_weights_within_the_tolerance_are_accepted(engine) -> None:
    weights = {
        "benefit_citizens": 0.3,
        "benefit_admin": 0.2,
        "urgency": 0.2,
        "legal_duty": 0.15,
        "effort": 0.1505,
    }
    with write_session(engine) as session:
        set_score_weights(
            session=session, actor=admin(), data=WeightsEdit(weights=weights, expected_version=0)
        )
    with read_session(engine) as session:
        assert score_weights(session=session).effort == pytest.approx(0.1505)


def test_changed_weights_are_stored_audited_and_change_the_scores(engine, measures) -> None:
    new = {"benefit_citizens": 0.2, "benefit_admin": 0.2, "urgency": 0.2, "legal_duty": 0.2, "effort": 0.2}
    with write_session(engine) as session:
        set_score_weights(session=session, actor=admin(), data=WeightsEdit(weights=new, expected_version=0))
    # Typisch: 0.2·(50 + 50 + 50 + 0 + 50) = 40 → B exactly at the threshold.
    assert _scores(engine)["Typisch"] == (40.0, "B")
    with read_session(engine) as session:
        entry = session.exec(select(AuditEntry)).one()
    assert (entry.actor, entry.entity, entry.entity_id) == ("cdo", "app_setting", "score_weights")
    assert json.loads(entry.changes)["benefit_citizens"] == [0.3, 0.2]


@pytest.mark.parametrize("role", [Role.LEITUNG, Role.LOTSE])
def test_only_admin_may_change_the_weights(engine, role) -> None:
    with pytest.raises(PermissionError, match="Nur das CDO-Büro"), write_session(engine) as session:
        set_score_weights(
            session=session,
            actor=UserInfo(id=0, username="x", display_name="x", role=role, pilot_id=None),
            data=WeightsEdit(weights=DEFAULT_WEIGHTS.as_dict(), expected_version=0),
        )


def test_a_damaged_setting_falls_back_to_the_defaults(engine) -> None:
    with write_session(engine) as session:
        session.add(AppSetting(key="score_weights", value='{"benefit_citizens": 3}'))
    with read_session(engine) as session:
        assert score_weights(session=session) == DEFAULT_WEIGHTS


def test_weights_changed_by_someone_else_since_the_form_showed_them_are_refused(engine) -> None:
    first = {"benefit_citizens": 0.2, "benefit_admin": 0.2, "urgency": 0.2, "legal_duty": 0.2, "effort": 0.2}
    later = {
        "benefit_citizens": 0.4,
        "benefit_admin": 0.1,
        "urgency": 0.2,
        "legal_duty": 0.15,
        "effort": 0.15,
    }
    with write_session(engine) as session:  # A saves against the defaults both forms showed (version 0)
        set_score_weights(
            session=session, actor=admin("a"), data=WeightsEdit(weights=first, expected_version=0)
        )
    with (
        pytest.raises(StaleEditError, match="Die Gewichtung des Scores wurde inzwischen von jemand anderem"),
        write_session(engine) as session,
    ):
        set_score_weights(
            session=session, actor=admin("b"), data=WeightsEdit(weights=later, expected_version=0)
        )
    with read_session(engine) as session:
        assert score_weights(session=session).as_dict() == first
        assert [entry.actor for entry in session.exec(select(AuditEntry)).all()] == ["a"]

    with write_session(engine) as session:  # against what is stored now, B's change goes through
        saved = set_score_weights(
            session=session,
            actor=admin("b"),
            data=WeightsEdit(weights=later, expected_version=score_weights_version(session=session)),
        )
    assert saved.as_dict() == later
    with read_session(engine) as session:
        assert score_weights_version(session=session) == 2  # stored twice: version 1, then 2


def test_unchanged_weights_store_nothing(engine) -> None:
    with write_session(engine) as session:
        set_score_weights(
            session=session,
            actor=admin(),
            data=WeightsEdit(weights=DEFAULT_WEIGHTS.as_dict(), expected_version=0),
        )
    with read_session(engine) as session:
        assert session.get(AppSetting, "score_weights") is None
        assert session.exec(select(AuditEntry)).all() == []
