"""Records an admin keeps in a list (milestones, gate decisions, training modules): created, changed and
deleted alike, each with its audit row and the version its form showed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from model.core.audit import diff, record_audit
from model.core.guard import AdminError, check_version, refuse_repeat

# Each kind is created, changed and deleted alike: an edit or delete names the version its form
# showed (`expected_version`) and is refused (StaleEditError) if someone saved the record since.


@dataclass(frozen=True)
class RecordKind:
    model: Any
    fields: tuple[str, ...]
    entity: str  # the audit log's entity name
    missing: str  # German message when the record is gone
    what: str  # German subject of the conflict message
    named_by: str | None = None  # the field that names a record in messages


def create_record(
    session: Session,
    kind: RecordKind,
    *,
    clean: dict[str, Any],
    actor: str,
    check_unique: Callable[[], None] = lambda: None,
) -> Any:
    """A new record with its audit row.

    A create the same admin just saved identically is not stored again (AlreadySaved); only then
    `check_unique` runs (the first save holds the name the repeat would find taken).
    """
    created = {k: (None, v) for k, v in clean.items()}
    what = kind.what if kind.named_by is None else f"{kind.what} „{clean[kind.named_by]}“"
    refuse_repeat(
        session=session, actor=actor, entity=kind.entity, changes=created, model=kind.model, what=what
    )
    check_unique()
    row = kind.model(**clean)
    session.add(row)
    session.flush()
    record_audit(
        session=session, actor=actor, action="create", entity=kind.entity, entity_id=row.id, changes=created
    )
    return row


def current_record(session: Session, kind: RecordKind, record_id: int, expected_version: int) -> Any:
    """The record, locked for this transaction; StaleEditError if it changed since `expected_version`."""
    row = session.get(kind.model, record_id, with_for_update=True)
    if row is None:
        raise AdminError(kind.missing)
    check_version(current=row.version, expected=expected_version, what=kind.what)
    return row


def update_record(
    session: Session,
    kind: RecordKind,
    *,
    record_id: int,
    expected_version: int,
    clean: dict[str, Any],
    actor: str,
    check_unique: Callable[[], None] = lambda: None,
) -> Any:
    """Change a record, with its audit row; refused if someone saved it since `expected_version`."""
    row = current_record(session, kind, record_id, expected_version)
    check_unique()
    changes = diff({name: getattr(row, name) for name in kind.fields}, clean)
    if not changes:
        raise AdminError("Es wurde nichts geändert.")
    for key, (_old, new) in changes.items():
        setattr(row, key, new)
    row.version += 1
    session.add(row)
    record_audit(
        session=session, actor=actor, action="update", entity=kind.entity, entity_id=row.id, changes=changes
    )
    return row


def delete_record(
    session: Session, kind: RecordKind, *, record_id: int, expected_version: int, actor: str
) -> None:
    row = current_record(session, kind, record_id, expected_version)
    before = {name: getattr(row, name) for name in kind.fields}
    record_audit(
        session=session,
        actor=actor,
        action="delete",
        entity=kind.entity,
        entity_id=row.id,
        changes={k: (v, None) for k, v in before.items()},
    )
    session.delete(row)
