"""The transparent priority score of a measure: weights, formula in SQL, classes A/B/C, explanation.

Each input (1–5) becomes points 0–100: (Wert − 1) · 25; Aufwand counts the other way round,
(5 − Aufwand) · 25, so little effort scores high. The score is the weighted sum of these points
(weights sum to 1), hence 0–100, and each input contributes exactly weight · points.
Equivalent: Score = 25 · (Σ Gewicht · Wert − 1) with 6 − Aufwand in place of Aufwand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, SupportsFloat, SupportsIndex

import pandas as pd
from sqlalchemy import case, literal
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from model.core import app_settings
from model.core.actor import Actor
from model.core.audit import record_audit
from model.core.enums import Role
from model.core.errors import DomainError, NotPermitted
from model.core.german import fmt_number, fmt_trimmed
from model.core.tables import AppSetting, Measure

WEIGHTS_KEY = "score_weights"
SUM_TOLERANCE = 0.001
# Lowest score of each class; below the last threshold a measure is class C.
CLASS_THRESHOLDS: tuple[tuple[str, float], ...] = (("A", 65.0), ("B", 40.0))
CLASSES = ("A", "B", "C")
# Float sums such as 0.3·5 + … can land a hair below a threshold they reach exactly.
_EPSILON = 1e-9
INPUT_LABELS = {
    "benefit_citizens": "Nutzen Bürger*innen",
    "benefit_admin": "Nutzen Verwaltung",
    "urgency": "Dringlichkeit",
    "legal_duty": "Rechtliche Pflicht",
    "effort": "Aufwand",
}
BENEFIT_INPUTS = ("benefit_citizens", "benefit_admin", "urgency", "legal_duty")


class ScoreWeightsError(DomainError, ValueError):
    """Weights that cannot be used; `messages` are German and name every problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


# The weight of each scoring input; together they sum to 1.
@dataclass(frozen=True)
class ScoreWeights:
    benefit_citizens: float = 0.3
    benefit_admin: float = 0.2
    urgency: float = 0.2
    legal_duty: float = 0.15
    effort: float = 0.15

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DEFAULT_WEIGHTS = ScoreWeights()


def validate_weights(weights: Mapping[str, object]) -> ScoreWeights:
    """Weights for all five inputs, each 0–1, summing to 1 (± 0.001); else ScoreWeightsError."""
    messages = []
    unknown = sorted(set(weights) - set(INPUT_LABELS))
    if unknown:
        messages.append(f"Unbekannte Eingaben: {', '.join(unknown)}.")
    values: dict[str, float] = {}
    for key, name in INPUT_LABELS.items():
        raw = weights.get(key)
        try:
            if not isinstance(raw, str | bytes | SupportsFloat | SupportsIndex):
                raise TypeError(raw)  # float() refuses it too
            value = float(raw)
        except (TypeError, ValueError):
            messages.append(f"Für „{name}“ fehlt ein Gewicht (Zahl zwischen 0 und 1).")
            continue
        if not math.isfinite(value) or not 0 <= value <= 1:
            messages.append(
                f"Das Gewicht für „{name}“ muss zwischen 0 und 1 liegen (jetzt {fmt_trimmed(value, 3)})."
            )
            continue
        values[key] = value
    if len(values) == len(INPUT_LABELS) and abs(sum(values.values()) - 1) > SUM_TOLERANCE:
        total = sum(values.values())
        messages.append(
            f"Die Gewichte müssen zusammen 1 ergeben (100 %); jetzt sind es {fmt_number(total, 3)} "
            f"({fmt_number(total * 100, 1)} %)."
        )
    if messages:
        raise ScoreWeightsError(messages)
    return ScoreWeights(**values)


def score_weights(*, session: Session, for_update: bool = False) -> ScoreWeights:
    """The weights in force: the stored setting, else the defaults; `for_update` locks the row."""
    row = session.get(AppSetting, WEIGHTS_KEY, with_for_update=for_update or None)
    if row is None:
        return DEFAULT_WEIGHTS
    try:
        return validate_weights(json.loads(row.value))
    except (ScoreWeightsError, json.JSONDecodeError, AttributeError):
        return DEFAULT_WEIGHTS  # a damaged setting must not take the Roadmap down


def score_weights_version(*, session: Session) -> int:
    """The version of the stored weights (0: none stored, the defaults apply); the form keeps it."""
    return app_settings.version_of(session=session, key=WEIGHTS_KEY)


# New weights (input key → share of 1) and the version of the setting the form showed.
@dataclass(frozen=True, kw_only=True)
class WeightsEdit:
    weights: Mapping[str, object]
    expected_version: int


def set_score_weights(*, session: Session, actor: Actor, data: WeightsEdit) -> ScoreWeights:
    """Store new weights (admin only), audited old → new.

    If the setting was stored since the form showed `expected_version`, someone else changed the
    weights meanwhile and this change is refused (StaleEditError).
    """
    if actor.role != Role.ADMIN:
        raise NotPermitted("Nur das CDO-Büro darf die Gewichte des Scores ändern.")
    old = score_weights(session=session, for_update=True)
    app_settings.check_setting_version(
        session=session, key=WEIGHTS_KEY, expected=data.expected_version, what="Die Gewichtung des Scores"
    )
    new = validate_weights(data.weights)
    if new == old:
        return old  # nothing to store, nothing to audit
    value = json.dumps(new.as_dict(), sort_keys=True)
    app_settings.store(session=session, key=WEIGHTS_KEY, value=value, what="Die Gewichtung des Scores")
    record_audit(
        session=session,
        actor=actor.username,
        action="update",
        entity="app_setting",
        entity_id=WEIGHTS_KEY,
        changes={key: (old.as_dict()[key], new.as_dict()[key]) for key in INPUT_LABELS},
    )
    return new


def _points(key: str) -> ColumnElement[float]:
    """Points 0–100 of one input column in SQL."""
    column = getattr(Measure, key)
    return (5 - column) * 25.0 if key == "effort" else (column - 1) * 25.0


def score_expression(weights: ScoreWeights) -> ColumnElement[float]:
    """Score 0–100 of a measure as an SQL expression over its columns."""
    terms = [_points(key) * literal(weight) for key, weight in weights.as_dict().items()]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def class_expression(weights: ScoreWeights) -> ColumnElement[str]:
    """Priority class A/B/C of a measure in SQL (filter and sort by it at any scale)."""
    score = score_expression(weights)
    return case(
        *[(score >= threshold - _EPSILON, literal(name)) for name, threshold in CLASS_THRESHOLDS],
        else_=literal("C"),
    )


def benefit_expression(weights: ScoreWeights) -> ColumnElement[float]:
    """Nutzen 1–5: the weighted mean of the four benefit inputs (equal weights if all are 0)."""
    shares = {key: weights.as_dict()[key] for key in BENEFIT_INPUTS}
    total = sum(shares.values())
    if total <= 0:
        shares, total = dict.fromkeys(BENEFIT_INPUTS, 1.0), float(len(BENEFIT_INPUTS))
    terms = [getattr(Measure, key) * literal(share / total) for key, share in shares.items()]
    mean = terms[0]
    for term in terms[1:]:
        mean = mean + term
    return mean


def among_best(*, weights: ScoreWeights, conditions: Sequence[Any], limit: int) -> ColumnElement[bool]:
    """WHERE condition: the measure is one of the `limit` best-scored meeting `conditions` (ties by title).

    Ranking bare ids through ix_measure_scoring and reading the wide columns of only those rows is
    cheaper than sorting every wide row (the caller still orders by score, then title).
    """
    best = (
        select(Measure.id)
        .where(*conditions)
        .order_by(score_expression(weights).desc(), Measure.title)
        .limit(limit)
        .correlate(None)
    )
    return col(Measure.id).in_(best)


def formula_text(weights: ScoreWeights) -> str:
    """The formula with the weights in force, in German notation."""
    parts = []
    for key, weight in weights.as_dict().items():
        name = f"(6 − {INPUT_LABELS[key]})" if key == "effort" else INPUT_LABELS[key]
        parts.append(f"{fmt_number(weight, 2)} · {name}")
    return f"Score = 25 · ({' + '.join(parts)} − 1)"


def class_rules_text() -> str:
    (a, a_min), (b, b_min) = CLASS_THRESHOLDS
    return (
        f"Klasse {a}: Score ab {fmt_number(a_min, 0)} · Klasse {b}: ab {fmt_number(b_min, 0)} "
        f"bis unter {fmt_number(a_min, 0)} · Klasse C: unter {fmt_number(b_min, 0)}"
    )


# How one measure's score came about: the inputs with their points, weights and contributions.
@dataclass(frozen=True)
class ScoreExplanation:
    measure_id: int
    title: str
    score: float
    priority_class: str
    contributions: pd.DataFrame  # Eingabe, Wert, Punkte, Gewicht, Beitrag


def score_explanation(*, session: Session, measure_id: int) -> ScoreExplanation | None:
    """Per-input contributions of one measure; they add up to its score (computed in SQL)."""
    weights = score_weights(session=session)
    columns = [getattr(Measure, key) for key in INPUT_LABELS]
    row = session.exec(
        select(Measure.title, score_expression(weights), class_expression(weights), *columns).where(
            Measure.id == measure_id
        )
    ).first()
    if row is None:
        return None
    values: list[Any]
    title, score, priority_class, *values = row
    records = []
    for (key, name), value in zip(INPUT_LABELS.items(), values, strict=True):
        points = (5 - value) * 25.0 if key == "effort" else (value - 1) * 25.0
        weight = weights.as_dict()[key]
        records.append(
            {
                "Eingabe": name,
                "Wert": int(value),
                "Punkte": points,
                "Gewicht": weight,
                "Beitrag": points * weight,
            }
        )
    return ScoreExplanation(
        measure_id=measure_id,
        title=title,
        score=float(score),
        priority_class=priority_class,
        contributions=pd.DataFrame(records),
    )
