"""Audit rows: written inside the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from model.core import clock
from model.core.tables import AuditEntry

# A create that repeats the same person's last create of the same thing within this time is taken
# for a second tap (or a browser that sent the form again), not for a new record.
REPEAT_WINDOW = timedelta(minutes=10)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _changes_json(changes: dict[str, tuple[Any, Any]] | None) -> str:
    return json.dumps(
        {field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()},
        ensure_ascii=False,
        sort_keys=True,
    )


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
        changes=_changes_json(changes),
    )
    session.add(entry)
    return entry


class AlreadySaved(Exception):  # noqa: N818 - not an error: the record exists, nothing more to do
    """The same person saved exactly this moments ago; it was not stored a second time."""

    def __init__(self, message: str, *, entity_id: str | None = None) -> None:
        super().__init__(message)
        self.entity_id = entity_id


def repeated_create(
    *,
    session: Session,
    actor: str,
    entity: str,
    changes: dict[str, tuple[Any, Any]],
    within: timedelta = REPEAT_WINDOW,
) -> AuditEntry | None:
    """The actor's latest create of `entity` within `within`, if it recorded exactly `changes`.

    Only the latest counts: creating A, then B, then A again is meant, not a repeat.
    """
    latest = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.actor == actor,
            AuditEntry.entity == entity,
            AuditEntry.action == "create",
            AuditEntry.at >= clock.now() - within,
        )
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.changes != _changes_json(changes):
        return None
    return latest


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs, as field → (old, new)."""
    return {key: (before.get(key), value) for key, value in after.items() if before.get(key) != value}
