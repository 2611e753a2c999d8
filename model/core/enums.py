"""Enumerations of the domain with their German labels: the one place the UI takes them from.

Values are stored as plain strings (stable English codes); `label()` gives the German text.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LOTSE = "lotse"
    LEITUNG = "leitung"


class UnitKind(StrEnum):
    DEZERNAT = "dezernat"
    STABSSTELLE = "stabsstelle"
    AMT = "amt"
    FACHBEREICH = "fachbereich"
    ABTEILUNG = "abteilung"
    EIGENBETRIEB = "eigenbetrieb"
    BETEILIGUNG = "beteiligung"


class PilotStage(StrEnum):
    NOMINATED = "nominated"
    SELECTED = "selected"
    IN_TRAINING = "in_training"
    QUALIFIED = "qualified"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


# Stages that count as "a trained Lotse covers the unit".
COVERING_STAGES = (PilotStage.QUALIFIED, PilotStage.ACTIVE)
# Stages of people still in the programme (they count for the roster).
CURRENT_STAGES = (
    PilotStage.NOMINATED,
    PilotStage.SELECTED,
    PilotStage.IN_TRAINING,
    PilotStage.QUALIFIED,
    PilotStage.ACTIVE,
    PilotStage.PAUSED,
)
# Allowed stage steps (a Lotse or the CDO may only move along these).
STAGE_TRANSITIONS: dict[PilotStage, tuple[PilotStage, ...]] = {
    PilotStage.NOMINATED: (PilotStage.SELECTED, PilotStage.LEFT),
    PilotStage.SELECTED: (PilotStage.IN_TRAINING, PilotStage.PAUSED, PilotStage.LEFT),
    PilotStage.IN_TRAINING: (PilotStage.QUALIFIED, PilotStage.PAUSED, PilotStage.LEFT),
    PilotStage.QUALIFIED: (PilotStage.ACTIVE, PilotStage.PAUSED, PilotStage.LEFT),
    PilotStage.ACTIVE: (PilotStage.PAUSED, PilotStage.LEFT),
    PilotStage.PAUSED: (PilotStage.ACTIVE, PilotStage.IN_TRAINING, PilotStage.LEFT),
    PilotStage.LEFT: (),
}


class PhaseStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    DELAYED = "delayed"
    BLOCKED = "blocked"


class ModuleKind(StrEnum):
    BASE = "base"
    ADVANCED = "advanced"


class ActivityType(StrEnum):
    ADVICE = "advice"
    WORKSHOP = "workshop"
    PILOT_TEST = "pilot_test"
    IDEA = "idea"
    KNOWLEDGE_TRANSFER = "knowledge_transfer"


class Category(StrEnum):
    INTERNAL = "internal"
    EGOV_OZG = "egov_ozg"
    INFRASTRUCTURE = "infrastructure"
    SCHOOLS = "schools"
    INTERMUNICIPAL = "intermunicipal"
    FUNDING = "funding"
    ORGANISATION = "organisation"
    IT_GOVERNANCE = "it_governance"


class MeasureStatus(StrEnum):
    IDEA = "idea"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DEFERRED = "deferred"


class IdeaStatus(StrEnum):
    OPEN = "open"  # waiting for the CDO-Büro: seen only by the CDO-Büro and the author
    ACCEPTED = "accepted"  # taken into the roadmap as a measure
    DECLINED = "declined"  # not taken, with a reason the author sees


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Donor(StrEnum):
    EU = "eu"
    BUND = "bund"
    LAND = "land"
    OTHER = "other"


class FundingStatus(StrEnum):
    IDENTIFIED = "identified"
    APPLIED = "applied"
    GRANTED = "granted"
    REJECTED = "rejected"


class ItTaskArea(StrEnum):
    REQUIREMENTS = "requirements"
    USER_SUPPORT = "user_support"
    APPLICATION_SUPPORT = "application_support"
    IT_COORDINATION = "it_coordination"
    PROJECTS = "projects"
    INFRASTRUCTURE = "infrastructure"


class SollRule(StrEnum):
    PER_UNIT = "per_unit"
    PER_HEADCOUNT = "per_headcount"


# StrEnum members of different enums with the same code are equal (and hash alike), so the
# labels are keyed by (enum type, code), never by the member alone.
_LABEL_PAIRS: tuple[tuple[StrEnum, str], ...] = (
    (Role.ADMIN, "CDO-Büro (Administration)"),
    (Role.LOTSE, "Digitale Lotsin / Digitaler Lotse"),
    (Role.LEITUNG, "Verwaltungsleitung"),
    (UnitKind.DEZERNAT, "Dezernat"),
    (UnitKind.STABSSTELLE, "Stabsstelle"),
    (UnitKind.AMT, "Amt"),
    (UnitKind.FACHBEREICH, "Fachbereich"),
    (UnitKind.ABTEILUNG, "Abteilung"),
    (UnitKind.EIGENBETRIEB, "Eigenbetrieb"),
    (UnitKind.BETEILIGUNG, "Beteiligungsgesellschaft"),
    (PilotStage.NOMINATED, "nominiert"),
    (PilotStage.SELECTED, "ausgewählt"),
    (PilotStage.IN_TRAINING, "in Qualifizierung"),
    (PilotStage.QUALIFIED, "qualifiziert"),
    (PilotStage.ACTIVE, "aktiv"),
    (PilotStage.PAUSED, "pausiert"),
    (PilotStage.LEFT, "ausgeschieden"),
    (PhaseStatus.PLANNED, "geplant"),
    (PhaseStatus.RUNNING, "läuft"),
    (PhaseStatus.DONE, "abgeschlossen"),
    (PhaseStatus.DELAYED, "verzögert"),
    (PhaseStatus.BLOCKED, "blockiert"),
    (ModuleKind.BASE, "Basisqualifizierung"),
    (ModuleKind.ADVANCED, "Aufbaumodul"),
    (ActivityType.ADVICE, "Beratung von Kolleg*innen"),
    (ActivityType.WORKSHOP, "Workshop"),
    (ActivityType.PILOT_TEST, "Projekt getestet"),
    (ActivityType.IDEA, "Idee eingebracht"),
    (ActivityType.KNOWLEDGE_TRANSFER, "Wissenstransfer"),
    (Category.INTERNAL, "Digitalisierung nach innen (Prozesse)"),
    (Category.EGOV_OZG, "E-Government/OZG"),
    (Category.INFRASTRUCTURE, "Infrastruktur & Breitband"),
    (Category.SCHOOLS, "Schulen & Bildung"),
    (Category.INTERMUNICIPAL, "Interkommunale Zusammenarbeit"),
    (Category.FUNDING, "Fördermittel"),
    (Category.ORGANISATION, "Organisation, Kultur & Qualifizierung"),
    (Category.IT_GOVERNANCE, "IT-Steuerung & Strukturen"),
    (MeasureStatus.IDEA, "Idee"),
    (MeasureStatus.PLANNED, "geplant"),
    (MeasureStatus.IN_PROGRESS, "in Umsetzung"),
    (MeasureStatus.DONE, "abgeschlossen"),
    (MeasureStatus.DEFERRED, "zurückgestellt"),
    (IdeaStatus.OPEN, "wird vom CDO-Büro geprüft"),
    (IdeaStatus.ACCEPTED, "in die Roadmap aufgenommen"),
    (IdeaStatus.DECLINED, "nicht aufgenommen"),
    (Rag.GREEN, "grün"),
    (Rag.AMBER, "gelb"),
    (Rag.RED, "rot"),
    (Donor.EU, "EU"),
    (Donor.BUND, "Bund"),
    (Donor.LAND, "Land"),
    (Donor.OTHER, "Sonstige"),
    (FundingStatus.IDENTIFIED, "identifiziert"),
    (FundingStatus.APPLIED, "beantragt"),
    (FundingStatus.GRANTED, "bewilligt"),
    (FundingStatus.REJECTED, "abgelehnt"),
    (ItTaskArea.REQUIREMENTS, "Anforderungsmanagement"),
    (ItTaskArea.USER_SUPPORT, "Anwenderbetreuung/Support"),
    (ItTaskArea.APPLICATION_SUPPORT, "Fachverfahrensbetreuung"),
    (ItTaskArea.IT_COORDINATION, "IT-Koordination"),
    (ItTaskArea.PROJECTS, "Projektarbeit"),
    (ItTaskArea.INFRASTRUCTURE, "Infrastruktur/Betrieb"),
    (SollRule.PER_UNIT, "1 Lotse je Organisationseinheit"),
    (SollRule.PER_HEADCOUNT, "1 Lotse je N Beschäftigte"),
)
LABELS: dict[tuple[type, str], str] = {(type(member), member.value): text for member, text in _LABEL_PAIRS}


def label(value: StrEnum) -> str:
    """German label of an enumeration value."""
    return LABELS[(type(value), value.value)]


def labels_of(enum_type: type[StrEnum]) -> dict[str, str]:
    """Map of stored code → German label, in declaration order."""
    return {member.value: label(member) for member in enum_type}


def from_label(enum_type: type[StrEnum], text: str) -> StrEnum:
    """Enumeration member from its German label or its code (case-insensitive)."""
    wanted = text.strip().casefold()
    for member in enum_type:
        if wanted in (label(member).casefold(), member.value.casefold()):
            return member
    raise ValueError(text)
