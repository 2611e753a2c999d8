"""Audit rows: written inside the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from model.tables import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record_audit(
    *,
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object | None,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEntry:
    """Add one audit row (who, what, old → new per field) to the current transaction."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        changes=json.dumps(
            {field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()},
            ensure_ascii=False,
            sort_keys=True,
        ),
    )
    session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs, as field → (old, new)."""
    return {key: (before.get(key), value) for key, value in after.items() if before.get(key) != value}
