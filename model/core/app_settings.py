"""Configurable rules stored in the database (Soll-Lotsen rule, score weights, demo marker)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from model.core.audit import record_audit
from model.core.enums import SollRule
from model.core.guard import check_version, refuse_stale
from model.core.tables import AppSetting

SOLL_RULE_KEY = "soll_rule"
DEMO_KEY = "demo"


@dataclass(frozen=True)
class SollRuleSetting:
    """How many Lotsen a unit should have when no explicit Soll is set."""

    rule: SollRule = SollRule.PER_UNIT
    per_n: int = 100  # Beschäftigte per Lotse for PER_HEADCOUNT


def _read(session: Session, key: str, *, for_update: bool = False) -> Any | None:
    row = session.get(AppSetting, key, with_for_update=for_update or None)
    return None if row is None else json.loads(row.value)


def version_of(*, session: Session, key: str) -> int:
    """The version of a setting as a form shows it: 0 while it is not stored (the defaults apply)."""
    row = session.get(AppSetting, key)
    return 0 if row is None else row.version


def check_setting_version(*, session: Session, key: str, expected: int, what: str) -> None:
    """StaleEditError if the setting was stored since the form showed version `expected`."""
    check_version(current=version_of(session=session, key=key), expected=expected, what=what)


def store(*, session: Session, key: str, value: str, what: str) -> None:
    """Write a setting in the caller's transaction; a stored one gets the next version.

    The first value of a setting is an insert: if another admin inserted it at the same moment
    (possible on PostgreSQL, where no row exists to lock yet), the later one is refused.
    """
    row = session.get(AppSetting, key)
    if row is not None:
        row.value = value
        row.version += 1
        session.add(row)
        return
    try:
        with session.begin_nested():
            session.add(AppSetting(key=key, value=value))
    except IntegrityError:
        refuse_stale(what=what)


def soll_rule(*, session: Session, for_update: bool = False) -> SollRuleSetting:
    """The rule in force; `for_update` locks the stored row until the transaction ends."""
    raw = _read(session, SOLL_RULE_KEY, for_update=for_update) or {}
    return SollRuleSetting(
        rule=SollRule(raw.get("rule", SollRule.PER_UNIT)), per_n=int(raw.get("per_n", 100))
    )


def set_soll_rule(*, session: Session, setting: SollRuleSetting, actor: str) -> None:
    if setting.per_n < 1 or setting.per_n > 100_000:
        raise ValueError("Die Zahl der Beschäftigten je Lotse muss zwischen 1 und 100.000 liegen.")
    before = soll_rule(session=session)
    value = json.dumps({"rule": setting.rule.value, "per_n": setting.per_n})
    store(session=session, key=SOLL_RULE_KEY, value=value, what="Die Soll-Lotsen-Regel")
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
