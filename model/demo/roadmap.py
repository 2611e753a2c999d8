"""The programme and the roadmap of the demo: phases, milestones, decisions, funding, measures."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from model.core.enums import (
    COVERING_STAGES,
    CURRENT_STAGES,
    Category,
    Donor,
    FundingStatus,
    IdeaStatus,
    MeasureStatus,
    PhaseStatus,
    PilotStage,
    Rag,
)
from model.demo import words
from model.demo.basics import HISTORY_DAYS, Row, days, quarter, weighted
from model.demo.org import Organisation, Unit
from model.demo.people import PilotPlan
from model.roadmap.ozg import OzgService, load_ozg_catalogue

_MEASURE_STATUS_WEIGHTS = {
    MeasureStatus.IDEA: 14,
    MeasureStatus.PLANNED: 28,
    MeasureStatus.IN_PROGRESS: 30,
    MeasureStatus.DONE: 16,
    MeasureStatus.DEFERRED: 12,
}
_RAG_WEIGHTS = {
    MeasureStatus.IDEA: {Rag.GREEN: 1},
    MeasureStatus.PLANNED: {Rag.GREEN: 80, Rag.AMBER: 20},
    MeasureStatus.IN_PROGRESS: {Rag.GREEN: 55, Rag.AMBER: 30, Rag.RED: 15},
    MeasureStatus.DONE: {Rag.GREEN: 1},
    MeasureStatus.DEFERRED: {Rag.AMBER: 60, Rag.RED: 40},
}
# The first programmes cover every status, so even the small demo shows them all.
_FIRST_FUNDING_STATUSES = (
    FundingStatus.GRANTED,
    FundingStatus.APPLIED,
    FundingStatus.IDENTIFIED,
    FundingStatus.GRANTED,
    FundingStatus.REJECTED,
    FundingStatus.IDENTIFIED,
)
_FUNDING_STATUS_WEIGHTS = {
    FundingStatus.IDENTIFIED: 30,
    FundingStatus.APPLIED: 30,
    FundingStatus.GRANTED: 30,
    FundingStatus.REJECTED: 10,
}
_PHASE_IDS = {name: position for position, (name, *_rest) in enumerate(words.PHASES, start=1)}

Title = tuple[str, str, OzgService | None]  # title, owning Amt (Kürzel without prefix), OZG service


def phase_rows(today: date) -> list[Row]:
    """Konzept and Auswahl done, Qualifizierung delayed, Betrieb planned: about a year in."""
    rows = []
    for name, status, start, end, note in words.PHASES:
        started = status != PhaseStatus.PLANNED
        rows.append(
            {
                "id": _PHASE_IDS[name],
                "name": name,
                "position": _PHASE_IDS[name],
                "planned_start": days(today, start),
                "planned_end": days(today, end),
                "actual_start": days(today, start + 5) if started else None,
                "actual_end": days(today, end + 7) if status == PhaseStatus.DONE else None,
                "status": status.value,
                "status_note": note,
                "version": 1,
            }
        )
    return rows


def milestone_rows(today: date) -> list[Row]:
    return [
        {
            "phase_id": _PHASE_IDS[phase],
            "title": title,
            "due_on": days(today, due),
            "done_on": None if done is None else days(today, done),
        }
        for phase, items in words.MILESTONES.items()
        for title, due, done in items
    ]


def gate_rows(today: date) -> list[Row]:
    rows = []
    for phase, body, offset, paper, summary in words.GATES:
        decided = days(today, offset)
        rows.append(
            {
                "phase_id": _PHASE_IDS[phase],
                "body": body,
                "decided_on": decided,
                "paper_no": f"{paper[0]}/{paper[1]:04d}/{decided.year}" if paper else None,
                "summary": summary,
            }
        )
    return rows


def funding_rows(
    *, rng: random.Random, today: date, count: int
) -> tuple[list[Row], dict[Category, list[int]]]:
    """`count` funding programmes, and for each category the ids of those not rejected."""
    rows: list[Row] = []
    by_category: dict[Category, list[int]] = {}
    for index, (name, donor, categories) in enumerate(_funding_programmes(today)[:count], start=1):
        status = (
            _FIRST_FUNDING_STATUSES[index - 1]
            if index <= len(_FIRST_FUNDING_STATUSES)
            else weighted(rng, _FUNDING_STATUS_WEIGHTS)
        )
        money = _funding_money(rng, today, status)
        rows.append(
            {"id": index, "name": name, "donor": donor.value, "status": status.value, "version": 1} | money
        )
        if status != FundingStatus.REJECTED:
            for category in categories:
                by_category.setdefault(category, []).append(index)
    return rows, by_category


def _funding_programmes(today: date) -> list[tuple[str, Donor, tuple[Category, ...]]]:
    """The named programmes, then their calls per year (larger scales need more names)."""
    programmes = list(words.FUNDING_PROGRAMMES)
    for year in (today.year - 1, today.year, today.year + 1):
        for call in (1, 2, 3):
            programmes += [
                (f"{name} – {call}. Förderaufruf {year}", donor, categories)
                for name, donor, categories in words.FUNDING_PROGRAMMES
            ]
    return programmes


def _funding_money(rng: random.Random, today: date, status: FundingStatus) -> Row:
    applied = float(rng.randint(25, 2_500) * 1_000)
    if status == FundingStatus.IDENTIFIED:
        return {"deadline": days(today, rng.randint(20, 240)), "amount_applied": 0.0, "amount_granted": 0.0}
    granted = round(applied * rng.uniform(0.6, 1.0), -3) if status == FundingStatus.GRANTED else 0.0
    return {
        "deadline": days(today, -rng.randint(10, 400)),
        "amount_applied": applied,
        "amount_granted": granted,
    }


def measure_rows(
    *,
    org: Organisation,
    pilots: list[PilotPlan],
    funding_by_category: dict[Category, list[int]],
    rng: random.Random,
    today: date,
    count: int,
    unit_in_title: bool,
) -> list[Row]:
    """`count` roadmap measures over all categories (large scales: titles name the owning unit)."""
    planner = _MeasurePlanner(org, pilots, funding_by_category, rng, today)
    return [planner.measure(measure_id, unit_in_title=unit_in_title) for measure_id in range(1, count + 1)]


def split_ideas(measures: list[Row]) -> tuple[list[Row], list[Row]]:
    """Ideas a Lotse proposed are not measures until the CDO-Büro decides (model.roadmap.ideas): they wait,
    open, in their own table; the measures keep the ideas the CDO-Büro itself noted."""
    kept, ideas = [], []
    for row in measures:
        if row["status"] == MeasureStatus.IDEA.value and row["submitted_by_pilot_id"] is not None:
            ideas.append(
                {
                    "title": row["title"],
                    "description": row["description"],
                    "category": row["category"],
                    "unit_id": row["unit_id"],
                    "pilot_id": row["submitted_by_pilot_id"],
                    "submitted_on": row["created_on"],
                    "status": IdeaStatus.OPEN.value,
                    "version": 1,
                }
            )
        else:
            kept.append(row)
    return kept, ideas


class _MeasurePlanner:
    def __init__(
        self,
        org: Organisation,
        pilots: list[PilotPlan],
        funding_by_category: dict[Category, list[int]],
        rng: random.Random,
        today: date,
    ) -> None:
        self.org = org
        self.rng = rng
        self.today = today
        self.funding_by_category = funding_by_category
        self.titles = _TitlePicker(rng)
        self.taken: set[str] = set()
        self.contacts = _pilots_by(pilots, lambda pilot: pilot.unit.id, COVERING_STAGES)
        self.proposers = _pilots_by(pilots, lambda pilot: pilot.unit.town.name, CURRENT_STAGES)
        self.town_weights = [len(town.units) for town in org.towns]

    def measure(self, measure_id: int, *, unit_in_title: bool) -> Row:
        categories = list(Category)
        category = (
            categories[measure_id - 1]
            if measure_id <= len(categories)
            else weighted(self.rng, words.CATEGORY_WEIGHTS)
        )
        base, owner, service = self.titles.pick(category)
        unit = self._owning_unit(owner)
        title = self._unique(f"{base} – {unit.code}" if unit_in_title else base)
        row = self._row(measure_id, title, category, unit, service)
        self._link_people(row, unit)
        options = self.funding_by_category.get(category)
        if options and self.rng.random() < 0.35:
            row["funding_id"] = self.rng.choice(options)
        return row

    def _owning_unit(self, owner: str) -> Unit:
        town = self.rng.choices(self.org.towns, weights=self.town_weights)[0]
        unit = self.org.by_code.get(town.prefix + owner)
        if unit is None or not unit.active:
            unit = self.rng.choice(town.pilot_units())
        return unit

    def _unique(self, title: str) -> str:
        candidate, number = title, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{title} ({number})"
        self.taken.add(candidate)
        return candidate

    def _row(
        self, measure_id: int, title: str, category: Category, unit: Unit, service: OzgService | None
    ) -> Row:
        rng = self.rng
        status = weighted(rng, _MEASURE_STATUS_WEIGHTS)
        span = self._quarter_span(status)
        target, actual = self._maturity(status) if service else (None, None)
        return {
            "id": measure_id,
            "title": title,
            "description": self._description(category, service),
            "category": category.value,
            "unit_id": unit.id,
            "contact_pilot_id": None,
            "submitted_by_pilot_id": None,
            "status": status.value,
            "rag": weighted(rng, _RAG_WEIGHTS[status]).value,
            "benefit_citizens": rng.randint(1, 5),
            "benefit_admin": rng.randint(1, 5),
            "urgency": rng.randint(1, 5),
            "legal_duty": 5 if service and rng.random() < 0.6 else rng.randint(1, 5),
            "effort": rng.randint(1, 5),
            "start_quarter": quarter(self.today, span[0]) if span else None,
            "end_quarter": quarter(self.today, span[1]) if span else None,
            "cost_operating": self._money(0.3, 10.0),
            "cost_capital": self._money(0.55, 10.5),
            "person_days": float(min(600, max(2, round(rng.lognormvariate(3.4, 0.9))))),
            "ozg_id": service.ozg_id if service else None,
            "maturity_target": target,
            "maturity_actual": actual,
            "efa": bool(service) and rng.random() < 0.35,
            "funding_id": None,
            "decision_ref": self._decision_ref() if rng.random() < 0.2 else None,
            "created_on": self._created_on(status, span),
            "version": 1,
        }

    def _description(self, category: Category, service: OzgService | None) -> str:
        aims = " ".join(self.rng.sample(words.CATEGORY_AIMS[category], 2))
        if service is None:
            return aims
        lead = f"Die OZG-Leistung „{service.name}“ (Lebenslage {service.life_situation})"
        return f"{lead} wird online angeboten. {aims}"

    def _quarter_span(self, status: MeasureStatus) -> tuple[int, int] | None:
        """Start and end quarter as offsets from the current quarter (None: not yet scheduled)."""
        rng = self.rng
        if status == MeasureStatus.DONE:
            start = -rng.randint(3, 7)
            return start, min(0, start + rng.randint(1, 4))
        if status == MeasureStatus.IN_PROGRESS:
            return -rng.randint(0, 5), rng.randint(1, 8)
        if status == MeasureStatus.IDEA and rng.random() < 0.5:
            return None
        start = rng.randint(1, 6)
        return start, min(8, start + rng.randint(1, 4))

    def _created_on(self, status: MeasureStatus, span: tuple[int, int] | None) -> date:
        created = days(
            self.today, -self.rng.randint(0, 120 if status == MeasureStatus.IDEA else HISTORY_DAYS)
        )
        if span and span[0] <= 0:  # a measure under way was entered before it started
            created = min(created, days(self.today, span[0] * 91 - 30))
        return created

    def _money(self, zero_share: float, mu: float) -> float:
        if self.rng.random() < zero_share:
            return 0.0
        return float(min(500_000, round(self.rng.lognormvariate(mu, 1.1), -2)))

    def _maturity(self, status: MeasureStatus) -> tuple[int, int]:
        target = self.rng.choice((3, 3, 4))
        if status == MeasureStatus.DONE:
            return target, target
        if status == MeasureStatus.IN_PROGRESS:
            return target, self.rng.randint(1, target - 1)
        return target, self.rng.randint(0, 1)

    def _decision_ref(self) -> str:
        year = self.today.year - self.rng.randint(0, 1)
        return f"Dez{self.rng.choice(words.ROMAN[:5])}/{self.rng.randint(100, 999):04d}/{year}"

    def _link_people(self, row: Row, unit: Unit) -> None:
        in_unit = self.contacts.get(unit.id, [])
        if row["status"] == MeasureStatus.IDEA.value:
            candidates = in_unit or self.proposers.get(unit.town.name, [])
            row["submitted_by_pilot_id"] = self.rng.choice(candidates) if candidates else None
        elif in_unit and self.rng.random() < 0.7:
            row["contact_pilot_id"] = self.rng.choice(in_unit)


def _pilots_by(
    pilots: list[PilotPlan], key: Callable[[PilotPlan], Any], stages: Sequence[PilotStage]
) -> dict[Any, list[int]]:
    groups: dict[Any, list[int]] = {}
    for pilot in pilots:
        if pilot.stage in stages:
            groups.setdefault(key(pilot), []).append(pilot.id)
    return groups


class _TitlePicker:
    """Measure titles per category without repeats until a category's list is used up."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.queues: dict[Category, list[Title]] = {}
        catalogue = {service.ozg_id: service for service in load_ozg_catalogue()}
        self.municipal = [(catalogue[i], owner) for i, owner in words.MUNICIPAL_OZG.items() if i in catalogue]
        self.further = [
            (service, words.OZG_TOPIC_OWNERS[service.topic])
            for service in catalogue.values()
            if service.topic in words.OZG_TOPIC_OWNERS and service.ozg_id not in words.MUNICIPAL_OZG
        ]

    def pick(self, category: Category) -> Title:
        queue = self.queues.setdefault(category, [])
        if not queue:
            queue.extend(self._fresh(category))
        return queue.pop()

    def _fresh(self, category: Category) -> list[Title]:
        """Shuffled titles, popped from the end: the typical municipal ones come first."""
        first: list[Title] = [(title, owner, None) for title, owner in words.MEASURE_TITLES[category]]
        later: list[Title] = []
        if category == Category.EGOV_OZG:
            first += [(f"Online-Dienst {s.name}", owner, s) for s, owner in self.municipal]
            later = [(f"Online-Dienst {s.name}", owner, s) for s, owner in self.further]
        self.rng.shuffle(first)
        self.rng.shuffle(later)
        return later + first
