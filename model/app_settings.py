"""Configurable rules stored in the database (Soll-Lotsen rule, score weights, demo marker)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from model.audit import record_audit
from model.enums import SollRule
from model.tables import AppSetting

SOLL_RULE_KEY = "soll_rule"
DEMO_KEY = "demo"


@dataclass(frozen=True)
class SollRuleSetting:
    """How many Lotsen a unit should have when no explicit Soll is set."""

    rule: SollRule = SollRule.PER_UNIT
    per_n: int = 100  # Beschäftigte per Lotse for PER_HEADCOUNT


def _read(session: Session, key: str) -> Any | None:
    row = session.get(AppSetting, key)
    return None if row is None else json.loads(row.value)


def soll_rule(*, session: Session) -> SollRuleSetting:
    raw = _read(session, SOLL_RULE_KEY) or {}
    return SollRuleSetting(
        rule=SollRule(raw.get("rule", SollRule.PER_UNIT)), per_n=int(raw.get("per_n", 100))
    )


def set_soll_rule(*, session: Session, setting: SollRuleSetting, actor: str) -> None:
    if setting.per_n < 1 or setting.per_n > 100_000:
        raise ValueError("Die Zahl der Beschäftigten je Lotse muss zwischen 1 und 100.000 liegen.")
    before = soll_rule(session=session)
    value = json.dumps({"rule": setting.rule.value, "per_n": setting.per_n})
    row = session.get(AppSetting, SOLL_RULE_KEY) or AppSetting(key=SOLL_RULE_KEY, value=value)
    row.value = value
    session.add(row)
    record_audit(
        session=session,
        actor=actor,
        action="update",
        entity="app_setting",
        entity_id=SOLL_RULE_KEY,
        changes={"soll_rule": (asdict(before), {"rule": setting.rule.value, "per_n": setting.per_n})},
    )


def is_demo_data(*, session: Session) -> bool:
    return bool(_read(session, DEMO_KEY))
