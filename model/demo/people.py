"""The people of the demo: Lotsen with their stage history, training, status updates; the demo logins."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from model.core.enums import PilotStage, Role
from model.demo import words
from model.demo.basics import HISTORY_DAYS, STALE_DAYS, Row, days, slug, weighted
from model.demo.org import Organisation, Town, Unit

DEMO_ACCOUNTS = {"cdo": Role.ADMIN.value, "leitung": Role.LEITUNG.value, "lotse": Role.LOTSE.value}
CDO_USER_ID, LOTSE_USER_ID = 1, 3
UNCOVERED_SHARE = 0.22  # units without any Lotse

_MAIN_PATH = [
    PilotStage.NOMINATED,
    PilotStage.SELECTED,
    PilotStage.IN_TRAINING,
    PilotStage.QUALIFIED,
    PilotStage.ACTIVE,
]
_STAGE_WEIGHTS = {
    PilotStage.NOMINATED: 5,
    PilotStage.SELECTED: 7,
    PilotStage.IN_TRAINING: 24,
    PilotStage.QUALIFIED: 20,
    PilotStage.ACTIVE: 32,
    PilotStage.PAUSED: 5,
    PilotStage.LEFT: 7,
}
# Days between a stage change and the one before it.
_GAP_DAYS = {
    PilotStage.SELECTED: (14, 60),
    PilotStage.IN_TRAINING: (20, 90),
    PilotStage.QUALIFIED: (30, 110),
    PilotStage.ACTIVE: (7, 45),
    PilotStage.PAUSED: (30, 150),
    PilotStage.LEFT: (20, 180),
}
# Nobody waits long in the early stages (the course takes a few months).
_MAX_DAYS_IN_STAGE = {
    PilotStage.NOMINATED: 90,
    PilotStage.SELECTED: 120,
    PilotStage.IN_TRAINING: 150,
    PilotStage.QUALIFIED: 240,
}
# The first Lotse of these units has a fixed stage: the demo login, and the open support case.
_FORCED_STAGES = {
    words.LOTSE_ACCOUNT_UNIT: PilotStage.ACTIVE,
    words.SUPPORT_CASE_UNIT: PilotStage.IN_TRAINING,
}
# How often a Lotse reports, relative, by current stage.
_STAGE_ACTIVITY = {
    PilotStage.NOMINATED: 0.3,
    PilotStage.SELECTED: 0.5,
    PilotStage.IN_TRAINING: 0.9,
    PilotStage.QUALIFIED: 1.0,
    PilotStage.ACTIVE: 1.4,
    PilotStage.PAUSED: 0.6,
    PilotStage.LEFT: 0.7,
}


@dataclass
class PilotPlan:
    id: int
    name: str
    email: str
    unit: Unit
    stage: PilotStage
    path: list[PilotStage]  # every stage from nominated to the current one
    dates: list[date]  # the date of each step
    unit_ids: list[int]  # the unit at the time of each step
    hours: float
    is_account: bool  # the demo login "lotse"
    open_support: bool  # ends with the open request for support
    updates_from: date
    updates_until: date
    update_count: int = 0

    def date_of(self, stage: PilotStage) -> date | None:
        return next((d for s, d in zip(self.path, self.dates, strict=True) if s == stage), None)


def plan_pilots(
    *, org: Organisation, rng: random.Random, today: date, count: int, updates: int
) -> list[PilotPlan]:
    """About `count` Lotsen spread unevenly over the units, reporting about `updates` times in all."""
    planner = _PilotPlanner(rng, today)
    pilots = planner.plan(org, count)
    planner.plan_update_counts(pilots, updates)
    return pilots


def account_pilot(pilots: list[PilotPlan]) -> PilotPlan:
    return next(pilot for pilot in pilots if pilot.is_account)


def pilot_rows(pilots: list[PilotPlan]) -> list[Row]:
    return [
        {
            "id": pilot.id,
            "name": pilot.name,
            "email": pilot.email,
            "unit_id": pilot.unit.id,
            "stage": pilot.stage.value,
            "stage_since": pilot.dates[-1],
            "hours_per_week": pilot.hours,
            "last_update_on": None,  # filled from the status updates once they are in
            "anonymised": False,
            "version": 1,
        }
        for pilot in pilots
    ]


def stage_change_rows(*, pilots: list[PilotPlan], rng: random.Random, today: date) -> list[Row]:
    konzept_done = days(today, words.PHASES[0][3])
    rows = []
    for pilot in pilots:
        previous: PilotStage | None = None
        for stage, changed_on, unit_id in zip(pilot.path, pilot.dates, pilot.unit_ids, strict=True):
            early = stage == PilotStage.NOMINATED and changed_on < konzept_done and rng.random() < 0.5
            reason = words.EARLY_REASON if early else rng.choice(words.STAGE_REASONS[stage])
            rows.append(
                {
                    "pilot_id": pilot.id,
                    "unit_id": unit_id,
                    "from_stage": previous.value if previous else None,
                    "to_stage": stage.value,
                    "changed_on": changed_on,
                    "reason": reason,
                }
            )
            previous = stage
    return rows


def module_rows() -> list[Row]:
    return [
        {
            "id": position,
            "name": name,
            "kind": kind.value,
            "duration_days": length,
            "position": position,
            "active": True,
        }
        for position, (name, kind, length) in enumerate(words.MODULES, start=1)
    ]


def training_rows(*, pilots: list[PilotPlan], rng: random.Random, today: date) -> list[Row]:
    """Base course for everyone who started it (completed when qualified), advanced modules after."""
    rows: list[Row] = []
    for pilot in pilots:
        end = pilot.dates[-1] if pilot.stage in (PilotStage.LEFT, PilotStage.PAUSED) else today
        started = pilot.date_of(PilotStage.IN_TRAINING)
        qualified = pilot.date_of(PilotStage.QUALIFIED)
        if started:
            rows.append(_record(pilot, 1, started, qualified))
        elif pilot.stage == PilotStage.SELECTED and rng.random() < 0.4:  # booked for the next cohort
            waited = rng.randint(0, max(0, (today - pilot.dates[-1]).days))
            rows.append(_record(pilot, 1, pilot.dates[-1] + timedelta(days=waited), None))
        if qualified:
            rows += _advanced_records(pilot, rng, qualified, end, rng.randint(0, 3))
        elif started and pilot.stage == PilotStage.IN_TRAINING and rng.random() < 0.15:
            rows += _advanced_records(pilot, rng, started, end, 1)
    return rows


def _advanced_records(pilot: PilotPlan, rng: random.Random, after: date, end: date, count: int) -> list[Row]:
    rows = []
    for module_id in rng.sample(range(2, len(words.MODULES) + 1), count):
        enrolled = after + timedelta(days=rng.randint(7, 200))
        if enrolled > end:
            continue
        completed = enrolled + timedelta(days=rng.randint(5, 60))
        done = completed <= end and rng.random() < 0.85
        rows.append(_record(pilot, module_id, enrolled, completed if done else None))
    return rows


def _record(pilot: PilotPlan, module_id: int, enrolled: date, completed: date | None) -> Row:
    return {"pilot_id": pilot.id, "module_id": module_id, "enrolled_on": enrolled, "completed_on": completed}


def user_rows(*, pilots: list[PilotPlan], password_hash: str, now: datetime) -> list[Row]:
    """The three demo logins; "lotse" is a real Lotse of the Bürgeramt."""
    lotse = account_pilot(pilots)
    people = [*words.DEMO_USERS, ("lotse", lotse.name, lotse.email)]
    return [
        {
            "id": user_id,
            "username": username,
            "display_name": display_name,
            "email": email,
            "role": DEMO_ACCOUNTS[username],
            "password_hash": password_hash,
            "active": True,
            "pilot_id": lotse.id if username == "lotse" else None,
            "sessions_valid_after": now,
            "last_seen_at": None,
            "failures_reset_at": None,
            "created_at": now,
        }
        for user_id, (username, display_name, email) in enumerate(people, start=1)
    ]


class _PilotPlanner:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.used_names: set[str] = set()
        self.used_emails: set[str] = set()

    def plan(self, org: Organisation, count: int) -> list[PilotPlan]:
        pilots: list[PilotPlan] = []
        seen: set[int] = set()
        for unit in self._pilot_units(org, count):
            forced = None if unit.id in seen else _FORCED_STAGES.get(unit.code)
            seen.add(unit.id)
            pilots.append(self._plan_pilot(len(pilots) + 1, unit, forced))
        return pilots

    def _pilot_units(self, org: Organisation, count: int) -> list[Unit]:
        """One entry per Lotse: some units uncovered, many with one, some with more."""
        eligible = org.pilot_units()
        candidates = [unit for unit in eligible if unit.code not in _FORCED_STAGES]
        uncovered = {unit.id for unit in self.rng.sample(candidates, round(len(eligible) * UNCOVERED_SHARE))}
        covered = [unit for unit in eligible if unit.id not in uncovered]
        counts = {unit.id: 1 for unit in covered}
        extra = max(0, count - len(covered))
        for unit in self.rng.choices(covered, weights=[u.headcount**0.5 for u in covered], k=extra):
            counts[unit.id] += 1
        return [unit for unit in covered for _ in range(counts[unit.id])]

    def _plan_pilot(self, pilot_id: int, unit: Unit, forced: PilotStage | None) -> PilotPlan:
        stage = forced or weighted(self.rng, _STAGE_WEIGHTS)
        path = self._stage_path(stage)
        dates = self._stage_dates(path)
        name = self._new_name()
        pilot = PilotPlan(
            id=pilot_id,
            name=name,
            email=self._email(name, unit.town),
            unit=unit,
            stage=stage,
            path=path,
            dates=dates,
            unit_ids=self._units_at_time(unit, len(path)),
            hours=self.rng.choice((1, 1.5, 2, 2, 2, 3, 3, 4, 4, 5, 6, 8)),
            is_account=forced == PilotStage.ACTIVE,
            open_support=forced == PilotStage.IN_TRAINING,
            updates_from=dates[0] + timedelta(days=3),
            updates_until=self.today,
        )
        self._set_update_window(pilot)
        return pilot

    def _new_name(self) -> str:
        name = ""
        for _ in range(8):  # unique where the name lists allow it
            name = f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name

    def _email(self, name: str, town: Town) -> str:
        first, last = name.split(" ", 1)
        local = f"{slug(first)}.{slug(last)}"
        email, number = f"{local}@{town.domain}", 1
        while email in self.used_emails:
            number += 1
            email = f"{local}{number}@{town.domain}"
        self.used_emails.add(email)
        return email

    def _stage_path(self, stage: PilotStage) -> list[PilotStage]:
        """The steps from nominated to `stage`, along the allowed transitions."""
        if stage in _MAIN_PATH:
            path = _MAIN_PATH[: _MAIN_PATH.index(stage) + 1]
            if stage == PilotStage.ACTIVE and self.rng.random() < 0.12:
                path += [PilotStage.PAUSED, PilotStage.ACTIVE]
            return path
        if stage == PilotStage.PAUSED:
            return _MAIN_PATH[: self.rng.randint(2, 5)] + [PilotStage.PAUSED]
        return _MAIN_PATH[: self.rng.randint(1, 5)] + [PilotStage.LEFT]

    def _stage_dates(self, path: list[PilotStage]) -> list[date]:
        gaps = [self.rng.randint(*_GAP_DAYS[stage]) for stage in path[1:]]
        total = sum(gaps)
        if total > HISTORY_DAYS - 10:
            gaps = [max(1, gap * (HISTORY_DAYS - 10) // total) for gap in gaps]
            total = sum(gaps)
        room = HISTORY_DAYS - total
        since = self.rng.randint(1, max(1, min(room, _MAX_DAYS_IN_STAGE.get(path[-1], room))))
        dates = [days(self.today, -(since + total))]
        for gap in gaps:
            dates.append(dates[-1] + timedelta(days=gap))
        return dates

    def _units_at_time(self, unit: Unit, steps: int) -> list[int]:
        # A few Lotsen changed unit on the way: their early stage changes name the old unit.
        if steps < 3 or self.rng.random() >= 0.04:
            return [unit.id] * steps
        others = [other for other in unit.town.pilot_units() if other.id != unit.id]
        moved_at = self.rng.randint(1, steps - 1)
        previous = self.rng.choice(others).id
        return [previous] * moved_at + [unit.id] * (steps - moved_at)

    def _set_update_window(self, pilot: PilotPlan) -> None:
        if pilot.stage in (PilotStage.LEFT, PilotStage.PAUSED):
            pilot.updates_until = min(self.today, pilot.dates[-1] + timedelta(days=10))
        elif pilot.is_account:
            pilot.updates_until = days(self.today, -2)
        elif pilot.open_support:
            pilot.updates_until = days(self.today, -8)
        elif self.rng.random() < 0.12:  # stale: nothing reported for more than 60 days
            pilot.updates_until = days(self.today, -self.rng.randint(STALE_DAYS + 1, 200))

    def plan_update_counts(self, pilots: list[PilotPlan], updates: int) -> None:
        """Share `updates` by the time each Lotse has been reporting and how active the stage is."""
        weights = [max(0, (p.updates_until - p.updates_from).days) * _STAGE_ACTIVITY[p.stage] for p in pilots]
        total = sum(weights) or 1.0
        wanted = updates - 1  # the open request for support comes on top
        for pilot, weight in zip(pilots, weights, strict=True):
            pilot.update_count = int(wanted * weight / total + self.rng.random())
            if pilot.is_account:
                pilot.update_count = max(pilot.update_count, 8)


class UpdateGenerator:
    """Status updates and linked activities per Lotse, yielded in chunks (scale L: ~1.6 M rows)."""

    def __init__(self, *, rng: random.Random, today: date, chunk: int) -> None:
        self.rng = rng
        self.today_ordinal = today.toordinal()
        self.chunk = chunk
        self.next_id = 1
        self.activity_types = [activity_type.value for activity_type in words.ACTIVITY_WEIGHTS]
        self.activity_weights = list(words.ACTIVITY_WEIGHTS.values())

    def chunks(self, pilots: list[PilotPlan]) -> Iterator[tuple[list[Row], list[Row]]]:
        updates: list[Row] = []
        activities: list[Row] = []
        for pilot in pilots:
            self._pilot_updates(pilot, updates, activities)
            if len(updates) >= self.chunk:
                yield updates, activities
                updates, activities = [], []
        yield updates, activities

    def _pilot_updates(self, pilot: PilotPlan, updates: list[Row], activities: list[Row]) -> None:
        first = pilot.updates_from.toordinal()
        span = pilot.updates_until.toordinal() - first
        if span <= 0:
            return
        # Powers below 1 push the draws towards the end: recent months are denser.
        offsets = sorted(int(span * self.rng.random() ** 0.6) for _ in range(pilot.update_count))
        for offset in offsets:
            self._add(pilot, first + offset, updates, activities)
        if pilot.open_support:
            self._add(pilot, self.today_ordinal - 6, updates, activities, open_request=True)

    def _add(
        self,
        pilot: PilotPlan,
        ordinal: int,
        updates: list[Row],
        activities: list[Row],
        open_request: bool = False,
    ) -> None:
        rng = self.rng
        text = rng.choice(words.UPDATE_TEXTS).format(
            topic=rng.choice(words.UPDATE_TOPICS), n=rng.randint(2, 15)
        )
        blocker, support, resolved = None, False, None
        if open_request:
            text, blocker, support = words.SUPPORT_TEXT, words.SUPPORT_BLOCKER, True
        elif rng.random() < 0.05:
            blocker = rng.choice(words.BLOCKERS)
            support = rng.random() < 0.4
            resolved_ordinal = ordinal + rng.randint(2, 28)
            if support and resolved_ordinal <= self.today_ordinal:
                resolved = date.fromordinal(resolved_ordinal)
        updates.append(
            {
                "id": self.next_id,
                "pilot_id": pilot.id,
                "reported_on": date.fromordinal(ordinal),
                "author_id": self._author(pilot),
                "text": text,
                "blocker": blocker,
                "support_wanted": support,
                "support_resolved_on": resolved,
            }
        )
        if rng.random() < 0.45:
            self._add_activities(pilot, ordinal, activities)
        self.next_id += 1

    def _author(self, pilot: PilotPlan) -> int | None:
        # The demo Lotse writes their own; a few others were entered by the CDO-Büro.
        if pilot.is_account:
            return LOTSE_USER_ID
        return CDO_USER_ID if self.rng.random() < 0.07 else None

    def _add_activities(self, pilot: PilotPlan, ordinal: int, activities: list[Row]) -> None:
        rng = self.rng
        earliest = pilot.updates_from.toordinal()
        count = 1 if rng.random() < 0.7 else 2
        for activity_type in rng.choices(self.activity_types, weights=self.activity_weights, k=count):
            activities.append(
                {
                    "pilot_id": pilot.id,
                    "status_update_id": self.next_id,
                    "activity_type": activity_type,
                    "count": rng.choice((1, 1, 1, 2, 2, 3, 4, 5)),
                    "done_on": date.fromordinal(max(earliest, ordinal - rng.randint(0, 10))),
                    "note": None,
                }
            )
