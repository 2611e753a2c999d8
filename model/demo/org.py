"""The organisation of the demo: Stadt Lotsenhausen, grown by pattern, plus further Kommunen at scale L."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from model.core.enums import ItTaskArea, UnitKind
from model.demo import words
from model.demo.basics import Row, slug, weighted

LOTSENHAUSEN_MAX_UNITS = 400  # the city itself stops at München size; beyond that more Kommunen join
MAX_SUBUNITS = 12


# A Kommune of the programme (below scale L only Lotsenhausen).
@dataclass
class Town:
    name: str
    prefix: str  # "" for Lotsenhausen, "BIFE " for Birkenfeld
    suffix: str  # appended to unit names: "" or " (Birkenfeld)"
    domain: str
    it_code: str
    units: list[Unit] = field(default_factory=list)

    def pilot_units(self) -> list[Unit]:
        """Units that can have Lotsen: active, and not a Dezernat (they are containers)."""
        return [unit for unit in self.units if unit.active and unit.kind != UnitKind.DEZERNAT]


@dataclass
class Unit:
    id: int
    code: str
    label: str  # name without the town suffix
    kind: UnitKind
    parent_id: int | None
    headcount: int
    target_pilots: int | None
    active: bool
    town: Town
    generated: bool  # False for the hand-written core of Lotsenhausen


# All towns and units, units in insert order (parents first).
@dataclass
class Organisation:
    towns: list[Town] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    by_code: dict[str, Unit] = field(default_factory=dict)

    @property
    def city(self) -> Town:
        return self.towns[0]

    def pilot_units(self) -> list[Unit]:
        return [unit for town in self.towns for unit in town.pilot_units()]


def plan_organisation(*, rng: random.Random, unit_target: int) -> Organisation:
    """Lotsenhausen's core; with `unit_target` > 0 grown and joined by Kommunen up to that size."""
    builder = _OrgBuilder(rng)
    builder.build(unit_target)
    return builder.org


def unit_rows(org: Organisation) -> list[Row]:
    return [
        {
            "id": unit.id,
            "code": unit.code,
            "name": unit.label + unit.town.suffix,
            "kind": unit.kind.value,
            "parent_id": unit.parent_id,
            "headcount": unit.headcount,
            "target_pilots": unit.target_pilots,
            "active": unit.active,
            "version": 1,
        }
        for unit in org.units
    ]


def it_staff_rows(*, org: Organisation, rng: random.Random) -> list[Row]:
    """Central IT per town (large) and IT staff in Ämter, including duplicate structures."""
    rows: dict[tuple[int, str], Row] = {}
    for town in org.towns:
        factor = (len(town.units) / len(words.BASE_UNITS)) ** 0.6
        for code, area, fte in words.BASE_IT_STAFF:
            if town is org.city and code != words.IT_UNIT_CODE:
                _add_it(rows, org.by_code[code], area, fte)
            elif code == words.IT_UNIT_CODE:
                _add_it(rows, org.by_code[town.it_code], area, fte * factor)
    for unit in org.units:
        if unit.generated and unit.kind in (UnitKind.AMT, UnitKind.FACHBEREICH) and rng.random() < 0.3:
            for area in _decentral_areas(rng):
                _add_it(rows, unit, area, rng.choice((0.25, 0.5, 0.5, 0.75, 1.0, 1.0, 1.5, 2.0)))
    return list(rows.values())


def _decentral_areas(rng: random.Random) -> list[ItTaskArea]:
    first = weighted(rng, words.DECENTRAL_IT_WEIGHTS)
    if rng.random() < 0.4:
        return [first, rng.choice([area for area in words.DECENTRAL_IT_WEIGHTS if area != first])]
    return [first]


def _add_it(rows: dict[tuple[int, str], Row], unit: Unit, area: ItTaskArea, fte: float) -> None:
    fte = max(0.25, round(fte * 4) / 4)  # VZÄ in quarter steps
    rows[(unit.id, area.value)] = {"unit_id": unit.id, "task_area": area.value, "fte": fte}


class _OrgBuilder:
    """Adds units parent first and gives them ids, so rows can link before they are inserted."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.org = Organisation()

    def build(self, unit_target: int) -> None:
        city = Town(words.CITY, "", "", words.CITY_DOMAIN, words.IT_UNIT_CODE)
        self._add_base_city(city)
        if unit_target:
            self._grow_dezernat_town(city, min(unit_target, LOTSENHAUSEN_MAX_UNITS))
        for town, target, style in self._other_towns(unit_target):
            if style == "fachbereich":
                self._add_fachbereich_town(town, target)
            else:
                self._add_town_core(town)
                self._grow_dezernat_town(town, target)
        self._dissolve_some_units()

    def _add(
        self,
        town: Town,
        code: str,
        label: str,
        kind: UnitKind,
        parent: str | None,
        headcount: int,
        *,
        target: int | None = None,
        active: bool = True,
        generated: bool = True,
    ) -> Unit:
        unit = Unit(
            id=len(self.org.units) + 1,
            code=code,
            label=label,
            kind=kind,
            parent_id=self.org.by_code[parent].id if parent else None,
            headcount=headcount,
            target_pilots=target,
            active=active,
            town=town,
            generated=generated,
        )
        self.org.units.append(unit)
        self.org.by_code[code] = unit
        town.units.append(unit)
        return unit

    def _add_base_city(self, city: Town) -> None:
        self.org.towns.append(city)
        for code, label, kind, parent, headcount, target, active in words.BASE_UNITS:
            self._add(
                city, code, label, kind, parent, headcount, target=target, active=active, generated=False
            )

    def _other_towns(self, unit_target: int) -> list[tuple[Town, int, str]]:
        """Further Kommunen until the unit target is reached (scale L: a Land-wide programme)."""
        towns: list[tuple[Town, int, str]] = []
        total = len(self.org.units)
        names = [(stem + end, a + b) for stem, a in words.TOWN_STEMS for end, b in words.TOWN_ENDINGS]
        for town_name, abbreviation in self.rng.sample(names, len(names)):
            if total >= unit_target - 20:
                break
            target, style = self._town_size()
            kind = "Gemeinde" if style == "fachbereich" else "Stadt"
            town = Town(
                name=f"{kind} {town_name}",
                prefix=f"{abbreviation} ",
                suffix=f" ({town_name})",
                domain=f"{slug(town_name)}.example",
                it_code=f"{abbreviation} " + ("FB 1.1" if style == "fachbereich" else "10.4"),
            )
            self.org.towns.append(town)
            total += target
            towns.append((town, target, style))
        return towns

    def _town_size(self) -> tuple[int, str]:
        draw = self.rng.random()
        if draw < 0.08:
            return self.rng.randint(280, 450), "dezernat"
        if draw < 0.45:
            return self.rng.randint(90, 220), "dezernat"
        return self.rng.randint(25, 65), "fachbereich"

    def _add_town_core(self, town: Town) -> None:
        p, rng = town.prefix, self.rng
        dez_label = f"Dezernat I – {words.DEZERNAT_THEMES[0]}"
        self._add(town, f"{p}Dez I", dez_label, UnitKind.DEZERNAT, None, rng.randint(4, 15))
        self._add(
            town,
            f"{p}CDO",
            "Stabsstelle Digitalisierung",
            UnitKind.STABSSTELLE,
            f"{p}Dez I",
            rng.randint(3, 12),
        )
        self._add(town, f"{p}10", "Hauptamt", UnitKind.AMT, f"{p}Dez I", rng.randint(60, 220))
        it_label = "Hauptamt – Informationstechnik"
        self._add(town, town.it_code, it_label, UnitKind.ABTEILUNG, f"{p}10", rng.randint(12, 90))

    def _grow_dezernat_town(self, town: Town, target: int) -> None:
        dezernate = self._ensure_dezernate(town, max(3, min(12, round(target / 36))))
        self._add_aemter(town, dezernate, min(len(words.AMT_CATALOGUE), max(6, round(target * 0.14))))
        self._add_subunits(town, target, UnitKind.AMT)

    def _ensure_dezernate(self, town: Town, wanted: int) -> list[Unit]:
        dezernate = [unit for unit in town.units if unit.kind == UnitKind.DEZERNAT]
        for index in range(len(dezernate), wanted):
            roman = words.ROMAN[index]
            label = f"Dezernat {roman} – {words.DEZERNAT_THEMES[index]}"
            code = f"{town.prefix}Dez {roman}"
            dezernate.append(self._add(town, code, label, UnitKind.DEZERNAT, None, self.rng.randint(4, 15)))
        return dezernate

    def _add_aemter(self, town: Town, dezernate: list[Unit], wanted: int) -> None:
        present = {unit.code for unit in town.units}
        have = sum(1 for unit in town.units if unit.kind == UnitKind.AMT)
        missing = [entry for entry in words.AMT_CATALOGUE if town.prefix + entry[0] not in present]
        chosen = self.rng.sample(missing, max(0, min(len(missing), wanted - have)))
        for number, label, theme, fallback, size in sorted(chosen, key=words.AMT_CATALOGUE.index):
            parent = dezernate[theme] if theme < len(dezernate) else dezernate[fallback % len(dezernate)]
            low, high = words.HEADCOUNT_BY_SIZE[size]
            target = self.rng.randint(2, 4) if self.rng.random() < 0.03 else None  # a few explicit Soll
            headcount = self.rng.randint(low, high)
            self._add(town, town.prefix + number, label, UnitKind.AMT, parent.code, headcount, target=target)

    def _add_fachbereich_town(self, town: Town, target: int) -> None:
        for index in range(4 if target < 35 else 5 if target < 50 else 6):
            label = f"Fachbereich {index + 1} – {words.FB_THEMES[index]}"
            code = f"{town.prefix}FB {index + 1}"
            self._add(town, code, label, UnitKind.FACHBEREICH, None, self.rng.randint(30, 160))
        it_label = f"Fachbereich 1 – {words.FB_TOPICS[0][0]}"
        parent = f"{town.prefix}FB 1"
        self._add(town, town.it_code, it_label, UnitKind.ABTEILUNG, parent, self.rng.randint(8, 14))
        self._add_subunits(town, target, UnitKind.FACHBEREICH)

    def _add_subunits(self, town: Town, target: int, parent_kind: UnitKind) -> None:
        """Abteilungen (or Fachdienste) under the larger Ämter until the town has `target` units."""
        parents = [unit for unit in town.units if unit.kind == parent_kind and unit.active]
        weights = [unit.headcount**0.5 for unit in parents]
        children: dict[int, list[Unit]] = {unit.id: [] for unit in parents}
        for unit in town.units:
            if unit.parent_id in children:
                children[unit.parent_id].append(unit)
        attempts = 0
        while len(town.units) < target and attempts < target * 20:
            attempts += 1
            parent = self.rng.choices(parents, weights=weights)[0]
            if len(children[parent.id]) < MAX_SUBUNITS:
                children[parent.id].append(self._add_subunit(town, parent, children[parent.id]))

    def _add_subunit(self, town: Town, parent: Unit, siblings: list[Unit]) -> Unit:
        used_numbers = {sibling.code.rsplit(".", 1)[-1] for sibling in siblings}
        number = next(n for n in range(1, 100) if str(n) not in used_numbers)
        base = parent.label.split(" – ")[0]
        used_labels = {sibling.label for sibling in siblings}
        topics = (t for t in self._topics(town, parent) if f"{base} – {t}" not in used_labels)
        label = f"{base} – {next(topics, f'Sachgebiet {number}')}"
        high = 40 if parent.kind == UnitKind.FACHBEREICH else 120
        headcount = self.rng.randint(8, max(12, min(high, parent.headcount // 2)))
        return self._add(town, f"{parent.code}.{number}", label, UnitKind.ABTEILUNG, parent.code, headcount)

    def _topics(self, town: Town, parent: Unit) -> tuple[str, ...]:
        local = parent.code[len(town.prefix) :]
        if parent.kind == UnitKind.FACHBEREICH:
            return words.FB_TOPICS[int(local.split()[-1]) - 1] + words.GENERIC_TOPICS
        return words.AMT_TOPICS.get(local, ()) + words.GENERIC_TOPICS

    def _dissolve_some_units(self) -> None:
        # A few generated Abteilungen were dissolved (inactive), like 12 and 51.3 in the city core.
        for unit in self.org.units:
            if unit.generated and unit.kind == UnitKind.ABTEILUNG and self.rng.random() < 0.01:
                unit.active = False
